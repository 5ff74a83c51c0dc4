// What an answer reads that changes only when data lands (month lists, revisions, areas, children,
// populations, measures held) is kept between answers for one data version (KyselyStore.kept), on both
// stores. An answer is a read memo scope (withReadMemo, as answer() opens one). What is kept is dropped by
// this process's own writes at once, and by another replica's (a second store object on the same database)
// at its next answer: a landed, revised or removed month, areas and populations (with a release or without).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withReadMemo } from '../../src/core/read-memo.ts';
import { openPostgresStore, openSqliteStore } from '../../src/store/kysely.ts';
import type { Area, DataSource, MonthlyCount, Store } from '../../src/store/types.ts';
import { tempStoreOn, testRelease, type DialectStore } from '../helpers/store.ts';

const WARD = 'E05000001';
const DISTRICT = 'E07000001';

function month(store: Store, source: DataSource, m: string, count: number, checksum: string, measure = 'burglary') {
  const counts: MonthlyCount[] = [{ source, month: m, areaType: 'ward', areaCode: WARD, measure, count, synthetic: false }];
  return store.replaceMonth({ source, month: m, counts, release: testRelease(source, m, checksum, { rowsRead: count, placedByPolygon: count }) });
}

const ward = (name: string): Area => ({ code: WARD, name, type: 'ward', parentCode: DISTRICT });
const district: Area = { code: DISTRICT, name: 'Somewhere', type: 'district', parentCode: null };
/** An ingest of geography: its areas and populations with its release, in one transaction. */
function geography(store: Store, name: string, population: number, checksum: string) {
  return store.transaction(async (tx) => {
    await tx.upsertAreas([district, ward(name)]);
    await tx.upsertPopulations([{ areaCode: WARD, population, year: 2021, source: 'test' }]);
    await tx.logRelease({ ...testRelease('police.uk', '2024-01', checksum), source: 'geography', month: null });
  });
}

/** What one answer reads of the kept kinds. */
function answerReads(store: Store) {
  return withReadMemo(async () => ({
    months: await store.months('police.uk'),
    all: await store.months(),
    real: await store.realMonths('police.uk'),
    current: (await store.currentMonths('police.uk')).map((m) => `${m.month}:${m.total}`),
    revised: (await store.revisedReleases()).map((r) => `${r.month}:${r.revision?.newTotal}`),
    area: (await store.area(WARD))?.name,
    byCode: (await store.areasByCode([WARD])).get(WARD)?.name,
    children: (await store.children(DISTRICT)).map((a) => a.name),
    population: (await store.populations([WARD])).get(WARD)?.population,
    held: (await store.measuresHeld({ areaCodes: [WARD], measures: ['burglary', 'robbery'], source: 'police.uk' })).sort(),
  }));
}

