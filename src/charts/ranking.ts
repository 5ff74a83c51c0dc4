// Ranking: sibling areas by rate per 1,000 as horizontal bars, the parent's rate as a reference
// line, hotspots hatched and labelled, the asked-about area in bold with an outline.
import type { SKRSContext2D } from '@napi-rs/canvas';
import type { ChartConfiguration, LegendItem, Plugin } from 'chart.js';
import type { ChartRequest } from '../core/reply.ts';
import { font } from './fonts.ts';
import { axisFonts, haloText, MARGIN, measuringContext, px, type ChartSpec, type Layout } from './frame.ts';
import { formatCount, formatRate } from './format.ts';
import { INK, ROLE, stripes } from './palette.ts';

export type RankingRequest = Extract<ChartRequest, { kind: 'ranking' }>;
export type RankingBar = RankingRequest['bars'][number];

/** Highest rate first; ties by name, so the order never depends on the input order. */
export function rankBars(bars: RankingBar[]): RankingBar[] {
  return [...bars].sort((a, b) => b.rate - a.rate || a.name.localeCompare(b.name, 'en-GB'));
}

const HOTSPOT_STRIPE = '#f6c7a6';
const EMERGING_STRIPE = '#fbe3d2';

export function rankingSpec(req: RankingRequest, layout: Layout): ChartSpec {
  const bars = rankBars(req.bars);
  const s = layout.scale;
  const fonts = axisFonts(layout);
  const tickPx = Math.min(fonts.tick.size, Math.max(px(layout, 8), Math.floor(((layout.height - 150 * s) / Math.max(1, bars.length)) * 0.62)));
  let hatch: unknown = null; // a CanvasPattern, made once the chart has a context
  let hatchEmerging: unknown = null; // sparser stripes: a hotspot in the last month only
  const fill = (b: RankingBar | undefined) => (b?.hotspot ? hatch : b?.emerging ? hatchEmerging : b?.emphasised ? ROLE.emphasis : ROLE.ordinary);
  const emphasised = bars.find((b) => b.emphasised);
  const legendItems = (): LegendItem[] => {
    const items: LegendItem[] = [];
    const box = { lineWidth: 1, hidden: false, datasetIndex: 0 } as const;
    if (bars.some((b) => b.hotspot)) items.push({ ...box, text: 'Hotspot (hatched)', fillStyle: hatch as string, strokeStyle: ROLE.hotspot, fontColor: INK });
    if (bars.some((b) => b.emerging && !b.hotspot))
      items.push({ ...box, text: 'Emerging hotspot, latest month (light hatching)', fillStyle: hatchEmerging as string, strokeStyle: ROLE.hotspot, fontColor: INK });
    if (emphasised)
      items.push({
        ...box,
        text: `${emphasised.name} (asked about, outlined)`,
        fillStyle: emphasised.hotspot ? (hatch as string) : ROLE.emphasis,
        strokeStyle: '#000',
        lineWidth: 2 * s,
        fontColor: INK,
      });
    items.push({ ...box, text: 'Other areas', fillStyle: ROLE.ordinary, strokeStyle: ROLE.ordinary, fontColor: INK });
    if (req.reference)
      items.push({
        ...box,
        text: `${req.reference.label}: ${formatRate(req.reference.rate)} (dashed line)`,
        fillStyle: '#fff',
        strokeStyle: ROLE.reference,
        lineWidth: 2 * s,
        lineDash: [5 * s, 3 * s],
        pointStyle: 'line',
        fontColor: INK,
      });
    return items;
  };
  const config: ChartConfiguration<'bar', number[], string> = {
    type: 'bar',
    data: {
      labels: bars.map((b) => b.name),
      datasets: [
        {
          label: req.measureLabel,
          data: bars.map((b) => b.rate),
          backgroundColor: (ctx: { dataIndex: number }) => fill(bars[ctx.dataIndex]) as string,
          borderColor: bars.map((b) => (b.emphasised ? '#000000' : b.hotspot || b.emerging ? ROLE.hotspot : ROLE.ordinary)),
          borderWidth: bars.map((b) => (b.emphasised ? 2.5 : 1) * s),
          barPercentage: 0.9,
          categoryPercentage: 0.85,
        },
      ],
    },
    options: {
      indexAxis: 'y',
      plugins: {
        legend: {
          position: 'top',
          align: 'start',
          labels: { generateLabels: legendItems, boxWidth: 22 * s, boxHeight: 11 * s, padding: 12 * s, font: fonts.legend, color: INK },
        },
      },
      scales: {
        x: {
          beginAtZero: true,
          suggestedMax: roomyMax(bars, layout, tickPx),
          ticks: { font: fonts.tick, color: INK },
          title: { display: true, text: `${req.measureLabel}: rate per 1,000 residents, ${req.period}`, font: fonts.title, color: INK },
        },
        y: {
          grid: { display: false },
          ticks: {
            autoSkip: false,
            color: INK,
            font: (ctx) => ({ size: tickPx, weight: bars[ctx.index]?.emphasised ? 'bold' : 'normal' }),
          },
        },
      },
    },
  };
  const patternPlugin: Plugin = {
    id: 'wardwatchHatch',
    beforeInit(chart) {
      hatch = stripes(chart.ctx as unknown as SKRSContext2D, ROLE.hotspot, HOTSPOT_STRIPE, Math.max(6, 9 * s), Math.max(1.5, 3 * s));
      hatchEmerging = stripes(chart.ctx as unknown as SKRSContext2D, EMERGING_STRIPE, ROLE.hotspot, Math.max(8, 11 * s), Math.max(1.5, 2.5 * s));
    },
  };
  return {
    text: {
      title: req.title,
      subtitle: req.subtitle ?? `${bars.length} areas by rate per 1,000 residents, highest first, ${req.period}; labels give rate (count)`,
      notes: [
        ...(req.synthetic ? [req.synthetic] : []),
        ...(bars.some((b) => b.count === null) ? ['Count "suppressed": a small number is not published; the rate is shown.'] : []),
      ],
      badge: req.synthetic ? 'SYNTHETIC DATA' : undefined,
      source: req.source,
    },
    config: config as unknown as ChartConfiguration,
    plugins: [patternPlugin, valueLabels(bars, layout, tickPx, req.reference)],
  };
}

