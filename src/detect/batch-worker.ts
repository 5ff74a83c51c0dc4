// One detection worker (batch-parallel.ts): for each job it is sent, takes chunks of series from the
// job's shared counter until none are left, judging them into the job's shared result arrays, then
// reports how many left the common path. It stays for the next job until its pool lets it go.
import { parentPort } from 'node:worker_threads';
import { judgeMonthBatch, type BatchResult } from './batch.ts';
import type { BatchJob } from './batch-parallel.ts';

const port = parentPort;
if (!port) throw new Error('batch-worker.ts runs as a worker thread (see batch-parallel.ts)');

port.on('message', ({ id, job }: { id: number; job: BatchJob }) => {
  try {
    const next = new Int32Array(job.counter);
    const out: BatchResult = { ...job.result, fallbacks: 0 };
    const total = job.result.series;
    for (;;) {
      const from = Atomics.add(next, 0, 1) * job.chunk;
      if (from >= total) break;
      judgeMonthBatch(job.values, job.months, job.k, job.params, out, { from, to: from + job.chunk });
    }
    port.postMessage({ id, ok: true, fallbacks: out.fallbacks });
  } catch (err) {
    port.postMessage({ id, ok: false, error: err instanceof Error ? err.message : String(err) });
  }
});
