// What every chart shares: the canvas, white background, title band, subtitle, notes and source
// line, and the chart.js life cycle (no animation, devicePixelRatio 1, a new Chart and destroy every
// time, on one canvas per size kept by each thread and reset to a new canvas's state).
import './native-memory.ts'; // first: allocator settings before @napi-rs/canvas loads
import { createCanvas, type Canvas, type SKRSContext2D } from '@napi-rs/canvas';
import { Chart, registerables, type ChartConfiguration, type Plugin } from 'chart.js';
import { FONT_FAMILY, font, registerChartFont } from './fonts.ts';
import { BACKGROUND, GRID, INK, MUTED } from './palette.ts';
import { encodeRgbaPng } from './png-file.ts';
import { canvasToPalettePng } from './png8.ts';

registerChartFont();
Chart.register(...registerables);
Chart.defaults.font.family = FONT_FAMILY;
Chart.defaults.color = INK;
Chart.defaults.borderColor = GRID;

export type ChartSize = 'full' | 'compact';

/** A drawing surface: pixel size and a scale for type and strokes (1 at the Slack size). */
export interface Layout {
  width: number;
  height: number;
  scale: number;
  /** Panels in a brief page leave the source line to the page. */
  showSource: boolean;
  showSubtitle: boolean;
  /** How many note lines fit above the source line. */
  maxNotes: number;
  /** Encode as a 16-colour palette PNG (small files) rather than Skia's RGBA PNG. */
  indexed: boolean;
  /** Thumbnails (the compact brief's panels) leave out the legend and the axis titles. */
  minimal?: boolean;
}

export const LAYOUTS: Record<ChartSize, Layout> = {
  full: { width: 1000, height: 500, scale: 1, showSource: true, showSubtitle: true, maxNotes: 3, indexed: false },
  compact: { width: 640, height: 320, scale: 0.66, showSource: true, showSubtitle: true, maxNotes: 1, indexed: true },
};

/** Text that goes around the plot. */
export interface FrameText {
  title: string;
  subtitle?: string | undefined;
  /** Short notes above the source line: suppressed months, estimated points, caveats. */
  notes?: string[];
  source: string;
  /** A tag at the right of the title band, e.g. "SYNTHETIC DATA". */
  badge?: string | undefined;
}

export const MARGIN = 16;
const TITLE_PX = 20;
const MIN_TITLE_PX = 13;
const SUBTITLE_PX = 14;
const SMALL_PX = 11.5;
/** Pixels between the title band and the subtitle, so the band holds the title alone. */
const SUBTITLE_GAP = 2;

export function px(layout: Layout, size: number): number {
  return Math.max(8, Math.round(size * layout.scale));
}

/** Where the title is drawn: tests compare this band between renders. */
export function titleBand(layout: Layout): { x: number; y: number; width: number; height: number } {
  const m = Math.round(MARGIN * layout.scale);
  return { x: 0, y: 0, width: layout.width, height: m + Math.round(TITLE_PX * layout.scale * 1.35) };
}

export function headerHeight(layout: Layout, text: FrameText): number {
  const band = titleBand(layout).height;
  return band + (layout.showSubtitle && text.subtitle ? SUBTITLE_GAP + Math.round(px(layout, SUBTITLE_PX) * 1.5) : 0) + Math.round(4 * layout.scale);
}

function footerLines(layout: Layout, text: FrameText): string[] {
  const lines = (text.notes ?? []).slice(0, layout.maxNotes);
  if (layout.showSource) lines.push(text.source);
  return lines;
}

export function footerHeight(layout: Layout, text: FrameText): number {
  const n = footerLines(layout, text).length;
  return Math.round(6 * layout.scale) + n * Math.round(px(layout, SMALL_PX) * 1.4) + Math.round(MARGIN * layout.scale * 0.5);
}

/** Shrinks the type until the text fits, then cuts it with an ellipsis. */
export function fitText(ctx: SKRSContext2D, text: string, maxWidth: number, sizePx: number, minPx: number, weight: 'normal' | 'bold'): { text: string; size: number } {
  let size = sizePx;
  ctx.font = font(size, weight);
  while (size > minPx && ctx.measureText(text).width > maxWidth) {
    size -= 1;
    ctx.font = font(size, weight);
  }
  if (ctx.measureText(text).width <= maxWidth) return { text, size };
  let cut = text;
  while (cut.length > 1 && ctx.measureText(`${cut}…`).width > maxWidth) cut = cut.slice(0, -1);
  return { text: `${cut.trimEnd()}…`, size };
}

