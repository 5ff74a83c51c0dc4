// The real 2024 police.uk files against an independent computation written here, in the test:
// plain string splitting and a naive ray-casting point-in-polygon, no ingest code.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { Store } from '../../src/store/types.ts';
import { fixtureStore, type TempStore } from '../helpers/store.ts';

const FIX = join(import.meta.dirname, '../../fixtures');
const FORCE = 'cambridgeshire';

// ---- the independent reference ----
type Ring = number[][];
type Poly = Ring[];
function rayCastInRing(x: number, y: number, ring: Ring): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!,
      [xj, yj] = ring[j]!;
    if (yi! > y !== yj! > y && x < ((xj! - xi!) * (y - yi!)) / (yj! - yi!) + xi!) inside = !inside;
  }
  return inside;
}
function inPolygon(x: number, y: number, poly: Poly): boolean {
  if (!rayCastInRing(x, y, poly[0]!)) return false;
  return !poly.slice(1).some((hole) => rayCastInRing(x, y, hole));
}
const wards: Array<{ code: string; polys: Poly[] }> = [];
for (const f of readdirSync(join(FIX, 'geography')).filter((n) => n.startsWith('wards-') && n.endsWith('.geojson'))) {
  const doc = JSON.parse(readFileSync(join(FIX, 'geography', f), 'utf8')) as {
    features: Array<{ properties: { WD25CD: string }; geometry: { type: string; coordinates: unknown } }>;
  };
  for (const feat of doc.features) {
    const polys = feat.geometry.type === 'Polygon' ? [feat.geometry.coordinates as Poly] : (feat.geometry.coordinates as Poly[]);
    wards.push({ code: feat.properties.WD25CD, polys });
  }
}
const lookupLines = readFileSync(join(FIX, 'geography/lsoa21_ward24_lad24_cambridgeshire_peterborough.csv'), 'utf8').split(/\r?\n/).slice(1).filter(Boolean);
// The lookup has quoted ward names with commas: the codes are the first, third and fifth-from-the-quotes fields.
const lsoaToWard = new Map<string, string>();
const lsoaToDistrict = new Map<string, string>();
for (const line of lookupLines) {
  const codes = line.match(/E0\d{7}/g)!;
  lsoaToWard.set(codes[0]!, codes[1]!);
  lsoaToDistrict.set(codes[0]!, codes[2]!);
}
const config = parseYaml(readFileSync(join(import.meta.dirname, '../../wardwatch.config.yaml'), 'utf8')) as { forceArea: { districts: string[] } };
const districts = new Set(config.forceArea.districts);
const crimeKey: Record<string, string> = {
  'Anti-social behaviour': 'anti-social-behaviour',
  'Bicycle theft': 'bicycle-theft',
  Burglary: 'burglary',
  'Criminal damage and arson': 'criminal-damage-arson',
  Drugs: 'drugs',
  'Other crime': 'other-crime',
  'Other theft': 'other-theft',
  'Possession of weapons': 'possession-of-weapons',
  'Public order': 'public-order',
  Robbery: 'robbery',
  Shoplifting: 'shoplifting',
  'Theft from the person': 'theft-from-the-person',
  'Vehicle crime': 'vehicle-crime',
  'Violence and sexual offences': 'violent-crime',
};

interface Expected {
  ward: Map<string, number>; // ward|measure -> count
  wardByPolygon: Map<string, number>;
  wardBestFit: Map<string, number>; // every in-area row by LSOA best-fit (the other method)
  district: Map<string, number>;
  force: Map<string, number>;
  outOfArea: number;
  noLocation: number;
  rows: number;
  /** In-area rows where the polygon ward and the LSOA best-fit ward are the same. */
  methodsAgree: number;
  inArea: number;
}
function expectedFor(month: string): Expected {
  const e: Expected = {
    ward: new Map(),
    wardByPolygon: new Map(),
    wardBestFit: new Map(),
    district: new Map(),
    force: new Map(),
    outOfArea: 0,
    noLocation: 0,
    rows: 0,
    methodsAgree: 0,
    inArea: 0,
  };
  const inc = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  const lines = readFileSync(join(FIX, `police-uk/${month}-cambridgeshire-street.csv`), 'utf8')
    .split('\r\n')
    .slice(1)
    .filter(Boolean);
  for (const line of lines) {
    const f = line.split(',');
    e.rows++;
    const measure = crimeKey[f[9]!]!;
    if (f[6] === 'No Location') {
      e.noLocation++;
      inc(e.force, measure);
      continue;
    }
    const lsoa = f[7]!;
    const district = lsoaToDistrict.get(lsoa);
    if (!district || !districts.has(district)) {
      e.outOfArea++;
      continue;
    }
    inc(e.force, measure);
    inc(e.district, `${district}|${measure}`);
    const x = Number(f[4]),
      y = Number(f[5]);
    const hit = wards.find((w) => w.polys.some((p) => inPolygon(x, y, p)))?.code;
    inc(e.ward, `${hit ?? lsoaToWard.get(lsoa)}|${measure}`);
    if (hit) inc(e.wardByPolygon, `${hit}|${measure}`);
    inc(e.wardBestFit, `${lsoaToWard.get(lsoa)}|${measure}`);
    e.inArea++;
    if (hit === lsoaToWard.get(lsoa)) e.methodsAgree++;
  }
  return e;
}

