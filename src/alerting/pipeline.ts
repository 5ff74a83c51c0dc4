// The alerting pipeline, run once per data release (a month landing or being revised), not on a clock:
//   evaluate the rules (evaluate.ts) -> alert states with pending and keep-firing months (states.ts)
//   -> inhibition (inhibit.ts) -> one digest per (partnership, channel, month) -> the notification log
//   decides what is new, still open, back to normal or withdrawn (Alertmanager's needsUpdate, adapted)
//   -> mutes defer (held in the log, posted when they end) -> the outbox.
// The alert states, the log entries and the outbox messages are written in one store transaction, with
// keys that make a second run for the same release write nothing (a restart, a second replica, the CLI).
import { createHash } from 'node:crypto';
import type { ChannelConfig, Config, Partnership } from '../config/schema.ts';
import { addMonths, compareMonths, monthName, type Month } from '../core/periods.ts';
import type { Reply } from '../core/reply.ts';
import { makeContext } from '../core/context.ts';
import { buildMonthlySummary } from '../brief/summary.ts';
import { measureAllowed } from '../figures/suppression.ts';
import { inSentence } from '../figures/area.ts';
import type { AlertNotice, AlertRecord, NewOutboxMessage, Store } from '../store/types.ts';
import { taxonomy } from '../taxonomy/index.ts';
import { composeCorrection, composeDigest, composeReleased, foldSummary, replyText, type DigestLine } from './digest.ts';
import { evaluateRules, stateWindow, type Finding } from './evaluate.ts';
import { foldAll } from './states.ts';
import { explainFinding, hiddenWords, storedAlertWords } from './explain.ts';
import { dataQualityProblems, inhibit, type DataQualityProblem, type Inhibited } from './inhibit.ts';
import { activeMutes, describeMute, muteMatches, type MuteWindow } from './mutes.ts';
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

export interface FindingJson {
  rule: string;
  kind: string;
  areaCode: string;
  areaName: string;
  measure: string;
  month: Month;
  observed: number | null;
  expected: number | null;
  upperBound: number | null;
  state: string;
  explanation: string;
}

