// The synthetic England and Wales (`wardwatch synth --scale national`), checked at the `test` scale
// (1,200 LSOAs, 250 wards, 12 districts, 3 forces, 2 months: the same generator and code paths as the
// national scale's 35,700 / 7,500 / 330 / 42, a few seconds instead of minutes). Not a timing test.
import { booleanPointInPolygon } from '@turf/boolean-point-in-polygon';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { polygonProblem } from '../../src/geo/validate.ts';
import { ingestPaths } from '../../src/ingest/index.ts';
import { openSqliteStore } from '../../src/store/kysely.ts';
import { latOf, lonOf, NATIONAL_SCALES, writeNationalSynth, type NationalResult } from '../../src/synth/national/index.ts';

const SCALE = 'test' as const;
const MONTHS = 2;
let dir: string;
let a: NationalResult;
let b: NationalResult;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wardwatch-national-test-'));
  a = writeNationalSynth({ scale: SCALE, seed: 7, outDir: join(dir, 'a'), months: MONTHS });
  b = writeNationalSynth({ scale: SCALE, seed: 7, outDir: join(dir, 'b'), months: MONTHS });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Polygon = { type: 'Polygon'; coordinates: number[][][] };
interface WardFeature {
  properties: { WD24CD: string; LAD24CD: string };
  geometry: Polygon;
}
const wardFeatures = (r: NationalResult): WardFeature[] =>
  readdirSync(r.geographyDir)
    .filter((f) => f.startsWith('wards-') && f.endsWith('.geojson'))
    .flatMap((f) => (JSON.parse(readFileSync(join(r.geographyDir, f), 'utf8')) as { features: WardFeature[] }).features);
const csvRows = (path: string) =>
  readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .slice(1)
    .filter(Boolean)
    .map((l) => l.split(','));
const shoelace = (ring: number[][]) => {
  let s = 0;
  for (let i = 0; i + 1 < ring.length; i++) s += ring[i]![0]! * ring[i + 1]![1]! - ring[i + 1]![0]! * ring[i]![1]!;
  return s / 2;
};

