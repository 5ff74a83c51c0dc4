// Year-ending comparison: this YE against the previous YE (and a longer-term base year) for one or
// more measures or child measures, labelled the way the analysts write it: "+15%, +123".
import type { SKRSContext2D } from '@napi-rs/canvas';
import type { ChartConfiguration, ChartDataset, Plugin } from 'chart.js';
import type { ChartRequest } from '../core/reply.ts';
import { font } from './fonts.ts';
import { axisFonts, haloText, MARGIN, measuringContext, px, type ChartSpec, type Layout } from './frame.ts';
import { change, changeLabel, formatCount, MIN_PERCENT_BASE } from './format.ts';
import { INK, MUTED, OKABE_ITO, ROLE, stripes } from './palette.ts';

export type YearEndingRequest = Extract<ChartRequest, { kind: 'year-ending' }>;

/** Which periods are compared: the latest, the one before it, and the longer-term base (if any). */
export function yearEndingRoles(req: YearEndingRequest): { current: number; previous: number | null; base: number | null } {
  const n = req.periods.length;
  const current = n - 1;
  const previous = n >= 2 ? n - 2 : null;
  const wanted = req.basePeriod ?? (n >= 3 ? 0 : null);
  const base = wanted !== null && wanted >= 0 && wanted < n - 2 ? wanted : null;
  return { current, previous, base };
}

const BASE_FILL = '#d0d0d0';

/** Line sizes of the change labels: the change on the previous year, then on the base year. */
function changeFonts(layout: Layout): { big: number; small: number; value: number } {
  return { big: px(layout, 14), small: px(layout, 11), value: px(layout, 11) };
}

/** Headroom above the tallest bar for its count and the change labels, as a fraction of the data range. */
function labelRoom(layout: Layout, withBase: boolean): number {
  const f = changeFonts(layout);
  const labels = f.value * 1.4 + f.big * 1.25 + (withBase ? f.small * 1.25 : 0) + 8 * layout.scale;
  const plot = layout.height * 0.55;
  return labels / Math.max(1, plot - labels);
}
const OLDER_FILL = '#b8b8b8';

/** Splits a label into lines no wider than `maxWidth` at `fontString`, breaking between words. */
export function wrapLabel(text: string, maxWidth: number, fontString: string): string[] {
  const ctx = measuringContext();
  ctx.font = fontString;
  const lines: string[] = [];
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const last = lines[lines.length - 1];
    if (last !== undefined && ctx.measureText(`${last} ${word}`).width <= maxWidth) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines.length ? lines : [text];
}

/**
 * The group labels under the bars, wrapped to the width of one group so neighbours never run into
 * each other or off the edge ("Violence and sexual offences" beside "Shoplifting"). The plot's
 * width is estimated from the layout: the y axis (ticks and title) takes about 80 px at full size.
 */
export function groupLabels(req: YearEndingRequest, layout: Layout): string[][] {
  const plot = layout.width - 2 * Math.round(MARGIN * layout.scale) - 80 * layout.scale;
  const slot = (plot / Math.max(1, req.groups.length)) * 0.92;
  const tickFont = font(px(layout, 12), 'bold');
  return req.groups.map((g) => wrapLabel(g.label, slot, tickFont));
}

export function yearEndingSpec(req: YearEndingRequest, layout: Layout): ChartSpec {
  const s = layout.scale;
  const fonts = axisFonts(layout);
  const roles = yearEndingRoles(req);
  let hatch: unknown = null;
  const colour = (i: number) => (i === roles.current ? ROLE.count : i === roles.previous ? ROLE.ordinary : i === roles.base ? hatch : OLDER_FILL);
  const datasets: ChartDataset<'bar', Array<number | null>>[] = req.periods.map((period, i) => ({
    label: i === roles.base ? `${period} (base year, hatched)` : period,
    data: req.groups.map((g) => g.values[i] ?? null),
    backgroundColor: () => colour(i) as string,
    borderColor: i === roles.current ? OKABE_ITO.blue : i === roles.base ? '#8c8c8c' : i === roles.previous ? '#6aa9d3' : '#999999',
    borderWidth: 1 * s,
    barPercentage: 0.92,
    categoryPercentage: 0.78,
  }));
  const config: ChartConfiguration<'bar', Array<number | null>, string[]> = {
    type: 'bar',
    data: { labels: groupLabels(req, layout), datasets },
    options: {
      plugins: {
        legend: {
          position: 'top',
          align: 'start',
          labels: { boxWidth: 22 * s, boxHeight: 11 * s, padding: 12 * s, font: fonts.legend, color: INK },
        },
      },
      scales: {
        x: { grid: { display: false }, ticks: { font: { ...fonts.tick, weight: 'bold' }, color: INK, maxRotation: 0, autoSkip: false } },
        y: {
          beginAtZero: true,
          suggestedMax: Math.max(0, ...req.groups.flatMap((g) => g.values.map((v) => v ?? 0))) * (1 + labelRoom(layout, roles.base !== null)),
          ticks: { font: fonts.tick, precision: 0, color: INK, callback: (v) => formatCount(Number(v)) },
          title: { display: true, text: req.measureLabel ?? 'Count', font: fonts.title, color: INK },
        },
      },
    },
  };
  const hatchPlugin: Plugin = {
    id: 'wardwatchBaseHatch',
    beforeInit(chart) {
      hatch = stripes(chart.ctx as unknown as SKRSContext2D, '#ffffff', BASE_FILL, Math.max(5, 7 * s), Math.max(1.5, 2.5 * s));
    },
  };
  const cur = req.periods[roles.current] ?? '';
  const prev = roles.previous !== null ? req.periods[roles.previous] : undefined;
  const base = roles.base !== null ? req.periods[roles.base] : undefined;
  return {
    text: {
      title: req.title,
      subtitle:
        req.subtitle ?? (prev ? `${cur} compared with ${prev}${base ? ` and the longer-term base ${base}` : ''}; labels give the change on ${prev} (percent, number)` : cur),
      notes: [
        ...(req.synthetic ? [req.synthetic] : []),
        ...(req.groups.some((g) => [roles.previous, roles.base].some((r) => r !== null && change(g.values[r], g.values[roles.current], req.noCalcBase).percentText === 'no calc'))
          ? [`"no calc": no percentage change on a base under ${req.noCalcBase ?? MIN_PERCENT_BASE}.`]
          : []),
      ],
      badge: req.synthetic ? 'SYNTHETIC DATA' : undefined,
      source: req.source,
    },
    config: config as unknown as ChartConfiguration,
    plugins: [hatchPlugin, barValues(req, layout), changeLabels(req, layout, roles)],
  };
}

