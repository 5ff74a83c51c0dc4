// Okabe-Ito colour-blind-safe palette, plus the fill patterns that carry meaning without colour.
import './native-memory.ts'; // first: allocator settings before @napi-rs/canvas loads
import { createCanvas, type CanvasPattern, type SKRSContext2D } from '@napi-rs/canvas';

export const OKABE_ITO = {
  black: '#000000',
  orange: '#E69F00',
  skyBlue: '#56B4E9',
  bluishGreen: '#009E73',
  yellow: '#F0E442',
  blue: '#0072B2',
  vermillion: '#D55E00',
  reddishPurple: '#CC79A7',
} as const;

export const INK = '#1a1a1a'; // titles, labels
export const MUTED = '#555555'; // subtitles, source line, notes
export const GRID = '#e3e3e3';
export const BACKGROUND = '#ffffff';

/** Semantic roles, so every chart kind uses one meaning per colour. */
export const ROLE = {
  count: OKABE_ITO.blue,
  rolling: OKABE_ITO.orange,
  band: OKABE_ITO.skyBlue,
  bandAlpha: 0.3,
  expected: '#3a8fc4',
  alarm: OKABE_ITO.vermillion,
  hotspot: OKABE_ITO.vermillion,
  emphasis: OKABE_ITO.blue,
  ordinary: '#9cc9e6',
  reference: OKABE_ITO.black,
  suppressed: '#9a9a9a',
} as const;

/** Colours for the lines of a comparison, in order. */
export const SERIES_COLOURS = [OKABE_ITO.blue, OKABE_ITO.orange, OKABE_ITO.bluishGreen, OKABE_ITO.reddishPurple, OKABE_ITO.black];
/** Text in those colours, darkened where the line colour is too light to read as text on white. */
export const SERIES_TEXT = [OKABE_ITO.blue, '#8a5f00', '#00704f', '#9c4f7d', OKABE_ITO.black];
/** Point shapes for those lines, so the lines differ by more than colour. */
export const SERIES_POINTS = ['circle', 'rectRot', 'triangle', 'rect', 'crossRot'] as const;
export const SERIES_DASHES: number[][] = [[], [8, 4], [2, 3], [10, 3, 2, 3], [4, 4]];

/** Hex colour with an alpha, as rgba(). */
export function withAlpha(hex: string, alpha: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

/** The colour that `hex` at `alpha` makes over white, as [r, g, b] (tests look for it). */
export function blendOverWhite(hex: string, alpha: number): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((c) => Math.round(c * alpha + 255 * (1 - alpha))) as [number, number, number];
}

/** Diagonal stripes of `stripe` over `base`: hotspots, the long-term base year. */
export function stripes(ctx: SKRSContext2D, base: string, stripe: string, spacing = 8, width = 2.5): CanvasPattern {
  // one pattern per context and stripe: the chart canvases are kept between charts (frame.ts)
  let known = patterns.get(ctx);
  if (!known) patterns.set(ctx, (known = new Map()));
  const key = `${base} ${stripe} ${spacing} ${width}`;
  let pattern = known.get(key);
  if (!pattern) known.set(key, (pattern = stripeTile(ctx, base, stripe, spacing, width)));
  return pattern;
}

const patterns = new WeakMap<SKRSContext2D, Map<string, CanvasPattern>>();

function stripeTile(ctx: SKRSContext2D, base: string, stripe: string, spacing: number, width: number): CanvasPattern {
  const tile = createCanvas(spacing, spacing);
  const t = tile.getContext('2d');
  t.fillStyle = base;
  t.fillRect(0, 0, spacing, spacing);
  t.strokeStyle = stripe;
  t.lineWidth = width;
  t.beginPath();
  // a 45-degree line through the tile plus its two wrapped neighbours, so the stripes join seamlessly
  for (const o of [-spacing, 0, spacing]) {
    t.moveTo(o, spacing);
    t.lineTo(o + spacing, 0);
  }
  t.stroke();
  const pattern = ctx.createPattern(tile, 'repeat');
  if (!pattern) throw new Error('charts: could not make a fill pattern');
  return pattern;
}

/**
 * Colours a compact (16-colour) PNG may use: white and the text colour first (always kept), then
 * every colour the charts draw and the light tints their edges and fills need.
 */
export const PALETTE_CANDIDATES: readonly string[] = [
  BACKGROUND,
  INK,
  MUTED,
  '#999999',
  '#cccccc',
  GRID,
  OKABE_ITO.blue,
  ROLE.ordinary,
  '#cce9f8',
  OKABE_ITO.skyBlue,
  ROLE.expected,
  OKABE_ITO.orange,
  '#8a5f00',
  OKABE_ITO.vermillion,
  '#f6c7a6',
  '#a84300',
  OKABE_ITO.bluishGreen,
  '#00704f',
  OKABE_ITO.reddishPurple,
  '#9c4f7d',
  '#fff3cd',
  '#5c4800',
  OKABE_ITO.black,
];
