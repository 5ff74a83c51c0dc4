// Trend: monthly counts, the rolling average, the detector's expected band, alarm months,
// estimated points and suppressed gaps, with the latest month labelled.
import type { SKRSContext2D } from '@napi-rs/canvas';
import type { ChartConfiguration, ChartDataset, Plugin } from 'chart.js';
import type { ChartRequest, SeriesPoint } from '../core/reply.ts';
import { shortMonthName } from '../core/periods.ts';
import { font } from './fonts.ts';
import { axisFonts, haloText, legendWithFilledMarkers, px, type ChartSpec, type Layout } from './frame.ts';
import { formatCount } from './format.ts';
import { listMonths, lowerFirst, monthAxis, monthSpan, monthTicks } from './months.ts';
import { INK, ROLE, stripes, withAlpha } from './palette.ts';

export type TrendRequest = Extract<ChartRequest, { kind: 'trend' }>;

export const DEFAULT_MONTHS = 24;
export const DEFAULT_ROLLING_WINDOW = 12;

/**
 * Trailing mean over `window` values: null until the window is full, and null when more than one
 * value in twelve is missing (a window with one suppressed month averages the months it has).
 */
export function rollingAverage(values: Array<number | null>, window: number): Array<number | null> {
  const maxMissing = Math.floor(window / 12);
  return values.map((_, i) => {
    if (i + 1 < window) return null;
    let sum = 0;
    let n = 0;
    for (let j = i - window + 1; j <= i; j++) {
      const v = values[j];
      if (v != null) {
        sum += v;
        n++;
      }
    }
    return window - n > maxMissing ? null : sum / n;
  });
}

/** What the trend chart shows, worked out once for the picture and the text alternative. */
export interface TrendModel {
  points: SeriesPoint[];
  rolling: Array<number | null> | null;
  window: number;
  latest: number; // index into points of the last month with a count, or -1
  alarms: number[];
  suppressed: number[];
  synthetic: number[];
  hasBand: boolean;
  allSynthetic: boolean;
  /** Each point the total of the 12 months ending that month (not the month's count). */
  rollingTotals: boolean;
}

/** The count line's legend label. */
export function countLabel(model: Pick<TrendModel, 'rollingTotals'>): string {
  return model.rollingTotals ? 'Rolling 12-month total' : 'Monthly count';
}

export function trendModel(req: TrendRequest): TrendModel {
  const months = Math.max(1, req.months ?? DEFAULT_MONTHS);
  const window = Math.max(2, req.rollingWindow ?? DEFAULT_ROLLING_WINDOW);
  const start = Math.max(0, req.series.length - months);
  const points = req.series.slice(start);
  const rollingTotals = req.values === 'rolling-12-month-total';
  // a rolling average of rolling totals would be a second smoothing of the same thing
  const rolling =
    req.rollingAverage === false || rollingTotals
      ? null
      : rollingAverage(
          req.series.map((p) => p.count),
          window,
        ).slice(start);
  const idx = (pred: (p: SeriesPoint) => boolean) => points.flatMap((p, i) => (pred(p) ? [i] : []));
  let latest = -1;
  points.forEach((p, i) => {
    if (p.count != null) latest = i;
  });
  const synthetic = idx((p) => p.synthetic === true);
  return {
    points,
    rolling: rolling && rolling.some((v) => v != null) ? rolling : null,
    window,
    latest,
    alarms: idx((p) => p.alarm === true && p.count != null),
    suppressed: idx((p) => p.count == null),
    synthetic,
    hasBand: points.some((p) => p.expected != null && p.upperbound != null),
    allSynthetic: points.length > 0 && synthetic.length === points.length,
    rollingTotals,
  };
}

export function trendNotes(model: TrendModel): string[] {
  const notes: string[] = [];
  const months = (ix: number[]) => listMonths(ix.map((i) => model.points[i]!.month));
  if (model.suppressed.length) {
    const spanned = model.rolling !== null && model.suppressed.some((i) => model.rolling![i] != null);
    // a long list of months would be shrunk to unreadable type and cut: count them instead
    const listed = months(model.suppressed);
    const which = listed.length > 60 ? `${model.suppressed.length} of the ${model.points.length} months` : listed;
    notes.push(
      model.rollingTotals
        ? `Hatched gap: the 12-month totals to ${which} not shown (small number suppressed).`
        : `Hatched gap: ${which} not shown (small number suppressed)${spanned ? '; the rolling average uses the other months' : ''}.`,
    );
  }
  if (model.synthetic.length && !model.allSynthetic) notes.push(`Open points and dashed line: ${months(model.synthetic)} are synthetic history, not recorded data.`);
  // The band runs from the expected level up to the alert threshold: a month below it is not "out of range", only not higher than expected.
  if (model.hasBand) notes.push('Shaded band: from the expected level up to the alert threshold; a triangle marks a month above it (higher than expected).');
  return notes;
}

