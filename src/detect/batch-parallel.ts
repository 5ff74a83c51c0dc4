// judgeMonthBatch (batch.ts) on worker threads: the series and the results live in SharedArrayBuffers,
// so no worker copies them, and the workers take chunks of series from one shared counter (Atomics) so a
// worker slowed by a busy core simply takes fewer. The results are those of judgeMonthBatch, which are
// those of farringtonMonth: each series is judged by the same code whichever thread takes it.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { emptyBatchResult, judgeMonthBatch, type BatchResult } from './batch.ts';
import type { FarringtonParams } from './farrington.ts';
import { WORKER_BOOT, workerExecArgv } from '../core/workers.ts';

/** What a worker is given (batch-worker.ts). */
export interface BatchJob {
  values: Float64Array;
  months: readonly string[];
  k: number;
  params: FarringtonParams;
  result: Omit<BatchResult, 'fallbacks'>;
  counter: SharedArrayBuffer;
  chunk: number;
}

export interface ParallelOptions {
  /** Worker threads (default: one per core). 0 judges on this thread. */
  workers?: number;
  /** Series a worker takes at a time (default 1,000). */
  chunk?: number;
}

const BOOT = WORKER_BOOT;
const ENTRY = new URL('./batch-worker.ts', import.meta.url).href;
/** Below this many series a worker's start-up (about 0.3 s) costs more than it saves. */
const WORTH_A_WORKER = 4000;

type Reply = { id: number; ok: true; fallbacks: number } | { id: number; ok: false; error: string };

/**
 * The worker threads, kept between batches (a worker takes about 0.3 s of CPU to start, and a run judges
 * a batch per source) and let go after IDLE_MS without work; unref'd, so they never keep a process alive.
 */
const IDLE_MS = 10_000;
const pool: Worker[] = [];
const waiting = new Map<number, { resolve(fallbacks: number): void; reject(err: Error): void }>();
let nextId = 0;
let idleTimer: NodeJS.Timeout | null = null;

function failAll(err: Error): void {
  for (const w of waiting.values()) w.reject(err);
  waiting.clear();
}

function workersFor(n: number): Worker[] {
  while (pool.length < n) {
    const worker = new Worker(BOOT, { workerData: { entry: ENTRY }, execArgv: workerExecArgv(process.execArgv) });
    worker.unref();
    worker.on('message', (reply: Reply) => {
      const w = waiting.get(reply.id);
      if (!w) return;
      waiting.delete(reply.id);
      if (reply.ok) w.resolve(reply.fallbacks);
      else w.reject(new Error(`detection worker: ${reply.error}`));
    });
    const gone = (err: Error) => {
      const i = pool.indexOf(worker);
      if (i >= 0) pool.splice(i, 1);
      // the chunks it had taken are not judged: every batch in flight fails rather than come back partial
      failAll(err);
    };
    worker.once('error', gone);
    worker.once('exit', (code) => gone(new Error(`a detection worker stopped (exit code ${code})`)));
    pool.push(worker);
  }
  return pool.slice(0, n);
}

function releaseWhenIdle(): void {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    idleTimer = null;
    if (waiting.size > 0) return releaseWhenIdle();
    for (const w of pool.splice(0)) {
      w.removeAllListeners('exit');
      void w.terminate();
    }
  }, IDLE_MS);
  idleTimer.unref();
}

/** judgeMonthBatch over worker threads (see the top of this file). */
export async function judgeMonthBatchParallel(
  values: Float64Array,
  months: readonly string[],
  k: number,
  params: FarringtonParams,
  options: ParallelOptions = {},
): Promise<BatchResult> {
  const T = months.length;
  const series = T > 0 ? Math.floor(values.length / T) : 0;
  const wanted = options.workers ?? availableParallelism();
  const chunk = Math.max(1, options.chunk ?? 1000);
  const workers = Math.min(wanted, Math.ceil(series / chunk), Math.floor(series / (WORTH_A_WORKER / 2)));
  if (workers <= 0 || series < WORTH_A_WORKER) return judgeMonthBatch(values, months, k, params);
  if (T === 0 || values.length % T !== 0) throw new RangeError(`values hold ${values.length} counts, not a whole number of ${T}-month series`);
  let shared = values;
  if (!(values.buffer instanceof SharedArrayBuffer)) {
    shared = new Float64Array(new SharedArrayBuffer(values.length * 8));
    shared.set(values);
  }
  const { fallbacks: _, ...result } = emptyBatchResult(series, true);
  const job: BatchJob = { values: shared, months: [...months], k, params, result, counter: new SharedArrayBuffer(4), chunk };
  if (idleTimer) clearTimeout(idleTimer);
  try {
    const fallbacks = await Promise.all(
      workersFor(workers).map(
        (worker) =>
          new Promise<number>((resolve, reject) => {
            const id = ++nextId;
            waiting.set(id, { resolve, reject });
            worker.postMessage({ id, job });
          }),
      ),
    );
    return { ...result, fallbacks: fallbacks.reduce((a, b) => a + b, 0) };
  } finally {
    releaseWhenIdle();
  }
}
