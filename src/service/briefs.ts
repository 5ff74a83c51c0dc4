// Scheduled briefs and monthly summaries, through the outbox.
//  - Briefs: a daily job at `schedule.briefTime` (Europe/London by default) finds each partnership meeting
//    whose brief day is today (`briefDaysBefore` working days before it: weekends and England and Wales
//    bank holidays skipped) and enqueues the brief for the partnership's chair channel, once
//    (idempotency key brief:<partnership>:<meeting date>), not before that day's brief time. Fires are
//    claimed in the store like every scheduled job, so across replicas each day runs once; a day missed
//    while no replica ran is caught up, and a brief whose day passed before the meeting goes out late, saying so.
//  - Summaries: a data-event consumer enqueues the monthly summary for each channel of each partnership
//    when a police.uk month lands (key summary:<partnership>:<channel>:<month>), unless the partnership's
//    `monthlySummary` says it goes with the alert digest (alerting adds it there) or is off.
//  - The PDF: drawn on demand from a reply's attachment descriptor, by whichever replica posts or serves it.
import type { Config } from '../config/schema.ts';
import { defaultLocalChannel } from '../config/load.ts';
import { makeContext } from '../core/context.ts';
import { UserError } from '../core/errors.ts';
import { compareMonths, dayInZone, dayWords, workingDaysBefore, zonedInstant, type IsoDay, type Month } from '../core/periods.ts';
import type { ReplyAttachment } from '../core/reply.ts';
import { bankHolidays } from '../brief/bank-holidays.ts';
import { buildBrief, type BriefModel } from '../brief/brief.ts';
import { briefCard } from '../brief/card.ts';
import { buildMonthlySummary } from '../brief/summary.ts';
import type { DataEvent, NewOutboxMessage, Store } from '../store/types.ts';
import { renderBriefPdf } from '../surfaces/pdf/render.ts';
import { chartRendererFor } from './charts.ts';
import type { Job } from './scheduler.ts';

export interface DueBrief {
  partnership: string;
  meetingDate: IsoDay;
  briefDay: IsoDay;
  channel: string;
  /** The brief day has passed (no replica ran then): posted now, before the meeting, and it says so. */
  late: boolean;
}

/** The working day a meeting's brief is due on. */
export function briefDayFor(meetingDate: IsoDay, workingDays: number, holidays: ReadonlySet<IsoDay> = bankHolidays().days): IsoDay {
  return workingDaysBefore(meetingDate, workingDays, holidays);
}

/** The briefs due on `today` (and those whose day passed before a meeting still to come). */
export function dueBriefs(config: Config, today: IsoDay, holidays: ReadonlySet<IsoDay> = bankHolidays().days): DueBrief[] {
  const out: DueBrief[] = [];
  for (const p of config.partnerships) {
    if (!p.chairChannel) continue;
    for (const meetingDate of p.meetingDates) {
      const briefDay = briefDayFor(meetingDate, p.briefDaysBefore, holidays);
      if (briefDay > today || meetingDate <= today) continue;
      out.push({ partnership: p.id, meetingDate, briefDay, channel: p.chairChannel, late: briefDay < today });
    }
  }
  return out;
}

export function briefKey(partnership: string, meetingDate: IsoDay): string {
  return `brief:${partnership}:${meetingDate}`;
}

export function summaryKey(partnership: string, channel: string, month: Month): string {
  return `summary:${partnership}:${channel}:${month}`;
}

/** Enqueues the briefs due at `now` (London day); returns the keys enqueued now. */
export async function enqueueDueBriefs(deps: { store: Store; config: Config; now: Date; holidays?: ReadonlySet<IsoDay>; log?: (line: string) => void }): Promise<string[]> {
  const { store, config, now } = deps;
  const today = dayInZone(now, config.timezone);
  const enqueued: string[] = [];
  for (const due of dueBriefs(config, today, deps.holidays)) {
    const key = briefKey(due.partnership, due.meetingDate);
    if (await store.outboxByKey(key)) continue; // already enqueued (by this or another replica)
    const ctx = makeContext({ store, config, channel: due.channel, now });
    const model = await buildBrief(ctx, { meetingDate: due.meetingDate });
    const late = due.late ? `This brief was due on ${dayWords(due.briefDay)}; it is posted late because the service was not running then.` : null;
    const message: NewOutboxMessage = {
      idempotencyKey: key,
      channel: due.channel,
      kind: 'brief',
      reply: briefCard(model, due.channel, { late }),
      notBefore: (due.late ? now : zonedInstant(due.briefDay, config.schedule.briefTime, config.timezone)).toISOString(),
    };
    const { inserted } = await store.enqueueOutbox([message]);
    if (inserted) {
      enqueued.push(key);
      deps.log?.(`briefs: ${key} enqueued for #${due.channel}${due.late ? ' (late)' : ''}`);
    }
  }
  return enqueued;
}

