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
  kind: 'month' | 'year-ending' | 'financial-year' | 'financial-year-to-date' | 'reporting-year' | 'reporting-year-to-date' | 'calendar-year' | 'range';
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
            : period.kind === 'reporting-year-to-date'
              ? `${financialYearLabel(from)} to ${MONTH_NAMES[calendarMonth(to) - 1]}`
              : period.kind === 'calendar-year'
                ? `calendar year ${yearOf(to)}`
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

/** January to December of `year` ("calendar year 2023"). */
export function calendarYear(year: number): Period {
  return { kind: 'calendar-year', from: monthOf(year, 1), to: monthOf(year, 12), label: `calendar year ${year}` };
}

/** The month `year`-`calendar` (1-12). */
export function monthOf(year: number, calendar: number): Month {
  return monthFromIndex(year * 12 + calendar - 1);
}

// --- Reporting years in a partnership's own terms (briefs, summaries) ---
// One meaning of "2024/25" everywhere: the reporting year that starts in 2024. For Cambridge
// (reportingYearEnd 9) that is October 2024 to September 2025, as the strategic assessment uses it.

/** The reporting year (ending in `endMonth`, 1-12) that contains `month`, whether complete or not. */
export function reportingYearContaining(month: Month, endMonth: number): Period {
  const from = yearStartContaining(month, (endMonth % 12) + 1);
  const to = addMonths(from, 11);
  return { kind: 'reporting-year', from, to, label: `${financialYearLabel(from)} (year ending ${monthName(to)})` };
}

/** From the start of the reporting year containing `month` to `month`: "2023/24 to April". */
export function reportingYearToDate(month: Month, endMonth: number): Period {
  const from = reportingYearContaining(month, endMonth).from;
  return { kind: 'reporting-year-to-date', from, to: month, label: `${financialYearLabel(from)} to ${MONTH_NAMES[calendarMonth(month) - 1]}` };
}

/**
 * The 12 months ending `month`, named as the partnership names them: when `month` ends its
 * reporting year, that year ("2024/25 (year ending September 2025)"); otherwise "year ending April 2024".
 */
export function yearEndingIn(month: Month, endMonth: number): Period {
  return calendarMonth(month) === endMonth ? reportingYear(month, endMonth) : yearEnding(month);
}

/** "2024/25" for a reporting year (or any 12 months ending in its end month); null for other periods. */
export function reportingYearName(period: Period, endMonth: number): string | null {
  if (monthsBetween(period.from, period.to) !== 11 || calendarMonth(period.to) !== endMonth) return null;
  return financialYearLabel(period.from);
}

/** A short name for a 12-month period in tables: "2024/25" when it is a reporting year, else "YE Apr 2024". */
export function shortYearName(period: Period, endMonth: number): string {
  return reportingYearName(period, endMonth) ?? `YE ${shortMonthName(period.to)}`;
}

// --- When police.uk publishes a month ---
// police.uk publishes each month's street-level data during the following month, usually in its
// last week or two ("police.uk publishes October around the end of November"). These are
// expectations for wording only; what is loaded is read from the store.

/** The month in which `month`'s data is expected to appear on police.uk (the month after it). */
export function expectedPublicationMonth(month: Month): Month {
  return addMonths(month, 1);
}

/** "police.uk publishes October around the end of November" */
export function publicationWords(month: Month): string {
  const m = MONTH_NAMES[calendarMonth(month) - 1];
  return `police.uk publishes ${m} around the end of ${MONTH_NAMES[calendarMonth(expectedPublicationMonth(month)) - 1]}`;
}

/** The latest month police.uk can be expected to have published by `day` (YYYY-MM-DD): the month two before the day's month. */
export function latestExpectedPublished(day: IsoDay): Month {
  return addMonths(monthOfDay(day), -2);
}

// --- Days: meeting dates and working days (England and Wales) ---

/** A calendar day as YYYY-MM-DD (no time, no zone). */
export type IsoDay = string;

const DAY_PATTERN = /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
export const WEEKDAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;

function dayUtc(day: IsoDay): number {
  const m = DAY_PATTERN.exec(day);
  if (!m) throw new RangeError(`not a day: "${day}" (expected YYYY-MM-DD)`);
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (new Date(t).getUTCDate() !== Number(m[3])) throw new RangeError(`not a day: "${day}" (no such date)`);
  return t;
}

export function isDay(value: string): boolean {
  try {
    dayUtc(value);
    return true;
  } catch {
    return false;
  }
}

export function addDays(day: IsoDay, n: number): IsoDay {
  return new Date(dayUtc(day) + n * 86_400_000).toISOString().slice(0, 10);
}

/** 0 = Sunday ... 6 = Saturday */
export function weekday(day: IsoDay): number {
  return new Date(dayUtc(day)).getUTCDay();
}

export function monthOfDay(day: IsoDay): Month {
  dayUtc(day);
  return day.slice(0, 7);
}

/** "Tuesday 24 February 2026" */
export function dayWords(day: IsoDay): string {
  const d = new Date(dayUtc(day));
  return `${WEEKDAY_NAMES[d.getUTCDay()]} ${d.getUTCDate()} ${MONTH_NAMES[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

/** A working day: Monday to Friday and not a bank holiday (the set holds YYYY-MM-DD days). */
export function isWorkingDay(day: IsoDay, bankHolidays: ReadonlySet<IsoDay>): boolean {
  const w = weekday(day);
  return w !== 0 && w !== 6 && !bankHolidays.has(day);
}

/** The day `n` working days before `day` (weekends and bank holidays skipped); `day` itself when n is 0. */
export function workingDaysBefore(day: IsoDay, n: number, bankHolidays: ReadonlySet<IsoDay>): IsoDay {
  let d = day;
  for (let left = n; left > 0;) {
    d = addDays(d, -1);
    if (isWorkingDay(d, bankHolidays)) left--;
  }
  return d;
}

/** The calendar day an instant falls on in a time zone. */
export function dayInZone(instant: Date, timeZone: string): IsoDay {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(instant);
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** Minutes the zone is ahead of UTC at an instant (Europe/London: 0 in winter, 60 in summer). */
function zoneOffsetMinutes(instant: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(instant);
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'));
  return Math.round((asUtc - Math.floor(instant.getTime() / 60_000) * 60_000) / 60_000);
}

/**
 * The instant a wall-clock time ("08:30") happens on `day` in a time zone: 08:30 in London is 08:30
 * UTC in winter and 07:30 UTC in summer. A time the clocks skip (01:30 on the last Sunday of March)
 * is read as the same minutes after the change.
 */
export function zonedInstant(day: IsoDay, time: string, timeZone: string): Date {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(time);
  if (!m) throw new RangeError(`not a time of day: "${time}" (expected HH:MM)`);
  const wall = dayUtc(day) + (Number(m[1]) * 60 + Number(m[2])) * 60_000;
  let guess = wall - zoneOffsetMinutes(new Date(wall), timeZone) * 60_000;
  guess = wall - zoneOffsetMinutes(new Date(guess), timeZone) * 60_000;
  return new Date(guess);
}
