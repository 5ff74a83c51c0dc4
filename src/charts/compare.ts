// Compare: two (or a few) areas' monthly trends on one chart, as rates per 1,000 so areas of
// different sizes compare fairly. Lines differ by colour, dash and point shape, and each is named
// at its end.
import type { SKRSContext2D } from '@napi-rs/canvas';
import type { ChartConfiguration, ChartDataset, Plugin } from 'chart.js';
import { compareMonths, shortMonthName, type Month } from '../core/periods.ts';
import type { ChartRequest } from '../core/reply.ts';
import { font } from './fonts.ts';
import { axisFonts, haloText, px, type ChartSpec, type Layout } from './frame.ts';
import { formatValue } from './format.ts';
import { listMonths, lowerFirst, monthAxis, monthSpan, monthTicks } from './months.ts';
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
          labels: { usePointStyle: true, boxHeight: 8 * s, padding: 14 * s, font: fonts.legend, color: INK },
        },
      },
      scales: {
        x: monthAxis(layout),
        y: {
          beginAtZero: true,
          grace: '10%',
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
      subtitle: req.subtitle ?? `${req.lines.map((l) => l.name).join(' and ')}, ${lowerFirst(req.measureLabel)} ${unit === 'rate' ? 'per 1,000 residents' : 'count'}, monthly, ${monthSpan(model.months)}`,
      notes,
      source: req.source,
    },
    config: config as unknown as ChartConfiguration,
    plugins: [endLabels(req, model, layout, unit)],
  };
}

/** "Market: 12.3 (Sep 2025)" at the last point of each line, nudged apart so they never overlap. */
function endLabels(req: CompareRequest, model: ReturnType<typeof compareModel>, layout: Layout, unit: 'count' | 'rate'): Plugin {
  return {
    id: 'wardwatchEndLabels',
    afterDatasetsDraw(chart) {
      const ctx = chart.ctx as unknown as SKRSContext2D;
      const size = px(layout, 12.5);
      const labels: Array<{ text: string; x: number; y: number; colour: string }> = [];
      req.lines.forEach((l, i) => {
        const vals = model.values[i]!;
        let last = -1;
        vals.forEach((v, j) => { if (v !== null) last = j; });
        if (last < 0) return;
        const el = chart.getDatasetMeta(i).data[last]!;
        labels.push({ text: `${l.name}: ${formatValue(vals[last]!, unit)} (${shortMonthName(model.months[last]!)})`, x: el.x, y: el.y, colour: SERIES_TEXT[i % SERIES_TEXT.length]! });
      });
      // place from the top down, each at least one line below the one above
      labels.sort((a, b) => a.y - b.y);
      const area = chart.chartArea;
      let floor = area.top;
      ctx.save();
      ctx.font = font(size, 'bold');
      ctx.textAlign = 'right';
      ctx.textBaseline = 'bottom';
      labels.forEach((l, i) => {
        // the lowest line's label goes under its end, the others above theirs
        const below = labels.length > 1 && i === labels.length - 1;
        const y = below ? Math.min(area.bottom - 2, Math.max(l.y + 10 * layout.scale + size, floor + size * 1.2)) : Math.max(l.y - 8 * layout.scale, floor + size * 1.2);
        haloText(ctx, l.text, Math.min(l.x, area.right), y, l.colour, 4 * layout.scale);
        floor = y;
      });
      ctx.restore();
    },
  };
}
