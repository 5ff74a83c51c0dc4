// The composition stage: each channel's messages for the month from what the notification log says it
// should hear (the digest, or an update threaded under it; a correction for withdrawn alerts), in that
// channel's words (its clearance for small numbers), with the idempotency keys that make a second run
// for the same release enqueue nothing.
import { createHash } from 'node:crypto';
import type { ChannelConfig, Config, Partnership } from '../config/schema.ts';
import { makeContext } from '../core/context.ts';
import type { Month } from '../core/periods.ts';
import type { Reply } from '../core/reply.ts';
import { buildMonthlySummary } from '../brief/summary.ts';
import { inSentence } from '../figures/area.ts';
import type { AlertAcknowledgement, AlertRecord, Area, NewOutboxMessage, Store } from '../store/types.ts';
import { composeCorrection, composeDigest, foldSummary, type DigestLine } from './digest.ts';
import type { Finding } from './evaluate.ts';
import { explainFinding, storedAlertWords } from './explain.ts';
import type { Inhibited } from './inhibit.ts';
import { digestKey, lineNotice, monthNotice, type ChannelNews, type NewNotice } from './notification-log.ts';

/** A short hash of what a message holds, for its key. */
export function keyHash(parts: readonly (string | number)[]): string {
  return createHash('sha256').update(parts.join('|')).digest('hex').slice(0, 12);
}

/** The command a "full answer" button runs: the area and the measure, as a user would type them. */
function answerCommand(areaName: string, measureLabel: string, areaType: string): string {
  return `${areaName.toLowerCase()}${areaType === 'ward' ? ' ward' : ''} ${inSentence(measureLabel).toLowerCase()}`.replace(/\s+/g, ' ').slice(0, 150);
}

/** What every digest line says of its alert, whatever its words. */
export function alertLineFields(a: AlertRecord): Pick<DigestLine, 'alertId' | 'rule' | 'kind' | 'severity' | 'areaCode' | 'areaName' | 'measure' | 'measureLabel'> {
  return { alertId: a.id, rule: a.rule, kind: a.kind, severity: a.severity, areaCode: a.areaCode, areaName: a.areaName, measure: a.measure, measureLabel: a.measureLabel };
}

/** A channel's digest line for an alert: this month's finding's words when there is one, else the stored ones. */
export function digestLines(input: {
  channel: ChannelConfig;
  partnership: Partnership;
  findings: ReadonlyMap<string, Finding>;
  inhibited: readonly Inhibited[];
  acks: readonly AlertAcknowledgement[];
  areas: ReadonlyMap<string, Area>;
}): (a: AlertRecord) => DigestLine {
  const { channel, partnership, acks, areas } = input;
  return (a) => {
    const f = input.findings.get(a.fingerprint);
    const rules = { smallNumbers: channel.clearance.smallNumbers, threshold: partnership.smallNumberThreshold };
    const w = f ? explainFinding(f, rules) : storedAlertWords(a, rules);
    const ack = acks.filter((k) => k.alertId === a.id).at(-1) ?? null;
    const area = areas.get(a.areaCode);
    const also = input.inhibited.filter((i) => i.by === a.fingerprint && i.reason === 'sub-measure').map((i) => inSentence(i.finding.measure.label));
    return {
      ...alertLineFields(a),
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
}

export interface ChannelMessages {
  messages: NewOutboxMessage[];
  /** The log entries of what the messages say. */
  notices: NewNotice[];
  /** The digest (or update) posted, if any. */
  digest: Reply | null;
}

/**
 * One channel's messages for the month. `first`: the month's first message in the channel (the landed
 * digest, even with nothing new); after it, an update only when there is news. `summary`: the monthly
 * summary to fold in, when it is still to be posted.
 */
export function channelMessages(input: {
  channel: ChannelConfig;
  partnership: Partnership;
  month: Month;
  news: ChannelNews;
  first: boolean;
  summary: Reply | undefined;
  quality: string[];
  synthetic: boolean;
  sources: string[];
}): ChannelMessages {
  const { channel, partnership, month, first, summary } = input;
  const { newAlerts, stillOpen, olderOpen, resolved, withdrawn } = input.news;
  const out: ChannelMessages = { messages: [], notices: [], digest: null };
  const dKey = digestKey(channel.name, month);
  if (first || newAlerts.length > 0 || resolved.length > 0 || !!summary) {
    const key = first ? dKey : `${dKey}:update:${keyHash([...newAlerts.map((l) => `n${l.alertId}`), ...resolved.map((l) => `r${l.alertId}`), ...(summary ? ['summary'] : [])])}`;
    const digest = composeDigest({
      channel,
      partnership,
      month,
      mode: first ? 'landed' : 'update',
      newAlerts,
      stillOpen: first || newAlerts.length ? stillOpen : [],
      olderOpen: first || newAlerts.length ? olderOpen : 0,
      resolved,
      muted: input.news.muted,
      quality: input.quality,
      synthetic: input.synthetic,
      sources: input.sources,
    });
    const reply = summary ? foldSummary(digest, summary) : digest;
    out.messages.push({ idempotencyKey: key, channel: channel.name, kind: first ? 'digest' : 'digest-update', reply, threadOf: first ? null : dKey });
    if (summary) out.notices.push(monthNotice('summary', channel.name, month, key));
    if (first) out.notices.push(monthNotice('landed', channel.name, month, key));
    for (const l of newAlerts) out.notices.push(lineNotice('firing', l, channel.name, month, key));
    for (const l of resolved) out.notices.push(lineNotice('resolved', l, channel.name, month, key));
    out.digest = reply;
  }
  if (withdrawn.length) {
    const key = `correction:${channel.name}:${month}:${withdrawn
      .map((l) => l.alertId)
      .sort((x, y) => x - y)
      .join(',')}`;
    const reply = composeCorrection({ partnership, month, lines: withdrawn });
    out.messages.push({ idempotencyKey: key, channel: channel.name, kind: 'correction', reply, threadOf: withdrawn[0]!.threadOf });
    for (const l of withdrawn) out.notices.push(lineNotice('correction', l, channel.name, month, key));
  }
  return out;
}

/**
 * The monthly summaries to fold into this release's digests, by channel: for partnerships whose
 * `monthlySummary` is `with-digest`, when police.uk holds the month and it is the newest police.uk month
 * (as the own-message summary: a backfilled old month is no news), never for a revision. Drawn before
 * the transaction (they read the figures, not the alert states); whether one was already posted is the
 * notification log's to say.
 */
export async function foldedSummaries(options: { store: Store; config: Config; month: Month; trigger: string }, now: Date): Promise<Map<string, Reply>> {
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