type LabelPart = [text: string, weight: 'normal' | 'bold', colour: string];

function labelParts(b: RankingBar): LabelPart[] {
  const parts: LabelPart[] = [
    [formatRate(b.rate), b.emphasised ? 'bold' : 'normal', INK],
    [` (${b.count === null ? 'suppressed' : formatCount(b.count)})`, 'normal', '#555555'],
  ];
  if (b.hotspot) parts.push(['  hotspot', 'bold', '#a84300']);
  else if (b.emerging) parts.push(['  emerging', 'bold', '#a84300']);
  return parts;
}

/**
 * An x-axis maximum that leaves room for every bar's label outside its bar, from the text widths
 * and an estimate of the plot's width (the area names take the left).
 */
function roomyMax(bars: RankingBar[], layout: Layout, tickPx: number): number {
  const ctx = measuringContext();
  const width = (parts: LabelPart[]) => parts.reduce((w, [text, weight]) => ((ctx.font = font(tickPx, weight)), w + ctx.measureText(text).width), 0);
  ctx.font = font(tickPx, 'bold');
  const names = Math.max(0, ...bars.map((b) => ctx.measureText(b.name).width));
  const plot = layout.width - 2 * MARGIN * layout.scale - names - 24 * layout.scale;
  let max = 0;
  for (const b of bars) {
    const room = plot - width(labelParts(b)) - 10 * layout.scale;
    if (room > plot * 0.3) max = Math.max(max, (b.rate * plot) / room);
  }
  return max;
}

/** "17.1 (1,234)" at the end of each bar, and "hotspot" in words, so colour is never the only cue. */
function valueLabels(bars: RankingBar[], layout: Layout, sizePx: number, reference: RankingRequest['reference']): Plugin {
  const line = referenceLine(reference, layout);
  return {
    id: 'wardwatchValues',
    // The reference line with the bars; each label on its white plate after everything else is drawn,
    // so the line never runs through a label.
    afterDatasetsDraw(chart) {
      line(chart);
    },
    afterDraw(chart) {
      const ctx = chart.ctx as unknown as SKRSContext2D;
      const meta = chart.getDatasetMeta(0);
      ctx.save();
      ctx.textBaseline = 'middle';
      ctx.textAlign = 'left';
      const area = chart.chartArea;
      meta.data.forEach((el, i) => {
        const b = bars[i]!;
        const parts = labelParts(b);
        const width = parts.reduce((w, [text, weight]) => ((ctx.font = font(sizePx, weight)), w + ctx.measureText(text).width), 0);
        // outside the bar's end when it fits, else inside it (over the halo)
        const gap = 5 * layout.scale;
        let x = el.x + gap + width <= area.right ? el.x + gap : el.x - gap - width;
        // a white plate under the label keeps the reference line and the hatching out of the text
        ctx.fillStyle = '#ffffff';
        ctx.fillRect(x - 2 * layout.scale, el.y - sizePx * 0.7, width + 4 * layout.scale, sizePx * 1.4);
        for (const [text, weight, colour] of parts) {
          ctx.font = font(sizePx, weight);
          haloText(ctx, text, x, el.y, colour, 3 * layout.scale);
          x += ctx.measureText(text).width;
        }
      });
      ctx.restore();
    },
  };
}

/** The parent's rate as a dashed line (the legend names it, so it carries no text of its own). */
function referenceLine(reference: RankingRequest['reference'], layout: Layout): (chart: Parameters<NonNullable<Plugin['afterDatasetsDraw']>>[0]) => void {
  return (chart) => {
    if (!reference) return;
    const ctx = chart.ctx as unknown as SKRSContext2D;
    const area = chart.chartArea;
    const x = chart.scales.x!.getPixelForValue(reference.rate);
    ctx.save();
    ctx.strokeStyle = ROLE.reference;
    ctx.lineWidth = 2 * layout.scale;
    ctx.setLineDash([5 * layout.scale, 3 * layout.scale]);
    ctx.beginPath();
    ctx.moveTo(x, area.top);
    ctx.lineTo(x, area.bottom);
    ctx.stroke();
    // A path is not part of the saved state: clear it, or a later stroke() elsewhere draws the line again, over the labels.
    ctx.beginPath();
    ctx.setLineDash([]);
    ctx.restore();
  };
}
