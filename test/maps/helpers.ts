// Map test helpers: the fixture ward boundaries as the store hands them over, map requests built
// from them with deterministic made-up counts, and pixel sampling inside wards.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Feature } from 'geojson';
import type { MapRequest } from '../../src/core/reply.ts';
import { signedDistance } from '../../src/maps/geometry.ts';
import { buildMapRequest, geometryFromBoundaries, pointInWard, type MapGeometry, type MapLayout, type MapWardInput } from '../../src/maps/index.ts';
import type { Pixels } from '../charts/pixels.ts';

const GEOGRAPHY = fileURLToPath(new URL('../../fixtures/geography/', import.meta.url));
const POPULATIONS = fileURLToPath(new URL('../../fixtures/populations/populations-estimate-census2021.csv', import.meta.url));

export const CAMBRIDGE = 'E07000008';
export const FENLAND = 'E07000010';

export interface FixtureWard {
  code: string;
  name: string;
  district: string;
  districtName: string;
  /** ONS's label point: WGS84 and British National Grid, as published with the boundaries. */
  lon: number;
  lat: number;
  bngE: number;
  bngN: number;
  feature: string;
}

let cached: FixtureWard[] | undefined;

/** Every fixture ward boundary (120 wards in 6 districts), as the store keeps it: one Feature's text per ward. */
export function fixtureWards(): FixtureWard[] {
  if (!cached) {
    cached = [];
    for (const file of readdirSync(GEOGRAPHY)
      .filter((f) => f.endsWith('.geojson'))
      .sort()) {
      const doc = JSON.parse(readFileSync(GEOGRAPHY + file, 'utf8')) as { features: Feature[] };
      for (const f of doc.features) {
        const p = f.properties as Record<string, string | number>;
        cached.push({
          code: String(p.WD25CD),
          name: String(p.WD25NM),
          district: String(p.LAD25CD),
          districtName: String(p.LAD25NM),
          lon: Number(p.LONG),
          lat: Number(p.LAT),
          bngE: Number(p.BNG_E),
          bngN: Number(p.BNG_N),
          feature: JSON.stringify(f),
        });
      }
    }
  }
  return cached;
}

export function wardsOf(districts: string[] | 'all'): FixtureWard[] {
  return fixtureWards().filter((w) => districts === 'all' || districts.includes(w.district));
}

/** What `store.drawingBoundaries(codes)` gives for the fixture wards (full boundaries: no drawing copies yet). */
export function boundaryTexts(wards: FixtureWard[]): Map<string, string> {
  return new Map(wards.map((w) => [w.code, w.feature]));
}

/** A stand-in for the store's drawing-boundaries read, counting its calls. */
export function boundaryStore(texts: Map<string, string> = boundaryTexts(fixtureWards())) {
  const calls: string[][] = [];
  return {
    calls,
    async drawingBoundaries(codes: readonly string[]): Promise<Map<string, string>> {
      calls.push([...codes]);
      return new Map(codes.filter((c) => texts.has(c)).map((c) => [c, texts.get(c)!]));
    },
  };
}

let pops: Map<string, number> | undefined;
export function populations(): Map<string, number> {
  if (!pops)
    pops = new Map(
      readFileSync(POPULATIONS, 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(','))
        .map((f) => [f[0]!, Number(f[1])]),
    );
  return pops;
}

/** A made-up count for a ward, the same every run: 0 to about 120, a few under 5. */
export function madeUpCount(code: string): number {
  let h = 2166136261;
  for (const ch of code) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return h % 9 === 0 ? 1 + (h % 4) : 5 + (h % 117);
}

export interface RequestOptions {
  /** Hide counts from 1 to 4 (an uncleared channel). */
  uncleared?: boolean;
  hotspots?: string[];
  emerging?: string[];
  emphasise?: string;
  unit?: MapRequest['unit'];
}

