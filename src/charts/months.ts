// Month labels for chart axes, from the periods module.
import { calendarMonth, monthIndex, shortMonthName, type Month } from '../core/periods.ts';
import { axisFonts, type Layout } from './frame.ts';
import { INK } from './palette.ts';

/** Axis labels: "Apr" under each month, with the year under the first month and each January. */
export function monthTicks(months: Month[]): string[][] {
  return months.map((m, i) => {
    const [mon, year] = shortMonthName(m).split(' ') as [string, string];
    return i === 0 || calendarMonth(m) === 1 ? [mon, year] : [mon];
  });
}

/** "Apr 2022 to Mar 2024" (or one month's name). */
export function monthSpan(months: Month[]): string {
  if (months.length === 0) return 'no months';
  const first = shortMonthName(months[0]!);
  const last = shortMonthName(months[months.length - 1]!);
  return first === last ? first : `${first} to ${last}`;
}

/** "Jun 2023, Jul 2023 and Jan 2024"; runs of three or more consecutive months as "May 2022 to Dec 2023". */
export function listMonths(months: Month[]): string {
  const runs: Month[][] = [];
  for (const m of months) {
    const run = runs[runs.length - 1];
    if (run && monthIndex(m) === monthIndex(run[run.length - 1]!) + 1) run.push(m);
    else runs.push([m]);
  }
  return listWords(runs.flatMap((run) => (run.length >= 3 ? [monthSpan(run)] : run.map(shortMonthName))));
}

export function listWords(words: string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

/** Lower-cases the first letter unless the word is an acronym: "Burglary" -> "burglary", "ASB incidents" stays. */
export function lowerFirst(text: string): string {
  return /^[A-Z][a-z]/.test(text) ? text[0]!.toLowerCase() + text.slice(1) : text;
}

/** The x axis of a monthly chart: a slot per month, no vertical grid, labels that skip when crowded. */
export function monthAxis(layout: Layout) {
  const fonts = axisFonts(layout);
  return {
    offset: true,
    grid: { display: false },
    ticks: { font: fonts.tick, maxRotation: 0, autoSkip: true, autoSkipPadding: 6 * layout.scale, color: INK },
    title: { display: true, text: 'Month', font: fonts.title, color: INK },
  } as const;
}