/** The count on each bar, when the bars are wide enough to carry it. */
function barValues(req: YearEndingRequest, layout: Layout): Plugin {
  return {
    id: 'wardwatchBarValues',
    afterDatasetsDraw(chart) {
      const ctx = chart.ctx as unknown as SKRSContext2D;
      const size = changeFonts(layout).value;
      ctx.save();
      ctx.font = font(size);
      ctx.textAlign = 'center';
      ctx.textBaseline = 'bottom';
      req.periods.forEach((_, d) => {
        chart.getDatasetMeta(d).data.forEach((el, g) => {
          const v = req.groups[g]?.values[d];
          const text = v == null ? 'n/a' : formatCount(v);
          const width = (el as unknown as { width: number }).width;
          if (ctx.measureText(text).width > width + 6 * layout.scale) return;
          haloText(ctx, text, el.x, el.y - 2 * layout.scale, v == null ? MUTED : INK, 3 * layout.scale);
        });
      });
      ctx.restore();
    },
  };
}

/** "▲ +15%, +123" over each group (change on the previous period), and the change on the base year under it. */
function changeLabels(req: YearEndingRequest, layout: Layout, roles: ReturnType<typeof yearEndingRoles>): Plugin {
  return {
    id: 'wardwatchChanges',
    afterDatasetsDraw(chart) {
      if (roles.previous === null) return;
      const ctx = chart.ctx as unknown as SKRSContext2D;
      const { big, small, value } = changeFonts(layout);
      const y0 = chart.chartArea.top;
      // room for one group's label: the distance between group centres
      const slot = (chart.chartArea.right - chart.chartArea.left) / Math.max(1, req.groups.length);
      ctx.save();
      ctx.textAlign = 'center';
      ctx.textBaseline = 'top';
      req.groups.forEach((g, gi) => {
        const metas = req.periods.map((_, d) => chart.getDatasetMeta(d).data[gi]!);
        const x = (metas[0]!.x + metas[metas.length - 1]!.x) / 2;
        const top = Math.min(...metas.map((el) => el.y));
        const lines: Array<[string, number, 'bold' | 'normal', string]> = [];
        const c = change(g.values[roles.previous!], g.values[roles.current], req.noCalcBase);
        const arrow = c.direction === 'up' ? '▲ ' : c.direction === 'down' ? '▼ ' : '';
        lines.push([`${arrow}${changeLabel(g.values[roles.previous!], g.values[roles.current], req.noCalcBase)}`, big, 'bold', INK]);
        if (roles.base !== null) {
          const text = `vs ${req.periods[roles.base]}: ${changeLabel(g.values[roles.base], g.values[roles.current], req.noCalcBase)}`;
          ctx.font = font(small);
          // where the groups are too close for the second line, it is left to the text alternative
          if (ctx.measureText(text).width <= slot * 0.96) lines.push([text, small, 'normal', MUTED]);
        }
        const height = lines.reduce((h, [, size]) => h + size * 1.25, 0);
        // above the group's tallest bar and its count, but never above the plot
        let y = Math.max(y0 + 2 * layout.scale, top - value * 1.4 - height - 4 * layout.scale);
        for (const [text, size, weight, colour] of lines) {
          ctx.font = font(size, weight);
          haloText(ctx, text, x, y, colour, 4 * layout.scale);
          y += size * 1.25;
        }
      });
      ctx.restore();
    },
  };
}
