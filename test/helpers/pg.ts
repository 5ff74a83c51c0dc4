// PostgreSQL for tests: a fresh database per call on the run's server (test/setup/postgres.ts).
//
//   const db = await testDatabase('contract');     // CREATE DATABASE wwt_<run>_contract_<pid>_<n>
//   const store = await openPostgresStore(db.url);
//   afterAll(async () => { await store.close(); await db.drop(); });
//
// A PostgreSQL store loaded with the fixtures: fixtureStoreOn('postgres') in ./store.ts.
// When the run has no server (it could not start), every call throws the reason, so the test fails:
// PostgreSQL tests are never skipped.
import { createHash } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import type { TestPostgres } from '../setup/context.ts';

export interface TestDatabase {
  /** postgres://... of the new database (same server and user as the admin URL). */
  url: string;
  name: string;
  /** Drops the database (closing whatever is still connected to it). Safe to call twice. */
  drop(): Promise<void>;
}

/** The run's server: its admin URL. Throws, with the reason and the fix, when there is none. */
export function testPostgres(): Extract<TestPostgres, { ok: true }> {
  const info = inject('wardwatchPostgres');
  if (!info) throw new Error('no PostgreSQL for tests: test/setup/postgres.ts did not run (it is a globalSetup in vitest.config.ts)');
  if (!info.ok) throw new Error(info.error);
  return info;
}

/** The admin URL with another database. */
export function databaseUrl(adminUrl: string, database: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: testPostgres().adminUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function dropDatabase(client: pg.Client, name: string): Promise<void> {
  const id = client.escapeIdentifier(name);
  try {
    await client.query(`DROP DATABASE IF EXISTS ${id} WITH (FORCE)`);
  } catch (e) {
    if ((e as { code?: string }).code !== '42601') throw e; // PostgreSQL < 13: no FORCE
    await client.query(`DROP DATABASE IF EXISTS ${id}`);
  }
}

let counter = 0;

/** A database name for this run: <runTag>_<prefix>_<pid>_<n>, at most 63 characters. */
function databaseName(prefix: string): string {
  const { runTag } = testPostgres();
  const clean =
    prefix
      .toLowerCase()
      .replace(/[^a-z0-9_]+/g, '_')
      .slice(0, 30) || 't';
  return `${runTag}_${clean}_${process.pid}_${++counter}`.slice(0, 63);
}

/** A fresh, empty database (or a copy of `template`) on the run's server. */
export async function testDatabase(prefix = 't', options: { template?: string } = {}): Promise<TestDatabase> {
  const { adminUrl } = testPostgres();
  const name = databaseName(prefix);
  await withAdmin((c) => c.query(`CREATE DATABASE ${c.escapeIdentifier(name)}${options.template ? ` TEMPLATE ${c.escapeIdentifier(options.template)}` : ''}`));
  let dropped = false;
  return {
    url: databaseUrl(adminUrl, name),
    name,
    async drop() {
      if (dropped) return;
      dropped = true;
      await withAdmin((c) => dropDatabase(c, name));
    },
  };
}

const templates = new Map<string, Promise<string>>();

/**
 * A template database, built once per run by whichever test process asks first (the others wait on an
 * advisory lock) with `build(url)`, which must close its connections. Copy it with testDatabase(prefix, { template }).
 */
export function templateDatabase(key: string, build: (url: string) => Promise<void>): Promise<string> {
  let made = templates.get(key);
  if (!made) {
    made = makeTemplate(key, build);
    templates.set(key, made);
    made.catch(() => templates.delete(key));
  }
  return made;
}

async function makeTemplate(key: string, build: (url: string) => Promise<void>): Promise<string> {
  const { adminUrl, runTag } = testPostgres();
  const name = `${runTag}_tpl_${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;
  return withAdmin(async (c) => {
    await c.query('SELECT pg_advisory_lock(hashtext($1))', [name]);
    try {
      const r = await c.query<{ datistemplate: boolean }>('SELECT datistemplate FROM pg_database WHERE datname = $1', [name]);
      if (r.rows[0]?.datistemplate) return name;
      await dropDatabase(c, name); // half-built by a process that died
      await c.query(`CREATE DATABASE ${c.escapeIdentifier(name)}`);
      try {
        await build(databaseUrl(adminUrl, name));
      } catch (e) {
        await dropDatabase(c, name).catch(() => undefined);
        throw e;
      }
      await c.query(`ALTER DATABASE ${c.escapeIdentifier(name)} IS_TEMPLATE true`);
      return name;
    } finally {
      await c.query('SELECT pg_advisory_unlock(hashtext($1))', [name]);
    }
  });
}
