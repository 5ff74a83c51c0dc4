// Answering Slack questions after the ack, a few at a time: Slack wants every request acknowledged within
// 3 s, and under a burst (1,000 commands at once) answering them all together held the event loop so long
// that the acks came a minute late and memory grew past 1.5 GB. So a command is acked before any work,
// its answer joins this queue, at most `concurrency` answers run at once (their charts drawn in the chart
// pool, off the event loop), each starting on a fresh turn of the event loop so the acks of requests
// still arriving go first; and past `maxWaiting` a question is refused at once (the ack says so) rather
// than held without bound.
export interface AnswerQueueOptions {
  /** Answers running at once (default 4). */
  concurrency?: number;
  /** Questions waiting beyond which offer() refuses (default 2000). */
  maxWaiting?: number;
  /** A task threw (tasks should not: handleQuestion never throws). */
  onError?: (err: unknown) => void;
  /**
   * While this says true (Slack requests received and not yet acked), no new answer starts: the acks go
   * first. Held at most `maxHoldMs` (default 500) at a time, so a steady stream cannot starve the answers.
   */
  holdWhile?: () => boolean;
  maxHoldMs?: number;
}

export type Admission = { accepted: true; /** questions before this one, running or waiting */ ahead: number } | { accepted: false; waiting: number };

export interface AnswerQueueStats {
  running: number;
  waiting: number;
  /** The most that waited at once. */
  peakWaiting: number;
  done: number;
  refused: number;
}

export class AnswerQueue {
  readonly concurrency: number;
  readonly maxWaiting: number;
  private readonly waiting: Array<() => Promise<void>> = [];
  private running = 0;
  private counters = { peakWaiting: 0, done: 0, refused: 0 };
  private idleWaiters: Array<() => void> = [];
  private closed = false;
  private holdingSince: number | null = null;
  private holdTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: AnswerQueueOptions = {}) {
    this.concurrency = Math.max(1, Math.floor(options.concurrency ?? 4));
    this.maxWaiting = Math.max(0, Math.floor(options.maxWaiting ?? 2000));
  }

  /** Queues a task (first in, first out) unless the queue is full or closed; never runs it synchronously. */
  offer(task: () => Promise<void>): Admission {
    if (this.closed || this.waiting.length >= this.maxWaiting) {
      this.counters.refused++;
      return { accepted: false, waiting: this.waiting.length };
    }
    const ahead = this.running + this.waiting.length;
    this.waiting.push(task);
    this.counters.peakWaiting = Math.max(this.counters.peakWaiting, this.waiting.length);
    this.pump();
    return { accepted: true, ahead };
  }

  stats(): AnswerQueueStats {
    return { running: this.running, waiting: this.waiting.length, ...this.counters };
  }

  /** Resolves when nothing runs or waits. */
  idle(): Promise<void> {
    if (this.running === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Refuses new questions; those already queued are still answered (await idle() for them). */
  close(): void {
    this.closed = true;
  }

  private pump(): void {
    if (this.holdTimer) return;
    if (this.running < this.concurrency && this.waiting.length && this.options.holdWhile?.()) {
      const now = Date.now();
      this.holdingSince ??= now;
      if (now - this.holdingSince < (this.options.maxHoldMs ?? 500)) {
        this.holdTimer = setTimeout(() => {
          this.holdTimer = null;
          this.pump();
        }, 2);
        return;
      }
    }
    this.holdingSince = null;
    while (this.running < this.concurrency && this.waiting.length) {
      const task = this.waiting.shift()!;
      this.running++;
      // A fresh macrotask: requests that have arrived meanwhile are read (and acked) before this starts.
      setImmediate(() => {
        task()
          .catch((err: unknown) => this.options.onError?.(err))
          .finally(() => {
            this.running--;
            this.counters.done++;
            this.pump();
            if (this.running === 0 && this.waiting.length === 0) for (const w of this.idleWaiters.splice(0)) w();
          });
      });
    }
  }
}

/** The queue's settings from the environment: SLACK_ANSWER_CONCURRENCY, SLACK_ANSWER_QUEUE. */
export function answerQueueOptions(env: NodeJS.ProcessEnv): Pick<AnswerQueueOptions, 'concurrency' | 'maxWaiting'> {
  const whole = (name: string, min: number): number | undefined => {
    const v = env[name]?.trim();
    if (!v) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be a whole number of at least ${min}, found "${v}"`);
    return n;
  };
  const concurrency = whole('SLACK_ANSWER_CONCURRENCY', 1);
  const maxWaiting = whole('SLACK_ANSWER_QUEUE', 1);
  return { ...(concurrency !== undefined ? { concurrency } : {}), ...(maxWaiting !== undefined ? { maxWaiting } : {}) };
}
