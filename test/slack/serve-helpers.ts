// The service with Slack, the way an operator runs it: `wardwatch serve` as a child process (or
// startService in this process) on a copy of the fixture store, with a config that links three Slack
// channels, pointed at the fake Slack on loopback. The child runs under the network guard (netguard.ts):
// any connection off loopback fails and is reported in its output.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseDocument } from 'yaml';
import { startService, type RunningService } from '../../src/service/service.ts';
import { fixtureStore } from '../helpers/store.ts';
import { slackTestConfig } from './helpers.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PRELOAD = pathToFileURL(fileURLToPath(new URL('./child-preload.ts', import.meta.url))).href;

/** A port nothing listens on (it was free a moment ago): "Slack cannot be reached". */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A temp folder with a copy of the fixture store (closed, for a child to open) and the Slack test config. */
export async function serviceFolder(): Promise<{ dir: string; db: string; config: string; cleanup(): void }> {
  const st = await fixtureStore();
  await st.store.close();
  const doc = parseDocument(readFileSync(join(ROOT, 'wardwatch.config.yaml'), 'utf8'));
  doc.set('channels', slackTestConfig().channels);
  doc.set('alertRules', join(ROOT, 'alerts'));
  const config = join(st.dir, 'wardwatch.config.yaml');
  writeFileSync(config, doc.toString());
  return { dir: st.dir, db: st.path, config, cleanup: () => rmSync(st.dir, { recursive: true, force: true }) };
}

/** The child's environment: nothing inherited that names a store, a port, Slack or a secret. */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(WARDWATCH_|SLACK_|TEAMS_)|^(PORT|NODE_OPTIONS|VITEST.*)$/.test(k)) continue;
    env[k] = v;
  }
  return { ...env, NODE_ENV: 'test', WARDWATCH_TEST_NET_GUARD: '1', ...extra };
}

export interface ServeChild {
  child: ChildProcess;
  /** http://127.0.0.1:PORT/ */
  url: string;
  /** When /healthz first answered 200 (Date.now()). */
  readyAt: number;
  /** Everything written to stdout and stderr so far, in order. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive(): boolean;
  /** GET /healthz: status and JSON. */
  healthz(): Promise<{ status: number; body: Record<string, any> }>;
  /** POST /api/ask on the local page. */
  ask(text: string, headers?: Record<string, string>, channel?: string): Promise<{ status: number; body: Record<string, any> }>;
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `wardwatch serve` and resolves once /healthz answers 200 (data loaded, scheduler running). */
export async function startServe(env: Record<string, string>, timeoutMs = 30_000): Promise<ServeChild> {
  // The preload goes on the command line, not in NODE_OPTIONS: on a fresh clone a child given both
  // imports through NODE_OPTIONS never got as far as its first line (not understood yet; see notes).
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', PRELOAD, 'bin/wardwatch.js', 'serve'], {
    cwd: ROOT,
    env: childEnv({ PORT: '0', WARDWATCH_HOST: '127.0.0.1', WARDWATCH_DEV_CONTROLS: '0', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (out += String(d)));
  let done = false;
  // However this test process ends (a timeout, a crash), the child does not outlive it.
  const reap = () => child.kill('SIGKILL');
  process.once('exit', reap);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      done = true;
      process.off('exit', reap);
      resolve({ code, signal });
    }),
  );
  const deadline = Date.now() + timeoutMs;
  let url: string | undefined;
  const bearer: Record<string, string> = env.WARDWATCH_LOCAL_TOKEN ? { authorization: `Bearer ${env.WARDWATCH_LOCAL_TOKEN}` } : {};
  for (;;) {
    if (done) throw new Error(`wardwatch serve exited before it was ready:\n${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`wardwatch serve was not ready after ${timeoutMs / 1000} s:\n${out}`);
    }
    url ??= /(?:Local channel|Listening on): (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)?.[1];
    if (url) {
      const status = await fetch(`${url}healthz`, { signal: AbortSignal.timeout(5000) }).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const base = url;
  return {
    child,
    url: base,
    readyAt: Date.now(),
    output: () => out,
    exited,
    alive: () => !done && child.exitCode === null && child.signalCode === null,
    async healthz() {
      const r = await fetch(`${base}healthz`, { signal: AbortSignal.timeout(5000) });
      return { status: r.status, body: (await r.json()) as Record<string, any> };
    },
    async ask(text, headers = {}, channel = 'cambridge-csp') {
      const r = await fetch(`${base}api/ask`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...bearer, ...headers },
        body: JSON.stringify({ channel, text }),
        signal: AbortSignal.timeout(20_000),
      });
      return { status: r.status, body: (await r.json()) as Record<string, any> };
    },
    async stop() {
      if (done) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

/** Polls until `fn` returns a value (not undefined/false); throws with `what()` after `ms`. */
export async function until<T>(what: () => string, fn: () => Promise<T | undefined | false> | T | undefined | false, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${ms / 1000} s waiting for ${what()}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface InProcessService {
  service: RunningService;
  logs: string[];
  /** POST /api/ask on the local page. */
  ask(text: string, channel?: string): Promise<{ status: number; body: Record<string, any> }>;
  healthz(): Promise<{ status: number; body: Record<string, any> }>;
  stop(): Promise<void>;
}

/** startService in this process on a copy of the fixture store, with the Slack test config and `env`. */
export async function startInProcess(env: Record<string, string>): Promise<InProcessService> {
  const folder = await serviceFolder();
  const logs: string[] = [];
  const { loadConfig } = await import('../../src/config/load.ts');
  const { config } = loadConfig(folder.config);
  const service = await startService({
    config,
    store: { path: folder.db },
    binding: { host: '127.0.0.1', port: 0, token: null, loopback: true, pageEnabled: true },
    env: { NODE_ENV: 'test', ...env },
    log: (line) => logs.push(line),
    devControls: false,
    eventPollMs: 500,
    messagePollMs: 500,
  });
  await service.ready;
  return {
    service,
    logs,
    async ask(text, channel = 'cambridge-csp') {
      const r = await fetch(`${service.url}api/ask`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ channel, text }) });
      return { status: r.status, body: (await r.json()) as Record<string, any> };
    },
    async healthz() {
      const r = await fetch(`${service.url}healthz`);
      return { status: r.status, body: (await r.json()) as Record<string, any> };
    },
    async stop() {
      await service.close();
      folder.cleanup();
    },
  };
}
