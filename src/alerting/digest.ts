// The messages the pipeline posts, as platform-neutral Replies: the month's digest for one channel
// (new alerts, what is still open, what is back to normal, or "no new alerts this month" with when the
// next month is expected), an update when a later release of the same month brings more, a correction
// when a revision withdraws an alert, and what a mute held back, once it ends. One renderer per surface
// turns these into Block Kit, a card, the local page or text.
import type { ChannelConfig, Partnership } from '../config/schema.ts';
import { addMonths, monthName, type Month } from '../core/periods.ts';
import type { Action, Reply } from '../core/reply.ts';
import { formatCount } from '../figures/wording.ts';
import { alertMethods, SNAPPED_POINTS_NOTE } from './explain.ts';
import { whoFor } from './who.ts';

export interface DigestLine {
  alertId: number;
  rule: string;
  kind: string;
  severity: string;
  areaCode: string;
  areaName: string;
  measure: string;
  measureLabel: string;
  headline: string;
  sentence: string;
  since: Month;
  /** "all crime spike" lines list the sub-measures they hold back. */
  also?: string[];
  acknowledged?: { by: string; at: string } | null;
  worse?: { was: number | null; by: string; at: string } | null;
  noData?: string | null;
  /** What the full answer button runs. */
  command?: string | null;
  observed: number | null;
}

export interface DigestInput {
  channel: ChannelConfig;
  partnership: Partnership;
  month: Month;
  /** 'landed': the month's first message in this channel; 'update': a later release of the same month. */
  mode: 'landed' | 'update';
  newAlerts: DigestLine[];
  stillOpen: DigestLine[];
  resolved: DigestLine[];
  /** Alerts still open from earlier months, already reminded once: counted, not listed. */
  olderOpen?: number;
  /** Lines held back: by a mute (said in the footer), by a data problem (said as it is). */
  muted: string[];
  quality: string[];
  synthetic: boolean;
  sources: string[];
}

/** "Cambridge City Community Safety Partnership" -> "Cambridge City"; "Safer Peterborough Partnership" -> "Safer Peterborough". */
export function shortPartnershipName(name: string): string {
  return name.replace(/\s+(Community Safety Partnership|Partnership|CSP)$/i, '').trim() || name;
}

/** When the month after `month` is expected: police.uk publishes each month during the month after it, usually towards its end. */
export function nextPublicationWords(month: Month): string {
  const next = addMonths(month, 1);
  return `The ${monthName(next)} figures are expected towards the end of ${monthName(addMonths(next, 1))}.`;
}

const MAX_EXPLAINED = 8;

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function ackWords(line: DigestLine): string {
  return line.acknowledged ? ` Acknowledged by ${line.acknowledged.by} on ${dayWords(line.acknowledged.at)}.` : '';
}

function dayWords(iso: string): string {
  return new Date(iso).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' });
}

function alertParagraph(line: DigestLine, index: number, explained: boolean): string {
  const also = line.also?.length ? ` Also higher than usual here, held back into this alert: ${line.also.join(', ')}.` : '';
  return `${index}. ${line.headline}.${explained ? ` ${line.sentence}${also}` : ''}`;
}

function actionsFor(lines: DigestLine[], ack: boolean): Action[] {
  const out: Action[] = [];
  for (const l of lines) {
    if (ack && !l.acknowledged) out.push({ label: `Acknowledge: ${l.areaName} ${l.measureLabel.toLowerCase()}`.slice(0, 75), command: `alerts ack ${l.alertId}` });
    if (l.command) out.push({ label: `${l.areaName}: ${l.measureLabel.toLowerCase()}`.slice(0, 75), command: l.command });
  }
  return out.slice(0, 20);
}

/**
 * The alerts still open, shortest first: those with news (worse since acknowledged, no figure this
 * month) each with its first line; the rest by measure, as names and since when (their reasons were
 * said when they fired; `/crime alerts` says them again).
 */
function stillOpenWords(lines: DigestLine[]): string {
  const news = lines.filter((l) => l.worse || l.noData);
  const quiet = lines.filter((l) => !l.worse && !l.noData);
  const parts = news.map(
    (l) =>
      `${l.headline}${l.worse ? `, worse than when ${l.worse.by} acknowledged it${l.worse.was !== null ? ` (${formatCount(l.worse.was)} then)` : ''}` : ''}${l.noData ? ` (no figure this month: ${l.noData})` : ''}, open since ${monthName(l.since)}.${ackWords(l)}`,
  );
  const byMeasure = new Map<string, DigestLine[]>();
  for (const l of quiet) byMeasure.set(l.measureLabel, [...(byMeasure.get(l.measureLabel) ?? []), l]);
  const names = (ls: DigestLine[]) => {
    const each = ls.map((l) => `${l.areaName} (since ${monthName(l.since)}${l.acknowledged ? `, acknowledged by ${l.acknowledged.by}` : ''})`);
    return each.length > 1 ? `${each.slice(0, -1).join(', ')} and ${each.at(-1)}` : each[0]!;
  };
  for (const [measure, ls] of byMeasure) parts.push(`${measure}: ${names(ls)}.`);
  return parts.join(' ');
}