/** The daily brief job for the scheduler: cron at `schedule.briefTime` in the configured zone. */
export function briefsJob(deps: { store: Store; config: Config; log?: (line: string) => void; holidays?: ReadonlySet<IsoDay> }): Job {
  const [hh, mm] = deps.config.schedule.briefTime.split(':').map(Number) as [number, number];
  return {
    name: 'briefs',
    cron: `${mm} ${hh} * * *`,
    description: "posts each partnership's pre-meeting brief to its chair channel, briefDaysBefore working days before the meeting",
    catchUpMs: 20 * 3600_000,
    async run(ctx) {
      // The day is the scheduled fire's London day, so a catch-up run after midnight still posts that day's brief.
      await enqueueDueBriefs({
        store: deps.store,
        config: deps.config,
        now: ctx.fireAt,
        ...(deps.holidays ? { holidays: deps.holidays } : {}),
        ...(deps.log ? { log: deps.log } : {}),
      });
    },
  };
}

/** The data-event consumer that enqueues monthly summaries when a police.uk month lands. */
export function summaryConsumer(deps: { store: Store; config: Config; now?: () => Date; log?: (line: string) => void }): (events: DataEvent[]) => Promise<number> {
  return async (events) => {
    const landed = events.filter((e) => e.kind === 'landed' && e.source === 'police.uk').map((e) => e.month);
    if (!landed.length) return 0;
    // One summary for the newest month of the batch (a backfill of years is not twelve summaries), and only
    // when it is the newest month held: a late-arriving old month is no news for the channels.
    const month = [...landed].sort(compareMonths).at(-1)!;
    const held = await deps.store.months('police.uk');
    if (held.at(-1) !== month) return 0;
    const now = deps.now?.() ?? new Date();
    const messages: NewOutboxMessage[] = [];
    for (const p of deps.config.partnerships) {
      if (p.monthlySummary !== 'own-message') continue;
      for (const channel of deps.config.channels.filter((c) => c.partnership === p.id)) {
        const ctx = makeContext({ store: deps.store, config: deps.config, channel, now });
        messages.push({ idempotencyKey: summaryKey(p.id, channel.name, month), channel: channel.name, kind: 'summary', reply: await buildMonthlySummary(ctx, { month }) });
      }
    }
    if (!messages.length) return 0;
    const { inserted } = await deps.store.enqueueOutbox(messages);
    deps.log?.(`summaries: ${inserted} monthly summar${inserted === 1 ? 'y' : 'ies'} for ${month} enqueued`);
    return inserted;
  };
}

/** The brief a reply's attachment names, drawn for its channel (the channel must be configured; the CLI's own is allowed). */
export async function briefForAttachment(store: Store, config: Config, attachment: ReplyAttachment, now: Date = new Date()): Promise<BriefModel> {
  const local = defaultLocalChannel(config);
  const channel = attachment.channel === local.name ? local : attachment.channel;
  const ctx = makeContext({ store, config, channel, now });
  const partnership = config.partnerships.find((p) => p.id === attachment.partnership);
  if (!partnership) throw new UserError(`no partnership "${attachment.partnership}" in the configuration`);
  if (!partnership.areas.every((a) => ctx.partnership.areas.includes(a))) throw new UserError(`channel "${ctx.channel.name}" may not see ${partnership.name}'s brief`);
  return buildBrief({ ...ctx, partnership }, { month: attachment.month, meetingDate: attachment.meetingDate ?? null });
}

/** Draws a brief's PDF with the one chart renderer (charts and the ward map); the CLI's way to the PDF surface. */
export function drawBriefPdf(store: Store, model: BriefModel, onProgress?: (done: number, total: number, label: string) => void): Promise<Buffer> {
  return renderBriefPdf(model, { renderChart: chartRendererFor(store), ...(onProgress ? { onProgress } : {}) });
}

/** Draws the PDF a reply's attachment names: what surfaces call to upload or serve it. */
export function briefPdfRenderer(store: Store, config: Config, now: () => Date = () => new Date()): (attachment: ReplyAttachment) => Promise<Buffer> {
  return async (attachment) => renderBriefPdf(await briefForAttachment(store, config, attachment, now()), { renderChart: chartRendererFor(store) });
}
