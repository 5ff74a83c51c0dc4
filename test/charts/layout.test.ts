// Layout checks from looking at real replies: labels that ran into data or into each other.
import { createCanvas } from '@napi-rs/canvas';
import { describe, expect, it } from 'vitest';
import type { ChartRequest } from '../../src/core/reply.ts';
import { font } from '../../src/charts/fonts.ts';
import { LAYOUTS, MARGIN, px } from '../../src/charts/frame.ts';
import { renderChart, ROLE, titleBand } from '../../src/charts/index.ts';
import { placeLatestLabel, trendModel, trendNotes } from '../../src/charts/trend.ts';
import { blendOverWhite } from '../../src/charts/palette.ts';
import { plotArea } from './pixels.ts';
import { yearEndingSpec } from '../../src/charts/year-ending.ts';
import { cambridgeCountyCompare, marketBurglaryTrend } from '../../src/charts/examples.ts';
import { INK, OKABE_ITO } from '../../src/charts/palette.ts';
import { decode, hex, near } from './pixels.ts';

/**
 * The first legend entry (left of the legend row, under the title band and subtitle) has as many
 * blue pixels with synthetic early months as without: a filled point, not an open one.
 */
async function expectFilledFirstLegendMarker(plain: ChartRequest, synthetic: ChartRequest): Promise<void> {
  const top = titleBand(LAYOUTS.full).height;
  const marker = { x: 0, y: top + 20, width: 40, height: 40 };
  const blue = hex(OKABE_ITO.blue);
  const filled = near(await decode(renderChart(plain)), marker, blue, 20);
  const withSynthetic = near(await decode(renderChart(synthetic)), marker, blue, 20);
  expect(filled).toBeGreaterThan(40);
  expect(withSynthetic).toBeGreaterThan(filled * 0.8);
}

describe('trend: the latest month label', () => {
  // "market burglary": Mar 2024 at 10, Apr 2024 at 6, the rolling average about 8 between them.
  const area = { left: 70, right: 985, top: 105, bottom: 370 };
  const box = (spot: { left: number; bottom: number }, width: number, height: number) => ({ x0: spot.left, x1: spot.left + width, y0: spot.bottom - height, y1: spot.bottom });
  const inside = (b: ReturnType<typeof box>, p: { x: number; y: number }) => p.x >= b.x0 && p.x <= b.x1 && p.y >= b.y0 && p.y <= b.y1;

  it('sits clear of the points and lines under it', () => {
    const anchor = { x: 964, y: 315 };
    const obstacles = [
      { x: 888, y: 342 },
      { x: 926, y: 280 },
      anchor, // counts Feb, Mar, Apr
      { x: 888, y: 297 },
      { x: 926, y: 299 },
      { x: 964, y: 300 }, // rolling average
    ];
    const spot = placeLatestLabel({ anchor, width: 85, height: 13, gap: 9, obstacles, area });
    const b = box(spot, 85, 13);
    for (const o of obstacles) expect(inside(b, o)).toBe(false);
    expect(b.x1).toBeLessThanOrEqual(area.right + 5);
    expect(b.y0).toBeGreaterThanOrEqual(area.top);
    expect(b.y1).toBeLessThan(280); // above the March point, still near the latest one
  });

  it('goes below the lines when there is no room above', () => {
    const anchor = { x: 964, y: 112 };
    const obstacles = [{ x: 926, y: 110 }, anchor, { x: 964, y: 150 }];
    const spot = placeLatestLabel({ anchor, width: 85, height: 13, gap: 9, obstacles, area });
    expect(spot.bottom - 13).toBeGreaterThan(150);
    expect(spot.bottom).toBeLessThanOrEqual(area.bottom);
  });
});

describe('trend: legend', () => {
  it('shows the recorded count as a filled point even when the first month shown is synthetic', async () => {
    const plain = marketBurglaryTrend();
    const shown = plain.series.slice(-24).map((p) => p.month);
    const early = new Set(shown.slice(0, 12));
    const synthetic: ChartRequest = { ...plain, series: plain.series.map((p) => ({ ...p, synthetic: early.has(p.month) })) };
    await expectFilledFirstLegendMarker(plain, synthetic);
  });
});

describe('compare: end labels and legend', () => {
  it("puts the lowest line's label under the lines, not above them where it reads as the upper line's", () => {
    const area = { left: 70, right: 985, top: 105, bottom: 370 };
    // "compare cambridge fenland asb": Cambridge ends at y 230, Fenland at y 262
    const obstacles = [
      { x: 926, y: 240 },
      { x: 964, y: 230 },
      { x: 926, y: 258 },
      { x: 964, y: 262 },
    ];
    const spot = placeLatestLabel({ anchor: { x: 964, y: 262 }, width: 150, height: 13, gap: 8, obstacles, area, prefer: 'below' });
    expect(spot.bottom - 13).toBeGreaterThan(262);
    const upper = placeLatestLabel({ anchor: { x: 964, y: 230 }, width: 150, height: 13, gap: 8, obstacles, area });
    expect(upper.bottom).toBeLessThan(230);
  });

  it('shows each line in the legend by its filled point even when its first month is synthetic', async () => {
    const plain = cambridgeCountyCompare();
    const early = new Set(plain.lines[0]!.points.slice(0, 12).map((p) => p.month));
    const synthetic: ChartRequest = { ...plain, lines: plain.lines.map((l) => ({ ...l, points: l.points.map((p) => ({ ...p, synthetic: early.has(p.month) })) })) };
    await expectFilledFirstLegendMarker(plain, synthetic);
  });
});