/** The lines with who acknowledged them as the channel's surface shows people (a Slack mention in Slack, the name elsewhere). */
function peopleFor(lines: DigestLine[], platform: string): DigestLine[] {
  return lines.map((l) => ({
    ...l,
    ...(l.acknowledged ? { acknowledged: { ...l.acknowledged, by: whoFor(l.acknowledged.by, platform) } } : {}),
    ...(l.worse ? { worse: { ...l.worse, by: whoFor(l.worse.by, platform) } } : {}),
  }));
}

/** One channel's digest for a month (or its update). */
export function composeDigest(input: DigestInput): Reply {
  const d: DigestInput = { ...input, newAlerts: peopleFor(input.newAlerts, input.channel.platform), stillOpen: peopleFor(input.stillOpen, input.channel.platform) };
  const who = shortPartnershipName(d.partnership.name);
  const when = monthName(d.month);
  const n = d.newAlerts.length;
  const title =
    d.mode === 'update' ? `${who}: ${n ? plural(n, 'more alert') : 'update'} for ${when}` : n ? `${who}: ${plural(n, 'new alert')} in ${when}` : `${who}: no new alerts in ${when}`;
  const paras: string[] = [];
  const from = d.sources.length ? ` (${d.sources.join(' and ')})` : '';
  if (n) {
    // The title says how many; this says from where.
    paras.push(`${d.mode === 'update' ? `More ${when} figures have arrived${from}` : `The ${when} figures are in${from}`}.`);
    d.newAlerts.forEach((l, i) => paras.push(alertParagraph(l, i + 1, i < MAX_EXPLAINED)));
    if (n > MAX_EXPLAINED) paras.push(`Alerts ${MAX_EXPLAINED + 1} to ${n} are listed by their first line only; ask \`/crime alerts\` for why each fired.`);
  } else if (d.mode === 'landed') {
    paras.push(`The ${when} figures are in${from}. No new alerts this month. ${nextPublicationWords(d.month)}`);
  } else paras.push(`More ${when} figures have arrived${from}.`);
  if (d.quality.length) paras.push(...d.quality);
  if (d.stillOpen.length) paras.push(`Still open (${d.stillOpen.length}): ${stillOpenWords(d.stillOpen)}`);
  if (d.olderOpen)
    paras.push(
      `${plural(d.olderOpen, 'more alert')} from earlier months ${d.olderOpen === 1 ? 'is' : 'are'} still open; \`/crime alerts\` lists ${d.olderOpen === 1 ? 'it' : 'them'} with why.`,
    );
  if (d.resolved.length)
    paras.push(`Back to normal (${d.resolved.length}): ${d.resolved.map((l) => `${l.areaName}, ${l.measureLabel.toLowerCase()} (open since ${monthName(l.since)}).`).join(' ')}`);
  if (n && d.mode === 'landed') paras.push(nextPublicationWords(d.month));
  const notes = [
    ...(d.muted.length ? [`Held back by a mute, posted here when it ends: ${d.muted.join('; ')}.`] : []),
    ...(n || d.stillOpen.length ? [SNAPPED_POINTS_NOTE] : []),
    ...(d.synthetic
      ? ['Synthetic data: these months are generated for demonstration, not real police.uk data.']
      : ['Source: police.uk street-level crime and ASB, Open Government Licence v3.0.']),
  ];
  const reply: Reply = {
    kind: 'alerts',
    title,
    summary: paras.join('\n\n'),
    figures: [],
    notes,
    ...(n ? { about: alertMethods(d.newAlerts.slice(0, MAX_EXPLAINED).map((l) => l.kind)) } : {}),
    actions: [...actionsFor(d.newAlerts, true), ...actionsFor(d.stillOpen, true), ...(n || d.stillOpen.length ? [] : [{ label: 'What is open', command: 'alerts' }])],
  };
  reply.data = {
    digest: {
      channel: d.channel.name,
      partnership: d.partnership.id,
      month: d.month,
      mode: d.mode,
      alerts: d.newAlerts.map(lineJson),
      stillOpen: d.stillOpen.map(lineJson),
      resolved: d.resolved.map(lineJson),
      text: replyText(reply),
    },
  };
  return reply;
}

