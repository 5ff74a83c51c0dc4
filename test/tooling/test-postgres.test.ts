// The test harness's PostgreSQL (test/setup/postgres.ts, test/helpers/pg.ts): a server for the run, a fresh
// database per call, template copies. Fails, never skips, when the run has no server.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { templateDatabase, testDatabase, testPostgres } from '../helpers/pg.ts';

async function query<R extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

describe('PostgreSQL for tests', () => {
  it('has a server for the run', () => {
    const server = testPostgres();
    expect(server.adminUrl).toMatch(/^postgres(ql)?:\/\//);
  });

  it('gives each call its own database, and drops it', async () => {
    const [a, b] = await Promise.all([testDatabase('harness'), testDatabase('harness')]);
    try {
      expect(a.name).not.toBe(b.name);
      await query(a.url, 'CREATE TABLE t (x int)');
      await query(a.url, 'INSERT INTO t VALUES (1)');
      expect(await query(b.url, "SELECT to_regclass('t') AS t")).toEqual([{ t: null }]);
      const [{ db }] = (await query<{ db: string }>(a.url, 'SELECT current_database() AS db')) as [{ db: string }];
      expect(db).toBe(a.name);
    } finally {
      await a.drop();
      await b.drop();
    }
    const left = await query(testPostgres().adminUrl, 'SELECT datname FROM pg_database WHERE datname = ANY($1)', [[a.name, b.name]]);
    expect(left).toEqual([]);
    await a.drop(); // twice is fine
  });

  it('builds a template once and copies it', async () => {
    let builds = 0;
    const build = async (url: string) => {
      builds++;
      await query(url, 'CREATE TABLE loaded (n int)');
      await query(url, 'INSERT INTO loaded SELECT generate_series(1, 100)');
    };
    const key = `harness ${Math.random()}`;
    const [t1, t2] = await Promise.all([templateDatabase(key, build), templateDatabase(key, build)]);
    expect(t1).toBe(t2);
    expect(builds).toBe(1);
    const copy = await testDatabase('copy', { template: t1 });
    try {
      expect(await query(copy.url, 'SELECT count(*)::int AS n FROM loaded')).toEqual([{ n: 100 }]);
    } finally {
      await copy.drop();
    }
  });
});
