import { describe, expect, it } from 'vitest';
import type { ChartRequest } from '../../src/core/reply.ts';
import { chartAltText, LAYOUTS, OKABE_ITO, renderChart, renderCharts, ROLE, titleBand, type ChartSize } from '../../src/charts/index.ts';
import { exampleRequests, everythingTrend, marketBurglaryTrend, cambridgeAsbRanking } from '../../src/charts/examples.ts';
import { blendOverWhite } from '../../src/charts/palette.ts';
import { compareSpec } from '../../src/charts/compare.ts';
import { yearEndingSpec } from '../../src/charts/year-ending.ts';
import { decode, hex, ink, near, plotArea, PNG_SIGNATURE, pngSize } from './pixels.ts';

const KINDS = Object.entries(exampleRequests()) as Array<[string, ChartRequest]>;
const SIZES: ChartSize[] = ['full', 'compact'];
const COMPACT_LIMIT = 28 * 1024;

describe.each(KINDS)('%s chart', (kind, request) => {
  it.each(SIZES)('%s: is a PNG of the expected size', (size) => {
    const png = renderChart(request, { size });
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    const { width, height } = pngSize(png);
    if (kind === 'brief') {
      // two columns of panels under one title
      expect(width).toBeGreaterThan(LAYOUTS[size].width);
      expect(height).toBeGreaterThan(LAYOUTS[size].height);
    } else {
      expect({ width, height }).toEqual({ width: LAYOUTS[size].width, height: LAYOUTS[size].height });
    }
  });

  it.each(SIZES)('%s: draws the title (ink in the title band against a render with an empty title)', async (size) => {
    const titled = await decode(renderChart(request, { size }));
    const untitled = await decode(renderChart({ ...request, title: '' }, { size }));
    const band = { ...titleBand(LAYOUTS[size]), width: titled.width };
    const withTitle = ink(titled, band);
    const without = ink(untitled, band);
    expect(without).toBeLessThan(50);
    expect(withTitle - without).toBeGreaterThan(size === 'full' ? 1500 : 400);
  });

  it.each(SIZES)('%s: identical input gives identical bytes', (size) => {
    const a = renderChart(request, { size });
    const b = renderChart(structuredClone(request), { size });
    expect(a.equals(b)).toBe(true);
  });

  it('compact is under 28 KB; full is a reasonable size for Slack', () => {
    expect(renderChart(request, { size: 'compact' }).length).toBeLessThan(COMPACT_LIMIT);
    expect(renderChart(request).length).toBeLessThan(400 * 1024);
  });

  it('has a text alternative naming the title and the source', () => {
    const alt = chartAltText(request);
    expect(alt).toContain(request.title);
    expect(alt).toContain('police.uk');
    expect(alt.length).toBeGreaterThan(80);
  });
});

describe('trend', () => {
  const bandColour = blendOverWhite(ROLE.band, ROLE.bandAlpha);
  const withoutDetector = (): ChartRequest => {
    const r = marketBurglaryTrend();
    return { ...r, series: r.series.map(({ month, count }) => ({ month, count })) };
  };

  it('shades the expected band and marks alarm months when the series has them', async () => {
    const img = await decode(renderChart(marketBurglaryTrend()));
    expect(near(img, plotArea(img), bandColour, 6)).toBeGreaterThan(20_000);
    expect(near(img, plotArea(img), hex(ROLE.alarm), 10)).toBeGreaterThan(30);
  });

  it('draws neither when the series has no detector values', async () => {
    const img = await decode(renderChart(withoutDetector()));
    expect(near(img, plotArea(img), bandColour, 6)).toBeLessThan(200);
    expect(near(img, plotArea(img), hex(ROLE.alarm), 10)).toBe(0);
  });

  it('draws the rolling average, and leaves it out when asked', async () => {
    const on = await decode(renderChart(withoutDetector()));
    const off = await decode(renderChart({ ...withoutDetector(), rollingAverage: false } as ChartRequest));
    expect(near(on, plotArea(on), hex(ROLE.rolling), 10)).toBeGreaterThan(500);
    expect(near(off, plotArea(off), hex(ROLE.rolling), 10)).toBe(0);
  });

  it('hatches a suppressed month and marks estimated points, and says so', async () => {
    const req = everythingTrend();
    const img = await decode(renderChart(req));
    const plain = await decode(renderChart(marketBurglaryTrend()));
    const hatch = (p: typeof img) => near(p, plotArea(p), [0xc4, 0xc4, 0xc4], 8);
    expect(hatch(img) - hatch(plain)).toBeGreaterThan(150);
    const alt = chartAltText(req);
    expect(alt).toMatch(/suppressed: Jul 2024/);
    expect(alt).toMatch(/Estimated, not recorded: Aug 2025 and Sep 2025/);
  });

  it('shows the configured number of months', async () => {
    const req = { ...withoutDetector(), months: 12 } as ChartRequest;
    expect(chartAltText(req)).toContain('Oct 2024 to Sep 2025');
    expect(chartAltText(withoutDetector())).toContain('Oct 2023 to Sep 2025');
  });

  it('says the latest month, its band and the rolling average in the text alternative', () => {
    const alt = chartAltText(marketBurglaryTrend());
    expect(alt).toContain('Latest month Sep 2025: 15 (expected 7.2, upper bound 12.6, above the upper bound: an alarm)');
    expect(alt).toContain('+7 (no calc) on the month before');
    expect(alt).toMatch(/12-month rolling average \d+\.\d in Sep 2025, from \d+\.\d a year before/);
    expect(alt).toContain('Alarm months');
  });
});

