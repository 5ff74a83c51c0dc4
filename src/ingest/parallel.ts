// Reading police.uk files on every core: a national month is 40-odd files, and reading and checking
// them (CSV splitting, per-row checks) is most of an ingest's time. Reader threads each take one file at
// a time; the main thread places each file (point-in-polygon over the one ward index) as it comes back,
// in the files' order, so the first bad file in that order is the one reported, as when read in turn.
import { availableParallelism } from 'node:os';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { InputError } from '../core/errors.ts';
import type { PoliceUkRead } from './policeUk.ts';
import type { ReadReply, ReadRequest } from './read-worker.ts';
import type { IngestChecks } from './validate.ts';
import { WORKER_BOOT, workerExecArgv } from '../core/workers.ts';

const BOOT = fileURLToPath(WORKER_BOOT);
const ENTRY = new URL('./read-worker.ts', import.meta.url).href;

/**
 * Below this many bytes of police.uk files in one ingest, starting threads costs more than it saves: a
 * reader thread takes 1.6 to 2.2 s to start (tsx and the modules, on a loaded 2-core machine), while one
 * national month (42 files, 99 MB) is read and checked on the main thread in about 0.9 s of CPU.
 */
export const PARALLEL_MIN_BYTES = 256 * 1024 * 1024;

/** How many reader threads an ingest of these files should use (0: read them on the main thread). */
export function readerThreads(paths: readonly string[], force?: number): number {
  if (force !== undefined) return force;
  if (process.env.WARDWATCH_INGEST_THREADS !== undefined) return Math.max(0, Number(process.env.WARDWATCH_INGEST_THREADS) || 0);
  if (paths.length < 2 || availableParallelism() < 2) return 0;
  const bytes = paths.reduce((n, p) => n + statSync(p).size, 0);
  return bytes < PARALLEL_MIN_BYTES ? 0 : Math.min(availableParallelism(), paths.length);
}

/**
 * Starts reading every path on `threads` reader threads; `get(path)` gives its read (or the error
 * reading it gave). `close()` ends the threads (always call it: in a finally).
 */
export function readInParallel(paths: readonly string[], checks: IngestChecks, threads: number): { get(path: string): Promise<PoliceUkRead>; close(): Promise<void> } {
  const results = new Map<string, { promise: Promise<PoliceUkRead>; resolve(r: PoliceUkRead): void; reject(e: Error): void }>();
  for (const p of paths) {
    let resolve!: (r: PoliceUkRead) => void, reject!: (e: Error) => void;
    const promise = new Promise<PoliceUkRead>((a, b) => ((resolve = a), (reject = b)));
    promise.catch(() => undefined); // awaited later (or never, after an earlier file fails)
    results.set(p, { promise, resolve, reject });
  }
  const queue = [...paths];
  const workers: Worker[] = [];
  let nextId = 0;
  const byId = new Map<number, string>();
  const feed = (w: Worker) => {
    const path = queue.shift();
    if (path === undefined) return;
    const id = nextId++;
    byId.set(id, path);
    w.postMessage({ id, path, checks } satisfies ReadRequest);
  };
  for (let i = 0; i < Math.min(threads, paths.length); i++) {
    const w = new Worker(BOOT, { workerData: { entry: ENTRY }, execArgv: workerExecArgv(process.execArgv) });
    w.on('message', (reply: ReadReply) => {
      const path = byId.get(reply.id)!;
      byId.delete(reply.id);
      const r = results.get(path)!;
      if (reply.ok) r.resolve(reply.read);
      else {
        const e = reply.input;
        r.reject(e ? new InputError(e.file, e.line, e.field, e.expected, e.found) : new Error(reply.message));
      }
      feed(w);
    });
    // A thread that dies fails what it held and what is left.
    w.on('error', (err) => {
      for (const [id, path] of byId) {
        results.get(path)!.reject(err);
        byId.delete(id);
      }
      for (const path of queue.splice(0)) results.get(path)!.reject(err);
    });
    workers.push(w);
    feed(w);
  }
  return {
    get: (path) => results.get(path)!.promise,
    close: async () => {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
