// Plain-English explanations for detection findings, in the voice of a community safety analyst.
// Rules: say what was observed and what was expected; say how unusual as "about 1 month in N";
// say what history was used and what could not be tested; never say "significant" unless a test
// at a stated level said so; never name an address or a street (police.uk locations are snapped).

import { monthName } from '../core/periods.ts';
import type { FarringtonResult } from './farrington.ts';

export interface Explanation {
  /** One or two sentences a partner can read in a channel. */
  sentence: string;
  /** The numbers behind the sentence, for cards, logs and the lead analyst. */
  fields: Record<string, string | number | boolean | null>;
}

// ---------------------------------------------------------------------------------------------
// Number and period wording
// ---------------------------------------------------------------------------------------------

/** 1234 -> "1,234"; 4.26 -> "4.3" (one decimal below 10, whole numbers above). */
export function formatCount(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Math.abs(x) < 10 && !Number.isInteger(x)) return x.toFixed(1);
  return Math.round(x).toLocaleString('en-GB');
}

/** A "1 in N" figure rounded the way a person would say it: 7, 14, 45, 150, 1,200, 46,000. */
export function roundOneIn(n: number): number {
  if (n < 20) return Math.max(1, Math.round(n));
  if (n < 100) return Math.round(n / 5) * 5;
  const unit = 10 ** (Math.floor(Math.log10(n)) - 1); // two significant figures
  return Math.round(n / unit) * unit;
}

/** "about 1 month in 200 would be this high by chance", from a tail probability. */
export function chanceWording(probability: number, unit = 'month', direction: 'high' | 'low' = 'high'): string {
  const a = /^[aeiou]/i.test(unit) ? 'an' : 'a';
  if (!(probability > 0)) return `${a} ${unit} this ${direction} would be very unlikely by chance (less than 1 in a million)`;
  if (probability >= 0.5) return `${a} ${unit} this ${direction} is common (about 1 ${unit} in 2 or more often)`;
  const n = 1 / probability;
  if (n > 1e6) return `${a} ${unit} this ${direction} would be very unlikely by chance (less than 1 in a million)`;
  return `about 1 ${unit} in ${roundOneIn(n).toLocaleString('en-GB')} would be this ${direction} by chance`;
}