export function lineJson(l: DigestLine): Record<string, unknown> {
  return {
    id: l.alertId,
    rule: l.rule,
    kind: l.kind,
    severity: l.severity,
    areaCode: l.areaCode,
    areaName: l.areaName,
    measure: l.measure,
    since: l.since,
    observed: l.observed,
    headline: l.headline,
    explanation: l.sentence,
    ...(l.also?.length ? { heldBack: l.also } : {}),
    ...(l.acknowledged ? { acknowledged: l.acknowledged } : {}),
    ...(l.noData ? { noData: l.noData } : {}),
  };
}

/** The plain text of a reply (the mobile notification, `--json`'s `text`). */
export function replyText(r: Reply): string {
  return [r.title, r.summary ?? '', ...r.notes].filter((s) => s.trim()).join('\n\n');
}

/** A revision withdrew alerts this channel was told about. */
export function composeCorrection(input: { partnership: Partnership; month: Month; lines: Array<DigestLine & { was: number | null }> }): Reply {
  const when = monthName(input.month);
  const paras = input.lines.map(
    (l) =>
      `${l.areaName}, ${l.measureLabel.toLowerCase()}: the ${when} figure was revised${l.was !== null && l.observed !== null ? ` from ${formatCount(l.was)} to ${formatCount(l.observed)}` : ''}, which is no longer unusual, so this alert is withdrawn. It was not a real rise that has since fallen: the earlier figure was wrong.`,
  );
  const reply: Reply = {
    kind: 'alerts',
    title: `Correction: ${input.lines.length === 1 ? `${input.lines[0]!.areaName} ${input.lines[0]!.measureLabel.toLowerCase()}` : `${input.lines.length} alerts`}, ${when}`,
    summary: [`police.uk (or the partnership extract) re-published the ${when} figures.`, ...paras].join('\n\n'),
    figures: [],
    notes: ['A withdrawn alert is not "back to normal": the revised figures say it should not have been raised.'],
    actions: [],
  };
  reply.data = { correction: { month: input.month, alerts: input.lines.map((l) => ({ ...lineJson(l), was: l.was })), text: replyText(reply) } };
  return reply;
}

/** What a mute held back, posted once when the mute ends. */
export function composeReleased(input: { partnership: Partnership; firing: DigestLine[]; resolved: DigestLine[]; mutes: string[] }): Reply {
  const who = shortPartnershipName(input.partnership.name);
  const paras = [
    `A mute has ended (${input.mutes.join('; ')}). What it held back:`,
    ...input.firing.map((l, i) => alertParagraph(l, i + 1, true)),
    ...(input.resolved.length ? [`Back to normal while muted: ${input.resolved.map((l) => `${l.areaName}, ${l.measureLabel.toLowerCase()}`).join('; ')}.`] : []),
  ];
  const reply: Reply = {
    kind: 'alerts',
    title: `${who}: ${input.firing.length ? plural(input.firing.length, 'alert') : 'news'} held back by a mute`,
    summary: paras.join('\n\n'),
    figures: [],
    notes: [SNAPPED_POINTS_NOTE],
    actions: actionsFor(input.firing, true),
  };
  reply.data = { released: { alerts: input.firing.map(lineJson), resolved: input.resolved.map(lineJson), text: replyText(reply) } };
  return reply;
}

/**
 * The month's digest with the partnership's monthly summary folded in (`monthlySummary: with-digest`):
 * the digest's alerts first, then the month in figures, the summary's key figures, priority table and
 * chart. The summary's own "Active alerts" line is left out: the digest says what is open, and says it
 * after this release's alert states, which the summary (drawn before them) cannot.
 */
export function foldSummary(digest: Reply, summary: Reply): Reply {
  const notes = [...digest.notes];
  for (const n of summary.notes) {
    if (/^Active alerts:/.test(n)) continue;
    if (/^synthetic data:/i.test(n) && notes.some((x) => /^synthetic data:/i.test(x))) continue;
    if (!notes.includes(n)) notes.push(n);
  }
  const folded: Reply = {
    ...digest,
    summary: [digest.summary ?? '', `The month in figures: ${summary.summary ?? ''}`].filter((s) => s.trim()).join('\n\n'),
    figures: [...digest.figures, ...summary.figures],
    notes,
    // The summary's few buttons (the brief, the district, top ASB wards) keep their place after the alerts'.
    actions: [...digest.actions.slice(0, Math.max(0, 20 - summary.actions.length)), ...summary.actions].slice(0, 20),
    ...(summary.table ? { table: summary.table } : {}),
    ...(summary.chart ? { chart: summary.chart, ...(summary.chartAlt ? { chartAlt: summary.chartAlt } : {}) } : {}),
  };
  const d = (digest.data ?? {}) as { digest?: Record<string, unknown> };
  folded.data = { ...digest.data, digest: { ...d.digest, summary: true, text: replyText(folded) }, summary: summary.data ?? {} };
  return folded;
}
