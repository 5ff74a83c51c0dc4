// Records in a monthly series, in the words analysts use: "the highest monthly count since
// January 2011", "the lowest April in 6 years". Pure functions over {month, count}[]; pass a
// series of year-ending totals to get the same findings for rolling 12-month figures.
// The one implementation of records: the figures engine's recordSince (src/figures/compute.ts)
// calls this.

import { monthName } from '../core/periods.ts';
import { explainRecord, type Explanation, type RecordFacts } from './explain.ts';
import { checkMonthlySeries } from './farrington.ts';

export interface MonthCount {
  month: string;
  count: number;
}

/** A month of the series, or a month missing from the data (count null: never loaded, not zero). */
export type RecordInput = MonthCount | { month: string; count: null };

export interface RecordOptions {
  /** The month to judge (default: the last month of the series). */
  month?: string;
  /** A "since" record is only reported when the earlier month is at least this far back (default 12). */
  minMonthsSince?: number;
  /** A same-month record is only reported over at least this many years, this one included (default 3). */
  minYears?: number;
  /** "On record" is only claimed with at least this many months of data (default 24). */
  minMonthsOnRecord?: number;
  /** What is counted, for the sentence ("burglary in Market"). */
  label?: string;
}

export interface RecordFinding extends RecordFacts {
  /** Months between the earlier month and this one (null for on-record findings). */
  monthsSince: number | null;
  /** Months with data up to and including this one. */
  monthsOfData: number;
  /** The record as a phrase to put in a sentence: "the highest monthly count since January 2021". */
  wording: string;
  explanation: Explanation;
}

/**
 * All records the month sets: highest or lowest since, on record, and for the same month of the year.
 * Missing months (count null) are passed over: they are neither higher nor lower than anything, and a
 * same-month comparison stops at a missing year rather than claim a run it cannot see.
 */
export function records(series: readonly RecordInput[], options: RecordOptions = {}): RecordFinding[] {
  checkMonthlySeries(
    series.map((s) => s.count ?? 0),
    series.map((s) => s.month),
  );
  if (series.length === 0) return [];
  const month = options.month ?? series[series.length - 1]!.month;
  const at = series.findIndex((s) => s.month === month);
  if (at < 0) throw new RangeError(`month ${month} is not in the series (${series[0]!.month} to ${series[series.length - 1]!.month})`);
  const count = series[at]!.count;
  if (count === null) return [];
  const minSince = options.minMonthsSince ?? 12;
  const minYears = options.minYears ?? 3;
  const minOnRecord = options.minMonthsOnRecord ?? 24;
  const first = series.findIndex((s) => s.count !== null);
  const dataFrom = series[first]!.month;
  let monthsOfData = 0;
  for (let i = 0; i <= at; i++) if (series[i]!.count !== null) monthsOfData++;
  const out: RecordFinding[] = [];
  const add = (f: RecordFacts, monthsSince: number | null, wording: string) => out.push({ ...f, monthsSince, monthsOfData, wording, explanation: explainRecord(f, options.label) });

  for (const direction of ['highest', 'lowest'] as const) {
    const atLeastAsExtreme = (c: number) => (direction === 'highest' ? c >= count : c <= count);
    let since = -1;
    for (let i = at - 1; i >= 0; i--) {
      const c = series[i]!.count;
      if (c !== null && atLeastAsExtreme(c)) {
        since = i;
        break;
      }
    }
    if (since >= 0) {
      const gap = at - since;
      // a strict record over the months in between, and far enough back to be worth saying
      if (gap >= minSince) {
        const s = series[since]!;
        add({ month, count, kind: `${direction}-since`, since: s.month, sinceCount: s.count, dataFrom }, gap, `the ${direction} monthly count since ${monthName(s.month)}`);
      }
    } else if (monthsOfData >= minOnRecord) {
      add(
        { month, count, kind: `${direction}-on-record`, since: null, sinceCount: null, dataFrom },
        null,
        `the ${direction} monthly count in the ${monthsOfData} months of data (since ${monthName(dataFrom)})`,
      );
    }

    // same calendar month in earlier years, going back until one is at least as extreme (or missing)
    let years = 1;
    for (let i = at - 12; i >= 0; i -= 12) {
      const c = series[i]!.count;
      if (c === null || atLeastAsExtreme(c)) break;
      years++;
    }
    if (years >= minYears) {
      add(
        { month, count, kind: `${direction}-same-month`, since: null, sinceCount: null, years, dataFrom },
        null,
        `the ${direction} for ${monthName(month).split(' ')[0]} in ${years} years`,
      );
    }
  }
  return out;
}
