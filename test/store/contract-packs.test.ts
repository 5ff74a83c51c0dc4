// Count packs (migration 11) on both stores: countSeries, which reads them for bulk queries, gives what
// counts() gives (values and rows read) for many random queries after an ingest, after revisions (areas
// appearing and disappearing), after removeMonth, inside a transaction, after a transaction rolled back,
// with two stores (replicas) numbering new areas, and after an upgrade of a store made at migration 10
// with data (the backfill).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monthRange } from '../../src/core/periods.ts';
import { MIGRATIONS, PG_MIGRATIONS } from '../../src/store/migrations.ts';
import { openPostgresStore, openSqliteStore } from '../../src/store/kysely.ts';
import type { DataSource, MonthlyCount, Store } from '../../src/store/types.ts';
import { testDatabase } from '../helpers/pg.ts';
import { tempStoreOn, testRelease, type DialectStore } from '../helpers/store.ts';

const MONTHS = monthRange('2023-01', '2023-08');
const WARDS = Array.from({ length: 900 }, (_, i) => `T05${String(i).padStart(6, '0')}`);
const LSOAS = Array.from({ length: 300 }, (_, i) => `T01${String(i).padStart(6, '0')}`);
const MEASURES = ['burglary', 'robbery', 'shoplifting', 'drugs', 'bicycle-theft', 'vehicle-crime'];

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/** A month of one source: wards, LSOAs and a district, some absent, counts from 0 up (one very large). */
function monthCounts(source: DataSource, month: string, seed: number, wards: readonly string[] = WARDS): MonthlyCount[] {
  const r = rng(seed);
  const out: MonthlyCount[] = [];
  for (const [areaType, codes] of [
    ['ward', wards],
    ['lsoa', LSOAS],
    ['district', ['T06000001']],
  ] as const)
    for (const areaCode of codes)
      for (const measure of MEASURES) {
        if (r() < 0.3) continue;
        const count = r() < 0.001 ? 2_000_000_000 : Math.floor(r() * 40);
        out.push(
          areaType === 'ward'
            ? { source, month, areaType, areaCode, measure, count, byPolygon: count, byLsoa: 0, byPartner: 0, synthetic: false }
            : { source, month, areaType, areaCode, measure, count, synthetic: false },
        );
      }
  return out;
}

async function put(store: Store, source: DataSource, month: string, counts: MonthlyCount[], checksum: string): Promise<void> {
  const r = await store.replaceMonth({ source, month, counts, release: testRelease(source, month, checksum) });
  expect(r.unchanged).toBe(false);
}

