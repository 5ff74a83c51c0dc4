// The scheduler: a thin layer over node-cron. A job is a name, a cron expression and a function that
// is given `now`; everything a job does lives in a service that tests call directly with their own
// clock. Other modules hook in with `register()` (cron jobs) and `onDataLanded()` (run when a new
// month of data lands: from the daily data check, an ingest, or the local page's "simulate next month").
import cron, { type ScheduledTask } from 'node-cron';
import type { Month } from '../core/periods.ts';

export interface JobContext {
  /** When the job fired (the scheduler's clock; tests inject their own). */
  now: Date;
  /** 'scheduled' by cron, or 'invoked' by `runNow` (the CLI, tests, the local page). */
  reason: 'scheduled' | 'invoked';
}

export interface Job {
  /** Unique, stable: 'data-check', 'alerts-digest'. Also the lease key for a distributed coordinator. */
  name: string;
  /** Cron expression (5 or 6 fields), read in the configured time zone. */
  cron: string;
  description: string;
  run(ctx: JobContext): unknown;
}

/** A new month (or a revised month) of data is in the store. */
export interface DataLanded {
  month: Month;
  source: string;
  synthetic: boolean;
  /** What noticed it: 'data-check', 'simulate', 'ingest'. */
  via: string;
  now: Date;
}
export type DataLandedListener = (event: DataLanded) => unknown;

export interface JobStatus {
  name: string;
  cron: string;
  description: string;
  nextRun: string | null;
  lastRun: { at: string; ok: boolean; error?: string; ms: number } | null;
  running: boolean;
}

export interface SchedulerStatus {
  state: 'stopped' | 'running';
  timezone: string;
  jobs: JobStatus[];
}

export interface SchedulerOptions {
  timezone: string;
  /** The clock handed to jobs. */
  now?: () => Date;
  log?: (line: string) => void;
}

interface Entry {
  job: Job;
  task?: ScheduledTask;
  lastRun: JobStatus['lastRun'];
  running: boolean;
}

export class Scheduler {
  private readonly entries = new Map<string, Entry>();
  private readonly dataListeners: Array<{ name: string; fn: DataLandedListener }> = [];
  private state: SchedulerStatus['state'] = 'stopped';
  /** The latest month announced to the data-landed listeners, by whatever noticed it. */
  lastLanded: Month | null = null;
  private readonly now: () => Date;
  private readonly log: (line: string) => void;

  constructor(private readonly options: SchedulerOptions) {
    if (!cron.validate('0 0 * * *')) throw new Error('node-cron is not usable');
    this.now = options.now ?? (() => new Date());
    this.log = options.log ?? ((line) => console.log(line));
  }

  get timezone(): string {
    return this.options.timezone;
  }

  /** Adds a cron job. Jobs registered after `start()` are scheduled at once. */
  register(job: Job): void {
    if (this.entries.has(job.name)) throw new Error(`scheduler: a job named "${job.name}" is already registered`);
    const check = cron.validateDetailed(job.cron);
    if (!check.valid) throw new Error(`scheduler: job "${job.name}": invalid cron expression "${job.cron}": ${check.errors.map((e) => e.message).join('; ')}`);
    const entry: Entry = { job, lastRun: null, running: false };
    this.entries.set(job.name, entry);
    if (this.state === 'running') this.schedule(entry);
  }

  /** Adds a listener run (in registration order) whenever a month of data lands. */
  onDataLanded(name: string, fn: DataLandedListener): void {
    this.dataListeners.push({ name, fn });
  }

  /** Tells every data-landed listener; a failing listener is logged and does not stop the others. */
  async dataLanded(event: Omit<DataLanded, 'now'> & { now?: Date }): Promise<{ listeners: number; failed: string[] }> {
    const full: DataLanded = { ...event, now: event.now ?? this.now() };
    if (this.lastLanded === null || full.month > this.lastLanded) this.lastLanded = full.month;
    const failed: string[] = [];
    for (const { name, fn } of this.dataListeners) {
      try {
        await fn(full);
      } catch (err) {
        failed.push(name);
        this.log(`scheduler: data-landed listener "${name}" failed: ${errorText(err)}`);
      }
    }
    return { listeners: this.dataListeners.length, failed };
  }

  start(): void {
    if (this.state === 'running') return;
    this.state = 'running';
    for (const entry of this.entries.values()) this.schedule(entry);
  }

  async stop(): Promise<void> {
    this.state = 'stopped';
    await Promise.all([...this.entries.values()].map(async (e) => {
      const task = e.task;
      e.task = undefined;
      await task?.destroy();
    }));
  }

  /** Runs a job now, outside its schedule. Resolves when it finishes; rejects with the job's error. */
  async runNow(name: string): Promise<void> {
    const entry = this.entries.get(name);
    if (!entry) throw new Error(`scheduler: no job named "${name}"`);
    await this.execute(entry, 'invoked');
  }

  status(): SchedulerStatus {
    return {
      state: this.state,
      timezone: this.options.timezone,
      jobs: [...this.entries.values()].map((e) => ({
        name: e.job.name,
        cron: e.job.cron,
        description: e.job.description,
        nextRun: e.task?.getNextRun()?.toISOString() ?? null,
        lastRun: e.lastRun,
        running: e.running,
      })),
    };
  }

  private schedule(entry: Entry): void {
    entry.task = cron.schedule(entry.job.cron, () => this.execute(entry, 'scheduled').catch(() => undefined), {
      name: entry.job.name,
      timezone: this.options.timezone,
      noOverlap: true,
    });
  }

  private async execute(entry: Entry, reason: JobContext['reason']): Promise<void> {
    if (entry.running) throw new Error(`scheduler: job "${entry.job.name}" is already running`);
    entry.running = true;
    const started = Date.now();
    const at = this.now();
    try {
      await entry.job.run({ now: at, reason });
      entry.lastRun = { at: at.toISOString(), ok: true, ms: Date.now() - started };
    } catch (err) {
      entry.lastRun = { at: at.toISOString(), ok: false, error: errorText(err), ms: Date.now() - started };
      this.log(`scheduler: job "${entry.job.name}" failed: ${errorText(err)}`);
      throw err;
    } finally {
      entry.running = false;
    }
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The daily data check: compares the store's latest month with the one seen last time and announces
 * a new month to the data-landed listeners. Pure over its inputs so tests drive it with their own clock.
 */
export function dataCheckJob(options: {
  scheduler: Scheduler;
  latestMonth: () => Month | null;
  /** 06:30 every day in the configured time zone: police.uk publishes during the working day. */
  cron?: string;
}): Job {
  let seen = options.latestMonth();
  return {
    name: 'data-check',
    cron: options.cron ?? '30 6 * * *',
    description: 'checks the store for a newly landed month and tells the alerting and summary listeners',
    async run({ now }) {
      const latest = options.latestMonth();
      // a month already announced by something else (simulate next month, an ingest) is not news
      const announced = options.scheduler.lastLanded;
      if (announced && (!seen || announced > seen)) seen = announced;
      if (latest && latest !== seen) {
        seen = latest;
        await options.scheduler.dataLanded({ month: latest, source: 'police.uk', synthetic: false, via: 'data-check', now });
      }
    },
  };
}
