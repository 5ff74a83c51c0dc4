// `wardwatch brief <partnership> [--month YYYY-MM] [--meeting YYYY-MM-DD] [--channel NAME] [--out FILE.pdf] [--json] [--summary]`:
// the chair's brief as the bot would post it, drawn for a channel (default: a local channel cleared for
// everything), written as a PDF; or its model as JSON; or the monthly summary as text.
import { writeFileSync } from 'node:fs';
import { loadConfig } from '../../../config/load.ts';
import { makeContext } from '../../../core/context.ts';
import { UserError } from '../../../core/errors.ts';
import { dayInZone, isDay, isMonth } from '../../../core/periods.ts';
import { openStore } from '../../../store/open.ts';
import { buildBrief, nextMeeting } from '../../../brief/brief.ts';
import { briefAttachment } from '../../../brief/card.ts';
import { buildMonthlySummary } from '../../../brief/summary.ts';
import { drawBriefPdf } from '../../../service/briefs.ts';
import { createProgress } from '../progress.ts';
import { renderReplyText, replyJson } from '../text.ts';
import type { Verb } from '../main.ts';

const USAGE = `usage: wardwatch brief <partnership> [--month YYYY-MM] [--meeting YYYY-MM-DD] [--channel NAME]
                       [--out FILE.pdf] [--json] [--summary]

Draws the chair's pre-meeting brief for a partnership (its id, e.g. "cambridge") from the store, as a
multi-page A4 PDF: cover, scanning table, priorities, notable ward changes, ward map, hotspots, alerts
since the last meeting, caveats and charts.

  --month YYYY-MM       the latest month of data to use (default: the latest loaded)
  --meeting YYYY-MM-DD  the meeting it is for (default: the partnership's next configured meeting)
  --channel NAME        draw it for this configured channel's clearance and measures
                        (default: a local channel cleared for everything)
  --out FILE.pdf        where to write the PDF (default: <partnership>-brief-<meeting or month>.pdf)
  --json                print the brief's figures as JSON instead of writing a PDF
  --summary             print the monthly summary (as posted when a month lands) instead`;

const verb: Verb = {
  summary: "draw a partnership's pre-meeting brief as a PDF",
  async run(args) {
    let month: string | undefined;
    let meeting: string | undefined;
    let channel: string | undefined;
    let out: string | undefined;
    let json = false;
    let summary = false;
    const words: string[] = [];
    const value = (i: number, flag: string) => {
      const v = args[i];
      if (!v || v.startsWith('--')) throw new UserError(`${flag} needs a value\n\n${USAGE}`);
      return v;
    };
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a === '--help' || a === '-h') {
        console.log(USAGE);
        return 0;
      } else if (a === '--month') month = value(++i, a);
      else if (a === '--meeting') meeting = value(++i, a);
      else if (a === '--channel') channel = value(++i, a);
      else if (a === '--out') out = value(++i, a);
      else if (a === '--json') json = true;
      else if (a === '--summary') summary = true;
      else if (a.startsWith('--')) throw new UserError(`unknown option ${a}\n\n${USAGE}`);
      else words.push(a);
    }
    if (month !== undefined && !isMonth(month)) throw new UserError(`--month: expected a month as YYYY-MM, found "${month}"`);
    if (meeting !== undefined && !isDay(meeting)) throw new UserError(`--meeting: expected a date as YYYY-MM-DD, found "${meeting}"`);
    const { config } = loadConfig();
    const id = words.join(' ').trim().toLowerCase();
    if (!id) throw new UserError(`name a partnership: ${config.partnerships.map((p) => p.id).join(', ')}\n\n${USAGE}`);
    const partnership = config.partnerships.find((p) => p.id === id || p.name.toLowerCase() === id);
    if (!partnership) throw new UserError(`no partnership "${id}" in the configuration (known: ${config.partnerships.map((p) => p.id).join(', ')})`);
    const store = await openStore();
    try {
      if (await store.isEmpty()) throw new UserError('the store is empty: run `wardwatch ingest --fixtures` first (or set WARDWATCH_DB or WARDWATCH_DATABASE_URL)');
      const base = makeContext({ store, config, channel });
      if (!partnership.areas.every((a) => base.partnership.areas.includes(a)))
        throw new UserError(`channel "${base.channel.name}" (${base.partnership.name}) may not see ${partnership.name}'s brief`);
      const ctx = { ...base, partnership };
      if (summary) {
        const reply = await buildMonthlySummary(ctx, month ? { month } : {});
        console.log(json ? JSON.stringify(replyJson(reply), null, 2) : renderReplyText(reply));
        return 0;
      }
      const started = performance.now();
      const progress = createProgress('brief');
      progress.update(0, 1, 'reading the figures');
      const meetingDate = meeting ?? nextMeeting(partnership.meetingDates, dayInZone(ctx.now, config.timezone));
      const model = await buildBrief(ctx, { ...(month ? { month } : {}), meetingDate });
      if (json) {
        progress.done();
        const { charts, map, ...rest } = model;
        console.log(
          JSON.stringify(
            {
              ...rest,
              scanning: rest.scanning.map(({ series: _s, ...r }) => r),
              map: map ? { title: map.request.title, alt: map.alt } : null,
              charts: charts.map((c) => ({ kind: c.request.kind, caption: c.caption, alt: c.alt })),
            },
            null,
            2,
          ),
        );
        return 0;
      }
      const pdf = await drawBriefPdf(store, model, (done, total, label) => progress.update(done, total, label));
      const file = out ?? briefAttachment(model, ctx.channel.name).filename;
      writeFileSync(file, pdf);
      const pages = (pdf.toString('latin1').match(/\/Type \/Page\b(?!s)/g) ?? []).length;
      progress.done(
        `Wrote ${file}: ${pages} pages, ${Math.round(pdf.length / 1024)} KB, in ${((performance.now() - started) / 1000).toFixed(1)} s (figures to ${model.coverage.dataTo}, for #${ctx.channel.name}).`,
      );
      return 0;
    } finally {
      await store.close();
    }
  },
};

export default verb;