export interface DigestJson {
  channel: string;
  partnership: string;
  alerts: Array<Record<string, unknown>>;
  resolved: Array<Record<string, unknown>>;
  text: string;
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

const OPEN = new Set(['firing', 'recovering', 'no-data']);

function hash(parts: readonly (string | number)[]): string {
  return createHash('sha256').update(parts.join('|')).digest('hex').slice(0, 12);
}

/** Whether an alert's area lies in the channel's partnership (a ward by its district). */
function inScope(alert: Pick<AlertRecord, 'areaCode'>, areaParent: string | null, p: Partnership): boolean {
  return p.areas.includes(alert.areaCode) || (areaParent !== null && p.areas.includes(areaParent));
}

/** The one place that decides whether a channel may hear about an alert: its partnership, its rule's channels, its clearance. */
export function channelMaySee(
  channel: ChannelConfig,
  partnership: Partnership,
  alert: Pick<AlertRecord, 'areaCode' | 'measure' | 'partnerships'>,
  areaParent: string | null,
  ruleChannels: string[] | null,
): boolean {
  const tax = taxonomy();
  const m = tax.get(alert.measure);
  if (!m) return false;
  if (!alert.partnerships.includes(partnership.id)) return false;
  if (ruleChannels && !ruleChannels.includes(channel.name)) return false;
  if (!inScope(alert, areaParent, partnership)) return false;
  return measureAllowed(m, channel, (k) => tax.get(k)?.parent);
}

function findingJson(f: Finding, state: string, note = ''): FindingJson {
  const w = explainFinding(f);
  return {
    rule: f.rule.id,
    kind: f.rule.kind,
    areaCode: f.area.code,
    areaName: f.area.name,
    measure: f.measure.key,
    month: f.month,
    observed: f.observed,
    expected: f.expected === null ? null : Math.round(f.expected * 100) / 100,
    upperBound: f.upperBound === null ? null : Math.round(f.upperBound * 100) / 100,
    state,
    explanation: `${w.headline}. ${w.sentence}${note}`,
  };
}

/** The command a "full answer" button runs: the area and the measure, as a user would type them. */
function answerCommand(areaName: string, measureLabel: string, areaType: string): string {
  return `${areaName.toLowerCase()}${areaType === 'ward' ? ' ward' : ''} ${inSentence(measureLabel).toLowerCase()}`.replace(/\s+/g, ' ').slice(0, 150);
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
    const rows: Array<Omit<AlertRecord, 'id' | 'updatedAt'>> = [];
    const keep = (a: AlertRecord) => {
      const { id: _id, updatedAt: _u, ...rest } = a;
      return rest;
    };
    for (const f of findings) {
      const s = f.state.state;
      const existing = openBy.get(f.fingerprint) ?? stored.find((a) => a.sinceMonth === f.state.since && OPEN.has(a.state));
      if (s === 'pending' || (s === 'resolved' && !existing)) continue; // never open, or opened and closed unseen
      // An older month re-evaluated (a revision) does not overwrite a later month's state.
      if (existing && compareMonths(existing.lastMonth, month) > 0) continue;
      const w = explainFinding(f);
      const hidden = hiddenWords(
        f,
        config.partnerships.filter((p) => f.partnerships.includes(p.id)).map((p) => p.smallNumberThreshold),
      );
      rows.push({
        fingerprint: f.fingerprint,
        rule: f.rule.id,
        kind: f.rule.kind,
        severity: f.rule.severity,
        areaCode: f.area.code,
        areaName: f.area.name,
        measure: f.measure.key,
        measureLabel: f.measure.label,
        partnerships: f.partnerships,
        sinceMonth: existing?.sinceMonth ?? f.state.since ?? month,
        lastMonth: month,
        state: s === 'resolved' ? 'resolved' : (s as AlertRecord['state']),
        observed: f.observed,
        expected: f.expected,
        upperBound: f.upperBound,
        probability: f.probability,
        explanation: { headline: w.headline, sentence: w.sentence, noData: f.noData, ...(hidden ? { hidden } : {}) },
        resolvedMonth: s === 'resolved' ? month : null,
      });
    }
    // Open episodes this month no longer finds: withdrawn when the month was their only one (a revision), else resolved.
    for (const a of open) {
      if (byFingerprint.has(a.fingerprint) || compareMonths(a.lastMonth, month) > 0) continue;
      if (!options.rules.some((r) => r.id === a.rule)) {
        // Its rule was removed from alerts/: closed without a word in any channel (it did not get back to
        // normal; nobody is judging it any more), and said in the operator's log.
        rows.push({ ...keep(a), lastMonth: month, state: 'retired', resolvedMonth: month });
        retired.push(a);
        continue;
      }
      const withdrawn = a.sinceMonth === month;
      rows.push({ ...keep(a), lastMonth: month, state: withdrawn ? 'withdrawn' : 'resolved', resolvedMonth: month });
    }
    // Open episodes whose only month was this one, found again but no longer open (pending): withdrawn too.
    for (const f of findings) {
      const a = openBy.get(f.fingerprint);
      if (a && a.sinceMonth === month && a.lastMonth === month && f.state.state === 'pending') rows.push({ ...keep(a), state: 'withdrawn', resolvedMonth: month });
    }
    // Alerts judged at a later month whose every open month the revision of this one took away: withdrawn.
    if (rejudged.size)
      for (const a of await tx.alerts({ ids: [...rejudged.keys()] })) {
        if (rows.some((r) => r.fingerprint === a.fingerprint) || a.state === 'withdrawn' || a.state === 'retired') continue;
        rows.push({ ...keep(a), observed: rejudged.get(a.id) ?? a.observed, state: 'withdrawn', resolvedMonth: month });
      }
    let saved: AlertRecord[];
    if (write) saved = await tx.saveAlerts(rows);
    else
      saved = rows.map((r, i) => ({
        ...r,
        id: openBy.get(r.fingerprint)?.id ?? stored.find((s) => s.fingerprint === r.fingerprint && s.sinceMonth === r.sinceMonth)?.id ?? -(i + 1),
        updatedAt: now.toISOString(),
      }));
    // Every alert this month speaks about: saved now, or open from before and untouched (a later month's).
    const current = new Map<number, AlertRecord>();
    for (const a of saved) current.set(a.id, a);

    const ids = [...current.keys()].filter((id) => id > 0);
    const notices = ids.length ? await tx.alertNotices({ alertIds: ids }) : [];
    const acks = ids.length ? await tx.alertAcknowledgements(ids) : [];
    const noticeKeys = new Set(notices.map((n) => n.key));
    const landedNotices = await tx.alertNotices({ keys: config.channels.map((c) => `landed:${c.name}:${month}`) });
    const landed = new Set(landedNotices.map((n) => n.channel));
    const summarised = new Set(summaries.size ? (await tx.alertNotices({ keys: [...summaries.keys()].map((c) => `summary:${c}:${month}`) })).map((n) => n.channel) : []);

    const newNotices: Array<Omit<AlertNotice, 'at'>> = [];
    const messages: NewOutboxMessage[] = [];
    const digests: DigestJson[] = [];

    for (const channel of config.channels) {
      const partnership = config.partnerships.find((p) => p.id === channel.partnership);
      if (!partnership) continue;
      const line = (a: AlertRecord): DigestLine => {
        const f = byFingerprint.get(a.fingerprint);
        const rules = { smallNumbers: channel.clearance.smallNumbers, threshold: partnership.smallNumberThreshold };
        const w = f ? explainFinding(f, rules) : storedAlertWords(a, rules);
        const ack = acks.filter((k) => k.alertId === a.id).at(-1) ?? null;
        const area = areas.get(a.areaCode);
        const also = inhibited.filter((i) => i.by === a.fingerprint && i.reason === 'sub-measure').map((i) => inSentence(i.finding.measure.label));
        return {
          alertId: a.id,
          rule: a.rule,
          kind: a.kind,
          severity: a.severity,
          areaCode: a.areaCode,
          areaName: a.areaName,
          measure: a.measure,
          measureLabel: a.measureLabel,
          headline: w.headline,
          sentence: w.sentence,
          since: a.sinceMonth,
          also,
          acknowledged: ack ? { by: ack.by, at: ack.at } : null,
          noData: a.state === 'no-data' ? (a.explanation.noData ?? 'no figure this month') : null,
          command: area ? answerCommand(area.name, a.measureLabel, area.type) : null,
          observed: a.observed,
        };
      };
      const subject = (a: AlertRecord) => ({
        channel: channel.name,
        rule: a.rule,
        areaCode: a.areaCode,
        districtCode: areas.get(a.areaCode)?.parentCode ?? null,
        measure: a.measure,
      });
      const muteFor = (a: AlertRecord): MuteWindow | undefined => mutes.find((m) => muteMatches(m, subject(a)));
      const newAlerts: DigestLine[] = [];
      const stillOpen: DigestLine[] = [];
      const resolved: DigestLine[] = [];
      const withdrawn: Array<DigestLine & { was: number | null; threadOf: string | null }> = [];
      const mutedWords = new Set<string>();
      let olderOpen = 0;
      const digestKey = `digest:${channel.name}:${month}`;
      for (const a of current.values()) {
        const f = byFingerprint.get(a.fingerprint);
        if (!channelMaySee(channel, partnership, a, areas.get(a.areaCode)?.parentCode ?? null, f?.channels ?? null)) continue;
        const announced = notices.find((n) => n.alertId === a.id && n.channel === channel.name && n.kind === 'firing');
        const mute = muteFor(a);
        if (mute)
          mutedWords.add(
            describeMute(
              mute,
              { area: areas.get(mute.areaCode ?? '')?.name, measure: mute.measure ? taxonomy().get(mute.measure)?.label.toLowerCase() : undefined },
              config.timezone,
            ),
          );
        if (a.state === 'firing' && !announced) {
          if (inhibitedBy.has(a.fingerprint)) continue; // listed under what holds it back, or in the data-quality line
          if (mute) {
            newNotices.push({
              key: `held:${a.id}:${channel.name}:${mute.key}`,
              alertId: a.id,
              channel: channel.name,
              kind: 'held',
              month,
              messageKey: null,
              muteKey: mute.key,
              observed: a.observed,
            });
            continue;
          }
          newAlerts.push(line(a));
          continue;
        }
        if (!announced) continue; // recovering or without data, never announced: nothing to say (Alertmanager rule 3)
        if (OPEN.has(a.state)) {
          if (mute) continue;
          const l = line(a);
          const ack = acks.filter((k) => k.alertId === a.id).at(-1);
          const worse = ack && ack.observed !== null && a.observed !== null && a.observed >= Math.max(ack.observed * 1.2, ack.observed + 3);
          if (ack && !worse) continue; // acknowledged: no reminder until it resolves or gets worse
          if (ack && worse) {
            l.worse = { was: ack.observed, by: ack.by, at: ack.at };
            newNotices.push({
              key: `worsened:${a.id}:${channel.name}:${month}`,
              alertId: a.id,
              channel: channel.name,
              kind: 'worsened',
              month,
              messageKey: digestKey,
              muteKey: null,
              observed: a.observed,
            });
          }
          // Reminded once, in the month after it was announced; after that only when it gets worse or
          // loses its data, and otherwise counted (`/crime alerts` lists them all).
          if (l.worse || a.state === 'no-data' || announced.month === addMonths(month, -1)) stillOpen.push(l);
          else olderOpen++;
        } else if (a.state === 'resolved' && !noticeKeys.has(`resolved:${a.id}:${channel.name}`)) {
          if (mute) {
            newNotices.push({
              key: `held-resolved:${a.id}:${channel.name}:${mute.key}`,
              alertId: a.id,
              channel: channel.name,
              kind: 'held-resolved',
              month,
              messageKey: null,
              muteKey: mute.key,
              observed: a.observed,
            });
            continue;
          }
          resolved.push(line(a));
        } else if (a.state === 'withdrawn' && !noticeKeys.has(`correction:${a.id}:${channel.name}`)) {
          withdrawn.push({ ...line(a), was: announced.observed, threadOf: announced.messageKey });
        }
      }
      const qualityLines = quality.map((q) => q.sentence);
      const first = !landed.has(channel.name) && options.trigger !== 'revised';
      // The monthly summary rides in the month's message (once: the police.uk release, the newest month).
      const summary = summarised.has(channel.name) ? undefined : summaries.get(channel.name);
      const wanted = first || newAlerts.length > 0 || resolved.length > 0 || !!summary;
      if (wanted) {
        const key = first
          ? digestKey
          : `${digestKey}:update:${hash([...newAlerts.map((l) => `n${l.alertId}`), ...resolved.map((l) => `r${l.alertId}`), ...(summary ? ['summary'] : [])])}`;
        const digest = composeDigest({
          channel,
          partnership,
          month,
          mode: first ? 'landed' : 'update',
          newAlerts,
          stillOpen: first || newAlerts.length ? stillOpen : [],
          olderOpen: first || newAlerts.length ? olderOpen : 0,
          resolved,
          muted: [...mutedWords],
          quality: qualityLines,
          synthetic,
          sources,
        });
        const reply = summary ? foldSummary(digest, summary) : digest;
        messages.push({ idempotencyKey: key, channel: channel.name, kind: first ? 'digest' : 'digest-update', reply, threadOf: first ? null : digestKey });
        if (summary)
          newNotices.push({
            key: `summary:${channel.name}:${month}`,
            alertId: null,
            channel: channel.name,
            kind: 'summary',
            month,
            messageKey: key,
            muteKey: null,
            observed: null,
          });
        if (first)
          newNotices.push({ key: `landed:${channel.name}:${month}`, alertId: null, channel: channel.name, kind: 'landed', month, messageKey: key, muteKey: null, observed: null });
        for (const l of newAlerts) newNotices.push(lineNotice('firing', l, channel.name, month, key));
        for (const l of resolved) newNotices.push(lineNotice('resolved', l, channel.name, month, key));
        digests.push(digestJson(channel, partnership, reply, newAlerts, resolved));
      }
      if (withdrawn.length) {
        const key = `correction:${channel.name}:${month}:${withdrawn
          .map((l) => l.alertId)
          .sort((x, y) => x - y)
          .join(',')}`;
        const reply = composeCorrection({ partnership, month, lines: withdrawn });
        messages.push({ idempotencyKey: key, channel: channel.name, kind: 'correction', reply, threadOf: withdrawn[0]!.threadOf });
        for (const l of withdrawn) newNotices.push(lineNotice('correction', l, channel.name, month, key));
      }
    }

    let enqueued = 0;
    if (write) {
      await tx.recordAlertNotices(newNotices.map((n) => ({ ...n, at: now.toISOString() })));
      enqueued = (await tx.enqueueOutbox(messages)).inserted;
    }
    const findingRows = findings.map((f) => {
      const held = inhibitedBy.get(f.fingerprint);
      const a = saved.find((s) => s.fingerprint === f.fingerprint);
      const note = held
        ? ` Held back: ${held.reason === 'data-quality' ? 'a data problem with this month' : held.reason === 'duplicate' ? 'another rule alerts on the same figure' : 'a wider alert for the same area holds it'}.`
        : '';
      return findingJson(f, a?.state ?? f.state.state, note);
    });
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

/**
 * A revision of a month older than an alert's latest judged month (the alert was open, or closed, at a
 * later release): the alert is judged again at its latest month on the revised data. If no month of its
 * episode (since .. latest) would have had it open, the revision took away what raised it: withdrawn,
 * with a correction to the channels told of it, never "back to normal". An alert still open at its latest
 * month stands (its first line may have named the revised month; the next digest speaks of it as usual);
 * one that would have closed earlier is closed by the next release, as any other. Only when the revised
 * month lies in the episode and in the state window of the latest month (older months cannot change it).
 * Returns the alerts to withdraw with their revised figure for the month (null: no figure).
 */
async function withdrawnByOlderRevision(options: PipelineOptions): Promise<Map<number, number | null>> {
  const { store, config, month } = options;
  const out = new Map<number, number | null>();
  const candidates = (await store.alerts({ states: ['firing', 'recovering', 'no-data', 'resolved'] })).filter((a) => {
    const rule = options.rules.find((r) => r.id === a.rule);
    if (!rule || compareMonths(a.lastMonth, month) <= 0 || compareMonths(a.sinceMonth, month) > 0) return false;
    return compareMonths(addMonths(a.lastMonth, -(stateWindow(rule) - 1)), month) <= 0;
  });
  const byLatest = new Map<Month, AlertRecord[]>();
  for (const a of candidates) byLatest.set(a.lastMonth, [...(byLatest.get(a.lastMonth) ?? []), a]);
  const withdrawn: AlertRecord[] = [];
  for (const [latest, alerts] of byLatest) {
    const only = new Set(alerts.map((a) => a.fingerprint));
    const found = new Map(
      (await evaluateRules({ store, config, rules: options.rules.filter((r) => alerts.some((a) => a.rule === r.id)), month: latest, only })).map((f) => [f.fingerprint, f]),
    );
    for (const a of alerts) {
      const f = found.get(a.fingerprint);
      const states = f ? foldAll(f.steps, f.rule) : [];
      const open = states.some((s) => compareMonths(s.month, a.sinceMonth) >= 0 && compareMonths(s.month, a.lastMonth) <= 0 && OPEN.has(s.state));
      if (!open) withdrawn.push(a);
    }
  }
  if (!withdrawn.length) return out;
  // The revised month's own figure, for the correction's "revised from 12 to 4".
  const atMonth = new Map(
    (
      await evaluateRules({ store, config, rules: options.rules.filter((r) => withdrawn.some((a) => a.rule === r.id)), month, only: new Set(withdrawn.map((a) => a.fingerprint)) })
    ).map((f) => [f.fingerprint, f.observed]),
  );
  for (const a of withdrawn) out.set(a.id, atMonth.get(a.fingerprint) ?? null);
  return out;
}

/**
 * The monthly summaries to fold into this release's digests, by channel: for partnerships whose
 * `monthlySummary` is `with-digest`, when police.uk holds the month and it is the newest police.uk month
 * (as the own-message summary: a backfilled old month is no news), never for a revision. Drawn before
 * the transaction (they read the figures, not the alert states); whether one was already posted is the
 * notification log's to say.
 */
async function foldedSummaries(options: PipelineOptions, now: Date): Promise<Map<string, Reply>> {
  const { store, config, month } = options;
  const out = new Map<string, Reply>();
  if (options.trigger === 'revised') return out;
  const partnerships = config.partnerships.filter((p) => p.monthlySummary === 'with-digest');
  if (!partnerships.length) return out;
  const held = await store.months('police.uk');
  if (held.at(-1) !== month) return out;
  for (const p of partnerships)
    for (const channel of config.channels.filter((c) => c.partnership === p.id))
      out.set(channel.name, await buildMonthlySummary(makeContext({ store, config, channel, now }), { month }));
  return out;
}

function storedFindingJson(a: AlertRecord, month: Month): FindingJson {
  return {
    rule: a.rule,
    kind: a.kind,
    areaCode: a.areaCode,
    areaName: a.areaName,
    measure: a.measure,
    month,
    observed: a.observed,
    expected: a.expected,
    upperBound: a.upperBound,
    state: a.state,
    explanation:
      a.state === 'withdrawn' ? `${a.explanation.headline}: withdrawn after the ${monthName(month)} figures were revised.` : `${a.explanation.headline}. ${a.explanation.sentence}`,
  };
}

function digestJson(channel: ChannelConfig, p: Partnership, reply: Reply, alerts: DigestLine[], resolved: DigestLine[]): DigestJson {
  const d = (reply.data?.digest ?? {}) as { alerts?: Array<Record<string, unknown>>; resolved?: Array<Record<string, unknown>> };
  return {
    channel: channel.name,
    partnership: p.id,
    alerts: d.alerts ?? alerts.map((l) => ({ id: l.alertId })),
    resolved: d.resolved ?? resolved.map((l) => ({ id: l.alertId })),
    text: replyText(reply),
  };
}

/**
 * Posts, once, what mutes held back, for mutes no longer in force: alerts still firing and never
 * announced in that channel, and back-to-normal notices. Idempotent (the log's keys); safe to run often.
 */
export async function releaseHeldAlerts(deps: { store: Store; config: Config; now?: Date; dryRun?: boolean }): Promise<{ messages: NewOutboxMessage[]; enqueued: number }> {
  const { store, config } = deps;
  const now = deps.now ?? new Date();
  const held = await store.alertNotices({ kinds: ['held', 'held-resolved'] });
  if (!held.length) return { messages: [], enqueued: 0 };
  const mutes = await activeMutes(store, config, now);
  const areas = new Map((await store.areas()).map((a) => [a.code, a]));
  return store.transaction(async (tx) => {
    const alertIds = [...new Set(held.map((h) => h.alertId).filter((x): x is number => x !== null))];
    const alerts = new Map((await tx.alerts({ ids: alertIds })).map((a) => [a.id, a]));
    const notices = await tx.alertNotices({ alertIds });
    const messages: NewOutboxMessage[] = [];
    const newNotices: Array<Omit<AlertNotice, 'at'>> = [];
    for (const channel of config.channels) {
      const partnership = config.partnerships.find((p) => p.id === channel.partnership);
      if (!partnership) continue;
      const firing: DigestLine[] = [];
      const resolved: DigestLine[] = [];
      const ended = new Set<string>();
      for (const h of held.filter((x) => x.channel === channel.name)) {
        const a = h.alertId === null ? undefined : alerts.get(h.alertId);
        if (!a) continue;
        const subject = { channel: channel.name, rule: a.rule, areaCode: a.areaCode, districtCode: areas.get(a.areaCode)?.parentCode ?? null, measure: a.measure };
        if (mutes.some((m) => muteMatches(m, subject))) continue; // still muted (by this mute or another)
        const said = (kind: string) => notices.some((n) => n.alertId === a.id && n.channel === channel.name && n.kind === kind);
        const l: DigestLine = {
          alertId: a.id,
          rule: a.rule,
          kind: a.kind,
          severity: a.severity,
          areaCode: a.areaCode,
          areaName: a.areaName,
          measure: a.measure,
          measureLabel: a.measureLabel,
          ...storedAlertWords(a, { smallNumbers: channel.clearance.smallNumbers, threshold: partnership.smallNumberThreshold }),
          since: a.sinceMonth,
          observed: a.observed,
          command: null,
        };
        if (h.kind === 'held' && OPEN.has(a.state) && !said('firing') && !firing.some((x) => x.alertId === a.id)) firing.push(l);
        else if (h.kind === 'held-resolved' && said('firing') && !said('resolved') && !resolved.some((x) => x.alertId === a.id)) resolved.push(l);
        else continue;
        ended.add(h.muteKey ?? 'a mute');
      }
      if (!firing.length && !resolved.length) continue;
      const key = `released:${channel.name}:${hash([...firing.map((l) => `f${l.alertId}`), ...resolved.map((l) => `r${l.alertId}`)])}`;
      const reply = composeReleased({
        partnership,
        firing,
        resolved,
        mutes: [...ended].map((k) => (k.startsWith('store:') ? `mute ${k.slice(6)}` : `the configured mute ${k.slice(7)}`)),
      });
      messages.push({ idempotencyKey: key, channel: channel.name, kind: 'released', reply, threadOf: null });
      for (const l of firing) newNotices.push(lineNotice('firing', l, channel.name, l.since, key));
      for (const l of resolved) newNotices.push(lineNotice('resolved', l, channel.name, l.since, key));
    }
    if (deps.dryRun) return { messages, enqueued: 0 };
    await tx.recordAlertNotices(newNotices.map((n) => ({ ...n, at: now.toISOString() })));
    const { inserted } = await tx.enqueueOutbox(messages);
    return { messages, enqueued: inserted };
  });
}

/** The notification-log entry of a digest line: one per (kind, alert, channel), ever (Alertmanager's rule). */
function lineNotice(
  kind: 'firing' | 'resolved' | 'correction',
  line: { alertId: number; observed: number | null },
  channel: string,
  month: Month,
  messageKey: string,
): Omit<AlertNotice, 'at'> {
  return { key: `${kind}:${line.alertId}:${channel}`, alertId: line.alertId, channel, kind, month, messageKey, muteKey: null, observed: line.observed };
}