export function trendSpec(req: TrendRequest, layout: Layout): ChartSpec {
  const model = trendModel(req);
  const { points } = model;
  const s = layout.scale;
  const fonts = axisFonts(layout);
  const synthetic = new Set(model.synthetic);
  // Array order is legend order; `order` is drawing order (lower on top).
  const datasets: ChartDataset<'line', Array<number | null>>[] = [];
  datasets.push({
    label: countLabel(model),
    data: points.map((p) => p.count),
    borderColor: ROLE.count,
    backgroundColor: ROLE.count,
    borderWidth: 2.25 * s,
    pointRadius: points.map((_, i) => (i === model.latest ? 5 : 3.5) * s),
    pointBackgroundColor: points.map((_, i) => (synthetic.has(i) ? '#ffffff' : ROLE.count)),
    pointBorderColor: ROLE.count,
    pointBorderWidth: 1.75 * s,
    pointStyle: 'circle',
    spanGaps: false,
    segment: { borderDash: (ctx) => (synthetic.has(ctx.p0DataIndex) || synthetic.has(ctx.p1DataIndex) ? [5 * s, 4 * s] : undefined) },
    fill: false,
    order: 1,
  });
  if (model.synthetic.length && !model.allSynthetic) {
    datasets.push({
      label: 'Synthetic (open point, dashed)',
      data: points.map(() => null),
      borderColor: ROLE.count,
      borderDash: [5 * s, 4 * s],
      pointBackgroundColor: '#ffffff',
      pointBorderColor: ROLE.count,
      pointStyle: 'circle',
    });
  }
  if (model.rolling) {
    datasets.push({
      label: `${model.window}-month rolling average`,
      data: model.rolling,
      borderColor: ROLE.rolling,
      borderWidth: 3.5 * s,
      borderDash: [10 * s, 4 * s],
      pointRadius: 0,
      pointStyle: 'line',
      tension: 0.3,
      fill: false,
      order: 2,
    });
  }
  if (model.alarms.length) {
    const alarms = new Set(model.alarms);
    datasets.push({
      label: 'Higher than expected',
      data: points.map((p, i) => (alarms.has(i) ? p.count : null)),
      showLine: false,
      pointStyle: 'triangle',
      pointRadius: 9 * s,
      pointBackgroundColor: ROLE.alarm,
      pointBorderColor: '#ffffff',
      pointBorderWidth: 1.5 * s,
      borderColor: ROLE.alarm,
      backgroundColor: ROLE.alarm,
      order: 0,
    });
  }
  if (model.hasBand) {
    const expectedIndex = datasets.length;
    datasets.push({
      label: 'Expected level',
      data: points.map((p) => p.expected ?? null),
      borderColor: ROLE.expected,
      borderWidth: 1.5 * s,
      borderDash: [4 * s, 3 * s],
      pointRadius: 0,
      pointStyle: 'line',
      fill: false,
      order: 6,
    });
    datasets.push({
      label: 'Band: expected level to alert threshold',
      data: points.map((p) => p.upperbound ?? null),
      borderColor: withAlpha(ROLE.band, 0.7),
      backgroundColor: withAlpha(ROLE.band, ROLE.bandAlpha),
      borderWidth: 1 * s,
      pointRadius: 0,
      pointStyle: 'rect',
      fill: { target: expectedIndex },
      order: 7,
    });
  }

  const config: ChartConfiguration<'line', Array<number | null>, string[]> = {
    type: 'line',
    data: { labels: monthTicks(points.map((p) => p.month)), datasets },
    options: {
      plugins: {
        legend: {
          position: 'top',
          align: 'start',
          labels: {
            usePointStyle: true,
            boxWidth: 26 * s,
            boxHeight: 10 * s,
            padding: 12 * s,
            font: fonts.legend,
            color: INK,
            sort: (a, b) => (a.datasetIndex ?? 0) - (b.datasetIndex ?? 0),
            // the recorded count's entry is a filled point, as recorded months are
            generateLabels: legendWithFilledMarkers((_, text) => (text === countLabel(model) && !model.allSynthetic ? ROLE.count : undefined)),
          },
        },
      },
      scales: {
        x: monthAxis(layout),
        y: {
          beginAtZero: true,
          grace: '12%',
          ticks: { font: fonts.tick, precision: 0, color: INK },
          // The measure is in the chart title; a long axis title runs into the legend.
          title: { display: true, text: model.rollingTotals ? 'Count in the 12 months' : 'Count per month', font: fonts.title, color: INK },
        },
      },
    },
  };
  return {
    text: {
      title: req.title,
      subtitle:
        req.subtitle ??
        `${req.areaName}, ${lowerFirst(req.measureLabel)}: ${model.rollingTotals ? 'rolling 12-month total' : 'monthly count'}, ${monthSpan(points.map((p) => p.month))}${model.rolling ? `, with the ${model.window}-month rolling average` : ''}${model.hasBand ? ' and the band from the expected level to the alert threshold' : ''}`,
      notes: trendNotes(model),
      source: req.source,
      badge: model.allSynthetic ? 'SYNTHETIC DATA' : req.estimated ? 'ESTIMATED' : undefined,
    },
    config: config as unknown as ChartConfiguration,
    plugins: [
      suppressedPlugin(model, layout),
      isolatedBandPlugin(model, layout),
      latestLabelPlugin(
        model,
        layout,
        datasets.findIndex((d) => d.label === countLabel(model)),
      ),
    ],
  };
}

