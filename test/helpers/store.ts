// Shared test helpers: temporary stores, empty or loaded with the fixtures.
//
//   const { store, path, cleanup } = await fixtureStore();            // geography + real months + partnership extract
//   const { store } = await fixtureStore({ history: true });          // ... plus the synthetic history
//   const { store } = await tempStore();                              // empty, migrated
//   afterAll(() => cleanup());                                        // cleanup() returns a Promise
//
// Each call gives the test its own SQLite file in a fresh temp folder. The loaded stores are built once per
// test run, as it starts, by test/setup/fixtures.ts (plain and history: true; the first call waits for the
// build), then copied; other option sets are built once per test process on first use.
//
// Either dialect, for suites that run against both (the store contract):
//   const t = await fixtureStoreOn('postgres', { history: true });   // or 'sqlite'
//   const e = await tempStoreOn('postgres');                          // empty, migrated
//   ... t.store ...; await t.cleanup();
// On PostgreSQL each call gets its own database: a copy of a template database that the first caller in
// the run loads with loadFixtures (see test/helpers/pg.ts); without a server the call throws, so the test fails.
//
// Every store these give has the tests' fixed record-key secret (test/setup/record-keys.ts), so
// perturbed figures (src/figures/disclosure.ts) are the same in every test and every run.
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { loadFixtures } from '../../src/ingest/fixtures.ts';
import { openPostgresStore, openSqliteStore } from '../../src/store/kysely.ts';
import type { Month } from '../../src/core/periods.ts';
import type { DataSource, Release, Store } from '../../src/store/types.ts';
import { fixtureKey, type FixtureBuildStatus, type FixtureOptions } from '../setup/context.ts';
import { templateDatabase, testDatabase } from './pg.ts';
import { seedRecordKeySecret } from '../setup/record-keys.ts';

/** A release record for replaceMonth in store tests: one row read and placed by polygon unless told otherwise. */
export function testRelease(
  source: DataSource,
  month: Month,
  checksum: string,
  overrides: Partial<Omit<Release, 'id' | 'revision' | 'ingestedAt' | 'source' | 'month' | 'checksum'>> = {},
): Omit<Release, 'id' | 'revision' | 'ingestedAt'> {
  return {
    source,
    fileName: `${month}.csv`,
    month,
    rowsRead: 1,
    placedByPolygon: 1,
    placedByLsoa: 0,
    placedByPartner: 0,
    outOfArea: 0,
    unplaced: 0,
    checksum,
    synthetic: false,
    ...overrides,
  };
}

/** The SQLite store as opened by openSqliteStore (a Store with `path` and `checkpoint()`). */
export type SqliteTestStore = Awaited<ReturnType<typeof openSqliteStore>>;

export interface TempStore {
  store: SqliteTestStore;
  /** The SQLite file (pass as WARDWATCH_DB to a child process; close the store first if it writes). */
  path: string;
  dir: string;
  cleanup(): Promise<void>;
}

/** A store of either dialect, for tests that run against both. */
export interface DialectStore {
  kind: 'sqlite' | 'postgres';
  store: Store;
  /** The SQLite file, or the postgres:// URL of this store's own database (for WARDWATCH_DATABASE_URL). */
  location: string;
  cleanup(): Promise<void>;
}

export type { FixtureOptions };

/** A fresh temp folder (removed by cleanup) and the path of a store file in it. */
export function tempDbPath(prefix = 'wardwatch-test-'): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, path: join(dir, 'wardwatch.sqlite') };
}

