// Boundaries simplified for drawing: fewer points, every ward still a valid polygon, and the edges two
// wards share still shared exactly (arcs simplified once), across district files too.
import type { Feature, FeatureCollection, MultiPolygon, Polygon, Position } from 'geojson';
import { describe, expect, it } from 'vitest';
import { DRAWING_PROPERTY, geometryFromBoundaries, isDrawingCopy, loadMapGeometry, simplifyFeatures, simplifyForDrawing } from '../../src/maps/index.ts';
import { boundaryStore, boundaryTexts, CAMBRIDGE, fixtureWards, wardsOf } from './helpers.ts';

const rings = (f: Feature): Position[][] => {
  const g = f.geometry as Polygon | MultiPolygon;
  return g.type === 'Polygon' ? g.coordinates : g.coordinates.flat();
};
const key = (p: Position) => `${p[0]},${p[1]}`;

/** Each edge (unordered pair of points) with the features that hold it. */
function edges(features: Feature[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const f of features) {
    const code = String(f.properties!.WD25CD);
    for (const r of rings(f))
      for (let i = 0; i + 1 < r.length; i++) {
        const a = key(r[i]!),
          b = key(r[i + 1]!);
        if (a === b) continue;
        const e = a < b ? `${a}|${b}` : `${b}|${a}`;
        out.set(e, [...(out.get(e) ?? []), code]);
      }
  }
  return out;
}

const allFeatures = () => fixtureWards().map((w) => JSON.parse(w.feature) as Feature);

describe('simplifyForDrawing', () => {
  for (const minAreaM2 of [undefined, 10_000])
    it(`keeps shared edges shared (threshold ${minAreaM2 ?? 'default'}): every edge is held by one ward (the outside) or exactly two, and ward neighbours are unchanged`, () => {
      const original = allFeatures();
      const simplified = (JSON.parse(simplifyForDrawing(JSON.stringify({ type: 'FeatureCollection', features: original }), minAreaM2 ? { minAreaM2 } : {})) as FeatureCollection)
        .features;
      const before = edges(original),
        after = edges(simplified);
      for (const owners of after.values()) expect(owners.length).toBeLessThanOrEqual(2);
      // the outside edges of the simplified set run only between points that were on the outside before
      const outside = new Set<string>();
      for (const [e, owners] of before) if (owners.length === 1) for (const p of e.split('|')) outside.add(p);
      const round = (k: string) =>
        k
          .split(',')
          .map((v) => Math.round(Number(v) * 1e6) / 1e6)
          .join(',');
      const outsideRounded = new Set([...outside].map(round));
      for (const [e, owners] of after) if (owners.length === 1) for (const p of e.split('|')) expect(outsideRounded.has(p), `edge ${e} of ${owners[0]} left a gap`).toBe(true);
      // neighbours (rook adjacency) the same before and after
      const neighbours = (m: Map<string, string[]>) => {
        const n = new Map<string, Set<string>>();
        for (const owners of m.values())
          if (owners.length === 2 && owners[0] !== owners[1])
            for (const [a, b] of [
              [owners[0]!, owners[1]!],
              [owners[1]!, owners[0]!],
            ] as Array<[string, string]>)
              n.set(a, (n.get(a) ?? new Set()).add(b));
        return [...n].map(([k, v]) => `${k}:${[...v].sort().join(',')}`).sort();
      };
      expect(neighbours(after)).toEqual(neighbours(before));
    });

  it('drops points, keeps every ring a closed ring of at least 4 positions, and marks the features', () => {
    const original = allFeatures();
    const count = (fs: Feature[]) => fs.reduce((s, f) => s + rings(f).reduce((t, r) => t + r.length, 0), 0);
    // the fixture boundaries are ONS's generalised ones already: the default drops a few per cent
    expect(count(simplifyFeatures(original))).toBeLessThan(count(original));
    const simplified = simplifyFeatures(original, { minAreaM2: 10_000 });
    expect(count(simplified)).toBeLessThan(count(original) * 0.7);
    for (const f of simplified) {
      expect(isDrawingCopy(f)).toBe(true);
      expect(f.properties![DRAWING_PROPERTY]).toMatchObject({ version: 1, minAreaM2: 10_000 });
      for (const r of rings(f)) {
        expect(r.length).toBeGreaterThanOrEqual(4);
        expect(r[0]).toEqual(r[r.length - 1]);
      }
    }
    // properties other than the mark are kept
    expect(simplified[0]!.properties!.WD25CD).toBe(original[0]!.properties!.WD25CD);
  });

  it('is pure and deterministic, and takes a Feature, a FeatureCollection or a bare geometry', () => {
    const w = wardsOf([CAMBRIDGE])[0]!;
    const once = simplifyForDrawing(w.feature);
    expect(simplifyForDrawing(w.feature)).toBe(once);
    expect(JSON.parse(once).type).toBe('Feature');
    const geometry = JSON.stringify((JSON.parse(w.feature) as Feature).geometry);
    const bare = JSON.parse(simplifyForDrawing(geometry));
    expect(bare.type).toBe('Polygon');
    expect(bare.coordinates).toEqual(JSON.parse(once).geometry.coordinates);
  });

  it('a district simplified on its own and the same district in the county agree along their inner edges', () => {
    const cambridge = wardsOf([CAMBRIDGE]).map((w) => JSON.parse(w.feature) as Feature);
    const alone = edges(simplifyFeatures(cambridge));
    const inCounty = edges(simplifyFeatures(allFeatures()).filter((f) => f.properties!.LAD25CD === CAMBRIDGE));
    const inner = (m: Map<string, string[]>) => new Set([...m].filter(([, o]) => o.length === 2).map(([e]) => e));
    const a = inner(alone),
      b = inner(inCounty);
    const common = [...a].filter((e) => b.has(e)).length;
    expect(common / a.size).toBeGreaterThan(0.9);
  });
});

