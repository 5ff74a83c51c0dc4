// `help`: what can be asked, one row a command (what it does, then examples from this channel's own
// partnership, so each example answers here), and how to ask privately.
import { commands, type Command } from '../src/core/dispatch.ts';
import { channelExamples, examplePlaces } from '../src/resolve/examples.ts';

/** How each command is typed, for the first column ("/crime top <topic> [place] [period]"). */
const FORMS: Record<string, string> = {
  '': '<place> [topic] [period]',
  top: 'top <topic> [place] [period]',
  compare: 'compare <place> <place> [topic] [period]',
  map: 'map <topic> [place] [period]',
  alerts: 'alerts',
  brief: 'brief [summary] [partnership]',
  mute: 'mute <place/topic> for <n> days because <reason>',
  unmute: 'unmute <id> | all',
  help: 'help',
};

const help: Command = {
  name: 'help',
  summary: 'what you can ask',
  usage: ['help'],
  async run(_args, ctx) {
    const all = (await commands()).filter((c) => c.name !== 'help');
    const rows = await channelExamples(ctx, all);
    const places = await examplePlaces(ctx);
    const p = ctx.prefix;
    // Two columns (the form, then what it does and this channel's examples), so a narrow screen keeps
    // the description readable.
    const table = {
      columns: ['Ask', 'What it does'],
      rows: rows.map(({ command, examples }) => {
        const form = FORMS[command.name ?? ''] ?? command.usage[0] ?? command.name ?? '';
        // No "Try" that only repeats the form (`alerts`).
        const tries = examples.slice(0, 3).filter((e) => e !== form);
        return [`${p} ${form}`, `${command.summary}${tries.length ? `. Try: ${tries.map((e) => `${p} ${e}`).join(' · ')}` : ''}`];
      }),
    };
    const first = (c: Command | undefined) => (c ? rows.find((r) => r.command === c)?.examples[0] : undefined);
    const ask = all.find((c) => c.name === null);
    const top = all.find((c) => c.name === 'top');
    return {
      kind: 'help',
      title: 'Wardwatch: what you can ask',
      summary:
        `This channel sees ${ctx.partnership.name}. Ask about a place (a ward or district, by name or ONS code), then optionally a topic ("asb", "dwelling burglary") and a period ("last month", "${places?.yearEnd ?? 'ye mar'}", "${places?.yearLabel ?? '2023/24'}" for this partnership's reporting year, "fytd" for its year so far, "calendar year 2023"). ` +
        `A place in this partnership comes before a month of the same name: for the month, add the year ("march 2024"). ` +
        `Add \`private\` to see an answer alone: \`${p} ${first(ask) ?? 'market ward'} private\`.`,
      figures: [],
      table,
      notes: [],
      actions: [first(ask), first(top)].filter((c): c is string => !!c).map((command) => ({ label: command, command })),
      ephemeral: true,
      data: { places },
    };
  },
};

export default help;
