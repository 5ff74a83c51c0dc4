// A 16-colour (4-bit) palette PNG encoder for the compact size. The palette is chosen from the
// chart's own colours (palette.ts), so every colour keeps its meaning; antialiased edges go to the
// nearest of them. Charts need few colours, and the bytes fall to about a fifth of Skia's RGBA PNG.
// Deterministic: the same pixels give the same palette and the same bytes.
import type { Canvas } from '@napi-rs/canvas';
import { pngFile } from './png-file.ts';
import { PALETTE_CANDIDATES } from './palette.ts';

const MAX_COLOURS = 16;

const rgb = (hex: string) => parseInt(hex.slice(1), 16);

/** The index of the palette colour (0xRRGGBB) nearest to `c`, by squared RGB distance. */
export function nearestIn(palette: readonly number[], c: number): number {
  let best = 0;
  let bestD = Infinity;
  const r = c >> 16,
    g = (c >> 8) & 255,
    b = c & 255;
  for (let i = 0; i < palette.length; i++) {
    const p = palette[i]!;
    const d = ((p >> 16) - r) ** 2 + (((p >> 8) & 255) - g) ** 2 + ((p & 255) - b) ** 2;
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  }
  return best;
}

/**
 * Each pixel's nearest candidate colour (alpha composited over white), and how many pixels each
 * candidate is nearest to.
 */
function nearestCandidates(rgba: Uint8ClampedArray | Uint8Array, candidates: number[]): { of: Uint8Array; hits: number[] } {
  const n = rgba.length / 4;
  const of = new Uint8Array(n);
  const hits = new Array<number>(candidates.length).fill(0);
  const cache = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const o = i * 4;
    const a = rgba[o + 3]!;
    let key: number;
    if (a === 255) key = (rgba[o]! << 16) | (rgba[o + 1]! << 8) | rgba[o + 2]!;
    else {
      const c = (k: number) => Math.round((rgba[o + k]! * a) / 255 + 255 * (1 - a / 255));
      key = (c(0) << 16) | (c(1) << 8) | c(2);
    }
    let ci = cache.get(key);
    if (ci === undefined) {
      ci = nearestIn(candidates, key);
      cache.set(key, ci);
    }
    of[i] = ci;
    hits[ci]!++;
  }
  return { of, hits };
}

/**
 * The 16 candidate colours that the most pixels are nearest to (white and the text colour always
 * stay), in candidate order.
 */
export function choosePalette(hits: number[], candidates: number[]): number[] {
  return candidates
    .map((c, i) => ({ c, i, n: i < 2 ? Infinity : hits[i]! }))
    .filter((x) => x.n > 0)
    .sort((a, b) => b.n - a.n || a.i - b.i)
    .slice(0, MAX_COLOURS)
    .sort((a, b) => a.i - b.i)
    .map((x) => x.c);
}

export function encodePalettePng(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number): Buffer {
  const candidates = PALETTE_CANDIDATES.map(rgb);
  const { of, hits } = nearestCandidates(rgba, candidates);
  const palette = choosePalette(hits, candidates);
  // a candidate left out goes to the nearest colour that stayed
  const toPalette = Uint8Array.from(candidates, (c) => nearestIn(palette, c));
  const rowBytes = Math.ceil(width / 2);
  const raw = Buffer.alloc(height * (rowBytes + 1)); // filter byte 0 (none) on each row suits indexed images
  for (let y = 0; y < height; y++) {
    const row = y * (rowBytes + 1) + 1;
    for (let x = 0; x < width; x++) {
      const i = toPalette[of[y * width + x]!]!;
      raw[row + (x >> 1)]! |= x & 1 ? i : i << 4;
    }
  }
  return pngFile({ width, height, depth: 4, colourType: 3, raw, level: 9, palette });
}

/** A canvas as a 16-colour palette PNG. */
export function canvasToPalettePng(canvas: Canvas): Buffer {
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  return encodePalettePng(data, canvas.width, canvas.height);
}