/** Text with a white halo, readable over lines and fills. */
export function haloText(ctx: SKRSContext2D, text: string, x: number, y: number, colour: string, haloPx: number): void {
  ctx.save();
  ctx.lineJoin = 'round';
  ctx.lineWidth = haloPx;
  ctx.strokeStyle = BACKGROUND;
  ctx.strokeText(text, x, y);
  ctx.fillStyle = colour;
  ctx.fillText(text, x, y);
  ctx.restore();
}

function framePlugin(layout: Layout, text: FrameText): Plugin {
  return {
    id: 'wardwatchFrame',
    beforeDraw(chart) {
      const ctx = chart.ctx as unknown as SKRSContext2D;
      ctx.save();
      ctx.fillStyle = BACKGROUND;
      ctx.fillRect(0, 0, layout.width, layout.height);
      ctx.restore();
    },
    afterDraw(chart) {
      drawFrameText(chart.ctx as unknown as SKRSContext2D, layout, text);
    },
  };
}

/** Title, subtitle, badge, notes and source line; also used by the brief page without chart.js. */
export function drawFrameText(ctx: SKRSContext2D, layout: Layout, text: FrameText): void {
  const m = Math.round(MARGIN * layout.scale);
  ctx.save();
  ctx.textBaseline = 'top';
  ctx.textAlign = 'left';
  let badgeWidth = 0;
  if (text.badge) {
    ctx.font = font(px(layout, 11), 'bold');
    const w = ctx.measureText(text.badge).width + 2 * px(layout, 6);
    const h = px(layout, 11) + 2 * px(layout, 4);
    const x = layout.width - m - w;
    ctx.fillStyle = '#fff3cd';
    ctx.strokeStyle = '#8a6d00';
    ctx.lineWidth = 1;
    ctx.fillRect(x, m - 2, w, h);
    ctx.strokeRect(x + 0.5, m - 1.5, w - 1, h - 1);
    ctx.fillStyle = '#5c4800';
    ctx.fillText(text.badge, x + px(layout, 6), m - 2 + px(layout, 4));
    badgeWidth = w + m;
  }
  if (text.title) {
    const fitted = fitText(ctx, text.title, layout.width - 2 * m - badgeWidth, px(layout, TITLE_PX), px(layout, MIN_TITLE_PX), 'bold');
    ctx.font = font(fitted.size, 'bold');
    ctx.fillStyle = INK;
    ctx.fillText(fitted.text, m, m);
  }
  if (layout.showSubtitle && text.subtitle) {
    const y = titleBand(layout).height + SUBTITLE_GAP;
    const fitted = fitText(ctx, text.subtitle, layout.width - 2 * m, px(layout, SUBTITLE_PX), px(layout, 10), 'normal');
    ctx.font = font(fitted.size);
    ctx.fillStyle = MUTED;
    ctx.fillText(fitted.text, m, y);
  }
  const lines = footerLines(layout, text);
  const lineH = Math.round(px(layout, SMALL_PX) * 1.4);
  let y = layout.height - Math.round(MARGIN * layout.scale * 0.5) - lines.length * lineH;
  for (const line of lines) {
    const fitted = fitText(ctx, line, layout.width - 2 * m, px(layout, SMALL_PX), px(layout, 8), 'normal');
    ctx.font = font(fitted.size);
    ctx.fillStyle = MUTED;
    ctx.fillText(fitted.text, m, y);
    y += lineH;
  }
  ctx.restore();
}

/** A chart described for one layout: the frame text, the chart.js configuration, extra plugins. */
export interface ChartSpec {
  text: FrameText;
  config: ChartConfiguration;
  plugins?: Plugin[];
}

/**
 * Draws a spec inside the frame and hands the canvas to `use` while the chart is alive (chart.js
 * clears the canvas when it is destroyed). The configuration's own title plugin stays off: the
 * frame draws the title so every kind lays it out the same way.
 */
