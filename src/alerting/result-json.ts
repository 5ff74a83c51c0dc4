// What a pipeline run reports (`wardwatch alerts --json`, the tests): each finding with its state and
// words, and each digest composed.
import type { ChannelConfig, Partnership } from '../config/schema.ts';
import { monthName, type Month } from '../core/periods.ts';
import type { Reply } from '../core/reply.ts';
import type { AlertRecord } from '../store/types.ts';
import { replyText, type DigestLine } from './digest.ts';
import type { Finding } from './evaluate.ts';
import { explainFinding } from './explain.ts';
import type { Inhibited } from './inhibit.ts';

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

/** A finding as reported, with its alert's state (or its own) and, when inhibition held it, why. */
export function findingJson(f: Finding, state: string, held: Inhibited | undefined): FindingJson {
  const note = held
    ? ` Held back: ${held.reason === 'data-quality' ? 'a data problem with this month' : held.reason === 'duplicate' ? 'another rule alerts on the same figure' : 'a wider alert for the same area holds it'}.`
    : '';
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

/** An alert no finding carries (withdrawn or resolved: the revised month found nothing), as a finding. */
export function storedFindingJson(a: AlertRecord, month: Month): FindingJson {
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

export function digestJson(channel: ChannelConfig, p: Partnership, reply: Reply, alerts: DigestLine[], resolved: DigestLine[]): DigestJson {
  const d = (reply.data?.digest ?? {}) as { alerts?: Array<Record<string, unknown>>; resolved?: Array<Record<string, unknown>> };
  return {
    channel: channel.name,
    partnership: p.id,
    alerts: d.alerts ?? alerts.map((l) => ({ id: l.alertId })),
    resolved: d.resolved ?? resolved.map((l) => ({ id: l.alertId })),
    text: replyText(reply),
  };
}
