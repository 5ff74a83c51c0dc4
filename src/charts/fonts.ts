// The chart font: DejaVu Sans from the dejavu-fonts-ttf npm package, registered with @napi-rs/canvas
// under one family name. Charts name only this family, so no system font is ever needed: with no
// usable font @napi-rs/canvas draws no text at all and throws nothing (see test/charts/fonts.test.ts).
import './native-memory.ts'; // first: allocator settings before @napi-rs/canvas loads
import { createRequire } from 'node:module';
import { GlobalFonts } from '@napi-rs/canvas';

export const FONT_FAMILY = 'WardwatchSans';

const FILES = ['dejavu-fonts-ttf/ttf/DejaVuSans.ttf', 'dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'];

let registered = false;

/** Registers the bundled font once per process; throws if a file is missing or unreadable. */
export function registerChartFont(): void {
  if (registered) return;
  const require = createRequire(import.meta.url);
  for (const file of FILES) {
    const path = require.resolve(file);
    if (!GlobalFonts.registerFromPath(path, FONT_FAMILY)) throw new Error(`charts: could not register font ${path}`);
  }
  registered = true;
}

/** A canvas font string in the chart family: font(14, 'bold') -> "bold 14px WardwatchSans". */
export function font(sizePx: number, weight: 'normal' | 'bold' = 'normal'): string {
  return `${weight === 'bold' ? 'bold ' : ''}${Math.round(sizePx)}px ${FONT_FAMILY}`;
}
