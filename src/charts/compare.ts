// Compare: two (or a few) areas' monthly trends on one chart, as rates per 1,000 so areas of
// different sizes compare fairly. Lines differ by colour, dash and point shape, and each is named
// at its end.
import type { SKRSContext2D } from '@napi-rs/canvas';
import type { ChartConfiguration, ChartDataset, Plugin } from 'chart.js';
import { compareMonths, shortMonthName, type Month } from '../core/periods.ts';
import type { ChartRequest } from '../core/reply.ts';
import { font } from './fonts.ts';
import { axisFonts, haloText, legendWithFilledMarkers, px, type ChartSpec, type Layout } from './frame.ts';
import { formatValue } from './format.ts';
import { listMonths, lowerFirst, monthAxis, monthSpan, monthTicks } from './months.ts';
import { placeLatestLabel } from './trend.ts';
import { INK, SERIES_COLOURS, SERIES_DASHES, SERIES_POINTS, SERIES_TEXT } from './palette.ts';

export type CompareRequest = Extract<ChartRequest, { kind: 'compare' }>;

/** Every month any line has, in order, and each line's values on those months. */
export function compareModel(req: CompareRequest): { months: Month[]; values: Array<Array<number | null>>; gaps: Month[][]; synthetic: Month[] } {
  const months = [...new Set(req.lines.flatMap((l) => l.points.map((p) => p.month)))].sort(compareMonths);
  const values = req.lines.map((l) => {
    const byMonth = new Map(l.points.map((p) => [p.month, p.value]));
    return months.map((m) => byMonth.get(m) ?? null);
  });
  const syntheticSet = new Set(req.lines.flatMap((l) => l.points.filter((p) => p.synthetic).map((p) => p.month)));
  return { months, values, gaps: values.map((v) => months.filter((_, i) => v[i] === null)), synthetic: months.filter((m) => syntheticSet.has(m)) };
}

export function compareSpec(req: CompareRequest, layout: Layout): ChartSpec {
  const s = layout.scale;
  const fonts = axisFonts(layout);
  const model = compareModel(req);
  const unit = req.unit === 'count' ? 'count' : 'rate';
  const synthetic = new Set(model.synthetic);
  const datasets: ChartDataset<'line', Array<number | null>>[] = req.lines.map((l, i) => ({
    label: l.name,
    data: model.values[i]!,
    borderColor: SERIES_COLOURS[i % SERIES_COLOURS.length],
    backgroundColor: SERIES_COLOURS[i % SERIES_COLOURS.length],
    borderDash: SERIES_DASHES[i % SERIES_DASHES.length]!.map((d) => d * s),
    borderWidth: 2.5 * s,
    pointStyle: SERIES_POINTS[i % SERIES_POINTS.length],
    pointRadius: 3.5 * s,
    // Synthetic months get open points: the dash pattern already tells the areas apart.
    pointBackgroundColor: model.months.map((m) => (synthetic.has(m) ? '#ffffff' : SERIES_COLOURS[i % SERIES_COLOURS.length]!)),
    spanGaps: false,
    fill: false,
  }));
  const config: ChartConfiguration<'line', Array<number | null>, string[]> = {
    type: 'line',
    data: { labels: monthTicks(model.months), datasets },
    options: {
      plugins: {
        legend: {
          position: 'top',
          align: 'start',
          labels: {
            usePointStyle: true,
            boxHeight: 8 * s,
            padding: 14 * s,
            font: fonts.legend,
            color: INK,
            // the legend names the line, so its marker is the line's filled point
            generateLabels: legendWithFilledMarkers((i) => SERIES_COLOURS[i % SERIES_COLOURS.length]),
          },
        },
      },
      scales: {
        x: monthAxis(layout),
        y: {
          beginAtZero: true,
          grace: '18%', // room above the top line for its end label
          ticks: { font: fonts.tick, color: INK },
          title: {
            display: true,
            text: unit === 'rate' ? 'Per 1,000 residents' : 'Count per month',
            font: fonts.title,
            color: INK,
          },
        },
      },
    },
  };
  const notes: string[] = [];
  if (unit === 'count') notes.push('Counts, not rates: areas of different sizes do not compare fairly.');
  if (model.synthetic.length) notes.push(`Open points: ${listMonths(model.synthetic)} are synthetic history, not recorded data.`);
  req.lines.forEach((l, i) => {
    if (model.gaps[i]!.length) notes.push(`${l.name}: no figure for ${listMonths(model.gaps[i]!)} (gap in the line).`);
  });
  return {
    text: {
      title: req.title,
      subtitle:
        req.subtitle ??
        `${req.lines.map((l) => l.name).join(' and ')}, ${lowerFirst(req.measureLabel)} ${unit === 'rate' ? 'per 1,000 residents' : 'count'}, monthly, ${monthSpan(model.months)}`,
      notes,
      source: req.source,
    },
    config: config as unknown as ChartConfiguration,
    plugins: [endLabels(req, model, layout, unit)],
  };
}

/**
 * "Market: 12.3 (Sep 2025)" by the last point of each line, clear of every line under it: the
 * upper lines' labels above the lines, the lowest line's below them, and none on another label.
 */
function endLabels(req: CompareRequest, model: ReturnType<typeof compareModel>, layout: Layout, unit: 'count' | 'rate'): Plugin {
  return {
    id: 'wardwatchEndLabels',
    afterDatasetsDraw(chart) {
      const ctx = chart.ctx as unknown as SKRSContext2D;
      const size = px(layout, 12.5);
      ctx.save();
      ctx.font = font(size, 'bold');
      const labels: Array<{ text: string; x: number; y: number; colour: string }> = [];
      const obstacles: Array<{ x: number; y: number }> = [];
      req.lines.forEach((l, i) => {
        const vals = model.values[i]!;
        let last = -1;
        vals.forEach((v, j) => {
          if (v === null) return;
          last = j;
          const el = chart.getDatasetMeta(i).data[j];
          if (el) obstacles.push({ x: el.x, y: el.y });
        });
        if (last < 0) return;
        const el = chart.getDatasetMeta(i).data[last]!;
        labels.push({
          text: `${l.name}: ${formatValue(vals[last]!, unit)} (${shortMonthName(model.months[last]!)})`,
          x: el.x,
          y: el.y,
          colour: SERIES_TEXT[i % SERIES_TEXT.length]!,
        });
      });
      labels.sort((a, b) => a.y - b.y);
      const area = chart.chartArea;
      labels.forEach((l, i) => {
        const width = ctx.measureText(l.text).width;
        const spot = placeLatestLabel({
          anchor: { x: l.x, y: l.y },
          width,
          height: size,
          gap: 8 * layout.scale,
          obstacles,
          area,
          prefer: labels.length > 1 && i === labels.length - 1 ? 'below' : 'above',
        });
        ctx.textAlign = 'left';
        ctx.textBaseline = 'bottom';
        haloText(ctx, l.text, spot.left, spot.bottom, l.colour, 4 * layout.scale);
        // the next label keeps off this one
        for (const x of [spot.left, spot.left + width / 2, spot.left + width]) obstacles.push({ x, y: spot.bottom - size }, { x, y: spot.bottom });
      });
      ctx.restore();
    },
  };
}
