// Shared test helpers: temporary stores, empty or loaded with the fixtures.
//
//   const { store, path, cleanup } = await fixtureStore();            // geography + real months + partnership extract
//   const { store } = await fixtureStore({ history: true });          // ... plus the synthetic history (slower, ~seconds)
//   const { store } = tempStore();                                    // empty, migrated
//   afterAll(() => cleanup());
//
// Each call gives the test its own SQLite file in a fresh temp folder. Loaded stores are built once per
// test process and per option set, then copied, so many tests can ask for one cheaply.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFixtures, type LoadFixturesOptions } from '../../src/ingest/fixtures.ts';
import { openStore, type SqliteStore } from '../../src/store/sqlite.ts';

export interface TempStore {
  store: SqliteStore;
  /** The SQLite file (pass as WARDWATCH_DB to a child process; close the store first if it writes). */
  path: string;
  dir: string;
  cleanup(): void;
}

/** A fresh temp folder (removed by cleanup) and the path of a store file in it. */
export function tempDbPath(prefix = 'wardwatch-test-'): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, path: join(dir, 'wardwatch.sqlite') };
}

function opened(dir: string, path: string): TempStore {
  const store = openStore(path);
  return {
    store,
    path,
    dir,
    cleanup() {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An empty, migrated store in its own temp folder. */
export function tempStore(): TempStore {
  const { dir, path } = tempDbPath();
  return opened(dir, path);
}

const templates = new Map<string, Promise<string>>();
const templateDirs: string[] = [];
process.on('exit', () => {
  for (const d of templateDirs) rmSync(d, { recursive: true, force: true });
});

async function buildTemplate(options: Pick<LoadFixturesOptions, 'history' | 'lastRealMonth' | 'seed'>): Promise<string> {
  const { dir, path } = tempDbPath('wardwatch-template-');
  templateDirs.push(dir);
  const store = openStore(path);
  await loadFixtures(store, { history: options.history ?? false, ...(options.lastRealMonth ? { lastRealMonth: options.lastRealMonth } : {}), seed: options.seed ?? 1 });
  store.checkpoint();
  store.close();
  return path;
}

/**
 * A store loaded with the fixtures (via loadFixtures, using the repo's wardwatch.config.yaml force area).
 * Defaults: no synthetic history, every real month.
 */
export async function fixtureStore(options: { history?: boolean; lastRealMonth?: string; seed?: number } = {}): Promise<TempStore> {
  const key = JSON.stringify([options.history ?? false, options.lastRealMonth ?? null, options.seed ?? 1]);
  let template = templates.get(key);
  if (!template) {
    template = buildTemplate(options);
    templates.set(key, template);
  }
  const source = await template;
  const { dir, path } = tempDbPath();
  copyFileSync(source, path);
  return opened(dir, path);
}
