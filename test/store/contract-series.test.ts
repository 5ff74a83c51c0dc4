// Store.countSeries on both stores: the same counts as counts(), laid out densely (area, measure, month),
// absent counts 0, only the source and months asked for; on SQLite both its paths (the primary key for a
// few series, the one-scan bulk read from 20,000 series up, and its fallback for counts too big to pack).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monthRange } from '../../src/core/periods.ts';
import type { CountSeries, DataSource, MonthlyCount, Store } from '../../src/store/types.ts';
import { tempStoreOn, testRelease, type DialectStore } from '../helpers/store.ts';

const MONTHS = monthRange('2023-01', '2023-06');
const WARDS = Array.from({ length: 2600 }, (_, i) => `T05${String(i).padStart(6, '0')}`);
const MEASURES = ['burglary', 'robbery', 'shoplifting', 'drugs', 'bicycle-theft', 'vehicle-crime', 'public-order', 'other-theft'];

/** A deterministic count (some absent, one huge) for each source, month, ward and measure. */
function countOf(source: DataSource, m: number, w: number, k: number): number | null {
  const h = (m * 7919 + w * 104729 + k * 1299709 + (source === 'partnership' ? 15485863 : 0)) % 1000;
  if (h < 250) return null; // not stored
  if (w === 7 && k === 2 && m === 3) return 5_000_000; // beyond what the SQLite read packs in an integer
  return h % 23;
}

function monthCounts(source: DataSource, m: number): MonthlyCount[] {
  const out: MonthlyCount[] = [];
  for (let w = 0; w < WARDS.length; w++)
    for (let k = 0; k < MEASURES.length; k++) {
      const n = countOf(source, m, w, k);
      if (n === null) continue;
      out.push(
        source === 'police.uk'
          ? { source, month: MONTHS[m]!, areaType: 'ward', areaCode: WARDS[w]!, measure: MEASURES[k]!, count: n, byPolygon: n, byLsoa: 0, byPartner: 0, synthetic: false }
          : { source, month: MONTHS[m]!, areaType: 'ward', areaCode: WARDS[w]!, measure: MEASURES[k]!, count: n, byPolygon: 0, byLsoa: 0, byPartner: n, synthetic: false },
      );
    }
  // a district row: not asked for below, never in a ward's series
  out.push({ source, month: MONTHS[m]!, areaType: 'district', areaCode: 'T06000001', measure: 'burglary', count: 999, synthetic: false });
  return out;
}

/** What countSeries must give: counts() placed in a dense array. */
async function expectedFromCounts(store: Store, areaCodes: string[], measures: string[], source: DataSource, from: string, to: string): Promise<Float64Array> {
  const months = monthRange(from, to);
  const values = new Float64Array(areaCodes.length * measures.length * months.length);
  for (const c of await store.counts({ areaCodes, measures, source, from, to })) {
    values[(areaCodes.indexOf(c.areaCode) * measures.length + measures.indexOf(c.measure)) * months.length + months.indexOf(c.month)] = c.count;
  }
  return values;
}

describe.each(['sqlite', 'postgres'] as const)('Store.countSeries: %s', (kind) => {
  let t: DialectStore;
  beforeAll(async () => {
    t = await tempStoreOn(kind);
    for (const source of ['police.uk', 'partnership'] as const)
      for (let m = 0; m < MONTHS.length; m++) {
        await t.store.replaceMonth({
          source,
          month: MONTHS[m]!,
          counts: monthCounts(source, m),
          release: testRelease(source, MONTHS[m]!, `${source}-${m}`, { fileName: `${source}-${MONTHS[m]}.csv` }),
        });
      }
  }, 120_000);
  afterAll(async () => {
    await t?.store.close();
    await t?.cleanup();
  });

  it('bulk: every ward x measure (20,800 series) equals counts() placed densely, the huge count included, only the source asked for', async () => {
    for (const source of ['police.uk', 'partnership'] as const) {
      const s: CountSeries = await t.store.countSeries({ areaCodes: WARDS, measures: MEASURES, source, from: MONTHS[0]!, to: MONTHS.at(-1)!, shared: true });
      expect(s.months).toEqual(MONTHS);
      expect(s.values.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(s.values.length).toBe(WARDS.length * MEASURES.length * MONTHS.length);
      const expected = await expectedFromCounts(t.store, WARDS, MEASURES, source, MONTHS[0]!, MONTHS.at(-1)!);
      expect(Array.from(s.values)).toEqual(Array.from(expected));
      // each stored count from the generator, absent ones 0
      let stored = 0;
      for (let w = 0; w < WARDS.length; w += 37)
        for (let k = 0; k < MEASURES.length; k++)
          for (let m = 0; m < MONTHS.length; m++) expect(s.values[(w * MEASURES.length + k) * MONTHS.length + m]).toBe(countOf(source, m, w, k) ?? 0);
      for (let w = 0; w < WARDS.length; w++) for (let k = 0; k < MEASURES.length; k++) for (let m = 0; m < MONTHS.length; m++) if (countOf(source, m, w, k) !== null) stored++;
      expect(s.rows).toBe(stored);
      if (source === 'police.uk') expect(s.values[(7 * MEASURES.length + 2) * MONTHS.length + 3]).toBe(5_000_000);
    }
  });

  it('a few series, a month range inside the data, areas and measures in any order, unknown ones all zero', async () => {
    const areas = [WARDS[100]!, 'T05999999', WARDS[7]!, WARDS[3]!];
    const measures = ['shoplifting', 'not-a-measure', 'burglary'];
    const s = await t.store.countSeries({ areaCodes: areas, measures, source: 'police.uk', from: '2023-02', to: '2023-05' });
    expect(s.months).toEqual(['2023-02', '2023-03', '2023-04', '2023-05']);
    expect(s.values.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    expect(Array.from(s.values)).toEqual(Array.from(await expectedFromCounts(t.store, areas, measures, 'police.uk', '2023-02', '2023-05')));
    expect(s.values.slice(4, 8).every((v) => v === 0)).toBe(true); // unknown measure
    expect(s.values.slice(12, 24).every((v) => v === 0)).toBe(true); // unknown area
    expect(s.values[(2 * 3 + 0) * 4 + 2]).toBe(5_000_000); // WARDS[7], shoplifting, 2023-04
  });

  it('the bulk read over a month range and a subset of measures agrees with the small read', async () => {
    const measures = ['drugs', 'burglary', 'robbery'];
    const areas = WARDS.slice(0, 2500).reverse();
    const bulk = await t.store.countSeries({ areaCodes: areas, measures: [...measures, 'x1', 'x2', 'x3', 'x4', 'x5'], source: 'partnership', from: '2023-03', to: '2023-04' });
    const expected = await expectedFromCounts(t.store, areas, [...measures, 'x1', 'x2', 'x3', 'x4', 'x5'], 'partnership', '2023-03', '2023-04');
    expect(Array.from(bulk.values)).toEqual(Array.from(expected));
    expect(bulk.values.some((v) => v > 0)).toBe(true);
  });

  it('refuses repeated areas or measures (their cells would be ambiguous)', async () => {
    await expect(t.store.countSeries({ areaCodes: [WARDS[0]!, WARDS[0]!], measures: ['burglary'], source: 'police.uk', from: '2023-01', to: '2023-02' })).rejects.toThrow(
      /areaCodes must not repeat/,
    );
    await expect(t.store.countSeries({ areaCodes: [WARDS[0]!], measures: ['burglary', 'burglary'], source: 'police.uk', from: '2023-01', to: '2023-02' })).rejects.toThrow(
      /measures must not repeat/,
    );
  });
});
