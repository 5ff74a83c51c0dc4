// A monthly series: contiguous months, each with a count, or null where the month is missing from
// the store (never ingested) as opposed to 0 (ingested, nothing recorded here).
import { addMonths, compareMonths, monthRange, monthsBetween, yearEnding, type Month, type Period } from '../core/periods.ts';

export interface Point {
  month: Month;
  /** null: the month is not in the data at all (missing), which is different from 0 */
  count: number | null;
  synthetic: boolean;
}

export interface Series {
  points: Point[];
  /**
   * Set when the series is shown perturbed (src/figures/disclosure.ts): a period's total is then a
   * cell of its own, perturbed by its own key, not the sum of the perturbed months. `totalFor` asks it.
   */
  disclosed?: { total(period: Period): number | null };
}

export interface CountRow {
  month: Month;
  count: number;
  synthetic?: boolean;
}

/**
 * Builds a series from aggregated rows. `coverage` lists the months the data holds (from the store):
 * a covered month with no row is 0, an uncovered month between the first and last covered is null.
 */
export function seriesFromRows(rows: Iterable<CountRow>, coverage: Iterable<Month>, syntheticMonths: ReadonlySet<Month> = new Set()): Series {
  const covered = [...new Set(coverage)].sort(compareMonths);
  if (!covered.length) return { points: [] };
  const totals = new Map<Month, number>();
  const synth = new Set<Month>(syntheticMonths);
  for (const r of rows) {
    totals.set(r.month, (totals.get(r.month) ?? 0) + r.count);
    if (r.synthetic) synth.add(r.month);
  }
  const coveredSet = new Set(covered);
  const points = monthRange(covered[0]!, covered[covered.length - 1]!).map((month) => ({
    month,
    count: coveredSet.has(month) ? (totals.get(month) ?? 0) : null,
    synthetic: synth.has(month),
  }));
  return { points };
}

/** Hand-made series for tests and tools: consecutive months from `from`, null for a missing month. */
export function seriesOf(from: Month, counts: Array<number | null>, synthetic = false): Series {
  const months = monthRange(from, addMonths(from, counts.length - 1));
  return { points: months.map((month, i) => ({ month, count: counts[i] ?? null, synthetic })) };
}

/** Sum of several series month by month (a composite); a month is null if it is null in any part. */
export function sumSeries(parts: Series[]): Series {
  if (!parts.length) return { points: [] };
  const byMonth = new Map<Month, Point & { parts: number }>();
  for (const s of parts)
    for (const p of s.points) {
      const prev = byMonth.get(p.month);
      if (!prev) byMonth.set(p.month, { ...p, parts: 1 });
      else {
        prev.count = prev.count === null || p.count === null ? null : prev.count + p.count;
        prev.synthetic ||= p.synthetic;
        prev.parts++;
      }
    }
  // A month some parts lack is unknown for the sum.
  return {
    points: [...byMonth.values()].map(({ parts: n, ...p }) => (n === parts.length ? p : { ...p, count: null })).sort((a, b) => compareMonths(a.month, b.month)),
  };
}

export function valueAt(series: Series, month: Month): number | null {
  const first = series.points[0];
  if (!first) return null;
  const i = monthIndexIn(series, month);
  return i === null ? null : (series.points[i]?.count ?? null);
}

function monthIndexIn(series: Series, month: Month): number | null {
  const first = series.points[0];
  if (!first) return null;
  const i = monthsBetween(first.month, month);
  return i >= 0 && i < series.points.length ? i : null;
}

/** The last month with a count. */
export function latestMonth(series: Series): Month | null {
  for (let i = series.points.length - 1; i >= 0; i--) if (series.points[i]!.count !== null) return series.points[i]!.month;
  return null;
}

/** The first month with a count. */
export function firstMonth(series: Series): Month | null {
  return series.points.find((p) => p.count !== null)?.month ?? null;
}

export interface Total {
  period: Period;
  /** null when any month of the period is missing from the data */
  value: number | null;
  missing: Month[];
}

export function totalFor(series: Series, period: Period): Total {
  let sum = 0;
  const missing: Month[] = [];
  for (const month of monthRange(period.from, period.to)) {
    const v = valueAt(series, month);
    if (v === null) missing.push(month);
    else sum += v;
  }
  if (!missing.length && series.disclosed) return { period, value: series.disclosed.total(period), missing };
  return { period, value: missing.length ? null : sum, missing };
}

/** The points from `from` to `to` inclusive (null counts where the series has no such month). */
export function window(series: Series, from: Month, to: Month): Point[] {
  return monthRange(from, to).map((month) => {
    const i = monthIndexIn(series, month);
    const p = i === null ? undefined : series.points[i];
    return p ? { ...p } : { month, count: null, synthetic: false };
  });
}

/**
 * The rolling `window`-month total ending at each month from `from` to `to`, each through `totalFor`:
 * for a perturbed series (src/figures/disclosure.ts) every total is a cell of its own, the same cell
 * as the year ending that month, never the sum of the perturbed months. null where a month is missing.
 */
export function rollingTotals(series: Series, from: Month, to: Month, window = 12): Array<{ month: Month; period: Period; value: number | null }> {
  return monthRange(from, to).map((month) => {
    const period: Period = window === 12 ? yearEnding(month) : { kind: 'range', from: addMonths(month, -window + 1), to: month, label: `${window} months to ${month}` };
    return { month, period, value: totalFor(series, period).value };
  });
}
