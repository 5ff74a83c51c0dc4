// Periods as people type them: "last month", "april", "apr 2024", "ye sep", "year ending september
// 2023", "2024/25" (the partnership's reporting year), "fy 2023/24", "fytd". Resolved against the
// latest month of data with the functions of src/core/periods.ts.
import {
  calendarYear,
  compareMonths,
  financialYear,
  reportingYearToDate,
  latestCalendarMonth,
  monthName,
  monthOf,
  parseMonthWord,
  reportingYearFromLabel,
  shortMonthName,
  singleMonth,
  yearEnding,
  type Month,
  type Period,
} from '../core/periods.ts';

export type PeriodSpec =
  | { kind: 'latest' }
  | { kind: 'month'; calendar: number; year?: number }
  | { kind: 'year-ending'; calendar?: number; year?: number }
  | { kind: 'year-label'; label: string; financial: boolean }
  | { kind: 'fytd' }
  | { kind: 'calendar-year'; year: number };

const YEAR = /^(19|20)\d{2}$/;
const LABEL = /^\d{4}\/\d{2}$/;

function seq(tokens: string[], i: number, words: string[]): boolean {
  return words.every((w, k) => tokens[i + k] === w);
}

/** Month [year] starting at i: [spec fields, tokens used]. */
function monthAt(tokens: string[], i: number): { calendar: number; year?: number; length: number } | null {
  const cal = tokens[i] === undefined ? null : parseMonthWord(tokens[i]!);
  if (cal === null) return null;
  const y = tokens[i + 1];
  return y !== undefined && YEAR.test(y) ? { calendar: cal, year: Number(y), length: 2 } : { calendar: cal, length: 1 };
}

/** The longest period phrase starting at token i. */
export function periodAt(tokens: string[], i: number): { spec: PeriodSpec; length: number } | null {
  for (const words of [['last', 'month'], ['latest', 'month'], ['this', 'month'], ['latest']]) {
    if (seq(tokens, i, words)) return { spec: { kind: 'latest' }, length: words.length };
  }
  for (const words of [['financial', 'year', 'to', 'date'], ['fy', 'to', 'date'], ['year', 'to', 'date'], ['fytd'], ['ytd']]) {
    if (seq(tokens, i, words)) return { spec: { kind: 'fytd' }, length: words.length };
  }
  for (const words of [['financial', 'year'], ['fy']]) {
    const t = tokens[i + words.length];
    if (seq(tokens, i, words) && t && LABEL.test(t)) return { spec: { kind: 'year-label', label: t, financial: true }, length: words.length + 1 };
  }
  if (tokens[i] && LABEL.test(tokens[i]!)) return { spec: { kind: 'year-label', label: tokens[i]!, financial: false }, length: 1 };
  for (const words of [['calendar', 'year'], ['cy'], ['year']]) {
    const t = tokens[i + words.length];
    if (seq(tokens, i, words) && t && YEAR.test(t)) return { spec: { kind: 'calendar-year', year: Number(t) }, length: words.length + 1 };
  }
  // A year on its own ("burglary 2023") is the calendar year; after a month word it is that month's year (monthAt).
  if (tokens[i] && YEAR.test(tokens[i]!) && (i === 0 || parseMonthWord(tokens[i - 1]!) === null)) return { spec: { kind: 'calendar-year', year: Number(tokens[i]) }, length: 1 };
  for (const words of [['year', 'ending'], ['year', 'end'], ['ye'], ['rolling', 'year'], ['last', '12', 'months'], ['past', '12', 'months'], ['last', 'year']]) {
    if (!seq(tokens, i, words)) continue;
    const m = words[0] === 'year' || words[0] === 'ye' ? monthAt(tokens, i + words.length) : null;
    if (m) return { spec: { kind: 'year-ending', calendar: m.calendar, ...(m.year ? { year: m.year } : {}) }, length: words.length + m.length };
    return { spec: { kind: 'year-ending' }, length: words.length };
  }
  const m = monthAt(tokens, i);
  if (m) return { spec: { kind: 'month', calendar: m.calendar, ...(m.year ? { year: m.year } : {}) }, length: m.length };
  return null;
}

