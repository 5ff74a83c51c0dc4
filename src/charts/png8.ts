// A palette (indexed, 8-bit) PNG encoder for the compact size. Charts use few colours, so 256 of
// them keep the picture while cutting the bytes to about a third of Skia's RGBA PNG. Deterministic:
// the palette is the most frequent colours (ties by colour value), every other colour maps to its
// nearest palette colour.
import { crc32, deflateSync } from 'node:zlib';
import type { Canvas } from '@napi-rs/canvas';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)) >>> 0, 8 + data.length);
  return out;
}

/** RGB of each pixel (alpha composited over white) as 0xRRGGBB. */
function rgbPixels(rgba: Uint8ClampedArray | Uint8Array): Uint32Array {
  const n = rgba.length / 4;
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const a = rgba[i * 4 + 3]! / 255;
    const c = (k: number) => Math.round(rgba[i * 4 + k]! * a + 255 * (1 - a));
    out[i] = (c(0) << 16) | (c(1) << 8) | c(2);
  }
  return out;
}

export function encodeIndexedPng(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number, maxColours = 256): Buffer {
  const pixels = rgbPixels(rgba);
  const freq = new Map<number, number>();
  for (const p of pixels) freq.set(p, (freq.get(p) ?? 0) + 1);
  const palette = [...freq.entries()]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, maxColours)
    .map(([c]) => c);
  const index = new Map<number, number>(palette.map((c, i) => [c, i]));
  const nearest = (c: number): number => {
    let best = 0;
    let bestD = Infinity;
    const r = c >> 16, g = (c >> 8) & 255, b = c & 255;
    for (let i = 0; i < palette.length; i++) {
      const p = palette[i]!;
      const d = ((p >> 16) - r) ** 2 + (((p >> 8) & 255) - g) ** 2 + ((p & 255) - b) ** 2;
      if (d < bestD) { bestD = d; best = i; }
    }
    return best;
  };
  const raw = Buffer.alloc(height * (width + 1));
  for (let y = 0; y < height; y++) {
    raw[y * (width + 1)] = 0; // filter: none, which suits indexed images
    for (let x = 0; x < width; x++) {
      const c = pixels[y * width + x]!;
      let i = index.get(c);
      if (i === undefined) { i = nearest(c); index.set(c, i); }
      raw[y * (width + 1) + 1 + x] = i;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 3; // colour type: indexed
  const plte = Buffer.alloc(palette.length * 3);
  palette.forEach((c, i) => { plte[i * 3] = c >> 16; plte[i * 3 + 1] = (c >> 8) & 255; plte[i * 3 + 2] = c & 255; });
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('PLTE', plte), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

/** A canvas as an indexed PNG. */
export function canvasToIndexedPng(canvas: Canvas): Buffer {
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  return encodeIndexedPng(data, canvas.width, canvas.height);
}
