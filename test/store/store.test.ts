import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.ts';
import { MIGRATIONS } from '../../src/store/migrations.ts';
import type { MonthlyCount } from '../../src/store/types.ts';
import { tempStore, type TempStore } from '../helpers/store.ts';

let t: TempStore;
afterEach(() => t.cleanup());

const count = (month: string, areaCode: string, measure: string, n: number, areaType: MonthlyCount['areaType'] = 'ward'): MonthlyCount => ({
  source: 'police.uk', month, areaType, areaCode, measure, count: n, byPolygon: areaType === 'ward' ? n : 0, synthetic: false,
});
const release = (month: string, checksum: string, synthetic = false) => ({
  source: 'police.uk' as const, fileName: `${month}.csv`, month, rowsRead: 1, placedByPolygon: 1, placedByLsoa: 0, placedByPartner: 0, outOfArea: 0, unplaced: 0, checksum, synthetic,
});

describe('the SQLite store', () => {
  it('migrates a new file to the latest version, once; reopening changes nothing', async () => {
    t = await tempStore();
    expect(await t.store.schemaVersion()).toBe(MIGRATIONS[MIGRATIONS.length - 1]!.version);
    expect(await t.store.isEmpty()).toBe(true);
    const sum = await t.store.contentChecksum();
    await t.store.close();
    const again = await openStore({ path: t.path });
    try {
      expect(await again.contentChecksum()).toBe(sum);
    } finally {
      await again.close();
    }
  });

  it('replaceMonth: insert, unchanged on the same checksum, revision on a new one; synthetic never replaces real', async () => {
    t = await tempStore();
    const s = t.store;
    const a = await s.replaceMonth({ source: 'police.uk', month: '2024-01', counts: [count('2024-01', 'force', 'burglary', 5, 'force'), count('2024-01', 'W1', 'burglary', 5)], release: release('2024-01', 'aaa') });
    expect(a.unchanged).toBe(false);
    expect(a.release!.revision).toBeNull();
    const sum = await s.contentChecksum();
    expect(await s.replaceMonth({ source: 'police.uk', month: '2024-01', counts: [], release: release('2024-01', 'aaa') })).toMatchObject({ unchanged: true, reason: 'same-checksum' });
    expect(await s.replaceMonth({ source: 'police.uk', month: '2024-01', counts: [], release: release('2024-01', 'zzz', true) })).toMatchObject({ unchanged: true, reason: 'real-data-exists' });
    expect(await s.contentChecksum()).toBe(sum);
    const b = await s.replaceMonth({ source: 'police.uk', month: '2024-01', counts: [count('2024-01', 'force', 'burglary', 7, 'force'), count('2024-01', 'W2', 'burglary', 7)], release: release('2024-01', 'bbb') });
    expect(b.release!.revision).toEqual({ previousTotal: 5, newTotal: 7, previousChecksum: 'aaa' });
    expect((await s.counts({ areaCodes: ['W1', 'W2'], measures: ['burglary'] })).map((c) => [c.areaCode, c.count])).toEqual([['W2', 7]]);
    expect(await s.months()).toEqual(['2024-01']);
    expect(await s.isEmpty()).toBe(false);
  });

  it('counts(): filters by area, measure, source and month range; ward rows carry their method split', async () => {
    t = await tempStore();
    const s = t.store;
    for (const m of ['2023-11', '2023-12', '2024-01', '2024-02']) {
      await s.replaceMonth({ source: 'police.uk', month: m, counts: [count(m, 'W1', 'burglary', 1), count(m, 'W1', 'drugs', 2), count(m, 'W2', 'burglary', 3)], release: release(m, m) });
    }
    const r = await s.counts({ areaCodes: ['W1'], measures: ['burglary', 'drugs'], from: '2023-12', to: '2024-01' });
    expect(r.map((c) => `${c.measure}:${c.month}:${c.count}`)).toEqual(['burglary:2023-12:1', 'burglary:2024-01:1', 'drugs:2023-12:2', 'drugs:2024-01:2']);
    expect(r[0]).toMatchObject({ areaType: 'ward', byPolygon: 1, byLsoa: 0, byPartner: 0, synthetic: false });
    expect(await s.counts({ areaCodes: ['W2'], measures: ['burglary'], source: 'partnership' })).toEqual([]);
    expect(await s.counts({ areaCodes: [], measures: ['burglary'] })).toEqual([]);
    // A very long area list (more than one statement's worth) is batched and keeps the order.
    const many = [...Array.from({ length: 4500 }, (_, i) => `X${i}`), 'W2', 'W1'];
    expect((await s.counts({ areaCodes: many, measures: ['burglary'], from: '2024-01', to: '2024-01' })).map((c) => c.areaCode)).toEqual(['W1', 'W2']);
  });

  it('a thrown error inside transaction() rolls everything back', async () => {
    t = await tempStore();
    const s = t.store;
    const sum = await s.contentChecksum();
    await expect(
      s.transaction(async (tx) => {
        await tx.upsertAreas([{ code: 'E07000008', name: 'Cambridge', type: 'district', parentCode: null }]);
        await tx.replaceMonth({ source: 'police.uk', month: '2024-01', counts: [count('2024-01', 'W1', 'burglary', 1)], release: release('2024-01', 'x') });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await s.contentChecksum()).toBe(sum);
  });

  it('geography: areas with parents, LSOA11 lookup, boundaries, populations', async () => {
    t = await tempStore();
    const s = t.store;
    await s.upsertAreas([
      { code: 'E07000008', name: 'Cambridge', type: 'district', parentCode: 'cambridgeshire' },
      { code: 'E05013057', name: 'Market', type: 'ward', parentCode: 'E07000008' },
      { code: 'E01017983', name: 'Cambridge 007C', type: 'lsoa', parentCode: 'E05013057', districtCode: 'E07000008' },
    ]);
    expect((await s.children('E07000008')).map((a) => a.code)).toEqual(['E05013057']);
    expect(await s.area('E01017983')).toEqual({ code: 'E01017983', name: 'Cambridge 007C', type: 'lsoa', parentCode: 'E05013057', districtCode: 'E07000008' });
    expect([...(await s.areasByCode(['E05013057', 'E07000008', 'nowhere'])).keys()].sort()).toEqual(['E05013057', 'E07000008']);
    await s.upsertLsoa11Lookup([{ lsoa11: 'E01015602', lsoa21: 'E01035000', change: 'S' }]);
    expect((await s.lsoa11Lookup()).get('E01015602')).toBe('E01035000');
    await s.upsertBoundaries([{ areaCode: 'E05013057', geojson: '{}' }]);
    expect(await s.boundaries()).toEqual([{ areaCode: 'E05013057', geojson: '{}' }]);
    await s.upsertPopulations([{ areaCode: 'E05013057', population: 7000, year: 2021, source: 'ESTIMATE: test' }]);
    expect(await s.population('E05013057')).toEqual({ areaCode: 'E05013057', population: 7000, year: 2021, source: 'ESTIMATE: test' });
    expect([...(await s.populations(['E05013057', 'E07000008'])).values()]).toEqual([{ areaCode: 'E05013057', population: 7000, year: 2021, source: 'ESTIMATE: test' }]);
  });
});