describe('ranking', () => {
  it('hatches hotspots, outlines the asked-about area and draws the reference line', async () => {
    const img = await decode(renderChart(cambridgeAsbRanking()));
    expect(near(img, plotArea(img), hex(ROLE.hotspot), 10)).toBeGreaterThan(500);
    expect(near(img, plotArea(img), hex(ROLE.ordinary), 8)).toBeGreaterThan(5000);
    const noHot = cambridgeAsbRanking();
    const plain = await decode(renderChart({ ...noHot, bars: noHot.bars.map((b) => ({ ...b, hotspot: false })), reference: undefined }));
    expect(near(plain, plotArea(plain), hex(ROLE.hotspot), 10)).toBe(0);
    // the dashed reference line is black, like nothing else in the plot but text
    expect(near(img, plotArea(img), [0, 0, 0], 30)).toBeGreaterThan(near(plain, plotArea(plain), [0, 0, 0], 30));
  });

  it('ranks highest first and names the reference in the text alternative', () => {
    const alt = chartAltText(cambridgeAsbRanking('Petersfield'));
    expect(alt.indexOf('Market 72.4 (644, hotspot)')).toBeGreaterThan(0);
    expect(alt.indexOf('Market')).toBeLessThan(alt.indexOf('Newnham'));
    expect(alt).toContain('Cambridge: 17.1 per 1,000; 4 of 14 areas are above it');
    expect(alt).toContain('Petersfield ranks 2 of 14');
  });
});

describe('year-ending', () => {
  it('labels changes the way the analysts write them', () => {
    const alt = chartAltText(exampleRequests()['year-ending']!);
    expect(alt).toContain('ASB incidents: 2,596 in YE Sep 2025, +16% (+366) on YE Sep 2024 (2,230); +5% (+121) on YE Sep 2022 (2,475)');
    expect(alt).toContain('Sexual offences: 437 in YE Sep 2025, +8% (+32) on YE Sep 2024 (405); -14% (-73) on YE Sep 2022 (510)');
    expect(alt).toContain('Drug offences: 416 in YE Sep 2025, +21% (+73) on YE Sep 2024 (343); -1% (-4) on YE Sep 2022 (420)');
  });

  it('gives no percentage on a base under 10, and explains "no calc" under the chart', async () => {
    const req: Extract<ChartRequest, { kind: 'year-ending' }> = {
      kind: 'year-ending',
      title: 'Modern slavery',
      periods: ['YE Sep 2024', 'YE Sep 2025'],
      groups: [{ label: 'Modern slavery', values: [5, 9] }],
      source: 'Source: police.uk',
    };
    expect(chartAltText(req)).toContain('+4 (no calc)');
    const big: Extract<ChartRequest, { kind: 'year-ending' }> = { ...req, groups: [{ label: 'Modern slavery', values: [50, 90] }] };
    expect(chartAltText(big)).toContain('+80% (+40)');
    // (the old check, that the two PNGs differ, held for any two inputs: the tick labels differ)
    expect((yearEndingSpec(req, LAYOUTS.full).text.notes ?? []).join(' ')).toContain('"no calc": no percentage change on a base under 10');
    expect(yearEndingSpec(big, LAYOUTS.full).text.notes ?? []).toEqual([]);
  });

  it('hatches the base year and fills the latest year', async () => {
    const img = await decode(renderChart(exampleRequests()['year-ending']!));
    expect(near(img, plotArea(img), hex(OKABE_ITO.blue), 6)).toBeGreaterThan(5000);
    expect(near(img, plotArea(img), [0xd0, 0xd0, 0xd0], 8)).toBeGreaterThan(1000);
  });
});

