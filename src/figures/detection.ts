// The spike detector in a /crime answer: Farrington-flexible (src/detect, default parameters) on an
// area's monthly series, for the months a chart shows, each month judged only on the months before
// it; and the plain-English figure for one month from the detector's result.
//
// Cost: about 0.1 ms per month judged (one quasi-Poisson fit or two), so a 24-month chart is a few
// milliseconds. Results are cached by the series itself (months and counts), so a repeated question
// costs nothing and a re-published month can never be answered from a stale entry.
import { addMonths, compareMonths, monthName, monthsBetween, type Month } from '../core/periods.ts';
import { chanceWording, DEFAULT_FARRINGTON_PARAMS, durationWords, farringtonFlexible, type FarringtonResult } from '../detect/index.ts';
import type { Series } from './series.ts';
import { formatCount } from './wording.ts';

const CACHE_SIZE = 256;
const cache = new Map<string, FarringtonResult[]>();

/**
 * Spike tests for the months `from` to `to` of a series (one result a month, oldest first). Only the
 * unbroken run of months with data that ends at `to` is used: a missing month cuts the history there
 * (the detector needs consecutive months). Months before the run, or with too little history before
 * them, come back as not tested ("not-enough-history"). Empty when `to` itself has no data.
 */
export function spikeTests(series: Series, from: Month, to: Month): FarringtonResult[] {
  const end = series.points.findIndex((p) => p.month === to);
  if (end < 0 || series.points[end]!.count === null) return [];
  let start = end;
  while (start > 0 && series.points[start - 1]!.count !== null) start--;
  const run = series.points.slice(start, end + 1);
  const months = run.map((p) => p.month);
  const counts = run.map((p) => p.count!);
  const first = compareMonths(from, months[0]!) > 0 ? from : months[0]!;
  const key = `${months[0]}|${first}|${counts.join(',')}`;
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key); // most recently used last
    cache.set(key, hit);
    return hit;
  }
  const results = farringtonFlexible(counts, months, DEFAULT_FARRINGTON_PARAMS, { from: first });
  cache.set(key, results);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return results;
}

/** The months of the baseline a result was judged on, when they are one unbroken run (the defaults' design); else null. */
export function baselineMonths(r: FarringtonResult): Month[] | null {
  const { from, to, months } = r.history;
  if (!from || !to || monthsBetween(from, to) + 1 !== months) return null;
  return Array.from({ length: months }, (_, i) => addMonths(from, i));
}

export interface SpikeWords {
  /** short: "within range (about 7, up to 13)" */
  display: string;
  /** the sentence: "Not higher than expected for the time of year (expected about 7, alert above 13)." */
  wording: string;
  /** for a summary, after the month's count: "That is not higher than expected for the time of year." */
  summary: string | null;
  /** the same as a clause after the month's count: "not higher than expected for the time of year" */
  clause: string | null;
}

/**
 * A month's spike test in words. `showRange` false: the expected value, the upper bound and how
 * unusual are left out (they could reveal a hidden small number); only the verdict is said.
 * `what` names what was counted, in the plural ("offences", "incidents"), for "too few".
 */
export function spikeWords(r: FarringtonResult, showRange: boolean, what: string, options: { historyAllZero?: boolean } = {}): SpikeWords {
  const when = monthName(r.month);
  // The band runs from the expected level up to the alert threshold: "up to" names its top, never a range below.
  const range = showRange && r.expected !== null && r.upperbound !== null ? `expected about ${formatExpected(r.expected)}, alert above ${formatCount(r.upperbound)}` : null;
  const cannot = typeof r.explanation.fields.cannotTest === 'string' ? r.explanation.fields.cannotTest : null;
  switch (r.status) {
    case 'not-enough-history':
      return {
        display: 'not tested (not enough history)',
        wording: `${when} was not tested for a spike: not enough history (the test needs ${durationWords(r.history.monthsNeeded)} of earlier months, this series has ${durationWords(r.history.monthsAvailable)}).`,
        summary: null,
        clause: null,
      };
    case 'model-failed':
      // A history of nothing but zeros has no expected level to speak of: say that, not "too uncertain".
      if (options.historyAllZero)
        return {
          display: `none in earlier months`,
          wording: `${when} was not tested for a spike: there were no ${what} in the months it would be compared with.`,
          summary: null,
          clause: null,
        };
      return { display: 'not tested', wording: `${when} was not tested for a spike: ${cannot ?? 'the model could not be fitted'}.`, summary: null, clause: null };
    case 'below-minimum-count': {
      const [cases] = DEFAULT_FARRINGTON_PARAMS.limit54;
      return {
        display: 'too few to test',
        wording: `${when} had too few ${what} to test for a spike (an alert needs at least ${cases} in the month)${range ? `; ${range}` : ''}.`,
        summary: null,
        clause: null,
      };
    }
    case 'tested':
      if (r.alarm) {
        const chance = showRange && r.probability !== null ? `: ${chanceWording(r.probability)}` : '';
        return {
          display: 'higher than expected',
          wording: `Higher than expected for the time of year${range ? ` (${range})` : ''}${chance}.${showRange ? '' : ' The expected level is not shown: it could reveal a small number.'}`,
          summary: `That is higher than expected for the time of year${chance}.`,
          clause: `higher than expected for the time of year${chance}`,
        };
      }
      // Not an alarm: the month may sit below the expected level or between it and the threshold; both
      // are "not higher than expected" (never "within range" of a month drawn below the band).
      return {
        display: 'not higher than expected',
        wording: `Not higher than expected for the time of year${range ? ` (${range})` : ''}.${showRange ? '' : ' The expected level is not shown: it could reveal a small number.'}`,
        summary: 'That is not higher than expected for the time of year.',
        clause: 'not higher than expected for the time of year',
      };
  }
}

/** 3.6 -> "3.6", 7.4 -> "7", 12.3 -> "12": one decimal only below 5, where it matters. */
function formatExpected(x: number): string {
  return x < 5 ? (Math.round(x * 10) / 10).toString() : formatCount(Math.round(x));
}
