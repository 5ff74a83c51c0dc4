// Where small numbers hide most of a series' chart months (a partnership measure in a small ward, in
// a channel not cleared for small numbers), the trend chart shows the rolling 12-month total instead
// of a chart of hatching, and says so in its subtitle, its text alternative and a note. Each total is
// the year ending that month: the same perturbed cell a reply for that month gives as its year ending.
// Through the real command path, on the privacy test extract (test/privacy/extract.ts).
import { writeFileSync, mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chartAltText, renderChart, ROLE } from '../../src/charts/index.ts';
import { loadConfig } from '../../src/config/load.ts';
import { makeContext } from '../../src/core/context.ts';
import { answer } from '../../src/core/dispatch.ts';
import type { ChartRequest, Reply } from '../../src/core/reply.ts';
import { privacyStore } from '../privacy/extract.ts';
import type { TempStore } from '../helpers/store.ts';
import { decode, hex, near, plotArea } from '../charts/pixels.ts';

let t: TempStore;
const { config } = loadConfig();
const now = new Date('2024-05-20T09:00:00Z');
beforeAll(async () => {
  t = await privacyStore();
}, 300_000);
afterAll(() => t?.cleanup());
const ask = (text: string, channel: string): Promise<Reply> => answer(text, makeContext({ store: t.store, config, channel, now }));
type Trend = Extract<ChartRequest, { kind: 'trend' }>;
const trend = (r: Reply) => {
  expect(r.chart?.kind).toBe('trend');
  return r.chart as Trend;
};
const data = (r: Reply) => r.data as any;
const months = config.figures.chartMonths;

describe('a mostly hidden series', () => {
  it('is charted as rolling 12-month totals, every point shown, and the chart says so', async () => {
    const r = await ask('market business and community burglary', 'cambridge-csp');
    expect(r.kind).toBe('answer');
    // the monthly series (--json) is mostly hidden in this channel
    const monthly = (data(r).series as Array<{ count: number | null }>).slice(-months);
    expect(monthly.filter((p) => p.count === null).length * 2).toBeGreaterThan(months);
    const c = trend(r);
    expect(c.values).toBe('rolling-12-month-total');
    expect(c.rollingAverage).toBe(false);
    expect(c.series).toHaveLength(months);
    expect(c.series.every((p) => p.count !== null && p.count >= config.partnerships[0]!.smallNumberThreshold)).toBe(true);
    expect(c.series.at(-1)!.month).toBe(data(r).referenceMonth);
    expect(c.subtitle).toMatch(/^Rolling 12-month total of offences, to April 2024: most monthly counts are too small to show/);
    expect(r.chartAlt).toMatch(/rolling 12-month total of business and community burglary in Market ward/);
    expect(chartAltText(c)).toMatch(/Rolling 12-month totals of business and community burglary for Market/);
    const note = r.notes.find((n) => n.startsWith('The chart shows the rolling 12-month total'));
    expect(note).toMatch(/: \d+ of the 24 monthly counts here are small and show as "fewer than 5" in this channel\.$/);
    expect(Number(/: (\d+) of the 24/.exec(note!)![1])).toBe(monthly.filter((p) => p.count === null).length);
    expect(data(r).chartSeries.values).toBe('rolling-12-month-total');
    // the last total is the reply's own year-ending figure: one cell, one value
    const ye = data(r).figures.find((f: any) => f.id === 'year-ending');
    expect(ye.value).toBe(c.series.at(-1)!.count);
  });

  it('gives each total the value a reply for that month gives its year ending (the same perturbed cell)', async () => {
    const c = trend(await ask('market business and community burglary', 'cambridge-csp'));
    for (const [i, text] of [
      [c.series.length - 13, 'market business and community burglary ye apr 2023'],
      [c.series.length - 7, 'market business and community burglary ye oct 2023'],
    ] as const) {
      const r = await ask(text, 'cambridge-csp');
      const ye = data(r).figures.find((f: any) => f.id === 'year-ending' || f.id === 'period');
      expect(data(r).period.to).toBe(c.series[i]!.month);
      expect(ye.value).toBe(c.series[i]!.count);
    }
  });

  it('keeps the monthly chart where the months can be shown: a cleared channel, and police.uk figures', async () => {
    const cleared = trend(await ask('market business and community burglary', 'cambridge-analysts'));
    expect(cleared.values).toBeUndefined();
    expect(cleared.subtitle).toMatch(/^Monthly offences to April 2024/);
    expect(cleared.series.slice(-months).every((p) => p.count !== null)).toBe(true);
    const police = await ask('market burglary', 'cambridge-csp');
    expect(trend(police).values).toBeUndefined();
    expect(police.notes.some((n) => n.startsWith('The chart shows the rolling'))).toBe(false);
    // mostly shown (fewer than half hidden): monthly, hatching and all
    const some = await ask('market residential burglary', 'cambridge-csp');
    const hidden = (data(some).series as Array<{ count: number | null }>).slice(-months).filter((p) => p.count === null).length;
    if (hidden * 2 > months) expect(trend(some).values).toBe('rolling-12-month-total');
    else expect(trend(some).values).toBeUndefined();
  });

  it('draws the totals as a line with no hatching, labelled as 12-month totals', async () => {
    const r = await ask('market business and community burglary', 'cambridge-csp');
    const c = trend(r);
    const png = renderChart(c);
    const monthlyPng = renderChart({ ...c, series: data(r).series, values: undefined, rollingAverage: true, subtitle: 'Monthly offences' });
    mkdirSync('test-artifacts', { recursive: true });
    writeFileSync('test-artifacts/mostly-hidden-rolling-total.png', png);
    writeFileSync('test-artifacts/mostly-hidden-monthly.png', monthlyPng);
    const [img, monthlyImg] = [await decode(png), await decode(monthlyPng)];
    const hatch = (p: typeof img) => near(p, plotArea(p), [0xc4, 0xc4, 0xc4], 8);
    const line = (p: typeof img) => near(p, plotArea(p), hex(ROLE.count), 20);
    // the monthly chart of this series is mostly hatching; the totals' chart has none, and a full line
    expect(hatch(monthlyImg)).toBeGreaterThan(150);
    expect(hatch(img) * 5).toBeLessThan(hatch(monthlyImg));
    expect(line(img)).toBeGreaterThan(line(monthlyImg));
  });
});
