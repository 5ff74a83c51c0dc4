// `wardwatch serve` as a child process, the way an operator runs it, for the benches that measure what a
// user meets (HTTP on loopback): started from a source tree (this one, or an older commit's, see
// old-tree.ts), ready once /healthz answers 200, with its memory read from /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Servers this process started: stopped if the bench is interrupted (Ctrl-C, SIGTERM), not orphaned. */
const live = new Set<ChildProcess>();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const c of live) c.kill('SIGKILL');
    process.exit(130);
  });
}

export interface ServeChild {
  /** http://127.0.0.1:PORT/ */
  url: string;
  pid: number;
  child: ChildProcess;
  /** Seconds from spawn to /healthz 200 (the first-start fixture load included). */
  startSeconds: number;
  output(): string;
  /** Resident memory now and at its peak (VmRSS, VmHWM), in MB; null where /proc is absent. */
  memory(): { rssMb: number; peakMb: number } | null;
  stop(): Promise<void>;
}

/** The environment of a serve child: nothing inherited that names a store, a port, Slack or a secret. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(WARDWATCH_|SLACK_|TEAMS_)|^(PORT|NODE_OPTIONS|VITEST.*)$/.test(k)) continue;
    env[k] = v;
  }
  return { ...env, NODE_ENV: 'production', PORT: '0', WARDWATCH_HOST: '127.0.0.1', WARDWATCH_DEV_CONTROLS: '0', ...extra };
}

export function procMemory(pid: number): { rssMb: number; peakMb: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMb: Math.round(kb('VmRSS') / 1024), peakMb: Math.round(kb('VmHWM') / 1024) };
  } catch {
    return null;
  }
}

/** Starts `node bin/wardwatch.js serve` in `root` and waits until it is ready (at most `timeoutMs`). */
export async function startServeChild(options: { root?: string; env: Record<string, string>; timeoutMs?: number; nodeArgs?: string[] }): Promise<ServeChild> {
  const root = options.root ?? ROOT;
  const started = performance.now();
  // $WARDWATCH_BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") go to every server started.
  const fromEnv = (process.env.WARDWATCH_BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...fromEnv, ...(options.nodeArgs ?? []), join(root, 'bin/wardwatch.js'), 'serve'], {
    cwd: root,
    env: childEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out = (out + String(d)).slice(-20_000)));
  child.stderr!.on('data', (d) => (out = (out + String(d)).slice(-20_000)));
  let exited = false;
  const gone = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const reap = () => child.kill('SIGKILL');
  process.once('exit', reap);
  live.add(child);
  child.once('exit', () => live.delete(child));
  const deadline = Date.now() + (options.timeoutMs ?? 300_000);
  let url: string | undefined;
  for (;;) {
    if (exited) throw new Error(`wardwatch serve (${root}) exited before it was ready:\n${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`wardwatch serve (${root}) was not ready in time:\n${out}`);
    }
    url ??= /(?:Local channel|Listening on): (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)?.[1];
    if (url) {
      const status = await fetch(`${url}healthz`, { signal: AbortSignal.timeout(5000) }).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) break;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const base = url;
  return {
    url: base,
    pid: child.pid!,
    child,
    startSeconds: Math.round((performance.now() - started) / 100) / 10,
    output: () => out,
    memory: () => procMemory(child.pid!),
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await gone;
        clearTimeout(timer);
      }
      process.off('exit', reap);
    },
  };
}
