import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Once per run: the PostgreSQL server (test/helpers/pg.ts hands out databases on it), then the SQLite
    // fixture stores, built while the first tests run (test/helpers/store.ts copies them).
    globalSetup: ['test/setup/postgres.ts', 'test/setup/fixtures.ts'],
    // Tests share nothing but loopback ports (always :0), their own temp SQLite files and their own
    // PostgreSQL databases.
    pool: 'forks',
  },
});
