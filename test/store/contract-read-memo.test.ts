// The month lists and revisions read once per answer (src/core/read-memo.ts), on both stores: inside a
// memo scope a second read gives the same as a fresh one without touching the database, each caller gets
// its own copy, a write in a transaction sees its own months, and outside a scope every read is fresh.
// revisedReleases() is releases() filtered to the re-published ones.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withReadMemo } from '../../src/core/read-memo.ts';
import type { DataSource, MonthlyCount, Store } from '../../src/store/types.ts';
import { tempStoreOn, testRelease, type DialectStore } from '../helpers/store.ts';

function month(store: Store, source: DataSource, m: string, count: number, checksum: string) {
  const counts: MonthlyCount[] = [{ source, month: m, areaType: 'ward', areaCode: 'E05000001', measure: 'burglary', count, synthetic: false }];
  return store.replaceMonth({
    source,
    month: m,
    counts,
    release: testRelease(source, m, checksum, { rowsRead: count, placedByPolygon: count }),
  });
}

describe.each(['sqlite', 'postgres'] as const)('read memo and revisedReleases: %s', (kind) => {
  let t: DialectStore;
  beforeAll(async () => {
    t = await tempStoreOn(kind);
    await month(t.store, 'police.uk', '2024-01', 3, 'a');
    await month(t.store, 'police.uk', '2024-02', 4, 'b');
    await month(t.store, 'police.uk', '2024-02', 5, 'c'); // re-published
  });
  afterAll(async () => t?.cleanup());

  it('revisedReleases is the re-published releases, with their revision', async () => {
    const all = await t.store.releases();
    const revised = await t.store.revisedReleases();
    expect(revised).toEqual(all.filter((r) => r.revision !== null));
    expect(revised).toHaveLength(1);
    expect(revised[0]).toMatchObject({ month: '2024-02', checksum: 'c', revision: { previousTotal: 4, newTotal: 5, previousChecksum: 'b' } });
  });

  it('inside one scope a month list is read once; callers get their own copies; outside, reads are fresh', async () => {
    await withReadMemo(async () => {
      const first = await t.store.months('police.uk');
      expect(first).toEqual(['2024-01', '2024-02']);
      first.push('2099-12'); // a caller changing what it was given changes nobody else's
      // a month written behind the scope's back (another replica) is not seen half way through the answer
      await month(t.store, 'police.uk', '2024-03', 1, 'd');
      expect(await t.store.months('police.uk')).toEqual(['2024-01', '2024-02']);
      const current = await t.store.currentMonths('police.uk');
      expect(current.map((m) => m.month)).toEqual(['2024-01', '2024-02', '2024-03']); // first read of this list in the scope
      current[0]!.total = -1;
      expect((await t.store.currentMonths('police.uk'))[0]!.total).toBe(3);
      // inside a transaction a writer reads afresh and sees its own write
      await t.store.transaction(async (tx) => {
        await month(tx, 'police.uk', '2024-04', 2, 'e');
        expect(await tx.months('police.uk')).toEqual(['2024-01', '2024-02', '2024-03', '2024-04']);
      });
    });
    expect(await t.store.months('police.uk')).toEqual(['2024-01', '2024-02', '2024-03', '2024-04']);
    // two scopes at once do not share
    const [a, b] = await Promise.all([withReadMemo(() => t.store.realMonths('police.uk')), withReadMemo(() => t.store.realMonths())]);
    expect(a).toEqual(b);
  });
});
