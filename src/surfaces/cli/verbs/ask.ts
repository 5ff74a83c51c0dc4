// `wardwatch ask "<text>" [--channel NAME] [--json] [--png FILE]`: runs a /crime command exactly as
// the bot would, as a configured channel (default: a local channel cleared for everything).
import { writeFileSync } from 'node:fs';
import { loadConfig } from '../../../config/load.ts';
import { resolveChannel } from '../../../core/context.ts';
import { handleQuestion } from '../../../core/conversation.ts';
import { UserError } from '../../../core/errors.ts';
import type { Reply } from '../../../core/reply.ts';
import { userInfo } from 'node:os';
import { openStore } from '../../../store/open.ts';
import { renderReplyText, replyJson } from '../text.ts';
import type { Verb } from '../main.ts';

const USAGE = `usage: wardwatch ask "<text>" [--channel NAME] [--json] [--png FILE]

Answers what a user would type after /crime ("market ward", "top asb cambridge",
"compare market abbey burglary") from the store ($WARDWATCH_DB, default ./data/wardwatch.sqlite).

  --channel NAME  answer as this configured channel (its partnership, clearance and measures);
                  default: a local channel cleared for everything
  --json          print the reply as JSON (area, measure, latestMonth, figures, series, notes, suppressed)
  --png FILE      write the reply's chart as a PNG

Exit status: 0 answered, 1 refused or failed (outside the channel's partnership, not cleared,
no data, not understood), 3 needs a choice (the place named more than one area).`;

const verb: Verb = {
  summary: 'answer a /crime command as the bot would',
  async run(args) {
    let channel: string | undefined;
    let json = false;
    let png: string | undefined;
    const words: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a === '--help' || a === '-h') {
        console.log(USAGE);
        return 0;
      } else if (a === '--json') json = true;
      else if (a === '--channel') {
        channel = args[++i];
        if (!channel) throw new UserError('--channel needs a channel name');
      } else if (a === '--png') {
        png = args[++i];
        if (!png) throw new UserError('--png needs a file name');
      } else if (a.startsWith('--')) throw new UserError(`unknown option ${a}\n\n${USAGE}`);
      else words.push(a);
    }
    const text = words.join(' ').replace(/^\/?crime\s+/i, '');
    const { config } = loadConfig();
    const asChannel = resolveChannel(config, channel);
    const store = await openStore();
    try {
      if (await store.isEmpty()) throw new UserError('the store is empty: run `wardwatch ingest --fixtures` first (or set WARDWATCH_DB or WARDWATCH_DATABASE_URL)');
      // The terminal is a surface like any other: the one conversation handler answers, the CLI prints.
      let answered: Reply | undefined;
      let apology: string | undefined;
      await handleQuestion(
        { surface: 'cli', userId: safeUser(), channel: asChannel, text },
        {
          prefix: '/crime',
          canAnswerPrivately: true,
          async deliver(reply) {
            answered = reply;
          },
          async apologise(reason) {
            apology = reason;
          },
        },
        { store, config },
      );
      if (!answered) throw new Error(apology ?? 'the question could not be answered');
      const reply: Reply = answered;
      let chartFile: string | undefined;
      if (png) {
        if (!reply.chart) console.error('wardwatch ask: this reply has no chart; no PNG written');
        else {
          const { renderAnyChart } = await import('../../../service/charts.ts');
          writeFileSync(png, await renderAnyChart(store, reply.chart, 'full'));
          chartFile = png;
        }
      }
      console.log(json ? JSON.stringify(replyJson(reply), null, 2) : renderReplyText(reply, chartFile ? { chartFile } : {}));
      // A refusal or an error exits 1; a question that needs a choice ("which Chesterton?") exits 3.
      return reply.kind === 'error' ? 1 : reply.kind === 'choices' ? 3 : 0;
    } finally {
      await store.close();
    }
  },
};

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'cli';
  }
}

export default verb;
