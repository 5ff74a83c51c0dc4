// Alert states from a run of monthly conditions: a pending period and keep-firing counted in months,
// after Grafana's pending period ("for") and keep-firing-for, and Prometheus's keep_firing_for. The
// state is a pure function of the conditions (recomputed from the data at every release), so a restart,
// a second replica or a revised month gives the same answer; only what was announced is persisted.
//
// Hysteresis, so a series hovering at the line does not fire and resolve every month:
//  - a new alert fires after `pending` months in a row with the condition (at once when the chance of
//    a month that high is below the rule's fireAtOnceBelow);
//  - an open alert is held open by an "elevated" month (above the clear line, below the alarm line: for
//    a spike, above expected + half the distance to the upper bound) without counting towards recovery;
//  - it resolves only after more than `keepFiring` clear months in a row; one clear month between two
//    firing months keeps it the same alert ("recovering", then firing again), never alert/resolved/alert;
//  - a month with no data (not published, the extract late) leaves it open with the reason: missing data
//    is not "back to normal" (Grafana's MissingSeries resolves it; we do not).
import type { Month } from '../core/periods.ts';

/** What one month says: the alarm condition holds, the value is above the clear line only, clear, no data, or it could not be tested. */
export type Condition = 'firing' | 'elevated' | 'clear' | 'no-data' | 'untested';

export interface ConditionStep {
  month: Month;
  condition: Condition;
  /** Strong enough to fire at once, without the pending months. */
  strong?: boolean;
}

export type FoldedState = 'inactive' | 'pending' | 'firing' | 'recovering' | 'no-data' | 'resolved';

export interface Folded {
  state: FoldedState;
  /** First firing month of the open (or just resolved) alert. */
  since: Month | null;
  /** Months in a row the condition held while pending. */
  pendingMonths: number;
  /** Clear months in a row while open. */
  clearMonths: number;
  /** The latest month the condition itself held. */
  lastFiring: Month | null;
}

export interface StateRules {
  pending: number;
  keepFiring: number;
}

export const INACTIVE: Folded = Object.freeze({ state: 'inactive', since: null, pendingMonths: 0, clearMonths: 0, lastFiring: null });

/** One month on from `prev`. */
export function step(prev: Folded, s: ConditionStep, rules: StateRules): Folded {
  const open = prev.state === 'firing' || prev.state === 'recovering' || prev.state === 'no-data';
  if (!open) {
    // inactive, pending, or resolved last month (a new alert from here)
    if (s.condition === 'firing') {
      const streak = prev.state === 'pending' ? prev.pendingMonths + 1 : 1;
      const start = prev.state === 'pending' && prev.since ? prev.since : s.month;
      if (s.strong || streak >= rules.pending) return { state: 'firing', since: start, pendingMonths: streak, clearMonths: 0, lastFiring: s.month };
      return { state: 'pending', since: start, pendingMonths: streak, clearMonths: 0, lastFiring: s.month };
    }
    // A pending streak survives a month it cannot see (no data, not tested) and an elevated month, but does not grow.
    if (prev.state === 'pending' && s.condition !== 'clear') return prev;
    return INACTIVE;
  }
  switch (s.condition) {
    case 'firing':
      return { state: 'firing', since: prev.since, pendingMonths: prev.pendingMonths, clearMonths: 0, lastFiring: s.month };
    case 'elevated':
      // Held open, not yet recovering: the value is still above the clear line.
      return { ...prev, state: prev.state === 'no-data' ? 'firing' : prev.state === 'recovering' ? 'recovering' : 'firing' };
    case 'clear': {
      const clearMonths = prev.clearMonths + 1;
      if (clearMonths > rules.keepFiring) return { ...prev, state: 'resolved', clearMonths };
      return { ...prev, state: 'recovering', clearMonths };
    }
    case 'no-data':
      return { ...prev, state: 'no-data' };
    case 'untested':
      return prev;
  }
}

/** The state after a run of months, oldest first, from inactive. */
export function fold(steps: readonly ConditionStep[], rules: StateRules): Folded {
  let s: Folded = INACTIVE;
  for (const x of steps) s = step(s, x, rules);
  return s;
}

/** Every month's state, for history and tests. */
export function foldAll(steps: readonly ConditionStep[], rules: StateRules): Array<Folded & { month: Month }> {
  let s: Folded = INACTIVE;
  return steps.map((x) => {
    s = step(s, x, rules);
    return { ...s, month: x.month };
  });
}
