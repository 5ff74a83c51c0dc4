// Reading police.uk files on every core: a national month is 40-odd files, and reading and checking
// them (CSV splitting, per-row checks) is most of an ingest's time. The main thread reads the files from
// the front of the list and reader threads from the back, one file at a time each, until they meet; the
// main thread places every file (point-in-polygon over the one ward index) in the files' order, so the
// first bad file in that order is the one reported, as when read in turn.
import { availableParallelism } from 'node:os';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { InputError } from '../core/errors.ts';
import { readPoliceUkPlaces, type PoliceUkRead } from './policeUkRead.ts';
import type { ReadReply, ReadRequest } from './read-worker.ts';
import type { IngestChecks } from './validate.ts';
import { plainWorkerEntry, WORKER_BOOT, workerExecArgv } from '../core/workers.ts';

const BOOT = fileURLToPath(WORKER_BOOT);
const ENTRY = new URL('./read-worker.ts', import.meta.url);

/**
 * Below this many bytes of police.uk files in one ingest, a reader thread costs more than it saves: one
 * starts in about 0.03 s on the bundled reader (plainWorkerEntry; 0.3 s through tsx, when it is first
 * built), while the main thread reads and checks about 100 MB a second.
 */
export const PARALLEL_MIN_BYTES = 16 * 1024 * 1024;

/** How many reader threads an ingest of these files should use beside the main thread (0: none). */
export function readerThreads(paths: readonly string[], force?: number): number {
  if (force !== undefined) return force;
  if (process.env.WARDWATCH_INGEST_THREADS !== undefined) return Math.max(0, Number(process.env.WARDWATCH_INGEST_THREADS) || 0);
  if (paths.length < 2 || availableParallelism() < 2) return 0;
  const bytes = paths.reduce((n, p) => n + statSync(p).size, 0);
  return bytes < PARALLEL_MIN_BYTES ? 0 : Math.min(availableParallelism() - 1, paths.length - 1);
}

/**
 * Starts reading `paths` on `threads` reader threads (from the back of the list); `get(path)` gives
 * its read (or the error reading it gave), reading it here when no thread has taken it yet;
 * `delivered()` the files threads have read since it was last asked. `close()` ends the threads
 * (always call it: in a finally).
 */
export function readInParallel(
  paths: readonly string[],
  checks: IngestChecks,
  threads: number,
  crimeTypes: readonly string[],
): { get(path: string, onBytes?: (n: number, total: number) => void): Promise<PoliceUkRead>; delivered(): string[]; close(): Promise<void> } {
  const results = new Map<string, { promise: Promise<PoliceUkRead>; resolve(r: PoliceUkRead): void; reject(e: Error): void }>();
  for (const p of paths) {
    let resolve!: (r: PoliceUkRead) => void, reject!: (e: Error) => void;
    const promise = new Promise<PoliceUkRead>((a, b) => ((resolve = a), (reject = b)));
    promise.catch(() => undefined); // awaited later (or never, after an earlier file fails)
    results.set(p, { promise, resolve, reject });
  }
  /** Files no one has started on. */
  const queue = [...paths];
  /** Files a thread has read since the last delivered(). */
  let delivered: string[] = [];
  const workers: Worker[] = [];
  let nextId = 0;
  const byId = new Map<number, string>();
  const feed = (w: Worker) => {
    const path = queue.pop();
    if (path === undefined) return;
    const id = nextId++;
    byId.set(id, path);
    w.postMessage({ id, path, checks, crimeTypes } satisfies ReadRequest);
  };
  let closed = false;
  const start = (bundle: string | null) => {
    if (closed) return;
    for (let i = 0; i < Math.min(threads, paths.length); i++) startOne(bundle);
  };
  const startOne = (bundle: string | null) => {
    const w = bundle
      ? new Worker(bundle, { execArgv: workerExecArgv(process.execArgv) })
      : new Worker(BOOT, { workerData: { entry: ENTRY.href }, execArgv: workerExecArgv(process.execArgv) });
    w.on('message', (reply: ReadReply) => {
      const path = byId.get(reply.id)!;
      byId.delete(reply.id);
      const r = results.get(path)!;
      if (reply.ok) {
        r.resolve(reply.read);
        delivered.push(path);
      } else {
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
  };
  // The threads start on the bundled reader (plain JavaScript, no tsx) while this thread reads the first files.
  void plainWorkerEntry(ENTRY).then(start, () => start(null));
  return {
    get: (path, onBytes) => {
      const at = queue.indexOf(path);
      if (at >= 0) {
        queue.splice(at, 1);
        return readPoliceUkPlaces(path, crimeTypes, onBytes, checks);
      }
      return results.get(path)!.promise.then((read) => {
        const size = statSync(path).size;
        onBytes?.(size, size);
        return read;
      });
    },
    delivered: () => {
      const out = delivered;
      delivered = [];
      return out;
    },
    close: async () => {
      closed = true;
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