async function storeMap(store: Store, month: string, type: string, field: 'count' | 'byPolygon' = 'count'): Promise<Map<string, number>> {
  const codes = (await store.areas(type as 'ward')).map((a) => a.code);
  const measures = Object.values(crimeKey);
  const out = new Map<string, number>();
  for (const c of await store.counts({ areaCodes: codes, measures, source: 'police.uk', from: month, to: month })) {
    const v = c[field] ?? 0;
    if (v) out.set(`${c.areaCode}|${c.measure}`, v);
  }
  return out;
}
const sorted = (m: Map<string, number>) => Object.fromEntries([...m].sort());
const sumWhere = (m: Map<string, number>, prefix: string) => [...m].filter(([k]) => k.startsWith(prefix)).reduce((s, [, v]) => s + v, 0);

let t: TempStore;
beforeAll(async () => {
  t = await fixtureStore();
});
afterAll(() => t?.cleanup());

describe('real police.uk 2024 files against an independent computation', () => {
  for (const month of ['2024-01', '2024-02', '2024-03', '2024-04']) {
    it(`${month}: every ward and crime type, every district, the force`, async () => {
      const e = expectedFor(month);
      expect(sorted(await storeMap(t.store, month, 'ward'))).toEqual(sorted(e.ward));
      expect(sorted(await storeMap(t.store, month, 'ward', 'byPolygon'))).toEqual(sorted(e.wardByPolygon));
      expect(sorted(await storeMap(t.store, month, 'district'))).toEqual(sorted(e.district));
      const force = new Map([...(await storeMap(t.store, month, 'force'))].map(([k, v]) => [k.replace(`${FORCE}|`, ''), v]));
      expect(sorted(force)).toEqual(sorted(e.force));
      const release = (await t.store.releases()).find((r) => r.month === month && r.source === 'police.uk')!;
      expect(release.rowsRead).toBe(e.rows);
      expect(release.outOfArea).toBe(e.outOfArea);
      expect(release.unplaced).toBe(e.noLocation);
      expect(release.placedByPolygon + release.placedByLsoa + release.outOfArea + release.unplaced).toBe(e.rows);
    });
  }

  it('Market ward (E05013057) all types: 287/324/329/348 by polygon, 283/307/320/345 by LSOA best-fit', async () => {
    const months = ['2024-01', '2024-02', '2024-03', '2024-04'];
    const byPolygon: number[] = [];
    for (const m of months) byPolygon.push(sumWhere(await storeMap(t.store, m, 'ward'), 'E05013057|'));
    expect(byPolygon).toEqual([287, 324, 329, 348]);
    // The best-fit figure is the sum of Market's best-fit LSOAs, both in the store and in the reference.
    const marketLsoas = (await t.store.children('E05013057')).filter((a) => a.type === 'lsoa').map((a) => a.code);
    expect(marketLsoas.sort()).toEqual(['E01017983', 'E01018005', 'E01035515', 'E01035517']);
    const measures = Object.values(crimeKey);
    const bestFitRows = await t.store.counts({ areaCodes: marketLsoas, measures, source: 'police.uk', from: months[0], to: months.at(-1) });
    const bestFit = months.map((m) => bestFitRows.filter((c) => c.month === m).reduce((s, c) => s + c.count, 0));
    expect(bestFit).toEqual([283, 307, 320, 345]);
    expect(months.map((m) => sumWhere(expectedFor(m).wardBestFit, 'E05013057|'))).toEqual([283, 307, 320, 345]);
  });

  it('the two ward methods agree for about 92% of in-area rows (23,417 of 25,460 in the data notes)', () => {
    const all = ['2024-01', '2024-02', '2024-03', '2024-04'].map(expectedFor);
    const inArea = all.reduce((s, e) => s + e.inArea, 0);
    const agree = all.reduce((s, e) => s + e.methodsAgree, 0);
    expect(inArea).toBe(25460);
    expect(agree).toBe(23417);
  });

  it('out-of-area and No Location accounting matches the data notes (144 out of area in 2024-01..04)', async () => {
    const rel = (await t.store.releases()).filter((r) => r.source === 'police.uk' && r.month! >= '2024-01');
    expect(rel.reduce((s, r) => s + r.outOfArea, 0)).toBe(144);
    expect(rel.map((r) => r.unplaced)).toEqual([210, 245, 239, 223]);
    expect(rel.map((r) => r.rowsRead)).toEqual([6116, 6499, 6993, 6913]);
    // Force level = in-area rows + No Location rows; no ward or district holds an out-of-area row.
    for (const r of rel) {
      const force = await t.store.counts({ areaCodes: [FORCE], measures: Object.values(crimeKey), source: 'police.uk', from: r.month!, to: r.month! });
      expect(force.reduce((s, c) => s + c.count, 0)).toBe(r.rowsRead - r.outOfArea);
    }
  });
});

describe('2019-08: LSOA 2011 vintage', () => {
  it('is detected by code membership and mapped to 2021 LSOAs; all placed rows land in known areas', async () => {
    const r = (await t.store.releases()).find((x) => x.month === '2019-08')!;
    expect(r.rowsRead).toBe(7363);
    expect(r.unplaced).toBe(321);
    const lsoaCodes = new Set((await t.store.areas('lsoa')).map((a) => a.code));
    const measures = Object.values(crimeKey);
    const lsoaRows = await t.store.counts({ areaCodes: [...lsoaCodes], measures, source: 'police.uk', from: '2019-08', to: '2019-08' });
    const total = lsoaRows.reduce((s, c) => s + c.count, 0);
    expect(total).toBe(r.rowsRead - r.outOfArea - r.unplaced);
    // 2011-only codes (e.g. E01015602) never appear as stored LSOAs: they were mapped.
    const raw = readFileSync(join(FIX, 'police-uk/2019-08-cambridgeshire-street.csv'), 'utf8');
    expect(raw).toContain('E01015602');
    expect(lsoaCodes.has('E01015602')).toBe(false);
  });
});
