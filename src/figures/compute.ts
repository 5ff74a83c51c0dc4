// The figures analysts compute, as pure functions over a monthly series. Every function names its
// period(s) with the Period objects from src/core/periods.ts; nothing here touches the store.
import {
  addMonths,
  compareMonths,
  financialYearToDate,
  monthName,
  monthsBetween,
  previousYear,
  reportingYear,
  singleMonth,
  yearEnding,
  type Month,
  type Period,
} from '../core/periods.ts';
import { records } from '../detect/index.ts';
import { totalFor, valueAt, type Series, type Total } from './series.ts';
import { describeChange, type Change } from './wording.ts';

export interface Comparison {
  current: Total;
  previous: Total;
  change: Change;
}

/** A period's total against the same period a year earlier. */
export function compareWithYearBefore(series: Series, period: Period, noCalcBase: number): Comparison {
  const current = totalFor(series, period);
  const previous = totalFor(series, previousYear(period));
  return { current, previous, change: describeChange(previous.value, current.value, noCalcBase) };
}

/** The month's count against the month before it. */
export function changeOnPreviousMonth(series: Series, month: Month, noCalcBase: number): Comparison {
  const current = totalFor(series, singleMonth(month));
  const previous = totalFor(series, singleMonth(addMonths(month, -1)));
  return { current, previous, change: describeChange(previous.value, current.value, noCalcBase) };
}

/** The month's count against the same month last year. */
export function changeOnSameMonthLastYear(series: Series, month: Month, noCalcBase: number): Comparison {
  return compareWithYearBefore(series, singleMonth(month), noCalcBase);
}

/** Year ending `month` (rolling 12 months) against the previous year ending. */
export function yearEndingComparison(series: Series, month: Month, noCalcBase: number): Comparison {
  return compareWithYearBefore(series, yearEnding(month), noCalcBase);
}

/** Financial year to date (April to `month`) against the same months a year earlier. */
export function financialYearToDateComparison(series: Series, month: Month, noCalcBase: number, startMonth = 4): Comparison {
  return compareWithYearBefore(series, financialYearToDate(month, startMonth), noCalcBase);
}

/** The partnership's latest complete reporting year (ending `endMonth`) against the one before. */
export function reportingYearComparison(series: Series, latest: Month, endMonth: number, noCalcBase: number): Comparison {
  return compareWithYearBefore(series, reportingYear(latest, endMonth), noCalcBase);
}

/** Rate per 1,000 residents; null without a count or a positive population. */
export function ratePer1000(count: number | null, population: number | null | undefined): number | null {
  if (count === null || !population || population <= 0) return null;
  return (count / population) * 1000;
}

export interface RankItem {
  code: string;
  name: string;
  count: number | null;
  population: number | null;
}

export interface Ranked extends RankItem {
  rate: number | null;
  /** 1 = highest rate; ties share a rank ("joint 2nd"); null without a rate */
  rank: number | null;
  joint: boolean;
}

/** Two rates equal but for floating-point rounding (equal counts over equal populations). */
export function sameValue(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

/** Areas ranked by rate per 1,000, highest first; areas without a rate go last, unranked. */
export function rankByRate(items: RankItem[]): Ranked[] {
  const withRate = items.map((it) => ({ ...it, rate: ratePer1000(it.count, it.population), rank: null as number | null, joint: false }));
  const rated = withRate.filter((r) => r.rate !== null).sort((a, b) => b.rate! - a.rate! || a.name.localeCompare(b.name));
  // Ranked by the rate itself: a tie only when the rates are equal (2.647 and 2.618 both show as 2.6
  // but rank 15th and 16th), to within floating-point noise.
  rated.forEach((r, i) => {
    const prev = rated[i - 1];
    r.rank = prev && sameValue(prev.rate!, r.rate!) ? prev.rank : i + 1;
  });
  for (const r of rated) r.joint = rated.filter((o) => o.rank === r.rank).length > 1;
  return [...rated, ...withRate.filter((r) => r.rate === null)];
}

export interface FiveYearAverage {
  month: Month;
  /** mean of the same calendar month in up to `years` previous years; null with no history */
  value: number | null;
  /** the months averaged */
  months: Month[];
}

/** The average of the same month in the previous `years` years (fewer when history is shorter). */
export function fiveYearAverage(series: Series, month: Month, years = 5): FiveYearAverage {
  const months: Month[] = [];
  let sum = 0;
  for (let y = 1; y <= years; y++) {
    const m = addMonths(month, -12 * y);
    const v = valueAt(series, m);
    if (v !== null) {
      months.push(m);
      sum += v;
    }
  }
  return { month, value: months.length ? sum / months.length : null, months };
}

export interface Record_ {
  kind: 'highest' | 'lowest';
  month: Month;
  count: number;
  /** The most recent earlier month at least as high (lowest: as low); null when none is (a record). */
  since: Month | null;
  /** How many earlier months with data the comparison covered. */
  monthsCompared: number;
  /** "the highest monthly count since January 2011" / "the highest monthly count in 60 months of data" */
  wording: string;
}

/**
 * "Highest since" / "lowest since": is `month` the highest (or lowest) for at least `minMonths`
 * months? Returns null when it is not notable (a higher month lies within `minMonths`) or when there
 * is no history to compare with. Missing months are passed over. The records themselves are found
 * by detection's `records` (src/detect/records.ts), the one implementation of them.
 */
export function recordSince(series: Series, month: Month, minMonths = 12): Record_ | null {
  const upTo = series.points.filter((p) => compareMonths(p.month, month) <= 0);
  if (upTo[upTo.length - 1]?.month !== month || upTo[upTo.length - 1]!.count === null) return null;
  // "On record" needs at least minMonths earlier months with data, this month on top.
  const found = records(upTo, { month, minMonthsSince: minMonths, minMonthsOnRecord: minMonths + 1 });
  for (const kind of ['highest', 'lowest'] as const) {
    const f = found.find((r) => r.kind === `${kind}-since` || r.kind === `${kind}-on-record`);
    if (f) return { kind, month, count: f.count, since: f.since, monthsCompared: f.monthsOfData - 1, wording: f.wording };
  }
  return null;
}

/** Share of a whole: null when either is missing or the whole is 0. */
export function shareOf(part: number | null, whole: number | null): number | null {
  if (part === null || whole === null || whole <= 0) return null;
  return part / whole;
}

export interface BreakdownRow {
  key: string;
  label: string;
  count: number | null;
  share: number | null;
  change: Change;
}

/** A measure's children for a period: count, share of the sum, and change on the year before; largest first. */
export function breakdown(children: Array<{ key: string; label: string; current: number | null; previous: number | null }>, noCalcBase: number): BreakdownRow[] {
  const total = children.reduce((s, c) => s + (c.current ?? 0), 0);
  return children
    .map((c) => ({ key: c.key, label: c.label, count: c.current, share: shareOf(c.current, total), change: describeChange(c.previous, c.current, noCalcBase) }))
    .sort((a, b) => (b.count ?? -1) - (a.count ?? -1) || a.label.localeCompare(b.label));
}
