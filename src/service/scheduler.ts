// The scheduler: node-cron in the configured time zone, with the store as coordinator. Each fire of a
// job is claimed in the store's job_fires table first (insert-if-absent per job and scheduled time),
// so across replicas on one database every scheduled time runs once, on whichever replica claims it.
// On start, a fire missed while no replica ran (within the job's catch-up window) is claimed and run
// once. A job is a name, a cron expression and a function given `now`; what it does lives elsewhere.
import cron, { type ScheduledTask } from 'node-cron';
import type { JobFire, Store } from '../store/types.ts';
import { describeFire, previousFire, StoreRunCoordinator } from './coordination.ts';
import type { DataEventConsumers } from './data-events.ts';
import { watchInbox, watchPoliceUk, watchPoliceUkRevisions, type WatcherRunDeps } from '../watcher/index.ts';

export interface JobContext {
  /** When the job started (the scheduler's clock; tests inject their own). */
  now: Date;
  /** The scheduled time this run is for (equal to `now` for invoked runs). */
  fireAt: Date;
  /** 'scheduled' by cron, 'catch-up' for a fire missed while down, 'invoked' by `runNow`. */
  reason: 'scheduled' | 'catch-up' | 'invoked';
}

export interface Job {
  /** Unique, stable: 'data-check', 'alerts-digest'. Also the key of its claims in the store. */
  name: string;
  /** Cron expression (5 or 6 fields), read in the configured time zone. */
  cron: string;
  description: string;
  /** A fire missed by up to this long (no replica was up) is run once at start; 0 = never. */
  catchUpMs?: number;
  run(ctx: JobContext): unknown;
}

export interface JobStatus {
  name: string;
  cron: string;
  description: string;
  nextRun: string | null;
  /** This replica's last run. */
  lastRun: { at: string; reason: JobContext['reason']; ok: boolean; error?: string; ms: number } | null;
  /** The last fire across all replicas, from the store: which slot, who ran it, how it went. */
  lastFire: Record<string, unknown> | null;
  running: boolean;
}

export interface SchedulerStatus {
  state: 'stopped' | 'running';
  timezone: string;
  replica: string;
  jobs: JobStatus[];
}

export interface SchedulerOptions {
  timezone: string;
  /** Coordinates with other replicas through this store; without one (tests), every fire runs here. */
  store?: Store | undefined;
  /** This replica's name in claims and /healthz. */
  replicaId?: string;
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
  private state: SchedulerStatus['state'] = 'stopped';
  private readonly now: () => Date;
  private readonly log: (line: string) => void;
  readonly replica: string;

  constructor(private readonly options: SchedulerOptions) {
    if (!cron.validate('0 0 * * *')) throw new Error('node-cron is not usable');
    this.now = options.now ?? (() => new Date());
    this.log = options.log ?? ((line) => console.log(line));
    this.replica = options.replicaId ?? 'this-process';
  }

  get timezone(): string {
    return this.options.timezone;
  }

  /** Adds a job. Jobs registered after `start()` are scheduled at once (without catch-up). */
  register(job: Job): void {
    if (this.entries.has(job.name)) throw new Error(`scheduler: a job named "${job.name}" is already registered`);
    if (job.name.includes(':')) throw new Error(`scheduler: job name "${job.name}" may not contain ':'`);
    const check = cron.validateDetailed(job.cron);
    if (!check.valid) throw new Error(`scheduler: job "${job.name}": invalid cron expression "${job.cron}": ${check.errors.map((e) => e.message).join('; ')}`);
    const entry: Entry = { job, lastRun: null, running: false };
    this.entries.set(job.name, entry);
    if (this.state === 'running') this.schedule(entry);
  }

  /** Schedules every job, then runs (once, across replicas) any fire missed within its catch-up window. */
  async start(): Promise<void> {
    if (this.state === 'running') return;
    this.state = 'running';
    for (const entry of this.entries.values()) this.schedule(entry);
    await this.catchUp();
  }

  async stop(): Promise<void> {
    this.state = 'stopped';
    await Promise.all(
      [...this.entries.values()].map(async (e) => {
        const task = e.task;
        e.task = undefined;
        await task?.destroy();
      }),
    );
  }

  /** Runs a job now, outside its schedule. Resolves when it finishes; rejects with the job's error. */
  async runNow(name: string): Promise<void> {
    const entry = this.entries.get(name);
    if (!entry) throw new Error(`scheduler: no job named "${name}"`);
    const at = this.now();
    const fireAt = at.toISOString();
    // Recorded like any fire, so /healthz shows who ran it; an invoked run is never refused.
    await this.options.store?.claimJobFire({ job: name, fireAt, claimedBy: this.replica, reason: 'invoked' }).catch(() => false);
    await this.execute(entry, { now: at, fireAt: at, reason: 'invoked' }, true);
  }

  async status(): Promise<SchedulerStatus> {
    let fires = new Map<string, JobFire>();
    try {
      if (this.options.store) fires = await this.options.store.lastJobFires();
    } catch (err) {
      this.log(`scheduler: could not read the job fires: ${errorText(err)}`);
    }
    return {
      state: this.state,
      timezone: this.options.timezone,
      replica: this.replica,
      jobs: [...this.entries.values()].map((e) => ({
        name: e.job.name,
        cron: e.job.cron,
        description: e.job.description,
        nextRun: e.task?.getNextRun()?.toISOString() ?? null,
        lastRun: e.lastRun,
        lastFire: describeFire(fires.get(e.job.name)),
        running: e.running,
      })),
    };
  }

