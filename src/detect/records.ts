// Records in a monthly series, in the words analysts use: "the highest monthly count since
// January 2011", "the lowest April in 6 years". Pure functions over {month, count}[]; pass a
// series of year-ending totals to get the same findings for rolling 12-month figures.

import { explainRecord, type Explanation, type RecordFacts } from './explain.ts';
import { checkMonthlySeries } from './farrington.ts';

export interface MonthCount {
  month: string;
  count: number;
}

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
  explanation: Explanation;
}

/** All records the month sets: highest or lowest since, on record, and for the same month of the year. */
export function records(series: readonly MonthCount[], options: RecordOptions = {}): RecordFinding[] {
  checkMonthlySeries(series.map((s) => s.count), series.map((s) => s.month));
  if (series.length === 0) return [];
  const month = options.month ?? series[series.length - 1]!.month;
  const at = series.findIndex((s) => s.month === month);
  if (at < 0) throw new RangeError(`month ${month} is not in the series (${series[0]!.month} to ${series[series.length - 1]!.month})`);
  const minSince = options.minMonthsSince ?? 12;
  const minYears = options.minYears ?? 3;
  const minOnRecord = options.minMonthsOnRecord ?? 24;
  const count = series[at]!.count;
  const dataFrom = series[0]!.month;
  const out: RecordFinding[] = [];
  const add = (f: RecordFacts, monthsSince: number | null) => out.push({ ...f, monthsSince, explanation: explainRecord(f, options.label) });

  for (const direction of ['highest', 'lowest'] as const) {
    const atLeastAsExtreme = (c: number) => (direction === 'highest' ? c >= count : c <= count);
    let since = -1;
    for (let i = at - 1; i >= 0; i--) {
      if (atLeastAsExtreme(series[i]!.count)) {
        since = i;
        break;
      }
    }
    if (since >= 0) {
      const gap = at - since;
      // a strict record over the months in between, and far enough back to be worth saying
      if (gap >= minSince) {
        add({ month, count, kind: `${direction}-since`, since: series[since]!.month, sinceCount: series[since]!.count, dataFrom }, gap);
      }
    } else if (at + 1 >= minOnRecord) {
      add({ month, count, kind: `${direction}-on-record`, since: null, sinceCount: null, dataFrom }, null);
    }

    // same calendar month in earlier years, going back until one is at least as extreme
    let years = 1;
    for (let i = at - 12; i >= 0; i -= 12) {
      if (atLeastAsExtreme(series[i]!.count)) break;
      years++;
    }
    if (years >= minYears) {
      add({ month, count, kind: `${direction}-same-month`, since: null, sinceCount: null, years, dataFrom }, null);
    }
  }
  return out;
}