async function opened(dir: string, path: string): Promise<TempStore> {
  const store = await openSqliteStore(path);
  let done = false;
  return {
    store,
    path,
    dir,
    async cleanup() {
      if (done) return;
      done = true;
      try {
        await store.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** An empty, migrated store in its own temp folder. */
export async function tempStore(): Promise<TempStore> {
  const { dir, path } = tempDbPath();
  const t = await opened(dir, path);
  await seedRecordKeySecret(t.store);
  return t;
}

function loadOptions(options: FixtureOptions) {
  return { history: options.history ?? false, ...(options.lastRealMonth ? { lastRealMonth: options.lastRealMonth } : {}), seed: options.seed ?? 1 };
}

// Option sets the global setup did not build: built here, once per process, in the run's scratch folder
// (removed when the run ends), or without one (vitest run without its config) in a temp folder.
const localTemplates = new Map<string, Promise<string>>();
const localTemplateDirs: string[] = [];
process.on('exit', () => {
  for (const d of localTemplateDirs) rmSync(d, { recursive: true, force: true });
});

async function buildLocalTemplate(options: FixtureOptions): Promise<string> {
  const scratch = inject('wardwatchFixtures')?.dir;
  const dir = mkdtempSync(join(scratch ?? tmpdir(), 'wardwatch-template-'));
  const path = join(dir, 'wardwatch.sqlite');
  localTemplateDirs.push(dir);
  const store = await openSqliteStore(path);
  try {
    await loadFixtures(store, loadOptions(options));
    await seedRecordKeySecret(store); // the same perturbation in every test (test/setup/record-keys.ts)
    await store.checkpoint();
  } finally {
    await store.close();
  }
  return path;
}

/** Waits for the global setup's build of an option set to end (it started with the run). */
async function builtTemplate(key: string, built: { path: string; status: string }): Promise<string> {
  const deadline = Date.now() + 5 * 60_000;
  while (!existsSync(built.status)) {
    if (Date.now() > deadline) throw new Error(`the fixture store ${key} was not built in 5 minutes (test/setup/fixtures.ts)`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const status = JSON.parse(readFileSync(built.status, 'utf8')) as FixtureBuildStatus;
  if (!status.ok) throw new Error(`the fixture store ${key} could not be built (test/setup/fixtures.ts):\n${status.error}`);
  return built.path;
}

/** The SQLite file to copy for an option set. */
async function sqliteTemplate(options: FixtureOptions): Promise<string> {
  const key = fixtureKey(options);
  const built = inject('wardwatchFixtures')?.templates[key];
  if (built) return builtTemplate(key, built);
  let template = localTemplates.get(key);
  if (!template) {
    template = buildLocalTemplate(options);
    localTemplates.set(key, template);
  }
  return template;
}

/**
 * A store loaded with the fixtures (via loadFixtures, using the repo's wardwatch.config.yaml force area).
 * Defaults: no synthetic history, every real month, seed 1.
 */
export async function fixtureStore(options: FixtureOptions = {}): Promise<TempStore> {
  const source = await sqliteTemplate(options);
  const { dir, path } = tempDbPath();
  copyFileSync(source, path);
  return opened(dir, path);
}

/** An empty, migrated store of either dialect (PostgreSQL: its own database on the run's server). */
export async function tempStoreOn(kind: DialectStore['kind']): Promise<DialectStore> {
  if (kind === 'sqlite') {
    const t = await tempStore();
    return { kind, store: t.store, location: t.path, cleanup: t.cleanup };
  }
  const db = await testDatabase('empty');
  const t = await postgresOn(db);
  await seedRecordKeySecret(t.store);
  return t;
}

/** fixtureStore() on either dialect. */
export async function fixtureStoreOn(kind: DialectStore['kind'], options: FixtureOptions = {}): Promise<DialectStore> {
  if (kind === 'sqlite') {
    const t = await fixtureStore(options);
    return { kind, store: t.store, location: t.path, cleanup: t.cleanup };
  }
  const template = await templateDatabase(`fixtures ${fixtureKey(options)}`, async (url) => {
    const store = await openPostgresStore(url);
    try {
      await loadFixtures(store, loadOptions(options));
      await seedRecordKeySecret(store);
    } finally {
      await store.close();
    }
  });
  return postgresOn(await testDatabase('fixtures', { template }));
}

async function postgresOn(db: { url: string; drop(): Promise<void> }): Promise<DialectStore> {
  let store: Store;
  try {
    store = await openPostgresStore(db.url);
  } catch (e) {
    await db.drop().catch(() => undefined);
    throw e;
  }
  let done = false;
  return {
    kind: 'postgres',
    store,
    location: db.url,
    async cleanup() {
      if (done) return;
      done = true;
      try {
        await store.close();
      } finally {
        await db.drop();
      }
    },
  };
}