describe('synthetic national geography (test scale)', () => {
  it('is deterministic: the same seed gives the same bytes, another seed other bytes', () => {
    expect(a.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(b.checksum).toBe(a.checksum);
    expect(readFileSync(join(b.outDir, 'SHA256SUMS'), 'utf8')).toBe(readFileSync(join(a.outDir, 'SHA256SUMS'), 'utf8'));
    const other = writeNationalSynth({ scale: SCALE, seed: 8, outDir: join(dir, 'c'), months: 1, checksums: true });
    expect(other.checksum).not.toBe(a.checksum);
  });

  it('has the sizes asked for, with codes ONS never issues', () => {
    const s = NATIONAL_SCALES[SCALE];
    expect(a.stats).toMatchObject({ lsoas: s.lsoas, wards: s.wards, districts: s.districts, forces: s.forces });
    expect(a.months).toHaveLength(MONTHS);
    expect(readdirSync(a.policeUkDir)).toHaveLength(MONTHS * s.forces);
    const lookup = csvRows(join(a.geographyDir, 'lsoa21_ward24_lad24_synthetic_ew.csv'));
    expect(lookup.every(([l, , w, , d]) => /^X01\d{6}$/.test(l!) && /^X05\d{6}$/.test(w!) && /^X06\d{6}$/.test(d!))).toBe(true);
    // The national scale's sizes are those of round2.md section 6.
    expect(NATIONAL_SCALES.national).toMatchObject({ lsoas: 35_700, wards: 7_500, districts: 330, forces: 42, months: 60 });
  });

  it('puts every LSOA in exactly one district, the district of its best-fit ward', () => {
    const lookup = csvRows(join(a.geographyDir, 'lsoa21_ward24_lad24_synthetic_ew.csv'));
    const wardList = new Map(csvRows(join(a.geographyDir, 'wards24_synthetic_ew.csv')).map(([w, , d]) => [w!, d!]));
    const districtOf = new Map<string, Set<string>>();
    for (const [lsoa, , ward, , district] of lookup) {
      districtOf.set(lsoa!, (districtOf.get(lsoa!) ?? new Set()).add(district!));
      expect(wardList.get(ward!)).toBe(district);
    }
    expect(districtOf.size).toBe(NATIONAL_SCALES[SCALE].lsoas);
    expect(lookup).toHaveLength(NATIONAL_SCALES[SCALE].lsoas);
    expect([...districtOf.values()].every((s) => s.size === 1)).toBe(true);
    expect(new Set(wardList.values()).size).toBe(NATIONAL_SCALES[SCALE].districts);
  });

  it('tiles the region with ward polygons: valid rings, every inner edge shared exactly by one neighbour, areas summing to the whole', () => {
    const features = wardFeatures(a);
    expect(features).toHaveLength(NATIONAL_SCALES[SCALE].wards);
    let minX = Infinity,
      minY = Infinity,
      maxX = -Infinity,
      maxY = -Infinity;
    for (const f of features) {
      expect(polygonProblem(f.geometry)).toBeNull();
      for (const [x, y] of f.geometry.coordinates[0]!) {
        minX = Math.min(minX, x!);
        maxX = Math.max(maxX, x!);
        minY = Math.min(minY, y!);
        maxY = Math.max(maxY, y!);
      }
    }
    expect([minX, minY]).toEqual([lonOf(0), latOf(0)]);
    expect([maxX, maxY]).toEqual([lonOf(a.geography.width), latOf(a.geography.height)]);
    const directed = new Map<string, string>();
    let total = 0;
    for (const f of features) {
      const ring = f.geometry.coordinates[0]!;
      const area = shoelace(ring);
      expect(area).toBeGreaterThan(0); // counter-clockwise (RFC 7946)
      total += area;
      for (let i = 0; i + 1 < ring.length; i++) {
        const key = `${ring[i]!.join(' ')}>${ring[i + 1]!.join(' ')}`;
        expect(directed.has(key)).toBe(false);
        directed.set(key, f.properties.WD24CD);
      }
    }
    const onFrame = (p: string, q: string) => {
      const [px, py] = p.split(' ').map(Number),
        [qx, qy] = q.split(' ').map(Number);
      return (px === minX && qx === minX) || (px === maxX && qx === maxX) || (py === minY && qy === minY) || (py === maxY && qy === maxY);
    };
    let frame = 0,
      shared = 0;
    for (const [key, ward] of directed) {
      const [p, q] = key.split('>') as [string, string];
      const back = directed.get(`${q}>${p}`);
      if (back === undefined) {
        // An edge with no neighbour walking it back must be on the region's outline (else: a gap or overlap).
        expect(onFrame(p, q), `edge ${key} of ${ward} has no neighbour`).toBe(true);
        frame++;
      } else {
        expect(back).not.toBe(ward);
        shared++;
      }
    }
    expect(shared).toBeGreaterThan(frame);
    const region = (maxX - minX) * (maxY - minY);
    expect(Math.abs(total - region) / region).toBeLessThan(1e-9);
  });

  it('places every snap point inside the ward it was drawn for, and every street row at a snap point', () => {
    const rings = new Map(wardFeatures(a).map((f) => [f.properties.WD24CD, f.geometry]));
    const { x, y, ward } = a.snapPoints;
    const texts = new Set<string>();
    for (let p = 0; p < x.length; p++) {
      const point: [number, number] = [lonOf(x[p]!), latOf(y[p]!)];
      expect(booleanPointInPolygon(point, rings.get(a.geography.ward.code[ward[p]!]!)!), `point ${p}`).toBe(true);
      texts.add(`${point[0].toFixed(6)},${point[1].toFixed(6)}`);
    }
    let located = 0;
    for (const f of readdirSync(a.policeUkDir)) {
      for (const row of csvRows(join(a.policeUkDir, f))) {
        if (row[4] === '') continue;
        expect(texts.has(`${row[4]},${row[5]}`)).toBe(true);
        located++;
      }
    }
    expect(located).toBeGreaterThan(0.9 * MONTHS * NATIONAL_SCALES[SCALE].rowsPerMonth);
  });

  it('ingests as a national deployment (configuration only), placing every located row by polygon in the ward it was drawn for', async () => {
    const { config } = parseConfig(readFileSync(a.configFile, 'utf8'), a.configFile);
    expect(config.forceArea).toMatchObject({ name: 'England and Wales', policeUkForce: 'all', districts: null });
    const store = await openSqliteStore(':memory:');
    try {
      const r = await ingestPaths(store, [a.geographyDir, a.policeUkDir, a.partnershipDir], { config, now: () => new Date('2026-06-01T12:00:00Z') });
      const street = r.files.filter((f) => f.kind === 'police-uk');
      expect(street).toHaveLength(MONTHS * NATIONAL_SCALES[SCALE].forces);
      for (const f of street) {
        expect(f.outOfArea).toBe(0);
        expect(f.placedByLsoa).toBe(0);
        expect(f.placedByPolygon + f.unplaced).toBe(f.rowsRead);
      }
      expect((await store.areas('force')).map((f) => f.code)).toEqual(['england-and-wales']);
      // The partnership extract splits the generator's own ward counts (burglary = residential + business),
      // so the store's police.uk burglary by ward equals them only if every point landed in its own ward.
      const month = a.months.at(-1)!;
      const intended = new Map<string, number>();
      for (const [, , code, measure, count] of csvRows(join(a.partnershipDir, `synthetic-partnership-${month}.csv`)))
        if (measure === 'residential-burglary' || measure === 'business-community-burglary') intended.set(code!, (intended.get(code!) ?? 0) + Number(count));
      const stored = await store.counts({ areaCodes: a.geography.ward.code, measures: ['burglary'], source: 'police.uk', from: month, to: month });
      expect(stored.length).toBeGreaterThan(50);
      expect(new Map(stored.map((c) => [c.areaCode, c.count]))).toEqual(intended);
    } finally {
      await store.close();
    }
  });

  it('refuses the synthetic codes without syntheticGeography, in the config and in ingest, naming file, line and field', async () => {
    const text = readFileSync(a.configFile, 'utf8').replace('syntheticGeography: true', 'syntheticGeography: false');
    expect(() => parseConfig(text, 'national.yaml')).toThrow(/national\.yaml:\d+: partnerships\.0\.areas\.0: .*synthetic code "X06000001"/);
    const store = await openSqliteStore(':memory:');
    try {
      await expect(ingestPaths(store, [a.geographyDir], { config: null })).rejects.toThrow(
        /lsoa21_ward24_lad24_synthetic_ew\.csv:2: field "LSOA21CD": expected a real ONS code: X-prefixed codes are synthetic/,
      );
      expect(await store.areas()).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
