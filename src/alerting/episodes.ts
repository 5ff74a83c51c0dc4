// The alert-states stage: what this month's findings make of the stored alert episodes (opened, still
// open, resolved, withdrawn by a revision, retired with their rule), as the rows to save.
import type { Config } from '../config/schema.ts';
import { addMonths, compareMonths, type Month } from '../core/periods.ts';
import { OPEN_ALERT_STATES, type AlertRecord, type Store } from '../store/types.ts';
import { evaluateRules, stateWindow, type Finding } from './evaluate.ts';
import { explainFinding, hiddenWords } from './explain.ts';
import type { AlertRule } from './rules.ts';
import { foldAll } from './states.ts';

const OPEN = new Set<string>(OPEN_ALERT_STATES);

/** Firing, recovering or without data: an episode not yet closed. */
export function isOpen(state: string): boolean {
  return OPEN.has(state);
}

export type AlertRow = Omit<AlertRecord, 'id' | 'updatedAt'>;

export interface EpisodeChanges {
  rows: AlertRow[];
  /** Open alerts whose rule is gone from alerts/: closed without a notice, said in the operator's log. */
  retired: AlertRecord[];
}

/**
 * The rows this month writes: one per finding that opens, continues or closes an episode, one per open
 * episode it no longer finds, and one per alert a revision of this month withdrew (`rejudged`: alert id
 * to the revised figure, from withdrawnByOlderRevision).
 */
export function episodeChanges(input: {
  config: Config;
  rules: readonly AlertRule[];
  month: Month;
  findings: readonly Finding[];
  /** The stored alerts of the findings' fingerprints, and every open one. */
  stored: readonly AlertRecord[];
  open: readonly AlertRecord[];
  rejudged: ReadonlyMap<number, number | null>;
  rejudgedAlerts: readonly AlertRecord[];
}): EpisodeChanges {
  const { config, month, findings, stored, open } = input;
  const openBy = new Map(open.map((a) => [a.fingerprint, a]));
  const found = new Set(findings.map((f) => f.fingerprint));
  const rows: AlertRow[] = [];
  const retired: AlertRecord[] = [];
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
    if (found.has(a.fingerprint) || compareMonths(a.lastMonth, month) > 0) continue;
    if (!input.rules.some((r) => r.id === a.rule)) {
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
  for (const a of input.rejudgedAlerts) {
    if (rows.some((r) => r.fingerprint === a.fingerprint) || a.state === 'withdrawn' || a.state === 'retired') continue;
    rows.push({ ...keep(a), observed: input.rejudged.get(a.id) ?? a.observed, state: 'withdrawn', resolvedMonth: month });
  }
  return { rows, retired };
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
export async function withdrawnByOlderRevision(options: { store: Store; config: Config; rules: readonly AlertRule[]; month: Month }): Promise<Map<number, number | null>> {
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