/** 14 -> "14 months"; 61 -> "5 years and 1 month"; 36 -> "3 years". */
export function durationWords(months: number): string {
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  if (months < 24) return plural(months, 'month');
  const y = Math.floor(months / 12);
  const m = months % 12;
  return m === 0 ? plural(y, 'year') : `${plural(y, 'year')} and ${plural(m, 'month')}`;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

// ---------------------------------------------------------------------------------------------
// Spikes
// ---------------------------------------------------------------------------------------------

export type SpikeFacts = Pick<FarringtonResult, 'month' | 'count' | 'expected' | 'upperbound' | 'alarm' | 'probability' | 'status' | 'trend' | 'history'> & { warnings?: string[] };

export interface SpikeSettings {
  alpha: number;
  limit54: [number, number];
  thresholdMethod: string;
}

/** The explanation of one month's spike test. `label` names what was counted ("burglary in Market"). */
export function explainSpike(f: SpikeFacts, params: SpikeSettings, label?: string): Explanation {
  const when = monthName(f.month);
  const what = label ? `${capitalise(label)}: ` : '';
  const countWords = `${formatCount(f.count)} in ${when}`;
  const fields: Explanation['fields'] = {
    kind: 'spike',
    month: f.month,
    observed: f.count,
    expected: f.expected === null ? null : round(f.expected, 2),
    upperbound: f.upperbound === null ? null : round(f.upperbound, 2),
    alarm: f.alarm,
    probability: f.probability,
    oneIn: f.probability && f.probability > 0 && f.probability < 0.5 ? roundOneIn(1 / f.probability) : null,
    status: f.status,
    trend: f.trend,
    historyFrom: f.history.from,
    historyTo: f.history.to,
    historyMonths: f.history.months,
    monthsNeeded: f.history.monthsNeeded,
    monthsAvailable: f.history.monthsAvailable,
    downweightedMonths: f.history.downweighted,
    alpha: params.alpha,
    method: `Farrington-flexible (${params.thresholdMethod})`,
    cannotTest: null,
  };

  if (f.status === 'not-enough-history') {
    const why = `not enough history: needs ${durationWords(f.history.monthsNeeded)}, has ${durationWords(f.history.monthsAvailable)}`;
    fields.cannotTest = why;
    return { sentence: `${what}${countWords}. Not tested for a spike (${why}).`, fields };
  }
  if (f.status === 'model-failed') {
    const why = f.warnings?.some((w) => w.startsWith('no upper bound'))
      ? 'the expected level is too uncertain to set an upper bound'
      : 'the model could not be fitted to the history of this series';
    fields.cannotTest = why;
    return { sentence: `${what}${countWords}. Not tested for a spike (${why}).`, fields };
  }

  const expectedWords =
    f.expected === null
      ? ''
      : f.upperbound === null
        ? `about ${formatCount(f.expected)} expected`
        : `about ${formatCount(f.expected)} expected, up to ${formatCount(f.upperbound)} in a normal month`;
  const historyWords =
    f.history.from && f.history.to
      ? `Compared with ${f.history.months} earlier months from ${monthName(f.history.from)} to ${monthName(f.history.to)}${f.trend ? ', allowing for the trend' : ''}${f.history.downweighted ? `, with ${f.history.downweighted} unusual past month${f.history.downweighted === 1 ? '' : 's'} given less weight` : ''}.`
      : '';

  if (f.status === 'below-minimum-count') {
    const [cases, periods] = params.limit54;
    const why = periods === 1 ? `fewer than ${cases} in the month` : `fewer than ${cases} in the last ${periods} months`;
    fields.cannotTest = `too few to test: ${why}`;
    return { sentence: `${what}${countWords}: too few to call a spike (${why}).${expectedWords ? ` ${capitalise(expectedWords)}.` : ''}`, fields };
  }

  const chance = f.probability === null ? '' : ` ${capitalise(chanceWording(f.probability))}.`;
  if (f.alarm) {
    return {
      sentence: `${what}${countWords}, higher than expected for the time of year (${expectedWords}).${chance} ${historyWords}`.trim(),
      fields,
    };
  }
  return {
    sentence: `${what}${countWords}, within the expected range (${expectedWords}). ${historyWords}`.trim(),
    fields,
  };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

// ---------------------------------------------------------------------------------------------
// Hotspots
// ---------------------------------------------------------------------------------------------

export interface HotspotFacts {
  name: string;
  parentName?: string;
  period: string; // "April 2024" or "the year ending April 2024"
  count: number;
  expected: number;
  ratio: number;
  ratioLower: number;
  ratioUpper: number;
  pValue: number;
  qValue: number;
  hotspot: boolean;
  fdr: number;
  minCount: number;
  emerging?: { since: number } | null;
}

/** "Market: 41 in April 2024 against 18 expected from its population share of Cambridge (2.3 times, 95% CI 1.6 to 3.1)..." */
export function explainHotspot(f: HotspotFacts): Explanation {
  const parent = f.parentName ? ` of ${f.parentName}` : '';
  const ratioWords = `${f.ratio.toFixed(1)} times the expected (95% interval ${f.ratioLower.toFixed(1)} to ${f.ratioUpper.toFixed(1)})`;
  const base = `${f.name}: ${formatCount(f.count)} in ${f.period} against ${formatCount(f.expected)} expected from its share of the population${parent}, ${ratioWords}.`;
  let tail: string;
  if (f.count < f.minCount) tail = ` Too few to test as a hotspot (fewer than ${f.minCount}).`;
  else if (f.hotspot) {
    tail = ` A hotspot: ${chanceWording(f.pValue, 'area')}, and it stays a hotspot after allowing for the number of areas compared (false discovery rate ${Math.round(f.fdr * 100)}%).`;
    if (f.emerging) tail += ` Emerging: not a hotspot in any of the previous ${f.emerging.since} months.`;
  } else if (f.count > f.expected) tail = ' Above its population share, but not by more than chance would explain once all the areas compared are allowed for.';
  else tail = ' Not above its population share.';
  return {
    sentence: base + tail,
    fields: {
      kind: f.emerging ? 'emerging-hotspot' : 'hotspot',
      area: f.name,
      parent: f.parentName ?? null,
      period: f.period,
      observed: f.count,
      expected: round(f.expected, 2),
      locationQuotient: round(f.ratio, 3),
      lqLower: round(f.ratioLower, 3),
      lqUpper: round(f.ratioUpper, 3),
      pValue: f.pValue,
      qValue: f.qValue,
      hotspot: f.hotspot,
      fdr: f.fdr,
      minCount: f.minCount,
      emerging: f.emerging ? true : false,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------------------------

export interface RecordFacts {
  month: string;
  count: number;
  kind: 'highest-since' | 'lowest-since' | 'highest-on-record' | 'lowest-on-record' | 'highest-same-month' | 'lowest-same-month';
  /** The last month that was at least as high (or low); null when none in the data. */
  since: string | null;
  sinceCount: number | null;
  /** For same-month records: how many years compared (this one included). */
  years?: number;
  /** First month of the data, for "the highest since records here began". */
  dataFrom: string;
}

export function explainRecord(f: RecordFacts, label?: string): Explanation {
  const what = label ? `${capitalise(label)}: ` : '';
  const when = monthName(f.month);
  let sentence: string;
  switch (f.kind) {
    case 'highest-since':
      sentence = `${what}${formatCount(f.count)} in ${when}, the highest monthly count since ${monthName(f.since!)} (${formatCount(f.sinceCount!)}).`;
      break;
    case 'lowest-since':
      sentence = `${what}${formatCount(f.count)} in ${when}, the lowest monthly count since ${monthName(f.since!)} (${formatCount(f.sinceCount!)}).`;
      break;
    case 'highest-on-record':
      sentence = `${what}${formatCount(f.count)} in ${when}, the highest monthly count in the data (which starts in ${monthName(f.dataFrom)}).`;
      break;
    case 'lowest-on-record':
      sentence = `${what}${formatCount(f.count)} in ${when}, the lowest monthly count in the data (which starts in ${monthName(f.dataFrom)}).`;
      break;
    case 'highest-same-month':
      sentence = `${what}${formatCount(f.count)} in ${when}, the highest for ${monthName(f.month).split(' ')[0]} in ${f.years} years.`;
      break;
    case 'lowest-same-month':
      sentence = `${what}${formatCount(f.count)} in ${when}, the lowest for ${monthName(f.month).split(' ')[0]} in ${f.years} years.`;
      break;
  }
  return {
    sentence,
    fields: { kind: f.kind, month: f.month, observed: f.count, since: f.since, sinceCount: f.sinceCount, years: f.years ?? null, dataFrom: f.dataFrom },
  };
}
