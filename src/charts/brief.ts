// The pre-meeting brief: several charts on one page (two columns), or each panel on its own.
import './native-memory.ts'; // first: allocator settings before @napi-rs/canvas loads
import { createCanvas } from '@napi-rs/canvas';
import type { ChartRequest } from '../core/reply.ts';
import { drawFrameText, encodeCanvas, footerHeight, headerHeight, LAYOUTS, MARGIN, withChart, type ChartSize, type Layout } from './frame.ts';
import { BACKGROUND, GRID } from './palette.ts';
import { specFor, type SingleChartRequest } from './spec.ts';

export type BriefRequest = Extract<ChartRequest, { kind: 'brief' }>;

/** Panels of a brief; a brief nested in a brief contributes its own panels. */
export function briefPanels(req: BriefRequest): SingleChartRequest[] {
  return req.panels.flatMap((p) => (p.kind === 'brief' ? briefPanels(p) : [p]));
}

const PANEL: Record<ChartSize, { width: number; height: number; scale: number; gap: number }> = {
  full: { width: 800, height: 430, scale: 0.9, gap: 16 },
  compact: { width: 400, height: 230, scale: 0.52, gap: 8 },
};

/** The page's size for `n` panels: two columns, as many rows as needed. */
export function briefLayout(n: number, size: ChartSize): { page: Layout; panel: Layout; columns: number; rows: number; gap: number } {
  const p = PANEL[size];
  const columns = n <= 1 ? 1 : 2;
  const rows = Math.max(1, Math.ceil(n / columns));
  const base = LAYOUTS[size];
  const m = Math.round(MARGIN * base.scale);
  const page: Layout = { ...base, maxNotes: 0, width: columns * p.width + (columns - 1) * p.gap + 2 * m, height: 0 };
  const compact = size === 'compact';
  const panel: Layout = {
    width: p.width,
    height: p.height,
    scale: p.scale,
    showSource: false,
    showSubtitle: !compact,
    maxNotes: compact ? 0 : 1,
    indexed: false,
    minimal: compact,
  };
  return { page, panel, columns, rows, gap: p.gap };
}

export function renderBriefPage(req: BriefRequest, size: ChartSize): Buffer {
  const panels = briefPanels(req);
  const { page, panel, columns, rows, gap } = briefLayout(panels.length, size);
  const text = { title: req.title, subtitle: req.subtitle, source: req.source };
  const top = headerHeight(page, text);
  page.height = top + rows * panel.height + (rows - 1) * gap + footerHeight(page, text);
  const canvas = createCanvas(page.width, page.height);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = BACKGROUND;
  ctx.fillRect(0, 0, page.width, page.height);
  const m = Math.round(MARGIN * page.scale);
  panels.forEach((p, i) => {
    const x = m + (i % columns) * (panel.width + gap);
    const y = top + Math.floor(i / columns) * (panel.height + gap);
    withChart(panel, specFor(p, panel), (c) => ctx.drawImage(c, x, y));
    ctx.strokeStyle = GRID;
    ctx.lineWidth = 1;
    ctx.strokeRect(x + 0.5, y + 0.5, panel.width - 1, panel.height - 1);
  });
  drawFrameText(ctx, page, text);
  return encodeCanvas(canvas, page);
}

/** Each panel as its own chart at `size`, with the brief's source line: for surfaces that post several images. */
export function renderBriefPanels(req: BriefRequest, size: ChartSize): Buffer[] {
  return briefPanels(req).map((p) => {
    const withSource = { ...p, source: p.source || req.source } as SingleChartRequest;
    return withChart(LAYOUTS[size], specFor(withSource, LAYOUTS[size]), (c) => encodeCanvas(c, LAYOUTS[size]));
  });
}
