// Planner statistics after a load (Store.refreshPlannerStatistics): on PostgreSQL an ingest that landed
// data ANALYZEs the store's tables (a freshly loaded store answered 2 to 2.5 times slower until autovacuum
// got round to it), an ingest that changed nothing or was told not to leaves them alone, and a failed
// refresh never fails the ingest. On SQLite the refresh changes nothing (no statistics tables appear).
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURE_PATHS, fixtureMonthFiles } from '../../src/ingest/fixtures.ts';
import { ingestPaths } from '../../src/ingest/index.ts';
import { loadConfig } from '../../src/config/load.ts';
import type { Store } from '../../src/store/types.ts';
import { tempStoreOn, type DialectStore } from '../helpers/store.ts';

const GEOGRAPHY = [FIXTURE_PATHS.geography, FIXTURE_PATHS.populations];
const MONTHS = fixtureMonthFiles(FIXTURE_PATHS.policeUk).slice(0, 2);
const { config } = loadConfig(new URL('../../wardwatch.config.yaml', import.meta.url).pathname);

/** When each of the store's tables was last analysed by hand (ANALYZE), by table name; null = never. */
async function analysedAt(url: string): Promise<Map<string, string | null>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // the statistics collector reports with a short delay: ask for a fresh snapshot
    await client.query('SELECT pg_stat_clear_snapshot()');
    const r = await client.query<{ relname: string; last_analyze: Date | null }>(`SELECT relname, last_analyze FROM pg_stat_user_tables WHERE schemaname = current_schema()`);
    return new Map(r.rows.map((row) => [row.relname, row.last_analyze ? row.last_analyze.toISOString() : null]));
  } finally {
    await client.end();
  }
}

/** Waits until the server's statistics show `check` true (they are reported asynchronously), at most 10 s. */
async function eventually(url: string, check: (at: Map<string, string | null>) => boolean): Promise<Map<string, string | null>> {
  const until = Date.now() + 10_000;
  for (;;) {
    const at = await analysedAt(url);
    if (check(at) || Date.now() > until) return at;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The store with its refreshPlannerStatistics replaced by `refresh` (counting the calls). */
function withRefresh(store: Store, refresh: () => Promise<void>): { store: Store; calls: () => number } {
  let calls = 0;
  const wrapped = new Proxy(store, {
    get(target, key, receiver) {
      if (key === 'refreshPlannerStatistics')
        return async () => {
          calls++;
          await refresh();
        };
      const value = Reflect.get(target, key, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store: wrapped, calls: () => calls };
}

/** The planner's row estimate for a table (pg_class.reltuples: written by ANALYZE at once, not reported later). */
async function plannerRows(url: string, table: string): Promise<{ estimate: number; actual: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const e = await client.query<{ reltuples: number }>(`SELECT reltuples FROM pg_class WHERE oid = to_regclass($1)`, [table]);
    const a = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
    return { estimate: Number(e.rows[0]!.reltuples), actual: Number(a.rows[0]!.n) };
  } finally {
    await client.end();
  }
}

describe('planner statistics after an ingest: postgres', () => {
  let t: DialectStore | undefined;
  afterEach(async () => {
    await t?.store.close();
    await t?.cleanup();
    t = undefined;
  });

  it('an ingest that lands data analyses every table of the store', async () => {
    t = await tempStoreOn('postgres');
    expect((await analysedAt(t.location)).get('counts')).toBeNull();
    const quiet = await ingestPaths(t.store, [...GEOGRAPHY, MONTHS[0]!], { config, plannerStatistics: false });
    expect(quiet.files.find((f) => f.kind === 'police-uk')?.outcome).toBe('loaded');
    const unanalysed = await plannerRows(t.location, 'counts');
    expect(unanalysed.actual).toBeGreaterThan(1000);
    expect(unanalysed.estimate).toBeLessThan(unanalysed.actual / 2); // the planner still thinks it (nearly) empty

    const r = await ingestPaths(t.store, [MONTHS[1]!], { config });
    expect(r.files.map((f) => f.outcome)).toEqual(['loaded']);
    const analysed = await plannerRows(t.location, 'counts');
    expect(analysed.estimate).toBe(analysed.actual);
    const after = await eventually(t.location, (at) => [...at.values()].every((v) => v !== null));
    for (const table of ['counts', 'count_packs', 'area_ordinals', 'areas', 'releases', 'current_months']) expect(after.get(table), table).not.toBeNull();
    expect([...after.values()].every((v) => v !== null)).toBe(true); // every table of the store's schema
  }, 120_000);

  it('refreshed once an ingest that lands data; not when told not to or when nothing changed; a failed refresh does not fail the ingest', async () => {
    t = await tempStoreOn('postgres');
    const counted = withRefresh(t.store, () => t!.store.refreshPlannerStatistics());
    await ingestPaths(counted.store, [...GEOGRAPHY, MONTHS[0]!], { config, plannerStatistics: false });
    expect(counted.calls()).toBe(0);
    await ingestPaths(counted.store, [MONTHS[1]!], { config });
    expect(counted.calls()).toBe(1);
    const again = await ingestPaths(counted.store, [MONTHS[1]!], { config });
    expect(again.files.map((f) => f.outcome)).toEqual(['unchanged']);
    expect(counted.calls()).toBe(1);

    // a refresh that fails: the month removed and loaded again lands all the same
    const failing = withRefresh(t.store, () => Promise.reject(new Error('ANALYZE refused')));
    const month = again.files[0]!.month!;
    expect(await t.store.removeMonth({ source: 'police.uk', month })).toBe(true);
    const reloaded = await ingestPaths(failing.store, [MONTHS[1]!], { config });
    expect(reloaded.files.map((f) => f.outcome)).toEqual(['loaded']);
    expect(failing.calls()).toBe(1);
    expect((await t.store.currentMonths('police.uk')).map((c) => c.month)).toContain(month);
  }, 120_000);
});

describe('planner statistics after an ingest: sqlite', () => {
  it('the refresh leaves the file without statistics tables (its planner takes the primary keys)', async () => {
    const t = await tempStoreOn('sqlite');
    try {
      await ingestPaths(t.store, [...GEOGRAPHY, MONTHS[0]!], { config });
      await t.store.refreshPlannerStatistics();
      const db = new Database(t.location, { readonly: true });
      try {
        expect(db.prepare(`SELECT name FROM sqlite_master WHERE name LIKE 'sqlite_stat%'`).all()).toEqual([]);
        expect((db.prepare('SELECT count(*) AS n FROM counts').get() as { n: number }).n).toBeGreaterThan(0);
      } finally {
        db.close();
      }
    } finally {
      await t.store.close();
      await t.cleanup();
    }
  }, 60_000);
});