describe('compare', () => {
  it('draws both lines in different colours and compares them in words', async () => {
    const req = exampleRequests().compare!;
    const img = await decode(renderChart(req));
    expect(near(img, plotArea(img), hex(OKABE_ITO.blue), 10)).toBeGreaterThan(300);
    expect(near(img, plotArea(img), hex(OKABE_ITO.orange), 10)).toBeGreaterThan(300);
    const alt = chartAltText(req);
    expect(alt).toMatch(/In Sep 2025, Cambridge's rate is 1\.\d times Cambridgeshire's/);
  });

  it('marks synthetic months with open points and says so', async () => {
    const req = exampleRequests().compare! as Extract<ChartRequest, { kind: 'compare' }>;
    const early = new Set(req.lines[0]!.points.slice(0, 12).map((p) => p.month));
    const marked = { ...req, lines: req.lines.map((l) => ({ ...l, points: l.points.map((p) => ({ ...p, synthetic: early.has(p.month) })) })) };
    const spec = compareSpec(marked, LAYOUTS.full);
    expect((spec.text.notes ?? []).join(' ')).toMatch(/Open points: .* are synthetic history/);
    expect((compareSpec(req, LAYOUTS.full).text.notes ?? []).join(' ')).not.toMatch(/synthetic/);
    // open points are white inside: fewer line-coloured pixels than the same chart with filled points
    const blue = hex(OKABE_ITO.blue);
    const filled = near(await decode(renderChart(req)), plotArea(await decode(renderChart(req))), blue, 10);
    const open = near(await decode(renderChart(marked)), plotArea(await decode(renderChart(marked))), blue, 10);
    expect(open).toBeLessThan(filled);
  });
});

describe('brief', () => {
  it('renders each panel on its own as well as the page', () => {
    const req = exampleRequests().brief!;
    const panels = renderCharts(req);
    expect(panels).toHaveLength(4);
    for (const p of panels) expect(pngSize(p)).toEqual({ width: 1000, height: 500 });
    expect(chartAltText(req)).toMatch(/4 charts\. \(1\) Line chart: Burglary in Market ward/);
  });
});

describe('odd input', () => {
  it('renders empty series, bars and groups without throwing', () => {
    const empty: ChartRequest[] = [
      { kind: 'trend', title: 'Nothing', areaName: 'Market', measureLabel: 'Burglary', series: [], source: 'Source: police.uk' },
      { kind: 'ranking', title: 'Nothing', measureLabel: 'ASB', period: 'YE Sep 2025', bars: [], source: 'Source: police.uk' },
      { kind: 'year-ending', title: 'Nothing', periods: [], groups: [], source: 'Source: police.uk' },
      { kind: 'compare', title: 'Nothing', measureLabel: 'ASB', unit: 'count', lines: [], source: 'Source: police.uk' },
      { kind: 'brief', title: 'Nothing', panels: [], source: 'Source: police.uk' },
    ];
    for (const r of empty) {
      expect(renderChart(r).subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
      expect(chartAltText(r)).toContain('Nothing');
    }
  });

  it('fits a very long title into the band', async () => {
    const req = { ...marketBurglaryTrend(), title: 'Burglary in Market ward '.repeat(12) };
    const img = await decode(renderChart(req));
    const band = titleBand(LAYOUTS.full);
    // nothing drawn past the right margin
    expect(ink(img, { x: band.width - 12, y: 0, width: 12, height: band.height })).toBe(0);
  });
});