describe('year-ending: group labels', () => {
  // "market by type": eight crime types, some with long names
  const req: Extract<ChartRequest, { kind: 'year-ending' }> = {
    kind: 'year-ending',
    title: 'Market ward: All crime (excluding ASB) by type',
    periods: ['year ending April 2023', 'year ending April 2024'],
    groups: ['Violence and sexual offences', 'Shoplifting', 'Bicycle theft', 'Other theft', 'Public order', 'Criminal damage and arson', 'Drugs', 'Theft from the person'].map(
      (label, i) => ({ label, values: [100 + i, 120 + i] }),
    ),
    source: 'Source: police.uk',
  };

  it.each(['full', 'compact'] as const)('%s: each fits the width of its group, so neighbours never overlap', (size) => {
    const layout = LAYOUTS[size];
    const labels = yearEndingSpec(req, layout).config.data.labels as Array<string | string[]>;
    const ctx = createCanvas(1, 1).getContext('2d');
    ctx.font = font(px(layout, 12), 'bold');
    // the plot is narrower than the canvas less its margins, so this bound is generous
    const slot = (layout.width - 2 * Math.round(MARGIN * layout.scale)) / req.groups.length;
    for (const label of labels) {
      for (const line of Array.isArray(label) ? label : [label]) expect(ctx.measureText(line).width).toBeLessThan(slot);
    }
    expect(labels.map((l) => (Array.isArray(l) ? l.join(' ') : l))).toEqual(req.groups.map((g) => g.label));
  });
});

describe('trend: expected range between suppressed months', () => {
  it('shades the range of a month whose neighbours are suppressed', async () => {
    // "castle theft from the person" on a small-numbers channel: expected values only on the
    // months shown, every other month suppressed, so no two neighbours both have a range
    const plain = marketBurglaryTrend();
    const shown = new Set(plain.series.slice(-24).map((p) => p.month));
    let k = 0;
    const series = plain.series.map((p) => {
      if (!shown.has(p.month)) return { month: p.month, count: p.count };
      return k++ % 2 === 0 ? { month: p.month, count: 0, expected: 0.8, upperbound: 7 } : { month: p.month, count: null };
    });
    const img = await decode(renderChart({ ...plain, series }));
    const band = blendOverWhite(ROLE.band, ROLE.bandAlpha);
    expect(near(img, plotArea(img), band, 6)).toBeGreaterThan(3000);
  });
});

describe('trend: the suppressed-months note', () => {
  it('counts the months when listing them would not fit the line', () => {
    const plain = marketBurglaryTrend();
    const shown = new Set(plain.series.slice(-24).map((p) => p.month));
    let k = 0;
    const series = plain.series.map((p) => (shown.has(p.month) && k++ % 3 !== 0 ? { month: p.month, count: null } : { month: p.month, count: p.count }));
    const note = trendNotes(trendModel({ ...plain, series })).find((n) => n.startsWith('Hatched gap'))!;
    expect(note).toContain('16 of the 24 months not shown');
    expect(note.length).toBeLessThan(140); // fits the full-size line at the notes' own type size
    const one = plain.series.map((p, i) => (i === plain.series.length - 3 ? { month: p.month, count: null } : p));
    expect(trendNotes(trendModel({ ...plain, series: one }))[0]).toMatch(/^Hatched gap: Jul 2025 not shown/);
  });
});

describe('trend: no latest label on an old month', () => {
  it('labels the last count only when it is one of the last three months', async () => {
    const plain = marketBurglaryTrend();
    const keep = new Set(plain.series.slice(-24, -19).map((p) => p.month)); // Oct 2023 to Feb 2024 shown, the rest suppressed
    const old = {
      ...plain,
      series: plain.series.map((p, i) => (i < plain.series.length - 24 || keep.has(p.month) ? { month: p.month, count: p.count } : { month: p.month, count: null })),
    };
    const recent = { ...plain, series: plain.series.map((p, i) => (i >= plain.series.length - 2 ? { month: p.month, count: null } : { month: p.month, count: p.count })) };
    const dark = async (r: ChartRequest) => {
      const img = await decode(renderChart(r));
      return near(img, plotArea(img), hex(INK), 40);
    };
    expect(await dark(old)).toBeLessThan(60); // no "Feb 2024: 9" over the hatching (about 200 dark pixels with it)
    expect(await dark(recent)).toBeGreaterThan(120); // "Jul 2025: 8", two months before the end
  });
});