describe.each(['sqlite', 'postgres'] as const)('reads kept between answers: %s', (kind) => {
  let t: DialectStore;
  /** Another replica: its own store object (its own pool or connection) on the same database. */
  let other: Store;
  beforeAll(async () => {
    t = await tempStoreOn(kind);
    other = kind === 'sqlite' ? await openSqliteStore(t.location) : await openPostgresStore(t.location);
    await geography(t.store, 'Market', 1000, 'g1');
    await month(t.store, 'police.uk', '2024-01', 3, 'a');
  });
  afterAll(async () => {
    await other?.close();
    await t?.cleanup();
  });

  it('a second answer gives what a fresh read gives, each caller its own copy', async () => {
    const first = await answerReads(t.store);
    expect(first).toEqual({
      months: ['2024-01'],
      all: ['2024-01'],
      real: ['2024-01'],
      current: ['2024-01:3'],
      revised: [],
      area: 'Market',
      byCode: 'Market',
      children: ['Market'],
      population: 1000,
      held: ['burglary'],
    });
    await withReadMemo(async () => {
      (await t.store.months('police.uk')).push('2099-12');
      (await t.store.area(WARD))!.name = 'changed';
      (await t.store.children(DISTRICT))[0]!.name = 'changed';
      (await t.store.populations([WARD])).get(WARD)!.population = -1;
      (await t.store.measuresHeld({ areaCodes: [WARD], measures: ['burglary', 'robbery'], source: 'police.uk' })).push('robbery');
    });
    expect(await answerReads(t.store)).toEqual(first);
  });

  it("another replica's landed, revised and removed months are seen by the next answer", async () => {
    await answerReads(t.store); // kept now
    await month(other, 'police.uk', '2024-02', 4, 'b', 'robbery');
    let seen = await answerReads(t.store);
    expect(seen.months).toEqual(['2024-01', '2024-02']);
    expect(seen.all).toEqual(['2024-01', '2024-02']);
    expect(seen.real).toEqual(['2024-01', '2024-02']);
    expect(seen.held).toEqual(['burglary', 'robbery']);

    await month(other, 'police.uk', '2024-02', 6, 'c', 'robbery'); // re-published
    seen = await answerReads(t.store);
    expect(seen.current).toEqual(['2024-01:3', '2024-02:6']);
    expect(seen.revised).toEqual(['2024-02:6']);

    expect(await other.removeMonth({ source: 'police.uk', month: '2024-02' })).toBe(true);
    seen = await answerReads(t.store);
    expect(seen.months).toEqual(['2024-01']);
    expect(seen.current).toEqual(['2024-01:3']);
    expect(seen.held).toEqual(['burglary']);

    // taken out and landed again: the same number of current months, and still seen
    await answerReads(t.store);
    await month(other, 'police.uk', '2024-02', 7, 'd', 'robbery');
    expect((await answerReads(t.store)).current).toEqual(['2024-01:3', '2024-02:7']);
  });

  it("another replica's geography ingest (areas and populations with their release) is seen by the next answer", async () => {
    await answerReads(t.store);
    await geography(other, 'Market Square', 1200, 'g2');
    const seen = await answerReads(t.store);
    expect(seen).toMatchObject({ area: 'Market Square', byCode: 'Market Square', children: ['Market Square'], population: 1200 });
  });

  it("this process's own writes are seen by its next answer, a release or not", async () => {
    await answerReads(t.store);
    await t.store.upsertAreas([ward('Market Hill')]);
    expect((await answerReads(t.store)).area).toBe('Market Hill');
    await t.store.upsertPopulations([{ areaCode: WARD, population: 1300, year: 2022, source: 'test' }]);
    expect((await answerReads(t.store)).population).toBe(1300);
    await month(t.store, 'police.uk', '2024-03', 2, 'e');
    expect((await answerReads(t.store)).months).toEqual(['2024-01', '2024-02', '2024-03']);
    await t.store.removeMonth({ source: 'police.uk', month: '2024-03' });
    expect((await answerReads(t.store)).months).toEqual(['2024-01', '2024-02']);
    // a transaction's writes: seen once it commits, by an answer that began while it was open too
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const writing = t.store.transaction(async (tx) => {
      await tx.upsertAreas([ward('Market Cross')]);
      await held;
    });
    if (kind === 'postgres') expect((await answerReads(t.store)).area).toBe('Market Hill'); // SQLite's one connection waits for the writer
    release();
    await writing;
    expect((await answerReads(t.store)).area).toBe('Market Cross');
  });

  it('areas and populations written on another replica without a release are seen by the next answer (the data version)', async () => {
    await answerReads(t.store);
    await other.upsertAreas([ward('Market Gate')]);
    expect(await t.store.area(WARD)).toMatchObject({ name: 'Market Gate' }); // outside an answer: always read
    expect((await answerReads(t.store)).area).toBe('Market Gate');
    await other.upsertPopulations([{ areaCode: WARD, population: 4321, year: 2023, source: 'test' }]);
    expect((await answerReads(t.store)).population).toBe(4321);
  });
});

describe('PostgreSQL: named prepared statements', () => {
  it("a read prepared before another replica's migration changed its table is answered after it", async () => {
    const t = await tempStoreOn('postgres');
    // one connection, so the second read meets the statement the first prepared
    const store = await openPostgresStore(t.location, { poolSize: 1 });
    try {
      await store.upsertAreas([district]);
      expect(await store.area(DISTRICT)).toEqual(district);
      expect(await store.area(DISTRICT)).toEqual(district);
      const admin = new pg.Client({ connectionString: t.location });
      await admin.connect();
      await admin.query('ALTER TABLE areas ADD COLUMN added_by_a_later_version TEXT');
      await admin.end();
      expect(await store.area(DISTRICT)).toEqual(district); // "cached plan must not change result type" before the retry
      expect(await store.area(DISTRICT)).toEqual(district);
    } finally {
      await store.close();
      await t.cleanup();
    }
  });
});