/** Months with an expected range whose neighbours have none: a filled band cannot show them. */
export function isolatedBandMonths(model: TrendModel): number[] {
  const has = (i: number) => {
    const p = model.points[i];
    return p != null && p.expected != null && p.upperbound != null;
  };
  return model.points.flatMap((_, i) => (has(i) && !has(i - 1) && !has(i + 1) ? [i] : []));
}

/**
 * The expected range of an isolated month (between suppressed months, say) as a short shaded bar
 * with its expected value marked: chart.js fills between neighbouring points only, so these months
 * would otherwise show no band at all.
 */
function isolatedBandPlugin(model: TrendModel, layout: Layout): Plugin {
  return {
    id: 'wardwatchIsolatedBand',
    beforeDatasetsDraw(chart) {
      const months = isolatedBandMonths(model);
      if (!months.length) return;
      const ctx = chart.ctx as unknown as SKRSContext2D;
      const x = chart.scales.x!;
      const y = chart.scales.y!;
      const half = ((chart.chartArea.right - chart.chartArea.left) / Math.max(1, model.points.length)) * 0.3;
      ctx.save();
      for (const i of months) {
        const p = model.points[i]!;
        const cx = x.getPixelForValue(i);
        const top = y.getPixelForValue(p.upperbound!);
        const bottom = y.getPixelForValue(p.expected!);
        ctx.fillStyle = withAlpha(ROLE.band, ROLE.bandAlpha);
        ctx.fillRect(cx - half, top, 2 * half, bottom - top);
        ctx.strokeStyle = withAlpha(ROLE.band, 0.7);
        ctx.lineWidth = 1 * layout.scale;
        ctx.beginPath();
        ctx.moveTo(cx - half, top);
        ctx.lineTo(cx + half, top);
        ctx.stroke();
        ctx.strokeStyle = ROLE.expected;
        ctx.lineWidth = 1.5 * layout.scale;
        ctx.beginPath();
        ctx.moveTo(cx - half, bottom);
        ctx.lineTo(cx + half, bottom);
        ctx.stroke();
      }
      ctx.restore();
    },
  };
}

