// The data watcher's store methods (migration 10), the same on both stores: what a watched source last
// gave for each month, replaced per (source, month), ordered by month, kept apart per source, part of
// the content checksum, and written inside a transaction only if it commits.
import { afterEach, describe, expect, it } from 'vitest';
import type { WatchedMonth } from '../../src/store/types.ts';
import { tempStoreOn, type DialectStore } from '../helpers/store.ts';

const row = (month: string, checksum: string, extra: Partial<WatchedMonth> = {}): WatchedMonth => ({
  source: 'police.uk-api:cambridgeshire',
  month,
  checksum,
  crimes: 6889,
  releaseId: 12,
  fetchedAt: '2024-06-01T07:15:00.000Z',
  ...extra,
});

describe.each(['sqlite', 'postgres'] as const)('Store contract, data watcher: %s', (kind) => {
  let t: DialectStore | undefined;
  afterEach(async () => {
    await t?.cleanup();
    t = undefined;
  });

  it('records, replaces and lists what a source gave per month', async () => {
    t = await tempStoreOn(kind);
    const s = t.store;
    expect(await s.schemaVersion()).toBeGreaterThanOrEqual(10);
    expect(await s.watchedMonths('police.uk-api:cambridgeshire')).toEqual([]);
    await s.recordWatchedMonth(row('2024-04', 'a'));
    await s.recordWatchedMonth(row('2024-02', 'b', { releaseId: null, crimes: 0 }));
    await s.recordWatchedMonth(row('2024-03', 'c', { source: 'police.uk-api:bedfordshire' }));
    expect(await s.watchedMonths('police.uk-api:cambridgeshire')).toEqual([row('2024-02', 'b', { releaseId: null, crimes: 0 }), row('2024-04', 'a')]);
    const before = await s.contentChecksum();
    await s.recordWatchedMonth(row('2024-04', 'a2', { crimes: 6880, releaseId: 15, fetchedAt: '2024-06-03T07:45:00.000Z' }));
    expect(await s.watchedMonths('police.uk-api:cambridgeshire')).toEqual([
      row('2024-02', 'b', { releaseId: null, crimes: 0 }),
      row('2024-04', 'a2', { crimes: 6880, releaseId: 15, fetchedAt: '2024-06-03T07:45:00.000Z' }),
    ]);
    expect(await s.contentChecksum()).not.toBe(before);
    expect(await s.watchedMonths('police.uk-api:bedfordshire')).toEqual([row('2024-03', 'c', { source: 'police.uk-api:bedfordshire' })]);
  });

  it('inside a transaction: kept when it commits, gone when it rolls back', async () => {
    t = await tempStoreOn(kind);
    const s = t.store;
    await s.transaction(async (tx) => tx.recordWatchedMonth(row('2024-01', 'x')));
    await expect(
      s.transaction(async (tx) => {
        await tx.recordWatchedMonth(row('2024-01', 'y'));
        await tx.recordWatchedMonth(row('2024-05', 'z'));
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await s.watchedMonths('police.uk-api:cambridgeshire')).toEqual([row('2024-01', 'x')]);
  });
});
