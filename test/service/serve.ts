// Helpers for the service tests: `wardwatch serve` (and other verbs) as real child processes, the way an
// operator runs them, with a config file of the test's own and the store named by the environment.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The repo's config with the given data-check schedule, written to `dir`; returns the file. */
export function writeTestConfig(dir: string, options: { dataCheck?: string } = {}): string {
  const doc = parseDocument(readFileSync(join(ROOT, 'wardwatch.config.yaml'), 'utf8'));
  if (options.dataCheck) doc.setIn(['schedule', 'dataCheck'], options.dataCheck);
  doc.set('alertRules', join(ROOT, 'alerts'));
  const file = join(dir, 'wardwatch.config.yaml');
  writeFileSync(file, doc.toString());
  return file;
}

/** The environment for a child: the store and config given here, nothing inherited that names another. */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) {
    if (/^(WARDWATCH_|SLACK_|TEAMS_)/.test(k) || k === 'PORT') delete env[k];
  }
  return { ...env, NODE_ENV: 'test', ...extra };
}

export interface Child {
  name: string;
  child: ChildProcess;
  /** Everything it printed so far (stdout and stderr, progress bars' \r as new lines). */
  output(): string;
  /** Resolves when it has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exitedAt: number | null;
}

/** Spawns `node bin/wardwatch.js <args>` with `env`. */
export function spawnWardwatch(name: string, args: string[], env: NodeJS.ProcessEnv): Child {
  const child = spawn(process.execPath, ['bin/wardwatch.js', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d).replace(/\r/g, '\n')));
  child.stderr!.on('data', (d) => (out += String(d).replace(/\r/g, '\n')));
  const c: Child = {
    name,
    child,
    output: () => out,
    exitedAt: null,
    exited: new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        c.exitedAt = Date.now();
        resolve({ code, signal });
      });
    }),
  };
  return c;
}

/** Runs a verb to its end; resolves with its exit code and output. */
export async function runWardwatch(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<{ code: number | null; output: string }> {
  const c = spawnWardwatch(args[0] ?? 'cli', args, env);
  const timer = setTimeout(() => c.child.kill('SIGKILL'), timeoutMs);
  const { code } = await c.exited;
  clearTimeout(timer);
  return { code, output: c.output() };
}

export interface Served extends Child {
  /** http://127.0.0.1:PORT/ */
  url: string;
}

/** Polls `fn` until it returns something other than undefined/false; throws with `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string | (() => string),
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 30_000,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const text = typeof what === 'function' ? what() : what;
      throw new Error(
        `timed out after ${timeoutMs / 1000} s waiting for ${text}${lastError ? ` (last error: ${lastError instanceof Error ? lastError.message : String(lastError)})` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Starts `wardwatch serve` and resolves once it has printed its URL (not yet ready). */
export async function startServe(name: string, env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<Served> {
  const c = spawnWardwatch(name, ['serve'], { PORT: '0', WARDWATCH_HOST: '127.0.0.1', WARDWATCH_DEV_CONTROLS: '1', ...env });
  let exited = false;
  void c.exited.then(() => (exited = true));
  const url = await waitFor(
    () => `${name} to print its URL:\n${c.output()}`,
    () => {
      if (exited) throw new Error(`${name} exited before printing its URL:\n${c.output()}`);
      return /Local channel: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(c.output())?.[1];
    },
    timeoutMs,
    50,
  ).catch((err: unknown) => {
    c.child.kill('SIGKILL');
    throw err;
  });
  return Object.assign(c, { url });
}

/** The JSON of /healthz (whatever its status), or undefined when it does not answer. */
export async function healthz(s: Served): Promise<{ status: number; body: Record<string, any> } | undefined> {
  try {
    const r = await fetch(`${s.url}healthz`, { signal: AbortSignal.timeout(5000) });
    return { status: r.status, body: (await r.json()) as Record<string, any> };
  } catch {
    return undefined;
  }
}

/** Waits until /healthz answers 200 (ready). */
export async function waitReady(s: Served, timeoutMs = 120_000): Promise<Record<string, any>> {
  return waitFor(
    () => `${s.name} to be ready:\n${s.output()}`,
    async () => {
      if (s.exitedAt !== null) throw new Error(`${s.name} exited:\n${s.output()}`);
      const h = await healthz(s);
      return h?.status === 200 ? h.body : undefined;
    },
    timeoutMs,
    250,
  );
}

/** Sends `signal` and waits for the exit (SIGKILL after `timeoutMs`). */
export async function stopChild(c: Child, signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 20_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (c.exitedAt !== null) return c.exited;
  c.child.kill(signal);
  const timer = setTimeout(() => c.child.kill('SIGKILL'), timeoutMs);
  const result = await c.exited;
  clearTimeout(timer);
  return result;
}

export interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

/** A browser-like EventSource reader of /api/events: collects events until closed. */
export function openEvents(url: string): { events: SseEvent[]; opened: Promise<void>; close(): void; error(): unknown } {
  const controller = new AbortController();
  const events: SseEvent[] = [];
  let failure: unknown = null;
  let markOpen!: () => void;
  const opened = new Promise<void>((r) => (markOpen = r));
  void (async () => {
    try {
      const res = await fetch(`${url}api/events`, { headers: { Accept: 'text/event-stream', 'Cache-Control': 'no-cache' }, signal: controller.signal });
      if (res.status !== 200 || !res.body) throw new Error(`/api/events answered ${res.status}`);
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const e: SseEvent = { event: 'message', data: '' };
          let any = false;
          for (const line of block.split('\n')) {
            if (line.startsWith(':') || !line) continue;
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'id') e.id = value;
            else if (field === 'event') e.event = value;
            else if (field === 'data') e.data = e.data ? `${e.data}\n${value}` : value;
            else continue;
            any = true;
          }
          if (any && (e.data || e.id)) {
            events.push(e);
            if (e.event === 'status') markOpen();
          }
        }
      }
    } catch (err) {
      if (!controller.signal.aborted) failure = err;
    }
  })();
  return { events, opened, close: () => controller.abort(), error: () => failure };
}
