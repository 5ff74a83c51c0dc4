// The alerting pipeline, run once per data release (a month landing or being revised), not on a clock.
// This file runs the stages in order; each lives in its own module:
//   evaluate the rules (evaluate.ts) -> alert states with pending and keep-firing months (states.ts), as
//   the alert episodes to save (episodes.ts) -> inhibition (inhibit.ts) -> the notification log decides
//   what each channel is told: new, still open, back to normal or withdrawn, and what mutes hold back
//   (notification-log.ts, Alertmanager's needsUpdate, adapted) -> one digest per (partnership, channel,
//   month) and corrections (messages.ts, worded by digest.ts) -> the outbox; what mutes held is posted as
//   they end (held.ts).
// The alert states, the log entries and the outbox messages are written in one store transaction, with
// keys that make a second run for the same release write nothing (a restart, a second replica, the CLI).
import type { Config } from '../config/schema.ts';
import { monthName, type Month } from '../core/periods.ts';
import type { AlertRecord, NewOutboxMessage, Store } from '../store/types.ts';
import { episodeChanges, withdrawnByOlderRevision } from './episodes.ts';
import { evaluateRules } from './evaluate.ts';
import { releaseHeldAlerts } from './held.ts';
import { dataQualityProblems, inhibit, type DataQualityProblem, type Inhibited } from './inhibit.ts';
import { channelMessages, digestLines, foldedSummaries } from './messages.ts';
import { activeMutes } from './mutes.ts';
import { channelNews, monthNoticeKey, type NewNotice } from './notification-log.ts';
import { digestJson, findingJson, storedFindingJson, type DigestJson, type FindingJson } from './result-json.ts';
import type { AlertRule } from './rules.ts';

export interface PipelineOptions {
  store: Store;
  config: Config;
  rules: readonly AlertRule[];
  month: Month;
  /** What started it: a month that landed, a revised month, or `wardwatch alerts`. */
  trigger: 'landed' | 'revised' | 'manual';
  /** Evaluate and compose, write nothing. */
  dryRun?: boolean;
  now?: Date;
  /** Data sources the release brought, for the digest's first line. */
  sources?: string[];
  synthetic?: boolean;
  /** Operator log lines (alerts closed because their rule was removed). */
  log?: (line: string) => void;
}

export interface PipelineResult {
  month: Month;
  findings: FindingJson[];
  digests: DigestJson[];
  /** Everything the run would enqueue (digests, updates, corrections, released mutes). */
  messages: NewOutboxMessage[];
  /** What the outbox took (0 on a second run for the same release, and always on a dry run). */
  enqueued: number;
  inhibited: Inhibited[];
  quality: DataQualityProblem[];
}

/**
 * Runs the pipeline for one month. Returns what it found and composed; writes (unless dryRun) the alert
 * states, the notification log and the outbox messages together.
 */