/** Hatches the column of each suppressed month, so a gap reads as "not shown", not as zero. */
function suppressedPlugin(model: TrendModel, layout: Layout): Plugin {
  return {
    id: 'wardwatchSuppressed',
    beforeDatasetsDraw(chart) {
      if (!model.suppressed.length) return;
      const ctx = chart.ctx as unknown as SKRSContext2D;
      const x = chart.scales.x!;
      const area = chart.chartArea;
      const half = (area.right - area.left) / Math.max(1, model.points.length) / 2;
      ctx.save();
      ctx.fillStyle = stripes(ctx, '#ffffff', '#c4c4c4', Math.max(5, 8 * layout.scale), Math.max(1, 1.5 * layout.scale));
      for (const i of model.suppressed) {
        const cx = x.getPixelForValue(i);
        ctx.fillRect(cx - half * 0.8, area.top, half * 1.6, area.bottom - area.top);
      }
      ctx.restore();
    },
  };
}

/**
 * Where the latest month's label goes: a box `width` x `height` ending at the latest point (right
 * aligned) or centred on it, above everything drawn under the box's span (points and line vertices
 * of the count, rolling average and expected lines) when there is room, otherwise below it all, and
 * only as a last resort just above the point. Returns the text's left x and bottom (baseline) y.
 */
export function placeLatestLabel(opts: {
  anchor: { x: number; y: number };
  width: number;
  height: number;
  gap: number;
  obstacles: Array<{ x: number; y: number }>;
  area: { left: number; right: number; top: number; bottom: number };
  /** 'below' for the lowest of several lines, so its label is not read as the line above's. */
  prefer?: 'above' | 'below';
}): { left: number; bottom: number } {
  const { anchor, width, height, gap, obstacles, area } = opts;
  const left = anchor.x + width / 2 > area.right ? Math.min(anchor.x + gap / 2, area.right) - width : anchor.x - width / 2;
  const right = left + width;
  // a vertex just outside the span still carries a line segment across it
  const inSpan = obstacles.filter((o) => o.x >= left - 2 * gap - width * 0.25 && o.x <= right + gap);
  const ys = [anchor.y, ...inSpan.map((o) => o.y)];
  const top = Math.min(...ys);
  const bottom = Math.max(...ys);
  const above = top - gap - height >= area.top ? { left, bottom: top - gap } : null;
  const below = bottom + gap + height <= area.bottom ? { left, bottom: bottom + gap + height } : null;
  const spot = opts.prefer === 'below' ? (below ?? above) : (above ?? below);
  if (spot) return spot;
  return { left, bottom: Math.max(area.top + height, anchor.y - gap) };
}

/** The latest count is labelled only if it is one of the last this-many months shown. */
export const LATEST_LABEL_WITHIN = 3;

/** "Apr 2024: 345" by the latest point, clear of the lines drawn under it. */
function latestLabelPlugin(model: TrendModel, layout: Layout, datasetIndex: number): Plugin {
  return {
    id: 'wardwatchLatest',
    afterDatasetsDraw(chart) {
      // when the last months are suppressed the last count shown is old news: calling it out as
      // "the latest" misleads, and the hatching and its note say what happened
      if (model.latest < 0 || model.latest < model.points.length - LATEST_LABEL_WITHIN) return;
      const el = chart.getDatasetMeta(datasetIndex).data[model.latest];
      if (!el) return;
      const p = model.points[model.latest]!;
      const ctx = chart.ctx as unknown as SKRSContext2D;
      const text = `${shortMonthName(p.month)}: ${formatCount(p.count!)}`;
      ctx.save();
      const size = px(layout, 13);
      ctx.font = font(size, 'bold');
      const w = ctx.measureText(text).width;
      const area = chart.chartArea;
      const radius = (model.alarms.includes(model.latest) ? 10 : 6) * layout.scale;
      // every drawn vertex of the lines except the band's upper edge (text on the pale band reads fine)
      const obstacles: Array<{ x: number; y: number }> = [];
      chart.data.datasets.forEach((d, i) => {
        if (d.label === 'Band: expected level to alert threshold') return;
        chart.getDatasetMeta(i).data.forEach((pt, j) => {
          const v = (d.data as Array<number | null>)[j];
          if (v != null && Number.isFinite(pt.y)) obstacles.push({ x: pt.x, y: pt.y });
        });
      });
      const spot = placeLatestLabel({
        anchor: { x: el.x, y: el.y },
        width: w,
        height: size,
        gap: radius + 3 * layout.scale,
        obstacles,
        area,
      });
      ctx.textBaseline = 'bottom';
      ctx.textAlign = 'left';
      haloText(ctx, text, spot.left, spot.bottom, INK, 4 * layout.scale);
      ctx.restore();
    },
  };
}
