// The one module for period arithmetic. Months are 'YYYY-MM' strings everywhere outside this file;
// inside, a month index (year * 12 + month - 1) makes arithmetic exact across year boundaries.

export type Month = string; // 'YYYY-MM'

const MONTH_PATTERN = /^(\d{4})-(0[1-9]|1[0-2])$/;

export const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'] as const;

export function isMonth(value: string): boolean {
  return MONTH_PATTERN.test(value);
}

/** Month index: 2024-01 -> 24288. Throws on anything that is not YYYY-MM. */
export function monthIndex(month: Month): number {
  const m = MONTH_PATTERN.exec(month);
  if (!m) throw new RangeError(`not a month: "${month}" (expected YYYY-MM)`);
  return Number(m[1]) * 12 + Number(m[2]) - 1;
}

export function monthFromIndex(index: number): Month {
  const year = Math.floor(index / 12);
  const month = index - year * 12 + 1;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`;
}

export function addMonths(month: Month, n: number): Month {
  return monthFromIndex(monthIndex(month) + n);
}

/** Whole months from `from` to `to` (positive when `to` is later). */
export function monthsBetween(from: Month, to: Month): number {
  return monthIndex(to) - monthIndex(from);
}

export function compareMonths(a: Month, b: Month): number {
  return monthIndex(a) - monthIndex(b);
}

/** Every month from `from` to `to` inclusive; empty when `to` is before `from`. */
export function monthRange(from: Month, to: Month): Month[] {
  const out: Month[] = [];
  for (let i = monthIndex(from), end = monthIndex(to); i <= end; i++) out.push(monthFromIndex(i));
  return out;
}

export function calendarMonth(month: Month): number {
  return (monthIndex(month) % 12) + 1;
}

export function yearOf(month: Month): number {
  return Math.floor(monthIndex(month) / 12);
}

/** "April 2024" */
export function monthName(month: Month): string {
  return `${MONTH_NAMES[calendarMonth(month) - 1]} ${yearOf(month)}`;
}

/** "Apr 2024" (chart axes, tables) */
export function shortMonthName(month: Month): string {
  return `${MONTH_NAMES[calendarMonth(month) - 1]!.slice(0, 3)} ${yearOf(month)}`;
}

/** An inclusive span of months with the words that name it. */
export interface Period {
  kind: 'month' | 'year-ending' | 'financial-year' | 'financial-year-to-date' | 'reporting-year' | 'range';
  from: Month;
  to: Month;
  label: string;
}

export function periodMonths(period: Period): Month[] {
  return monthRange(period.from, period.to);
}

export function singleMonth(month: Month): Period {
  return { kind: 'month', from: month, to: month, label: monthName(month) };
}

/** The rolling 12 months ending with `month`: "year ending April 2024". */
export function yearEnding(month: Month): Period {
  return { kind: 'year-ending', from: addMonths(month, -11), to: month, label: `year ending ${monthName(month)}` };
}

/** The same-length period immediately a year earlier. */
export function previousYear(period: Period): Period {
  const from = addMonths(period.from, -12);
  const to = addMonths(period.to, -12);
  const label =
    period.kind === 'month'
      ? monthName(to)
      : period.kind === 'year-ending'
        ? `year ending ${monthName(to)}`
        : period.kind === 'financial-year' || period.kind === 'reporting-year'
          ? yearLabel(to, period.kind)
          : period.kind === 'financial-year-to-date'
            ? `${financialYearLabel(financialYearStartOf(to, 4))} to ${MONTH_NAMES[calendarMonth(to) - 1]}`
            : `${monthName(from)} to ${monthName(to)}`;
  return { kind: period.kind, from, to, label };
}

/** First month of the 12-month year that contains `month`, for a year starting in `startMonth` (1-12). */
export function yearStartContaining(month: Month, startMonth: number): Month {
  const cm = calendarMonth(month);
  const y = yearOf(month) - (cm < startMonth ? 1 : 0);
  return monthFromIndex(y * 12 + startMonth - 1);
}

/** Financial year (April to March) start containing `month`. */
export function financialYearStartOf(month: Month, startMonth = 4): Month {
  return yearStartContaining(month, startMonth);
}

/** "2024/25" for the year that starts in 2024. */
export function financialYearLabel(startMonthOfYear: Month): string {
  const y = yearOf(startMonthOfYear);
  return `${y}/${String((y + 1) % 100).padStart(2, '0')}`;
}

function yearLabel(endMonth: Month, kind: Period['kind']): string {
  const start = addMonths(endMonth, -11);
  return kind === 'financial-year' ? `financial year ${financialYearLabel(start)}` : `${financialYearLabel(start)} (year ending ${monthName(endMonth)})`;
}

/** The whole financial year (April-March by default) containing `month`. */
export function financialYear(month: Month, startMonth = 4): Period {
  const from = financialYearStartOf(month, startMonth);
  const to = addMonths(from, 11);
  return { kind: 'financial-year', from, to, label: `financial year ${financialYearLabel(from)}` };
}

/** From the start of the financial year containing `month` up to and including `month`. */
export function financialYearToDate(month: Month, startMonth = 4): Period {
  const from = financialYearStartOf(month, startMonth);
  return {
    kind: 'financial-year-to-date',
    from,
    to: month,
    label: `${financialYearLabel(from)} to ${MONTH_NAMES[calendarMonth(month) - 1]}`,
  };
}

/**
 * A partnership's reporting year that ends in `endMonth` (1-12): the latest such year whose end is
 * at or before `latest`. Cambridge reports YE September, and calls YE September 2025 "2024/25".
 */
export function reportingYear(latest: Month, endMonth: number): Period {
  const cm = calendarMonth(latest);
  const endYear = yearOf(latest) - (cm < endMonth ? 1 : 0);
  const to = monthFromIndex(endYear * 12 + endMonth - 1);
  const from = addMonths(to, -11);
  return { kind: 'reporting-year', from, to, label: `${financialYearLabel(from)} (year ending ${monthName(to)})` };
}

/** "2024/25" with a reporting-year end month -> the period it names. */
export function reportingYearFromLabel(label: string, endMonth: number): Period | null {
  const m = /^(\d{4})\/(\d{2})$/.exec(label.trim());
  if (!m) return null;
  const startYear = Number(m[1]);
  if ((startYear + 1) % 100 !== Number(m[2])) return null;
  // The year labelled "2024/25" ends in endMonth of 2025 if endMonth is before the year's start, else 2024.
  const endYear = endMonth === 12 ? startYear : startYear + 1;
  const to = monthFromIndex(endYear * 12 + endMonth - 1);
  return { kind: 'reporting-year', from: addMonths(to, -11), to, label: `${label} (year ending ${monthName(to)})` };
}

/** Parse a month name or abbreviation ("sep", "sept", "September") to 1-12, or null. */
export function parseMonthName(word: string): number | null {
  const w = word.trim().toLowerCase();
  if (w.length < 3) return null;
  const i = MONTH_NAMES.findIndex((name) => name.toLowerCase().startsWith(w));
  return i < 0 ? null : i + 1;
}

/** The latest month on or before `latest` whose calendar month is `calendar` (1-12). */
export function latestCalendarMonth(latest: Month, calendar: number): Month {
  const cm = calendarMonth(latest);
  const y = yearOf(latest) - (cm < calendar ? 1 : 0);
  return monthFromIndex(y * 12 + calendar - 1);
}

/**
 * A month as people type it in a question, strictly: the full name, the three-letter abbreviation,
 * or "sept" ("mar" and "march" -> 3; "mayor", "market", "ma" -> null). For command parsing, where a
 * loose match would read place names as months.
 */
export function parseMonthWord(word: string): number | null {
  const w = word.trim().toLowerCase();
  if (w === 'sept') return 9;
  const i = MONTH_NAMES.findIndex((name) => name.toLowerCase() === w || name.toLowerCase().slice(0, 3) === w);
  return i < 0 ? null : i + 1;
}

/** The month `year`-`calendar` (1-12). */
export function monthOf(year: number, calendar: number): Month {
  return monthFromIndex(year * 12 + calendar - 1);
}