export function withChart<T>(layout: Layout, spec: ChartSpec, use: (canvas: Canvas) => T): T {
  const { text, config } = spec;
  const canvas = canvasFor(layout);
  const m = Math.round(MARGIN * layout.scale);
  const options = config.options ?? {};
  const scales = Object.fromEntries(Object.entries(options.scales ?? {}).map(([id, scale]) => [id, layout.minimal ? { ...scale, title: { display: false } } : scale]));
  const full: ChartConfiguration = {
    ...config,
    options: {
      ...options,
      responsive: false,
      animation: false,
      devicePixelRatio: 1,
      events: [],
      layout: { padding: { top: headerHeight(layout, text), bottom: footerHeight(layout, text), left: m, right: m } },
      scales,
      plugins: {
        ...(options.plugins ?? {}),
        ...(layout.minimal ? { legend: { display: false } } : {}),
        title: { display: false },
        subtitle: { display: false },
        tooltip: { enabled: false },
      },
    },
    plugins: [framePlugin(layout, text), ...(config.plugins ?? []), ...(spec.plugins ?? [])],
  };
  // chart.js takes a 2D context; @napi-rs/canvas's is compatible at run time but not in the DOM types.
  let chart: Chart;
  try {
    chart = new Chart(canvas.getContext('2d') as never, full);
  } catch (err) {
    // chart.js registered the chart with the canvas before a plugin or the first draw threw: left so, the
    // kept canvas would refuse every later chart of this size ("Canvas is already in use").
    Chart.getChart(canvas.getContext('2d') as never)?.destroy();
    throw err;
  }
  try {
    return use(canvas);
  } finally {
    chart.destroy();
  }
}

const canvases = new Map<string, Canvas>();

/**
 * The thread's canvas for a layout's size, reset to a fresh canvas's state: one per size, kept between
 * charts, because a new 2 MB surface per chart cost more in page faults than drawing on it. withChart
 * is never re-entered (a brief draws its panels one after another), so one canvas per size suffices.
 */
function canvasFor(layout: Layout): Canvas {
  const key = `${layout.width}x${layout.height}`;
  let canvas = canvases.get(key);
  if (canvas) {
    // reset() restores every drawing state (setting the width leaves fillStyle and strokeStyle) and clears the pixels
    canvas.getContext('2d').reset();
    return canvas;
  }
  canvas = createCanvas(layout.width, layout.height);
  rememberTextWidths(canvas.getContext('2d'));
  canvases.set(key, canvas);
  return canvas;
}

/**
 * Measures each text once per font: chart.js and the frame measure the same labels on every chart, and
 * each measurement is a call into Skia's text shaping. The metrics of a text in a font never change;
 * the alignment and baseline move its bounding box, so they are in the key too (the charts never set
 * letter or word spacing, and reset() clears them).
 */
function rememberTextWidths(ctx: SKRSContext2D): void {
  const measure = ctx.measureText.bind(ctx);
  const known = new Map<string, ReturnType<SKRSContext2D['measureText']>>();
  ctx.measureText = (text: string) => {
    const key = `${ctx.font}\u0000${ctx.textAlign}\u0000${ctx.textBaseline}\u0000${text}`;
    let metrics = known.get(key);
    if (!metrics) {
      if (known.size >= 20_000) known.clear(); // bounded: free text (titles, notes) varies without end
      metrics = measure(text);
      known.set(key, metrics);
    }
    return metrics;
  };
}

let measuring: SKRSContext2D | null = null;

/** A context for measuring text before a chart exists (callers set its font first), widths remembered. */
export function measuringContext(): SKRSContext2D {
  if (!measuring) {
    measuring = createCanvas(8, 8).getContext('2d');
    rememberTextWidths(measuring);
  }
  return measuring;
}

/** A spec as a PNG. */
export function renderSpec(layout: Layout, spec: ChartSpec): Buffer {
  return withChart(layout, spec, (canvas) => encodeCanvas(canvas, layout));
}

export function encodeCanvas(canvas: Canvas, layout: Layout): Buffer {
  if (layout.indexed) return canvasToPalettePng(canvas);
  // Our own unfiltered deflate rather than Skia's PNG: about a third of the time, and smaller (png-file.ts).
  return encodeRgbaPng(canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data, canvas.width, canvas.height);
}

/** Tick and axis-title fonts at a layout's scale. */
export function axisFonts(layout: Layout): { tick: { size: number }; title: { size: number; weight: 'bold' }; legend: { size: number } } {
  return { tick: { size: px(layout, 12) }, title: { size: px(layout, 12.5), weight: 'bold' }, legend: { size: px(layout, 12.5) } };
}

/**
 * Legend entries with their marker filled in `fill(datasetIndex, text)` (when it returns a colour).
 * chart.js styles an entry like its dataset's first point, which is often a synthetic (open) one.
 */
export function legendWithFilledMarkers(fill: (datasetIndex: number, text: string) => string | undefined) {
  return (chart: Chart) =>
    Chart.defaults.plugins.legend.labels.generateLabels(chart).map((item) => {
      const colour = fill(item.datasetIndex ?? 0, item.text);
      return colour ? { ...item, fillStyle: colour } : item;
    });
}
