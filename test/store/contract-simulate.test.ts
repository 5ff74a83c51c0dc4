// removeMonth on both stores (SQLite file, real PostgreSQL): the undo of the local page's "Simulate
// next month" takes one source's month out of the data (counts and current month) and nothing else;
// the release log keeps what was ingested, and the same file loads again afterwards.
import { afterEach, describe, expect, it } from 'vitest';
import type { MonthlyCount, Store } from '../../src/store/types.ts';
import { tempStoreOn, testRelease, type DialectStore } from '../helpers/store.ts';

const count = (source: MonthlyCount['source'], month: string, measure: string, n: number): MonthlyCount => ({
  source,
  month,
  areaType: 'ward',
  areaCode: 'E05013057',
  measure,
  count: n,
  byPolygon: n,
  byLsoa: 0,
  byPartner: 0,
  synthetic: true,
});
const release = (source: MonthlyCount['source'], month: string, checksum: string) => testRelease(source, month, checksum, { fileName: `${source}-${month}.csv`, synthetic: true });
const load = (store: Store, source: MonthlyCount['source'], month: string, n: number) =>
  store.replaceMonth({
    source,
    month,
    counts: [count(source, month, source === 'police.uk' ? 'burglary' : 'residential-burglary', n)],
    release: release(source, month, `${source}-${month}-${n}`),
  });

describe.each(['sqlite', 'postgres'] as const)('removeMonth (%s)', (kind) => {
  let t: DialectStore | undefined;
  afterEach(async () => {
    await t?.cleanup();
    t = undefined;
  });

  it('takes out one source and month, leaves every other month and source, and the month loads again', async () => {
    t = await tempStoreOn(kind);
    const { store } = t;
    await load(store, 'police.uk', '2024-04', 7);
    await load(store, 'police.uk', '2024-05', 9);
    await load(store, 'partnership', '2024-05', 3);
    const releases = (await store.releases()).length;
    expect(await store.removeMonth({ source: 'police.uk', month: '2024-05' })).toBe(true);
    expect(await store.months('police.uk')).toEqual(['2024-04']);
    expect(await store.months('partnership')).toEqual(['2024-05']);
    const all = { areaCodes: ['E05013057'], measures: ['burglary', 'residential-burglary'], from: '2024-01', to: '2024-12' };
    expect((await store.counts(all)).map((c) => [c.source, c.month, c.count])).toEqual([
      ['police.uk', '2024-04', 7],
      ['partnership', '2024-05', 3],
    ]);
    expect((await store.releases()).length).toBe(releases);
    // not held (any more, or ever): nothing to do
    expect(await store.removeMonth({ source: 'police.uk', month: '2024-05' })).toBe(false);
    expect(await store.removeMonth({ source: 'police.uk', month: '2030-01' })).toBe(false);
    // the same file again is a new load, not "unchanged: same checksum"
    const again = await load(store, 'police.uk', '2024-05', 9);
    expect(again.unchanged).toBe(false);
    expect(await store.months('police.uk')).toEqual(['2024-04', '2024-05']);
  });
});
