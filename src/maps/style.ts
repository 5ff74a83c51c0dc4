// The map's colours and sizes. Classes: ColorBrewer YlGnBu, 5 classes (Cynthia Brewer, Mark
// Harrower and The Pennsylvania State University, colorbrewer2.org, Apache License 2.0), a
// sequential yellow-green-blue scheme that ColorBrewer marks colour-blind safe, print friendly and
// photocopy safe: it runs light to dark, so the order reads in greyscale too. Marks that carry
// meaning are never told by colour alone: hotspots are a thick inner outline, emerging hotspots a
// dashed one with a triangle, hidden wards are hatched grey, the asked-about ward has a black
// outline with a white casing and a boxed label.
import { INK, MUTED, OKABE_ITO } from '../charts/palette.ts';

/** ColorBrewer YlGnBu 5-class, lightest (lowest) first. */
export const CLASS_COLOURS = ['#ffffcc', '#a1dab4', '#41b6c4', '#2c7fb8', '#253494'] as const;

/** Fewer classes than 5 take evenly spread colours of the five, so the darkest still means the highest. */
export function classColours(n: number): string[] {
  if (n >= CLASS_COLOURS.length) return [...CLASS_COLOURS];
  if (n <= 1) return [CLASS_COLOURS[2]];
  return Array.from({ length: n }, (_, i) => CLASS_COLOURS[Math.round((i * (CLASS_COLOURS.length - 1)) / (n - 1))]!);
}

export const MAP_STYLE = {
  background: '#ffffff',
  ink: INK,
  muted: MUTED,
  wardBorder: '#9a9a9a',
  districtBorder: '#404040',
  hotspot: OKABE_ITO.vermillion,
  emphasis: INK,
  hatchStripe: '#7a7a7a',
  hatchBase: '#ececec',
  noData: '#c8c8c8',
} as const;

/**
 * Colours a compact (16-colour) map PNG may use, white and the text colour first. Antialiased edges
 * go to the nearest of them, so a class colour never turns into another class's.
 */
export const MAP_PALETTE: readonly string[] = [
  MAP_STYLE.background,
  INK,
  MUTED,
  ...CLASS_COLOURS,
  MAP_STYLE.hatchStripe,
  MAP_STYLE.hatchBase,
  MAP_STYLE.noData,
  MAP_STYLE.districtBorder,
  MAP_STYLE.hotspot,
  '#f2b48a',
  '#9a9a9a',
];

export const DEFAULT_ATTRIBUTION = 'Source: Office for National Statistics licensed under the Open Government Licence v.3.0. Contains OS data © Crown copyright and database right';
