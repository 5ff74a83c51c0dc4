// Test helpers: decode a PNG to pixels and count what is drawn where.
import { createCanvas, loadImage } from '@napi-rs/canvas';

export interface Pixels {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width and height from the IHDR chunk. */
export function pngSize(png: Buffer): { width: number; height: number } {
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

export async function decode(png: Buffer): Promise<Pixels> {
  const image = await loadImage(png);
  const canvas = createCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0);
  return { width: image.width, height: image.height, data: ctx.getImageData(0, 0, image.width, image.height).data };
}

function each(p: Pixels, rect: Rect, fn: (r: number, g: number, b: number) => boolean): number {
  let n = 0;
  const x1 = Math.min(p.width, rect.x + rect.width);
  const y1 = Math.min(p.height, rect.y + rect.height);
  for (let y = Math.max(0, rect.y); y < y1; y++) {
    for (let x = Math.max(0, rect.x); x < x1; x++) {
      const i = (y * p.width + x) * 4;
      if (fn(p.data[i]!, p.data[i + 1]!, p.data[i + 2]!)) n++;
    }
  }
  return n;
}

/** Pixels that are not (nearly) the white background. */
export function ink(p: Pixels, rect: Rect): number {
  return each(p, rect, (r, g, b) => r < 225 || g < 225 || b < 225);
}

/** Pixels within `tolerance` of a colour on every channel. */
export function near(p: Pixels, rect: Rect, rgb: readonly [number, number, number], tolerance = 12): number {
  return each(p, rect, (r, g, b) => Math.abs(r - rgb[0]) <= tolerance && Math.abs(g - rgb[1]) <= tolerance && Math.abs(b - rgb[2]) <= tolerance);
}

export function hex(colour: string): [number, number, number] {
  const n = parseInt(colour.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** The middle of a chart, where the plot is: below the title and legend, above the axis labels. */
export function plotArea(p: { width: number; height: number }): Rect {
  return { x: Math.round(p.width * 0.08), y: Math.round(p.height * 0.22), width: Math.round(p.width * 0.9), height: Math.round(p.height * 0.58) };
}