describe('loadMapGeometry', () => {
  it('reads the drawing boundaries once per call, simplifies the unsimplified ones together, and memoises by their text', async () => {
    const store = boundaryStore();
    const codes = wardsOf([CAMBRIDGE]).map((w) => w.code);
    const g1 = await loadMapGeometry(store, codes);
    const g2 = await loadMapGeometry(store, [...codes].reverse());
    expect(store.calls).toHaveLength(2);
    expect(g2).toBe(g1); // the same prepared geometry, not rebuilt
    expect([...g1.wards.keys()].sort()).toEqual([...codes].sort());
    for (const w of g1.wards.values()) expect(w.area).toBeGreaterThan(0);
  });

  it('uses drawing copies as they are (no second simplification) and gives the same geometry as simplifying on the fly', () => {
    const wards = wardsOf([CAMBRIDGE]);
    const full = boundaryTexts(wards);
    const simplified = simplifyFeatures(wards.map((w) => JSON.parse(w.feature) as Feature));
    const copies = new Map(wards.map((w, i) => [w.code, JSON.stringify(simplified[i])]));
    const fromCopies = geometryFromBoundaries(copies);
    const onTheFly = geometryFromBoundaries(full);
    for (const w of wards) expect([...fromCopies.wards.get(w.code)!.polygons[0]![0]!]).toEqual([...onTheFly.wards.get(w.code)!.polygons[0]![0]!]);
  });

  it('finds the wards that share a boundary (Market touches Petersfield; Abbey does not touch Newnham)', () => {
    const wards = wardsOf([CAMBRIDGE]);
    const g = geometryFromBoundaries(boundaryTexts(wards));
    const code = (name: string) => wards.find((w) => w.name === name)!.code;
    expect(g.adjacent.get(code('Market'))!.has(code('Petersfield'))).toBe(true);
    expect(g.adjacent.get(code('Abbey'))!.has(code('Newnham'))).toBe(false);
    for (const [a, set] of g.adjacent) for (const b of set) expect(g.adjacent.get(b)!.has(a)).toBe(true);
  });
});