function shuffled<T>(items: readonly T[], r: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** countSeries must equal counts() placed densely, and count the rows counts() returns. */
async function expectSameAsCounts(store: Store, q: { areaCodes: string[]; measures: string[]; source: DataSource; from: string; to: string }): Promise<number> {
  const s = await store.countSeries(q);
  const months = monthRange(q.from, q.to);
  const expected = new Float64Array(q.areaCodes.length * q.measures.length * months.length);
  const rows = await store.counts(q);
  for (const c of rows) expected[(q.areaCodes.indexOf(c.areaCode) * q.measures.length + q.measures.indexOf(c.measure)) * months.length + months.indexOf(c.month)] = c.count;
  expect(s.months).toEqual(months);
  expect(Array.from(s.values)).toEqual(Array.from(expected));
  expect(s.rows).toBe(rows.length);
  return rows.length;
}

/** Random queries over the store: many areas (the packs) and a few (the primary key), any order, unknown codes too. */
async function randomQueries(store: Store, seed: number, extraAreas: readonly string[] = []): Promise<void> {
  const r = rng(seed);
  const pool = [...WARDS, ...LSOAS, ...extraAreas, 'T06000001', 'T05999999', 'T01999999'];
  let read = 0;
  for (let i = 0; i < 12; i++) {
    const n = i % 3 === 0 ? 5 + Math.floor(r() * 20) : 200 + Math.floor(r() * (pool.length - 200));
    const areaCodes = shuffled(pool, r).slice(0, n);
    const measures = shuffled([...MEASURES, 'not-a-measure'], r).slice(0, 1 + Math.floor(r() * 7));
    const a = Math.floor(r() * MONTHS.length);
    const b = Math.floor(r() * MONTHS.length);
    const source: DataSource = r() < 0.5 ? 'police.uk' : 'partnership';
    read += await expectSameAsCounts(store, { areaCodes, measures, source, from: MONTHS[Math.min(a, b)]!, to: MONTHS[Math.max(a, b)]! });
  }
  expect(read).toBeGreaterThan(0);
}

const everyWard = (source: DataSource) => ({ areaCodes: [...WARDS], measures: [...MEASURES], source, from: MONTHS[0]!, to: MONTHS.at(-1)! });

describe.each(['sqlite', 'postgres'] as const)('count packs: %s', (kind) => {
  let t: DialectStore;
  beforeAll(async () => {
    t = await tempStoreOn(kind);
    for (const source of ['police.uk', 'partnership'] as const)
      for (const [m, month] of MONTHS.entries()) await put(t.store, source, month, monthCounts(source, month, m * 31 + (source === 'partnership' ? 7 : 1)), `${source}-${m}`);
  }, 120_000);
  afterAll(async () => {
    await t?.store.close();
    await t?.cleanup();
  });

  it('after the ingest: countSeries equals counts() for random queries, and for every ward x measure', async () => {
    await randomQueries(t.store, 11);
    expect(await expectSameAsCounts(t.store, everyWard('police.uk'))).toBeGreaterThan(WARDS.length * MEASURES.length * MONTHS.length * 0.6);
    const big = await t.store.countSeries(everyWard('police.uk'));
    expect(big.values.some((v) => v === 2_000_000_000)).toBe(true);
  });

  it('after revisions: areas disappearing, new areas appearing, other counts', async () => {
    const fewer = WARDS.filter((_, i) => i % 3 !== 0);
    const newcomers = Array.from({ length: 250 }, (_, i) => `T05N${String(i).padStart(5, '0')}`);
    await put(t.store, 'police.uk', MONTHS[3]!, monthCounts('police.uk', MONTHS[3]!, 901, fewer), 'rev-1');
    await put(t.store, 'partnership', MONTHS[5]!, monthCounts('partnership', MONTHS[5]!, 902, [...fewer.slice(0, 400), ...newcomers]), 'rev-2');
    const s = await t.store.countSeries({ areaCodes: [WARDS[0]!, ...newcomers], measures: MEASURES, source: 'police.uk', from: MONTHS[3]!, to: MONTHS[3]! });
    expect(Array.from(s.values.subarray(0, MEASURES.length)).every((v) => v === 0)).toBe(true); // WARDS[0] left month 3
    const p = await t.store.countSeries({ areaCodes: [...newcomers], measures: MEASURES, source: 'partnership', from: MONTHS[0]!, to: MONTHS.at(-1)! });
    expect(p.rows).toBeGreaterThan(0);
    await randomQueries(t.store, 12, newcomers);
    await expectSameAsCounts(t.store, { ...everyWard('partnership'), areaCodes: [...newcomers, ...WARDS] });
  });

  it('after removeMonth: that month is gone from the series', async () => {
    expect(await t.store.removeMonth({ source: 'police.uk', month: MONTHS[6]! })).toBe(true);
    const s = await t.store.countSeries({ ...everyWard('police.uk'), from: MONTHS[6]!, to: MONTHS[6]! });
    expect(s.rows).toBe(0);
    expect(s.values.every((v) => v === 0)).toBe(true);
    await randomQueries(t.store, 13);
    await expectSameAsCounts(t.store, everyWard('police.uk'));
  });

  it('inside a transaction it sees the transaction own month; a rolled-back month with new areas leaves no trace', async () => {
    const inside = Array.from({ length: 220 }, (_, i) => `T05T${String(i).padStart(5, '0')}`);
    await t.store.transaction(async (tx) => {
      await put(tx, 'police.uk', MONTHS[6]!, monthCounts('police.uk', MONTHS[6]!, 903, inside), 'tx-1');
      await expectSameAsCounts(tx, { areaCodes: inside, measures: MEASURES, source: 'police.uk', from: MONTHS[0]!, to: MONTHS.at(-1)! });
    });
    await expectSameAsCounts(t.store, { areaCodes: [...inside, ...WARDS], measures: MEASURES, source: 'police.uk', from: MONTHS[0]!, to: MONTHS.at(-1)! });
    const lost = Array.from({ length: 230 }, (_, i) => `T05L${String(i).padStart(5, '0')}`);
    await expect(
      t.store.transaction(async (tx) => {
        await put(tx, 'police.uk', MONTHS[7]!, monthCounts('police.uk', MONTHS[7]!, 904, lost), 'tx-2');
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    // other new areas, numbered after the rollback (SQLite reuses the rolled-back numbers)
    const later = Array.from({ length: 240 }, (_, i) => `T05Z${String(i).padStart(5, '0')}`);
    await put(t.store, 'partnership', MONTHS[7]!, monthCounts('partnership', MONTHS[7]!, 905, later), 'after-rollback');
    const gone = await t.store.countSeries({ areaCodes: lost, measures: MEASURES, source: 'police.uk', from: MONTHS[0]!, to: MONTHS.at(-1)! });
    expect(gone.rows).toBe(0);
    await expectSameAsCounts(t.store, { areaCodes: [...later, ...lost, ...WARDS.slice(0, 100)], measures: MEASURES, source: 'partnership', from: MONTHS[0]!, to: MONTHS.at(-1)! });
    await randomQueries(t.store, 14, [...inside, ...later, ...lost]);
  });

  it('two stores on the same data (replicas) numbering new areas in turn', async () => {
    const other = kind === 'sqlite' ? await openSqliteStore(t.location) : await openPostgresStore(t.location);
    try {
      const first = Array.from({ length: 210 }, (_, i) => `T05A${String(i).padStart(5, '0')}`);
      const second = Array.from({ length: 210 }, (_, i) => `T05B${String(i).padStart(5, '0')}`);
      await put(other, 'police.uk', MONTHS[1]!, monthCounts('police.uk', MONTHS[1]!, 906, [...WARDS.slice(0, 300), ...first]), 'replica-1');
      await put(t.store, 'police.uk', MONTHS[2]!, monthCounts('police.uk', MONTHS[2]!, 907, [...first.slice(0, 100), ...second]), 'replica-2');
      await put(other, 'partnership', MONTHS[2]!, monthCounts('partnership', MONTHS[2]!, 908, [...second, ...WARDS.slice(500)]), 'replica-3');
      for (const s of [t.store, other]) {
        await expectSameAsCounts(s, { areaCodes: [...second, ...first, ...WARDS], measures: MEASURES, source: 'police.uk', from: MONTHS[0]!, to: MONTHS.at(-1)! });
        await expectSameAsCounts(s, { areaCodes: [...WARDS, ...first, ...second], measures: MEASURES, source: 'partnership', from: MONTHS[0]!, to: MONTHS.at(-1)! });
        await randomQueries(s, 15, [...first, ...second]);
      }
    } finally {
      await other.close();
    }
  });
});

// ---- upgrade from migration 10: the packs backfilled from the counts ----

const UPGRADE_WARDS = Array.from({ length: 3100 }, (_, i) => `T05${String(i).padStart(6, '0')}`);
const UPGRADE_MEASURES = [...MEASURES, 'criminal-damage-arson', 'theft-from-the-person', 'possession-of-weapons', 'public-order'];
const UPGRADE_MONTHS = MONTHS.slice(0, 6);

/** Counts rows as an earlier release stored them, in a shuffled order (months not contiguous in the table). */
function legacyRows(): Array<[string, string, string, string, string, number]> {
  const r = rng(77);
  const rows: Array<[string, string, string, string, string, number]> = [];
  for (const source of ['police.uk', 'partnership'])
    for (const month of UPGRADE_MONTHS)
      for (const w of UPGRADE_WARDS) for (const m of UPGRADE_MEASURES) if (r() < 0.8) rows.push([w, m, source, month, 'ward', Math.floor(r() * 30)]);
  for (const month of UPGRADE_MONTHS) rows.push(['T06000001', 'burglary', 'police.uk', month, 'district', 999]);
  // mostly month by month, with a tenth of the rows moved to the end (a month met again later)
  const moved = rows.filter((_, i) => i % 10 === 0);
  return [...rows.filter((_, i) => i % 10 !== 0), ...shuffled(moved, r)];
}

async function expectUpgraded(store: Store, rowsStored: number): Promise<void> {
  expect(await store.schemaVersion()).toBe(Math.max(...MIGRATIONS.map((m) => m.version)));
  let read = 0;
  for (const source of ['police.uk', 'partnership'] as const)
    read += await expectSameAsCounts(store, { areaCodes: [...UPGRADE_WARDS].reverse(), measures: UPGRADE_MEASURES, source, from: UPGRADE_MONTHS[0]!, to: UPGRADE_MONTHS.at(-1)! });
  expect(read).toBe(rowsStored - UPGRADE_MONTHS.length); // every ward row; the district rows are not wards
  const r = rng(5);
  for (let i = 0; i < 6; i++) {
    const areaCodes = shuffled([...UPGRADE_WARDS, 'T06000001'], r).slice(0, i % 2 ? 12 : 800);
    await expectSameAsCounts(store, {
      areaCodes,
      measures: shuffled(UPGRADE_MEASURES, r).slice(0, 4),
      source: i % 2 ? 'police.uk' : 'partnership',
      from: UPGRADE_MONTHS[1]!,
      to: UPGRADE_MONTHS[4]!,
    });
  }
  // and it goes on: a revision after the upgrade reuses the backfilled ordinals
  await put(store, 'police.uk', UPGRADE_MONTHS[2]!, monthCounts('police.uk', UPGRADE_MONTHS[2]!, 909, UPGRADE_WARDS.slice(0, 2000)), 'after-upgrade');
  await expectSameAsCounts(store, { areaCodes: UPGRADE_WARDS, measures: MEASURES, source: 'police.uk', from: UPGRADE_MONTHS[0]!, to: UPGRADE_MONTHS.at(-1)! });
}

describe('count packs: upgrade from migration 10 with data', () => {
  const rows = legacyRows();

  it('sqlite: a file at schema 10 gets its packs on open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wardwatch-packs-upgrade-'));
    try {
      const path = join(dir, 'old.sqlite');
      const raw = new Database(path);
      raw.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
      for (const m of MIGRATIONS.filter((x) => x.version <= 10)) {
        raw.exec(m.sql);
        raw.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(m.version, m.name, 'then');
      }
      const ins = raw.prepare('INSERT INTO counts (area_code, measure, source, month, area_type, count) VALUES (?, ?, ?, ?, ?, ?)');
      raw.transaction(() => {
        for (const r of rows) ins.run(...r);
      })();
      raw.close();
      const s = await openSqliteStore(path);
      try {
        await expectUpgraded(s, rows.length);
      } finally {
        await s.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('postgres: a database at schema 10 gets its packs on open', async () => {
    const db = await testDatabase('packs_upgrade');
    try {
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      try {
        await c.query('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
        for (const m of PG_MIGRATIONS.filter((x) => x.version <= 10)) {
          await c.query(m.sql);
          await c.query('INSERT INTO schema_migrations VALUES ($1, $2, $3)', [m.version, m.name, 'then']);
        }
        for (let i = 0; i < rows.length; i += 50_000) {
          const part = rows.slice(i, i + 50_000);
          await c.query(
            'INSERT INTO counts (area_code, measure, source, month, area_type, count) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[])',
            [...[0, 1, 2, 3, 4, 5].map((k) => part.map((r) => r[k]))],
          );
        }
      } finally {
        await c.end();
      }
      const s = await openPostgresStore(db.url);
      try {
        await expectUpgraded(s, rows.length);
      } finally {
        await s.close();
      }
    } finally {
      await db.drop();
    }
  }, 120_000);
});
