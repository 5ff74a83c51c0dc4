// The compact map as a 16-colour palette PNG, like the compact charts (src/charts/png8.ts), but from
// the map's own colours (style.ts MAP_PALETTE): every pixel goes to the nearest of them, so fills
// keep their class colour exactly and antialiased edges take the nearest. Deterministic.
import { crc32, deflateSync } from 'node:zlib';
import type { Canvas } from '@napi-rs/canvas';
import { MAP_PALETTE } from './style.ts';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)) >>> 0, 8 + data.length);
  return out;
}

export function mapToPalettePng(canvas: Canvas): Buffer {
  const { width, height } = canvas;
  const rgba = canvas.getContext('2d').getImageData(0, 0, width, height).data;
  const palette = MAP_PALETTE.slice(0, 16).map((h) => parseInt(h.slice(1), 16));
  const pr = palette.map((c) => c >> 16), pg = palette.map((c) => (c >> 8) & 255), pb = palette.map((c) => c & 255);
  const cache = new Map<number, number>();
  const nearest = (key: number) => {
    let idx = cache.get(key);
    if (idx !== undefined) return idx;
    const r = key >> 16, g = (key >> 8) & 255, b = key & 255;
    let best = 0, bestD = Infinity;
    for (let i = 0; i < palette.length; i++) {
      const d = (pr[i]! - r) ** 2 + (pg[i]! - g) ** 2 + (pb[i]! - b) ** 2;
      if (d < bestD) { bestD = d; best = i; }
    }
    cache.set(key, best);
    return best;
  };
  const rowBytes = Math.ceil(width / 2);
  const raw = Buffer.alloc(height * (rowBytes + 1));
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
      const i = nearest(key);
      raw[row + (x >> 1)]! |= x & 1 ? i : i << 4;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 4; // bit depth
  ihdr[9] = 3; // indexed colour
  const plte = Buffer.alloc(palette.length * 3);
  palette.forEach((c, i) => { plte[i * 3] = c >> 16; plte[i * 3 + 1] = (c >> 8) & 255; plte[i * 3 + 2] = c & 255; });
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('PLTE', plte), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}