/** A map request for the wards of some districts, with made-up counts and the fixture populations. */
export function fixtureRequest(districts: string[] | 'all', options: RequestOptions = {}): { request: MapRequest; geometry: MapGeometry; wards: FixtureWard[] } {
  const wards = wardsOf(districts);
  const geometry = geometryFromBoundaries(boundaryTexts(wards));
  const pop = populations();
  const inputs: MapWardInput[] = wards.map((w) => {
    const count = madeUpCount(w.code);
    return {
      code: w.code,
      name: w.name,
      district: w.district,
      count,
      population: pop.get(w.code) ?? null,
      ...(options.uncleared && count > 0 && count < 5 ? { hidden: 'small-number' as const } : {}),
      ...(options.hotspots?.includes(w.code) ? { hotspot: true } : {}),
      ...(options.emerging?.includes(w.code) ? { emerging: true } : {}),
      ...(options.emphasise === w.name ? { emphasised: true } : {}),
    };
  });
  const districtNames = [...new Map(wards.map((w) => [w.district, w.districtName]))].map(([code, name]) => ({ code, name }));
  const areaName = districtNames.length === 1 ? districtNames[0]!.name : 'Cambridgeshire and Peterborough';
  const request = buildMapRequest(
    {
      title: `${areaName}: made-up offences per 1,000 residents by ward`,
      subtitle: 'Test figures',
      areaName,
      measureLabel: 'Offences',
      period: 'year ending April 2024',
      unit: options.unit ?? 'rate per 1,000',
      wards: inputs,
      districts: districtNames,
      legend: { small: 'Fewer than 5 offences (not shown)', hotspot: 'Hotspot, year ending April 2024', emerging: 'Emerging hotspot, April 2024' },
      source: 'Source: test figures',
    },
    geometry,
  );
  return { request, geometry, wards };
}

export const rgbOf = (hex: string): [number, number, number] => {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
};

export function pixel(p: Pixels, x: number, y: number): [number, number, number] {
  const i = (Math.round(y) * p.width + Math.round(x)) * 4;
  return [p.data[i]!, p.data[i + 1]!, p.data[i + 2]!];
}

const same = (a: readonly number[], b: readonly number[]) => a[0] === b[0] && a[1] === b[1] && a[2] === b[2];

/** Boxes a sample must keep clear of: labels (with their halo), markers, leader lines' ends. */
function covered(layout: MapLayout, x: number, y: number, margin = 4): boolean {
  const hit = (b: { x: number; y: number; width: number; height: number }) => x >= b.x - margin && x <= b.x + b.width + margin && y >= b.y - margin && y <= b.y + b.height + margin;
  if (layout.labels.some((l) => hit(l.box))) return true;
  if (layout.markers.some((m) => hit(m.box))) return true;
  return layout.labels.some((l) => {
    if (!l.leaderFrom) return false;
    const [ax, ay] = l.leaderFrom;
    const bx = Math.max(l.box.x, Math.min(l.box.x + l.box.width, ax)),
      by = Math.max(l.box.y, Math.min(l.box.y + l.box.height, ay));
    const dx = bx - ax,
      dy = by - ay,
      len2 = dx * dx + dy * dy || 1;
    const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / len2));
    return Math.hypot(x - (ax + t * dx), y - (ay + t * dy)) < margin + 2;
  });
}

/**
 * Pixels well inside a ward (at least `inset` pixels from its boundary in every direction) and clear
 * of labels and markers: on a grid, up to `max` of them.
 */
export function interiorPixels(geometry: MapGeometry, layout: MapLayout, code: string, options: { step?: number; inset?: number; max?: number } = {}): Array<[number, number]> {
  const shape = geometry.wards.get(code)!;
  const step = options.step ?? 3,
    inset = options.inset ?? 3,
    max = options.max ?? Infinity;
  const [x0, y1] = layout.toPixel(shape.bbox[0], shape.bbox[1]);
  const [x1, y0] = layout.toPixel(shape.bbox[2], shape.bbox[3]);
  const inside = (x: number, y: number) => pointInWard(...layout.toGrid(x, y), shape);
  const out: Array<[number, number]> = [];
  for (let y = Math.ceil(y0) + 0.5; y < y1 && out.length < max; y += step) {
    for (let x = Math.ceil(x0) + 0.5; x < x1 && out.length < max; x += step) {
      if (!inside(x, y)) continue;
      // at least `inset` pixels from every edge of the ward (its rings, holes and other parts)
      const [gx, gy] = layout.toGrid(x, y);
      const clearance = Math.min(...shape.polygons.map((poly) => Math.abs(signedDistance(gx, gy, poly))));
      if (clearance < inset * layout.metresPerPixel) continue;
      if (covered(layout, x, y)) continue;
      out.push([Math.floor(x), Math.floor(y)]);
    }
  }
  return out;
}

export { same };
