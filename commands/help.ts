// `help`: what can be asked, with examples from every command.
import { commands, type Command } from '../src/core/dispatch.ts';

const help: Command = {
  name: 'help',
  summary: 'what you can ask',
  usage: ['help'],
  async run(_args, ctx) {
    const all = await commands();
    const lines = all.flatMap((c) => c.usage.map((u) => ({ example: `${ctx.prefix} ${u}`, summary: c.summary })));
    return {
      kind: 'help',
      title: 'Wardwatch: what you can ask',
      summary: `This channel sees ${ctx.partnership.name}. Places can be wards or districts, by name or code; topics are crime types or partnership measures ("asb", "dwelling burglary", "bike theft").`,
      figures: [],
      table: { columns: ['Ask', 'What it does'], rows: lines.map((l) => [l.example, l.summary]) },
      notes: ['Source: police.uk street-level crime (Open Government Licence v3.0) and the partnership extract where loaded.'],
      actions: [
        { label: 'Market ward', command: 'market ward' },
        { label: 'Top ASB wards', command: 'top asb' },
      ],
      ephemeral: true,
    };
  },
};

export default help;