  private schedule(entry: Entry): void {
    const store = this.options.store;
    entry.task = cron.schedule(entry.job.cron, (ctx) => this.execute(entry, { now: this.now(), fireAt: ctx.date, reason: 'scheduled' }, true).catch(() => undefined), {
      name: entry.job.name,
      timezone: this.options.timezone,
      noOverlap: true,
      ...(store ? { distributed: true, runCoordinator: new StoreRunCoordinator(store, this.replica) } : {}),
    });
  }

  private async catchUp(): Promise<void> {
    const store = this.options.store;
    if (!store) return;
    // A job that has never fired on this store was not "missed": this is a new deployment's first start.
    const everFired = await store.lastJobFires().catch(() => new Map<string, unknown>());
    for (const entry of this.entries.values()) {
      const window = entry.job.catchUpMs ?? 0;
      if (window <= 0) continue;
      const now = this.now();
      const missed = previousFire(entry.job.cron, this.options.timezone, now, window);
      if (!missed) continue;
      const claimed = await store.claimJobFire({ job: entry.job.name, fireAt: missed.toISOString(), claimedBy: this.replica, reason: 'catch-up' });
      if (!claimed) continue; // it ran (or another replica is running it now)
      this.log(
        everFired.has(entry.job.name)
          ? `scheduler: "${entry.job.name}" missed its ${missed.toISOString()} fire while no replica ran; running it now`
          : `scheduler: "${entry.job.name}" has not run on this store yet; running its ${missed.toISOString()} fire now`,
      );
      await this.execute(entry, { now, fireAt: missed, reason: 'catch-up' }, false).catch(() => undefined);
    }
  }

  private async execute(entry: Entry, ctx: JobContext, rethrow: boolean): Promise<void> {
    if (entry.running) throw new Error(`scheduler: job "${entry.job.name}" is already running`);
    entry.running = true;
    const started = performance.now();
    let error: string | null = null;
    try {
      await entry.job.run(ctx);
    } catch (err) {
      error = errorText(err);
      this.log(`scheduler: job "${entry.job.name}" failed: ${error}`);
      if (rethrow) throw err;
    } finally {
      const ms = Math.round(performance.now() - started);
      entry.running = false;
      entry.lastRun = { at: ctx.now.toISOString(), reason: ctx.reason, ok: error === null, ...(error ? { error } : {}), ms };
      await this.options.store
        ?.finishJobFire({ job: entry.job.name, fireAt: ctx.fireAt.toISOString(), ok: error === null, error, ms })
        .catch((err: unknown) => this.log(`scheduler: could not record the end of "${entry.job.name}": ${errorText(err)}`));
    }
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The daily data check: hands every data event not yet processed (months ingested by the CLI, by
 * another replica, while the service was down) to the consumers. The police.uk watcher hooks in here.
 */
export function dataCheckJob(options: {
  consumers: DataEventConsumers;
  /** 06:30 every day in the configured time zone: police.uk publishes during the working day. */
  cron?: string;
}): Job {
  return {
    name: 'data-check',
    cron: options.cron ?? '30 6 * * *',
    description: 'hands newly landed or revised months to the release notice, alerting and summary consumers',
    catchUpMs: 26 * 3600_000,
    async run() {
      const result = await options.consumers.pump();
      if (result.failed.length)
        throw new Error(`${result.failed.length} consumer run(s) failed: ${result.failed.map((f) => `${f.consumer} on event ${f.eventId}: ${f.error}`).join('; ')}`);
    },
  };
}

/**
 * The data watcher's jobs (src/watcher), each claimed per fire like any job, so across replicas one
 * runs it: the inbox (every few minutes, when an inbox is configured) and, when enabled, the police.uk
 * API (new months, a few times a day; revisions, weekly). What they ingest records data events, which
 * are handed to the consumers at once (alerts, the release notice), not at the next data check.
 * A failure (police.uk down, a store error) fails that fire only: it is logged, shown in /healthz, and
 * the next fire tries again.
 */
export function watcherJobs(options: { watcher: WatcherRunDeps; consumers: DataEventConsumers }): Job[] {
  const { watcher, consumers } = options;
  const { settings } = watcher;
  const jobs: Job[] = [];
  const handOn = async () => {
    const result = await consumers.pump();
    if (result.failed.length) watcher.log(`watcher: ${result.failed.length} consumer run(s) failed after the ingest; see above`);
  };
  if (settings.inbox) {
    jobs.push({
      name: 'watch-inbox',
      cron: settings.inboxCron,
      description: `ingests files dropped in the inbox (${settings.inbox}), then moves them to processed/ or rejected/`,
      async run() {
        const result = await watchInbox(watcher);
        if (result?.changedMonths.length) await handOn();
      },
    });
  }
  const api = settings.policeUk;
  if (api?.enabled) {
    jobs.push({
      name: 'watch-police-uk',
      cron: api.cron,
      description: 'looks for a month police.uk has published that the store lacks, and ingests it ward by ward',
      async run() {
        const result = await watchPoliceUk(watcher);
        if (result.landed.length || result.revised.length) await handOn();
      },
    });
    if (api.revisionMonths > 0) {
      jobs.push({
        name: 'watch-police-uk-revisions',
        cron: api.revisionCron,
        description: `fetches the latest ${api.revisionMonths} police.uk months again and ingests any that changed as revisions`,
        async run() {
          const result = await watchPoliceUkRevisions(watcher);
          if (result.landed.length || result.revised.length) await handOn();
        },
      });
    }
  }
  return jobs;
}