export interface ResolvedPeriod {
  /** The month the key figures are "as at": the latest month, or the month or year end asked for. */
  reference: Month;
  /** The period asked about, named in words. */
  focus: Period;
  spec: PeriodSpec;
}

export type PeriodResult = { ok: true; period: ResolvedPeriod } | { ok: false; message: string };

function notYet(what: string, latest: Month): PeriodResult {
  return { ok: false, message: `There is no data for ${what} yet: the latest month is ${monthName(latest)}.` };
}

/** Turns a spec into months, given the latest month with data and the partnership's reporting year end. */
export function resolvePeriod(spec: PeriodSpec | undefined, latest: Month, reportingYearEnd: number, first?: Month): PeriodResult {
  const before = (m: Month) => first !== undefined && compareMonths(m, first) < 0;
  const pick = (calendar: number, year?: number) => (year === undefined ? latestCalendarMonth(latest, calendar) : monthOf(year, calendar));
  if (!spec || spec.kind === 'latest') return { ok: true, period: { reference: latest, focus: singleMonth(latest), spec: spec ?? { kind: 'latest' } } };
  if (spec.kind === 'month' || spec.kind === 'year-ending') {
    const month = spec.calendar === undefined ? latest : pick(spec.calendar, spec.year);
    if (compareMonths(month, latest) > 0) return notYet(monthName(month), latest);
    if (before(month)) return { ok: false, message: `The data starts in ${monthName(first!)}, after ${monthName(month)}.` };
    return { ok: true, period: { reference: month, focus: spec.kind === 'month' ? singleMonth(month) : yearEnding(month), spec } };
  }
  // The reporting year so far, labelled as the channel's years are: "2023/24" has one meaning in a channel.
  if (spec.kind === 'fytd') return { ok: true, period: { reference: latest, focus: reportingYearToDate(latest, reportingYearEnd), spec } };
  if (spec.kind === 'calendar-year') {
    const whole = calendarYear(spec.year);
    if (compareMonths(whole.from, latest) > 0) return notYet(`calendar year ${spec.year}`, latest);
    if (before(whole.to)) return { ok: false, message: `The data starts in ${monthName(first!)}, after ${spec.year}.` };
    if (compareMonths(whole.to, latest) <= 0) return { ok: true, period: { reference: whole.to, focus: whole, spec } };
    const focus: Period = { kind: 'range', from: whole.from, to: latest, label: `${spec.year} so far (${monthName(whole.from)} to ${monthName(latest)})` };
    return { ok: true, period: { reference: latest, focus, spec } };
  }
  // A year label: the partnership's reporting year ("2024/25" in a Cambridge assessment is YE September 2025), or a financial year.
  const start = Number(spec.label.slice(0, 4));
  const whole = spec.financial ? financialYear(monthOf(start, 4)) : reportingYearFromLabel(spec.label, reportingYearEnd);
  if (!whole) return { ok: false, message: `"${spec.label}" is not a year label like 2024/25.` };
  if (compareMonths(whole.from, latest) > 0) return notYet(spec.label, latest);
  if (compareMonths(whole.to, latest) <= 0) return { ok: true, period: { reference: whole.to, focus: whole, spec } };
  // The year is still running: the months so far, against the same months a year earlier.
  const focus: Period = { kind: 'range', from: whole.from, to: latest, label: `${spec.label} so far (${monthName(whole.from)} to ${monthName(latest)})` };
  return { ok: true, period: { reference: latest, focus, spec } };
}

/** "YE Apr 2024", for chart axes and tables. */
export function shortYearEnding(month: Month): string {
  return `YE ${shortMonthName(month)}`;
}
