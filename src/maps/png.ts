// PNG encoders for maps. Full size: 8-bit RGB (the map is opaque), each row "sub"-filtered, zlib level
// 6: about 4 times faster than Skia's encoder on a 1000x900 map, and a little smaller. Compact: a
// 16-colour palette PNG, like the compact charts (src/charts/png8.ts), but from the map's own colours
// (style.ts MAP_PALETTE): every pixel goes to the nearest of them, so fills keep their class colour
// exactly and antialiased edges take the nearest. Both deterministic.
import type { Canvas } from '@napi-rs/canvas';
import { pngFile } from '../charts/png-file.ts';
import { nearestIn } from '../charts/png8.ts';
import { MAP_PALETTE } from './style.ts';

/** The canvas as an 8-bit RGB PNG (alpha dropped: the map is drawn on an opaque white ground). */
export function mapToRgbPng(canvas: Canvas): Buffer {
  const { width, height } = canvas;
  const rgba = canvas.getContext('2d').getImageData(0, 0, width, height).data;
  const stride = width * 3 + 1;
  const raw = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const o = y * stride;
    raw[o] = 1; // filter: sub (each byte less the one a pixel to its left)
    let pr = 0,
      pg = 0,
      pb = 0;
    for (let x = 0, i = y * width * 4, j = o + 1; x < width; x++, i += 4, j += 3) {
      const r = rgba[i]!,
        g = rgba[i + 1]!,
        b = rgba[i + 2]!;
      raw[j] = (r - pr) & 255;
      raw[j + 1] = (g - pg) & 255;
      raw[j + 2] = (b - pb) & 255;
      pr = r;
      pg = g;
      pb = b;
    }
  }
  return pngFile({ width, height, depth: 8, colourType: 2, raw, level: 6 });
}

export function mapToPalettePng(canvas: Canvas): Buffer {
  const { width, height } = canvas;
  const rgba = canvas.getContext('2d').getImageData(0, 0, width, height).data;
  const palette = MAP_PALETTE.slice(0, 16).map((h) => parseInt(h.slice(1), 16));
  const cache = new Map<number, number>();
  const nearest = (key: number) => {
    let idx = cache.get(key);
    if (idx === undefined) cache.set(key, (idx = nearestIn(palette, key)));
    return idx;
  };
  const rowBytes = Math.ceil(width / 2);
  const raw = Buffer.alloc(height * (rowBytes + 1));
  let lastKey = -1,
    lastIndex = 0; // runs of one colour are the rule on a map
  for (let y = 0; y < height; y++) {
    const row = y * (rowBytes + 1) + 1;
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      const a = rgba[o + 3]!;
      let key: number;
      if (a === 255) key = (rgba[o]! << 16) | (rgba[o + 1]! << 8) | rgba[o + 2]!;
      else {
        const c = (k: number) => Math.round((rgba[o + k]! * a) / 255 + 255 * (1 - a / 255));
        key = (c(0) << 16) | (c(1) << 8) | c(2);
      }
      if (key !== lastKey) {
        lastKey = key;
        lastIndex = nearest(key);
      }
      raw[row + (x >> 1)]! |= x & 1 ? lastIndex : lastIndex << 4;
    }
  }
  return pngFile({ width, height, depth: 4, colourType: 3, raw, level: 6, palette });
}
