// The ward index's own crossing test (flat arrays, src/geo/wardIndex.ts) puts every point where turf's
// booleanPointInPolygon puts it: points inside, outside, on shared edges and on vertices of the fixture
// wards, in holes and in multipolygons; and the point cache (src/geo/pointCache.ts) keeps what it is given.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { booleanPointInPolygon } from '@turf/boolean-point-in-polygon';
import type { Feature, FeatureCollection, MultiPolygon, Polygon } from 'geojson';
import { describe, expect, it } from 'vitest';
import { PointCache } from '../../src/geo/pointCache.ts';
import { WardIndex, wardCodeOf } from '../../src/geo/wardIndex.ts';

const GEO = join(import.meta.dirname, '../../fixtures/geography');
const features = readdirSync(GEO)
  .filter((f) => f.endsWith('.geojson'))
  .flatMap((f) => (JSON.parse(readFileSync(join(GEO, f), 'utf8')) as FeatureCollection).features) as Array<Feature<Polygon | MultiPolygon>>;

/** A deterministic pseudo-random sequence (mulberry32). */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('ward index', () => {
  const index = WardIndex.fromFeatures(features);

  it('holds every fixture ward', () => {
    expect(index.wards.length).toBe(features.filter((f) => wardCodeOf(f)).length);
    expect(index.wards.length).toBeGreaterThan(100);
  });

  it('agrees with turf on random points, on vertices and on edge midpoints (shared edges between wards)', () => {
    const next = random(7);
    const points: Array<[number, number]> = [];
    for (let i = 0; i < 4000; i++) points.push([-0.55 + next() * 0.75, 52.0 + next() * 0.75]);
    for (const w of index.wards.slice(0, 40)) {
      const rings = w.feature.geometry.type === 'Polygon' ? w.feature.geometry.coordinates : w.feature.geometry.coordinates.flat();
      for (const ring of rings) {
        for (let i = 0; i + 1 < ring.length; i += 7) {
          const [a, b] = [ring[i]!, ring[i + 1]!];
          points.push([a[0]!, a[1]!], [(a[0]! + b[0]!) / 2, (a[1]! + b[1]!) / 2]);
        }
      }
    }
    let placed = 0;
    for (const [x, y] of points) {
      // Every ward answers as turf does (so locate(), the first R-tree candidate holding the point, is
      // what it was with turf); a point on an edge two wards share is in one of them.
      const ours = index.locate(x, y);
      const candidates = index.wards.filter((w) => booleanPointInPolygon([x, y], w.feature)).map((w) => w.code);
      if (candidates.length <= 1) expect(ours).toBe(candidates[0] ?? null);
      else expect(candidates).toContain(ours);
      for (let i = 0; i < index.wards.length; i++)
        if (index.contains(i, x, y) !== booleanPointInPolygon([x, y], index.wards[i]!.feature)) expect.fail(`ward ${index.wards[i]!.code} at ${x},${y}`);
      if (ours) placed++;
    }
    expect(placed).toBeGreaterThan(1000);
  });

  it('a hole is outside its polygon, and each part of a multipolygon is inside', () => {
    const square = (x: number, y: number, s: number) => [
      [x, y],
      [x + s, y],
      [x + s, y + s],
      [x, y + s],
      [x, y],
    ];
    const withHole: Feature<Polygon> = { type: 'Feature', properties: { code: 'H' }, geometry: { type: 'Polygon', coordinates: [square(0, 0, 10), square(4, 4, 2)] } };
    const multi: Feature<MultiPolygon> = { type: 'Feature', properties: { code: 'M' }, geometry: { type: 'MultiPolygon', coordinates: [[square(20, 0, 2)], [square(30, 0, 2)]] } };
    const small = WardIndex.fromFeatures([withHole, multi]);
    expect(small.locate(1, 1)).toBe('H');
    expect(small.locate(5, 5)).toBeNull(); // in the hole
    expect(small.locate(4, 5)).toBe('H'); // on the hole's edge: on the boundary is inside, as turf has it
    expect(small.locate(21, 1)).toBe('M');
    expect(small.locate(31, 1)).toBe('M');
    expect(small.locate(25, 1)).toBeNull();
    expect(small.locate(10, 10)).toBe('H'); // a vertex
  });
});

describe('point cache', () => {
  it('gives back what was stored, by exact coordinates, across growth', () => {
    const cache = new PointCache();
    const next = random(3);
    const stored: Array<[number, number, number]> = [];
    for (let i = 0; i < 20_000; i++) {
      const x = Math.round((-3 + next()) * 1e6) / 1e6,
        y = Math.round((51 + next()) * 1e6) / 1e6;
      if (cache.get(x, y) !== undefined) continue;
      cache.set(x, y, i % 5);
      stored.push([x, y, i % 5]);
    }
    expect(cache.size).toBe(stored.length);
    for (const [x, y, v] of stored) expect(cache.get(x, y)).toBe(v);
    expect(cache.get(1.5, 2.5)).toBeUndefined();
  });

  it('is bounded: past its limit it starts again', () => {
    const cache = new PointCache(100);
    for (let i = 0; i < 250; i++) cache.set(i, i, 1);
    expect(cache.size).toBeLessThanOrEqual(100);
    expect(cache.get(249, 249)).toBe(1);
  });
});
