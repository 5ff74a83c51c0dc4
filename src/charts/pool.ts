// Chart rendering off the event loop: a fixed pool of worker threads, each with its own chart.js and
// @napi-rs/canvas, drawing and encoding one chart at a time, fed from one bounded first-in-first-out
// queue. The thread that answers questions (and acks Slack) only posts the request and receives the
// PNG. Rendering is deterministic, so a worker gives the same bytes as the main thread
// (test/charts/pool.test.ts).
//
// Sizing: one worker per core but one (availableParallelism() - 1, at least 1) by default: the main
// thread keeps a core for reading requests, acking Slack and answering, which must not wait behind
// drawing; each worker costs about 40 MB.
// A full queue refuses at once (ChartPoolBusy) rather than grow without bound: the caller says "busy".
import './native-memory.ts'; // first: allocator settings before @napi-rs/canvas loads
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ChartRequest } from '../core/reply.ts';
import type { ChartSize } from './frame.ts';
import { WORKER_BOOT, workerExecArgv } from '../core/workers.ts';

export interface ChartJob {
  request: ChartRequest;
  size: ChartSize;
  /** Maps: the wards' drawing boundaries (ward code -> GeoJSON text), read from the store by the caller. */
  boundaries?: Map<string, string>;
}

export interface ChartPoolOptions {
  /** Worker threads (default: the cores but one, at least 1). */
  workers?: number;
  /** Jobs waiting for a worker beyond which render() refuses (default 256). */
  maxQueue?: number;
  /**
   * A worker that has drawn at least `recycleAfter` charts (default 50) and then sat idle for
   * `recycleIdleMs` (default 5000) is replaced by a fresh one: after a burst a worker keeps about 70 MB
   * it no longer needs, which only ending it gives back.
   */
  recycleAfter?: number;
  recycleIdleMs?: number;
}

export interface ChartPoolStats {
  workers: number;
  /** Workers drawing now. */
  busy: number;
  /** Jobs waiting for a worker. */
  queued: number;
  rendered: number;
  /** Refused because the queue was full. */
  refused: number;
  failed: number;
  /** Workers replaced after a burst (see recycleAfter). */
  recycled: number;
}

/** The queue is full: the caller should say it is busy, not wait. */
export class ChartPoolBusy extends Error {
  constructor(queued: number) {
    super(`the chart renderer is busy (${queued} charts waiting); try again in a moment`);
    this.name = 'ChartPoolBusy';
  }
}

interface Pending {
  id: number;
  job: ChartJob;
  resolve(png: Buffer): void;
  reject(err: Error): void;
}

interface Slot {
  worker: Worker;
  current: Pending | null;
  /** Charts drawn since it started. */
  drawn: number;
  recycle: NodeJS.Timeout | null;
}

/** What a worker is sent and answers (pool-worker.ts). */
export type WorkerRequest = { id: number; request: ChartRequest; size: ChartSize; boundaries?: Array<[string, string]> };
export type WorkerReply = { id: number; ok: true; png: Uint8Array } | { id: number; ok: false; error: string };

const BOOT = WORKER_BOOT;
const ENTRY = new URL('./pool-worker.ts', import.meta.url).href;

export function defaultPoolSize(): number {
  return Math.max(1, availableParallelism() - 1);
}

export class ChartPool {
  readonly size: number;
  private readonly maxQueue: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;
  private counters = { rendered: 0, refused: 0, failed: 0, recycled: 0 };
  private readonly recycleAfter: number;
  private readonly recycleIdleMs: number;

  constructor(options: ChartPoolOptions = {}) {
    this.size = Math.max(1, Math.floor(options.workers ?? defaultPoolSize()));
    this.maxQueue = Math.max(0, options.maxQueue ?? 256);
    this.recycleAfter = Math.max(1, options.recycleAfter ?? 50);
    this.recycleIdleMs = Math.max(0, options.recycleIdleMs ?? 5000);
  }

  /** Starts the workers now (they start on the first render otherwise), so the first chart is not slow. */
  warm(): void {
    while (!this.closed && this.slots.length < this.size) this.slots.push(this.spawn());
  }

