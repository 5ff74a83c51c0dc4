// Numbers and changes written the way the partnership analysts write them (seeds 003/004):
// "(+15%, +123)" in ward lists, "a decrease of 10% (-270 offences)" in sentences, and "no calc"
// for a percentage on a base below the configured minimum (config figures.noCalcBase).
import type { Measure } from '../taxonomy/index.ts';

/** 1234 -> "1,234"; integers only, other numbers are rounded. */
export function formatCount(n: number): string {
  const r = Math.round(n);
  const digits = String(Math.abs(r)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return r < 0 ? `-${digits}` : digits;
}

/** Rates per 1,000 to one decimal place, as the rate tables do: 17.06 -> "17.1". */
export function formatRate(rate: number): string {
  const s = (Math.round(rate * 10) / 10).toFixed(1);
  return s === '-0.0' ? '0.0' : s;
}

/** Whole percent for shares: 0.356 -> "36%"; under 1% but above 0 -> "<1%". */
export function formatShare(share: number): string {
  if (share > 0 && share < 0.005) return '<1%';
  return `${Math.round(share * 100)}%`;
}

/** 1 -> "1st", 2 -> "2nd", 11 -> "11th", 22 -> "22nd". */
export function ordinal(n: number): string {
  const mod100 = n % 100;
  const suffix = mod100 >= 11 && mod100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/** "offences" for crimes, "incidents" for ASB and incident measures; singular for 1. */
export function noun(measure: Pick<Measure, 'kind'>, n = 2): string {
  const word = measure.kind === 'crime' ? 'offence' : 'incident';
  return Math.abs(n) === 1 ? word : `${word}s`;
}

/** Half away from zero, so +10.5% and -10.5% round to the same size. */
function roundHalfAway(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

const signed = (n: number, text: string) => (n > 0 ? `+${text}` : text);

export interface Change {
  previous: number | null;
  current: number | null;
  /** current - previous, or null when either is missing */
  absolute: number | null;
  /** whole percent, or null when missing or when the base is below noCalcBase */
  percent: number | null;
  /** "+15%" | "-10%" | "0%" | "no calc" | "n/a" */
  percentText: string;
  /** "+123" | "-270" | "0" | "n/a" */
  absoluteText: string;
  direction: 'up' | 'down' | 'same' | 'unknown';
  /** The list form: "+15%, +123"; "no calc, +4"; "n/a". */
  short: string;
  /** The bracket form: "-10% (-270)"; "+4 (no calc)"; "n/a". */
  paren: string;
}

export function describeChange(previous: number | null | undefined, current: number | null | undefined, noCalcBase: number): Change {
  const prev = previous ?? null;
  const cur = current ?? null;
  if (prev === null || cur === null) {
    return { previous: prev, current: cur, absolute: null, percent: null, percentText: 'n/a', absoluteText: 'n/a', direction: 'unknown', short: 'n/a', paren: 'n/a' };
  }
  const absolute = cur - prev;
  const percent = prev < noCalcBase || prev === 0 ? null : roundHalfAway((absolute / prev) * 100);
  const percentText = percent === null ? 'no calc' : `${signed(percent, String(percent))}%`;
  const absoluteText = signed(absolute, formatCount(absolute));
  return {
    previous: prev,
    current: cur,
    absolute,
    percent,
    percentText,
    absoluteText,
    direction: absolute > 0 ? 'up' : absolute < 0 ? 'down' : 'same',
    short: `${percentText}, ${absoluteText}`,
    paren: percent === null ? `${absoluteText} (no calc)` : `${percentText} (${absoluteText})`,
  };
}

/**
 * The sentence form the strategic assessment uses: "a decrease of 10% (-270 offences)",
 * "an increase of 4 offences (too few for a percentage)", "about the same (-1 offence)" when the
 * percentage rounds to 0, "no change".
 */
export function changePhrase(c: Change, measure: Pick<Measure, 'kind'>): string {
  if (c.direction === 'unknown') return 'no comparison (a figure is missing)';
  if (c.direction === 'same') return 'no change';
  const n = c.absolute!;
  if (c.percent === 0) return `about the same (${c.absoluteText} ${noun(measure, n)})`;
  const word = c.direction === 'up' ? 'an increase' : 'a decrease';
  if (c.percent === null) return `${word} of ${formatCount(Math.abs(n))} ${noun(measure, n)} (too few for a percentage)`;
  return `${word} of ${Math.abs(c.percent)}% (${c.absoluteText} ${noun(measure, n)})`;
}

/**
 * A change as a short clause after a number, for figures and summaries: "up 6% (+224)", "down 4 (too
 * few for a percentage)", "about the same (-1)", "no change".
 */
export function changeClause(c: Change): string {
  if (c.direction === 'unknown') return 'no comparison';
  if (c.direction === 'same') return 'no change';
  if (c.percent === 0) return `about the same (${c.absoluteText})`;
  const dir = c.direction === 'up' ? 'up' : 'down';
  if (c.percent === null) return `${dir} ${formatCount(Math.abs(c.absolute!))} (too few for a percentage)`;
  return `${dir} ${Math.abs(c.percent)}% (${c.absoluteText})`;
}

/** What "no calc" means, for the note under a table that shows it. */
export function noCalcNote(noCalcBase: number): string {
  return `"no calc": no percentage change is given on a base under ${noCalcBase}, where one or two offences swing it widely.`;
}

/**
 * How much of a period is synthetic, beside the figure it feeds: "" (none), "synthetic" (all of it),
 * "8 of 12 months synthetic".
 */
export function syntheticShare(synthetic: number, months: number): string {
  if (synthetic <= 0 || months <= 0) return '';
  return synthetic >= months ? 'synthetic' : `${synthetic} of ${months} months synthetic`;
}
