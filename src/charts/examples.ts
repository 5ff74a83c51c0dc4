// Example chart requests from realistic Cambridge figures (the 2024/25 strategic assessment's
// year-ending numbers; monthly and ward figures shaped like them). The tests and the benchmark use
// them; run this file to redraw docs/charts/*.png:
//   node --import tsx src/charts/examples.ts [outdir]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { monthRange } from '../core/periods.ts';
import type { ChartRequest, SeriesPoint } from '../core/reply.ts';
import { renderChart } from './index.ts';

export const SOURCE = 'Source: police.uk, Open Government Licence; populations: estimate';

type Req<K extends ChartRequest['kind']> = Extract<ChartRequest, { kind: K }>;

/** Market ward burglary, Nov 2022 to Sep 2025 (35 months: 24 shown, 11 more feed the rolling average). */
export function marketBurglaryTrend(): Req<'trend'> {
  const counts = [11, 12, 10, 8, 9, 7, 8, 7, 9, 8, 9, 11, 12, 13, 11, 9, 8, 6, 7, 6, 8, 7, 8, 9, 10, 11, 8, 7, 6, 5, 6, 5, 7, 8, 15];
  // the detector's seasonal expectation (Oct..Sep), a little lower in the second year
  const seasonal = [9.5, 10.5, 11, 9.5, 8, 7.5, 6.5, 7, 6.5, 7.5, 7.5, 8];
  const months = monthRange('2022-11', '2025-09');
  const series: SeriesPoint[] = months.map((month, i) => {
    const shown = i >= months.length - 24;
    const k = i - (months.length - 24); // 0 = Oct 2023
    const expected = shown ? Math.round(seasonal[k % 12]! * (k >= 12 ? 0.9 : 1) * 10) / 10 : undefined;
    const upperbound = expected !== undefined ? Math.round((expected + 2 * Math.sqrt(expected)) * 10) / 10 : undefined;
    const count = counts[i]!;
    return { month, count, expected, upperbound, alarm: upperbound !== undefined && count > upperbound };
  });
  return {
    kind: 'trend',
    title: 'Burglary in Market ward, Cambridge: monthly, October 2023 to September 2025',
    areaName: 'Market ward',
    measureLabel: 'Burglary',
    series,
    source: SOURCE,
  };
}

/** Cambridge's 14 wards by ASB incidents per 1,000 residents, YE Sep 2025 (they add up to the city's 2,596 and 17.1). */
export function cambridgeAsbRanking(asked = 'Market'): Req<'ranking'> {
  const wards: Array<[string, number, number]> = [
    ['Abbey', 10400, 196],
    ['Arbury', 10100, 158],
    ['Castle', 11800, 121],
    ['Cherry Hinton', 9900, 139],
    ['Coleridge', 10700, 171],
    ['East Chesterton', 11000, 166],
    ["King's Hedges", 11300, 229],
    ['Market', 8900, 644],
    ['Newnham', 9700, 59],
    ['Petersfield', 10300, 262],
    ["Queen Edith's", 11200, 138],
    ['Romsey', 10800, 157],
    ['Trumpington', 13400, 199],
    ['West Chesterton', 10300, 157],
  ];
  return {
    kind: 'ranking',
    title: 'ASB incidents per 1,000 residents by ward, Cambridge: year ending September 2025',
    measureLabel: 'ASB incidents',
    period: 'YE Sep 2025',
    bars: wards.map(([name, population, count], i) => ({
      code: `E050${String(13041 + i).padStart(5, '0')}`,
      name,
      rate: (count / population) * 1000,
      count,
      hotspot: count / population > 0.025,
      emphasised: name === asked,
    })),
    reference: { label: 'Cambridge', rate: 17.1 },
    source: SOURCE,
  };
}

/** Cambridge City by measure: YE Sep 2025 against YE Sep 2024 and the longer-term base YE Sep 2022. */
export function cambridgeYearEnding(): Req<'year-ending'> {
  return {
    kind: 'year-ending',
    title: 'Cambridge City: year ending September 2025 against the year before and YE Sep 2022',
    periods: ['YE Sep 2022', 'YE Sep 2024', 'YE Sep 2025'],
    groups: [
      { label: 'ASB incidents', values: [2475, 2230, 2596] },
      { label: 'Domestic abuse', values: [2532, 2414, 2541] },
      { label: 'Sexual offences', values: [510, 405, 437] },
      { label: 'Drug offences', values: [420, 343, 416] },
    ],
    basePeriod: 0,
    measureLabel: 'Offences and incidents',
    source: SOURCE,
  };
}

/** Cambridge against Cambridgeshire, ASB incidents per 1,000 residents by month, Oct 2023 to Sep 2025. */
export function cambridgeCountyCompare(): Req<'compare'> {
  const months = monthRange('2023-10', '2025-09');
  // seasonal shape (Oct..Sep): ASB peaks in summer; yearly totals near 14.7 then 17.1 (city), 11.7 then 13.6 (county)
  const shape = [0.085, 0.075, 0.07, 0.07, 0.068, 0.078, 0.086, 0.09, 0.092, 0.098, 0.094, 0.094];
  const line = (name: string, first: number, second: number, wobble: number) => ({
    name,
    points: months.map((month, i) => ({
      month,
      value: Math.round((i < 12 ? first : second) * shape[i % 12]! * (1 + wobble * Math.sin(i * 1.7)) * 100) / 100,
    })),
  });
  return {
    kind: 'compare',
    title: 'ASB incidents per 1,000 residents: Cambridge against Cambridgeshire, October 2023 to September 2025',
    measureLabel: 'ASB incidents',
    unit: 'rate per 1,000',
    lines: [line('Cambridge', 14.7, 17.1, 0.06), line('Cambridgeshire', 11.7, 13.6, 0.03)],
    source: SOURCE,
  };
}

export function preMeetingBrief(): Req<'brief'> {
  return {
    kind: 'brief',
    title: 'Cambridge Community Safety Partnership: pre-meeting brief, September 2025',
    subtitle: 'Latest month September 2025; year ending September 2025',
    panels: [marketBurglaryTrend(), cambridgeAsbRanking(), cambridgeYearEnding(), cambridgeCountyCompare()],
    source: SOURCE,
  };
}

/** One request of each kind, by the file name of its example picture. */
export function exampleRequests(): Record<string, ChartRequest> {
  return {
    trend: marketBurglaryTrend(),
    ranking: cambridgeAsbRanking(),
    'year-ending': cambridgeYearEnding(),
    compare: cambridgeCountyCompare(),
    brief: preMeetingBrief(),
  };
}

/** A 24-month trend with every feature: suppressed gap, estimated points, band, alarms. */
export function everythingTrend(): Req<'trend'> {
  const base = marketBurglaryTrend();
  const series = base.series.map((p, i) => ({
    ...p,
    count: i === 20 ? null : p.count,
    synthetic: i >= base.series.length - 2,
  }));
  return { ...base, title: 'Burglary in Market ward with a suppressed month and two estimated months', series, months: 24 };
}

function main(): void {
  const out = process.argv[2] ?? fileURLToPath(new URL('../../docs/charts/', import.meta.url));
  mkdirSync(out, { recursive: true });
  for (const [name, request] of Object.entries(exampleRequests())) {
    const file = join(out, `${name}.png`);
    writeFileSync(file, renderChart(request));
    console.log(`wrote ${file}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