export async function runAlertPipeline(options: PipelineOptions): Promise<PipelineResult> {
  const { store, config, month } = options;
  const now = options.now ?? new Date();
  const findings = await evaluateRules({ store, config, rules: options.rules, month });
  const quality = await dataQualityProblems(store, config, month);
  const { inhibited } = inhibit(findings, quality);
  const inhibitedBy = new Map(inhibited.map((i) => [i.finding.fingerprint, i]));
  const byFingerprint = new Map(findings.map((f) => [f.fingerprint, f]));
  const areas = new Map((await store.areas()).filter((a) => a.type === 'ward' || a.type === 'district').map((a) => [a.code, a]));
  const held = await Promise.all((['police.uk', 'partnership'] as const).map(async (s) => ((await store.months(s)).includes(month) ? [s] : [])));
  const sources = options.sources ?? held.flat().map((s) => (s === 'partnership' ? "the partnership's own extract" : s));
  const synthetic = options.synthetic ?? (await store.currentMonths()).some((c) => c.month === month && c.synthetic);
  const mutes = await activeMutes(store, config, now);
  const summaries = await foldedSummaries(options, now);
  const rejudged = options.trigger === 'revised' ? await withdrawnByOlderRevision(options) : new Map<number, number | null>();
  const retired: AlertRecord[] = [];

  const run = async (tx: Store, write: boolean): Promise<PipelineResult> => {
    // ---- alert states: the open episodes, and what this month makes of them ----
    const stored = await tx.alerts({ fingerprints: [...new Set(findings.map((f) => f.fingerprint))] });
    const open = await tx.alerts({ states: ['firing', 'recovering', 'no-data'] });
    const openBy = new Map(open.map((a) => [a.fingerprint, a]));
    const rejudgedAlerts = rejudged.size ? await tx.alerts({ ids: [...rejudged.keys()] }) : [];
    const changes = episodeChanges({ config, rules: options.rules, month, findings, stored, open, rejudged, rejudgedAlerts });
    retired.push(...changes.retired);
    let saved: AlertRecord[];
    if (write) saved = await tx.saveAlerts(changes.rows);
    else
      saved = changes.rows.map((r, i) => ({
        ...r,
        id: openBy.get(r.fingerprint)?.id ?? stored.find((s) => s.fingerprint === r.fingerprint && s.sinceMonth === r.sinceMonth)?.id ?? -(i + 1),
        updatedAt: now.toISOString(),
      }));
    // Every alert this month speaks about: saved now, or open from before and untouched (a later month's).
    const current = new Map<number, AlertRecord>();
    for (const a of saved) current.set(a.id, a);

    // ---- the notification log: what each channel was told, and what it is told now ----
    const ids = [...current.keys()].filter((id) => id > 0);
    const notices = ids.length ? await tx.alertNotices({ alertIds: ids }) : [];
    const acks = ids.length ? await tx.alertAcknowledgements(ids) : [];
    const noticeKeys = new Set(notices.map((n) => n.key));
    const landedNotices = await tx.alertNotices({ keys: config.channels.map((c) => monthNoticeKey('landed', c.name, month)) });
    const landed = new Set(landedNotices.map((n) => n.channel));
    const summarised = new Set(
      summaries.size ? (await tx.alertNotices({ keys: [...summaries.keys()].map((c) => monthNoticeKey('summary', c, month)) })).map((n) => n.channel) : [],
    );

    const newNotices: NewNotice[] = [];
    const messages: NewOutboxMessage[] = [];
    const digests: DigestJson[] = [];
    const qualityLines = quality.map((q) => q.sentence);
    for (const channel of config.channels) {
      const partnership = config.partnerships.find((p) => p.id === channel.partnership);
      if (!partnership) continue;
      const line = digestLines({ channel, partnership, findings: byFingerprint, inhibited, acks, areas });
      const news = channelNews({
        config,
        channel,
        partnership,
        month,
        alerts: current.values(),
        findings: byFingerprint,
        inhibited: inhibitedBy,
        areas,
        notices,
        noticeKeys,
        acks,
        mutes,
        line,
      });
      newNotices.push(...news.notices);
      // ---- the channel's messages: the month's digest (or an update under it), corrections ----
      const composed = channelMessages({
        channel,
        partnership,
        month,
        news,
        first: !landed.has(channel.name) && options.trigger !== 'revised',
        // The monthly summary rides in the month's message (once: the police.uk release, the newest month).
        summary: summarised.has(channel.name) ? undefined : summaries.get(channel.name),
        quality: qualityLines,
        synthetic,
        sources,
      });
      messages.push(...composed.messages);
      newNotices.push(...composed.notices);
      if (composed.digest) digests.push(digestJson(channel, partnership, composed.digest, news.newAlerts, news.resolved));
    }

    // ---- the outbox, in the same transaction as the states and the log ----
    let enqueued = 0;
    if (write) {
      await tx.recordAlertNotices(newNotices.map((n) => ({ ...n, at: now.toISOString() })));
      enqueued = (await tx.enqueueOutbox(messages)).inserted;
    }
    const findingRows = findings.map((f) => findingJson(f, saved.find((s) => s.fingerprint === f.fingerprint)?.state ?? f.state.state, inhibitedBy.get(f.fingerprint)));
    // Withdrawn or resolved alerts no finding carries (the revised month found nothing) are findings too.
    for (const a of saved) if (!byFingerprint.has(a.fingerprint)) findingRows.push(storedFindingJson(a, month));
    return { month, findings: findingRows, digests, messages, enqueued, inhibited, quality };
  };

  if (options.dryRun) return run(store, false);
  const result = await store.transaction((tx) => run(tx, true));
  for (const a of retired)
    options.log?.(
      `alerts: closed alert #${a.id} (${a.rule}, ${a.areaName}, ${a.measureLabel.toLowerCase()}, open since ${monthName(a.sinceMonth)}) without a notice: rule "${a.rule}" is no longer in the alert rules`,
    );
  // What ended mutes held back is posted as the mute ends; a run is as good a moment as any to look.
  await releaseHeldAlerts({ store, config, now });
  return result;
}
