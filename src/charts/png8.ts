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
 * candidate is nearest to. The pixels are read four bytes at a time; a colour seen before comes from a
 * small direct-mapped table keyed by the whole pixel, and a run of one colour skips even that: about
 * 0.5 ms at 640x320 where a Map lookup per pixel took about 4 ms (1 Dec 2026). A pixel always maps to
 * the same candidate, so the table changes only the time, never the result.
 */
function nearestCandidates(rgba: Uint8ClampedArray | Uint8Array, candidates: number[]): { of: Uint8Array; hits: number[] } {
  const n = rgba.length >> 2;
  const of = new Uint8Array(n);
  const hits = new Uint32Array(candidates.length);
  const nearest = (o: number) => {
    const a = rgba[o + 3]!;
    if (a === 255) return nearestIn(candidates, (rgba[o]! << 16) | (rgba[o + 1]! << 8) | rgba[o + 2]!);
    const c = (k: number) => Math.round((rgba[o + k]! * a) / 255 + 255 * (1 - a / 255));
    return nearestIn(candidates, (c(0) << 16) | (c(1) << 8) | c(2));
  };
  // signed 32-bit reads and keys stay small integers for V8; each run's hits are counted when it ends
  // (a view four bytes at a time needs an aligned start: an unaligned one is copied first)
  const aligned = rgba.byteOffset % 4 === 0 ? rgba : new Uint8Array(rgba);
  const pixels = new Int32Array(aligned.buffer, aligned.byteOffset, n);
  const keys = new Int32Array(TABLE_SIZE);
  const found = new Int16Array(TABLE_SIZE).fill(-1);
  let last = pixels[0]! | 0;
  let lastIndex = n > 0 ? nearest(0) : 0;
  let runStart = 0;
  for (let i = 0; i < n; i++) {
    const p = pixels[i]! | 0;
    if (p !== last) {
      hits[lastIndex]! += i - runStart;
      runStart = i;
      const slot = Math.imul(p, 0x9e3779b1) >>> (32 - TABLE_BITS);
      if (found[slot]! >= 0 && keys[slot] === p) lastIndex = found[slot]!;
      else {
        lastIndex = nearest(i * 4);
        keys[slot] = p;
        found[slot] = lastIndex;
      }
      last = p;
    }
    of[i] = lastIndex;
  }
  if (n > 0) hits[lastIndex]! += n - runStart;
  return { of, hits: Array.from(hits) };
}

const TABLE_BITS = 13;
const TABLE_SIZE = 1 << TABLE_BITS;

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
  const raw = Buffer.allocUnsafe(height * (rowBytes + 1)); // every byte is written below
  for (let y = 0; y < height; y++) {
    let out = y * (rowBytes + 1);
    raw[out++] = 0; // filter byte 0 (none) on each row suits indexed images
    const start = y * width;
    const end = start + width;
    let i = start;
    for (; i + 1 < end; i += 2) raw[out++] = (toPalette[of[i]!]! << 4) | toPalette[of[i + 1]!]!;
    if (i < end) raw[out] = toPalette[of[i]!]! << 4;
  }
  return pngFile({ width, height, depth: 4, colourType: 3, raw, level: PALETTE_PNG_LEVEL, palette });
}

/**
 * Deflate level for the palette PNGs, by measurement on the four example charts at 640x320 (1 Dec
 * 2026): level 9 took 6 to 9 ms for 7.6 to 9.4 KB, level 6 0.5 to 0.7 ms for 4 to 5% more bytes (level 7
 * 0.7 to 0.9 ms, level 8 2 to 3 ms); the compact brief page 21 ms at level 9, 2.3 ms (20.8 KB) at 6.
 * The maps use level 6 too (src/maps/png.ts).
 */
export const PALETTE_PNG_LEVEL = 6;

/** A canvas as a 16-colour palette PNG. */
export function canvasToPalettePng(canvas: Canvas): Buffer {
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  return encodePalettePng(data, canvas.width, canvas.height);
}