  /** The PNG for a job, drawn by the next free worker in arrival order. Rejects with ChartPoolBusy when the queue is full. */
  render(job: ChartJob): Promise<Buffer> {
    if (this.closed) return Promise.reject(new Error('the chart pool is closed'));
    this.warm();
    const idle = this.slots.find((s) => s.current === null);
    if (!idle && this.queue.length >= this.maxQueue) {
      this.counters.refused++;
      return Promise.reject(new ChartPoolBusy(this.queue.length));
    }
    return new Promise<Buffer>((resolve, reject) => {
      const pending: Pending = { id: this.nextId++, job, resolve, reject };
      if (idle) this.dispatch(idle, pending);
      else this.queue.push(pending);
    });
  }

  stats(): ChartPoolStats {
    return { workers: this.slots.length, busy: this.slots.filter((s) => s.current).length, queued: this.queue.length, ...this.counters };
  }

  /** Refuses what is queued, waits for nothing, ends the workers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.slots) if (s.recycle) clearTimeout(s.recycle);
    for (const p of this.queue.splice(0)) p.reject(new Error('the chart pool is closed'));
    await Promise.all(
      this.slots.splice(0).map(async (s) => {
        s.current?.reject(new Error('the chart pool is closed'));
        s.current = null;
        await s.worker.terminate();
      }),
    );
  }

  private spawn(): Slot {
    const worker = new Worker(BOOT, { workerData: { entry: ENTRY }, execArgv: workerExecArgv(process.execArgv), stdout: false, stderr: false });
    // A pool with nothing to do does not keep the process alive (the CLI exits when it is done).
    worker.unref();
    const slot: Slot = { worker, current: null, drawn: 0, recycle: null };
    worker.on('message', (reply: WorkerReply) => {
      const p = slot.current;
      if (!p || p.id !== reply.id) return;
      slot.current = null;
      slot.drawn++;
      if (reply.ok) {
        this.counters.rendered++;
        p.resolve(Buffer.from(reply.png.buffer, reply.png.byteOffset, reply.png.byteLength));
      } else {
        this.counters.failed++;
        p.reject(new Error(reply.error));
      }
      this.next(slot);
    });
    const lost = (err: Error) => {
      // The worker died (out of memory, a native crash): its job fails, a new worker takes its place.
      const i = this.slots.indexOf(slot);
      if (i < 0) return;
      this.slots.splice(i, 1);
      const p = slot.current;
      slot.current = null;
      if (p) {
        this.counters.failed++;
        p.reject(err);
      }
      if (!this.closed && this.queue.length) {
        const fresh = this.spawn();
        this.slots.push(fresh);
        this.next(fresh);
      }
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`a chart worker stopped (exit code ${code})`)));
    return slot;
  }

  private next(slot: Slot): void {
    const p = this.queue.shift();
    if (p) this.dispatch(slot, p);
    else {
      slot.worker.unref();
      if (slot.drawn >= this.recycleAfter && !slot.recycle) {
        slot.recycle = setTimeout(() => this.recycle(slot), this.recycleIdleMs);
        slot.recycle.unref();
      }
    }
  }

  /** Ends an idle worker that has drawn many charts and starts a fresh one in its place. */
  private recycle(slot: Slot): void {
    slot.recycle = null;
    const i = this.slots.indexOf(slot);
    if (this.closed || i < 0 || slot.current) return;
    this.slots.splice(i, 1); // first, so its exit is not taken for a crash
    void slot.worker.terminate();
    this.counters.recycled++;
    this.slots.push(this.spawn());
  }

  private dispatch(slot: Slot, p: Pending): void {
    slot.current = p;
    if (slot.recycle) clearTimeout(slot.recycle);
    slot.recycle = null;
    // A worker keeps the process alive only while it draws (see next()).
    slot.worker.ref();
    const message: WorkerRequest = { id: p.id, request: p.job.request, size: p.job.size, ...(p.job.boundaries ? { boundaries: [...p.job.boundaries] } : {}) };
    slot.worker.postMessage(message);
  }
}
