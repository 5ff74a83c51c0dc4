// The outbox dispatcher: delivers what the pipeline wrote to the outbox table (digests, corrections,
// reminders, summaries, briefs) through each channel's ChatPlatform, in every replica and from the CLI.
//
// - Leases: a dispatcher takes a message by compare-and-set on its row (store.leaseOutbox), so of the
//   replicas polling one database exactly one holds it at a time; a lease whose holder died expires
//   and is taken over. Every later write (attempt, sent, released) is conditional on still holding it.
// - Retries: retryable failures (Slack 429 with its Retry-After, 5xx, timeouts, network errors) come back
//   after exponential backoff with jitter, capped, up to a number of attempts; then, or at once for a
//   refusal that retrying cannot fix (invalid_auth, channel_not_found), the message is `failed` with its
//   last error, visible in `wardwatch outbox` and /healthz until an operator retries it. A retryable
//   failure holds back the rest of that channel's batch (same wait), never other channels.
// - Quiet hours: a message due inside its channel's quiet hours (config `quietHours`, in the config's
//   time zone, Europe/London) is `deferred` to the end of the window; never dropped.
// - Threads: `threadOf` names the parent's idempotency key; the message waits until the parent is sent,
//   then posts under the parent's platform message id.
//
// What is guaranteed, honestly:
// - Intent exactly once: the idempotency key is unique, so re-running a pipeline enqueues nothing new.
// - Delivery: a post is tried only while holding the lease; its outcome is recorded straight after.
//   If the outcome is lost (the process was killed between the platform accepting the post and the
//   store recording it, or the post timed out after the platform accepted it), the message keeps
//   `first_attempt_at`, and whoever retries it first asks the platform whether a message with its key
//   arrived (ChatPlatform.findPosted: Slack looks for the key's marker block in the channel's history;
//   the local log is idempotent on the key). Found: recorded as sent, not posted again. So delivery is
//   exactly once where the platform can be asked (local; Slack with the channels:history /
//   groups:history scopes), and at least once elsewhere (Slack without those scopes, Teams): a
//   duplicate then needs a lost outcome. One window remains even with the look-up: a post that outlives
//   its lease (longer than leaseMs) while another dispatcher looks, finds nothing yet and posts. The post
//   timeout (postTimeoutMs, half the lease) is there to keep that from happening.
import { randomBytes } from 'node:crypto';
import type { ChannelConfig, Config } from '../config/schema.ts';
import { DeliveryError, type ChatPlatform, type PostResult } from '../core/platform.ts';
import { quietHoursEnd } from '../core/quiet-hours.ts';
import type { OutboxMessage, OutboxSummary, Store } from '../store/types.ts';
import { localChannels } from '../surfaces/local/channels.ts';

export type Platforms = Partial<Record<ChannelConfig['platform'], ChatPlatform>>;

export interface BackoffPolicy {
  /** First retry after about this long (default 10 s); doubles each attempt... */
  baseMs: number;
  /** ...up to this (default 30 min). */
  maxMs: number;
  /** Attempts before a message is marked failed (default 12: about 1 h 40 min of retries at the defaults). */
  maxAttempts: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 10_000, maxMs: 30 * 60_000, maxAttempts: 12 };

export interface DispatcherOptions {
  store: Store;
  config: Config | (() => Config);
  /** Read at each delivery: the service adds Slack once it has started. */
  platforms: Platforms;
  /** This dispatcher's name in leases (the replica id); a random tail is added, so two processes never share one. */
  owner: string;
  now?: () => Date;
  log?: (line: string) => void;
  /** How long a lease lasts (default 5 min); an expired one is taken over by any dispatcher. */
  leaseMs?: number;
  /** A post that takes longer is given up as a retryable timeout (default: half the lease, at most 2 min). */
  postTimeoutMs?: number;
  /** How often `start()` looks for due messages (default 5 s); `wake()` looks at once. */
  pollMs?: number;
  /** Messages leased at a time (default 50). */
  batchSize?: number;
  backoff?: Partial<BackoffPolicy>;
  /** A thread reply whose parent is not sent yet looks again after this long (default 10 s). */
  parentWaitMs?: number;
  /** A message for a platform this process cannot deliver to (not configured or not started yet) waits this long (default 60 s). */
  noPlatformWaitMs?: number;
  /** 0..1, for the jitter (tests pass a fixed one). */
  random?: () => number;
}

/** What happened to one leased message in one pass. */
export interface DeliveryOutcome {
  id: number;
  key: string;
  channel: string;
  outcome: 'sent' | 'found' | 'retry' | 'failed' | 'deferred' | 'waiting' | 'held' | 'lost-lease';
  detail?: string;
  /** For retry / deferred / waiting / held: when it is due again. */
  nextAttemptAt?: string;
  platformMessageId?: string;
}

/**
 * The wait before retry number `attempt` (1 = the first retry): exponential with "equal jitter"
 * (half fixed, half random), capped, and never shorter than the platform's Retry-After. Exponential
 * backoff with jitter: M. Brooker, "Exponential Backoff And Jitter", AWS Architecture Blog, 2015.
 */
export function backoffMs(attempt: number, policy: BackoffPolicy, random: () => number, retryAfterMs?: number): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.round(exp / 2 + random() * (exp / 2));
  return Math.max(jittered, retryAfterMs ?? 0);
}

/** Dispatcher settings from the environment (WARDWATCH_OUTBOX_*), for serve and the CLI. */
export function dispatcherSettingsFromEnv(env: NodeJS.ProcessEnv): Pick<DispatcherOptions, 'leaseMs' | 'pollMs' | 'postTimeoutMs' | 'backoff'> {
  const ms = (name: string): number | undefined => {
    const v = env[name]?.trim();
    if (!v) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number of milliseconds (found "${v}")`);
    return n;
  };
  const backoff: Partial<BackoffPolicy> = {};
  const base = ms('WARDWATCH_OUTBOX_RETRY_BASE_MS');
  const max = ms('WARDWATCH_OUTBOX_RETRY_MAX_MS');
  const attempts = ms('WARDWATCH_OUTBOX_MAX_ATTEMPTS');
  if (base !== undefined) backoff.baseMs = base;
  if (max !== undefined) backoff.maxMs = max;
  if (attempts !== undefined) backoff.maxAttempts = Math.round(attempts);
  const out: Pick<DispatcherOptions, 'leaseMs' | 'pollMs' | 'postTimeoutMs' | 'backoff'> = { backoff };
  const lease = ms('WARDWATCH_OUTBOX_LEASE_MS');
  const poll = ms('WARDWATCH_OUTBOX_POLL_MS');
  const postTimeout = ms('WARDWATCH_OUTBOX_POST_TIMEOUT_MS');
  if (lease !== undefined) out.leaseMs = lease;
  if (poll !== undefined) out.pollMs = poll;
  if (postTimeout !== undefined) out.postTimeoutMs = postTimeout;
  return out;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class OutboxDispatcher {
  private readonly now: () => Date;
  private readonly log: (line: string) => void;
  private readonly leaseMs: number;
  private readonly postTimeoutMs: number;
  private readonly backoff: BackoffPolicy;
  private readonly random: () => number;
  /** Channels with a lane delivering now: the next lease leaves them alone. */
  private readonly busy = new Set<string>();
  private readonly lanes = new Set<Promise<unknown>>();
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  private ended = false;
  /** Channels whose "cannot check for an earlier delivery" was logged (once per process). */
  private readonly uncheckable = new Set<string>();
  /** The lease owner: the given name and this dispatcher's own tail. */
  readonly owner: string;

  constructor(private readonly options: DispatcherOptions) {
    this.now = options.now ?? (() => new Date());
    this.log = options.log ?? (() => {});
    this.leaseMs = options.leaseMs ?? 5 * 60_000;
    this.postTimeoutMs = options.postTimeoutMs ?? Math.min(this.leaseMs / 2, 120_000);
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.random = options.random ?? Math.random;
    this.owner = `${options.owner}#${randomBytes(3).toString('hex')}`;
  }

  private config(): Config {
    return typeof this.options.config === 'function' ? this.options.config() : this.options.config;
  }

  /** Polls every pollMs (and at once), until stop(). After stop() it does nothing (a service closing while it started). */
  start(): void {
    if (!this.stopped || this.ended) return;
    this.stopped = false;
    this.timer = setInterval(() => this.wake(), this.options.pollMs ?? 5000);
    this.timer.unref();
    this.wake();
  }

  /** Looks for due messages now (something was enqueued, a lane finished). */
  wake(): void {
    if (this.stopped) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = (async () => {
      try {
        do {
          this.again = false;
          const { lanes } = await this.tick();
          for (const lane of lanes) {
            // A finished lane may leave its channel's next messages due.
            lane.then(
              () => this.wake(),
              () => this.wake(),
            );
          }
        } while (this.again && !this.stopped);
      } catch (err) {
        this.log(`outbox: could not read the outbox: ${message(err)}`);
      } finally {
        this.ticking = null;
      }
    })();
  }

  /** Stops polling and waits for deliveries under way (their leases are released or recorded). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.ended = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.ticking;
    await Promise.allSettled([...this.lanes]);
  }

  /** One pass, waited for: leases what is due now and delivers it (tests, and the CLI through drain). */
  async runOnce(): Promise<DeliveryOutcome[]> {
    const { lanes } = await this.tick();
    return (await Promise.all(lanes)).flat();
  }

  /**
   * Passes until nothing is due now (the CLI: deliver, then exit). Messages waiting for a later retry,
   * quiet hours or a parent stay in the outbox for the next run or the service.
   */
  async drain(options: { maxPasses?: number; onOutcome?: (o: DeliveryOutcome) => void } = {}): Promise<DeliveryOutcome[]> {
    const all: DeliveryOutcome[] = [];
    for (let pass = 0; pass < (options.maxPasses ?? 100); pass++) {
      const outcomes = await this.runOnce();
      for (const o of outcomes) options.onOutcome?.(o);
      all.push(...outcomes);
      if (outcomes.length === 0) break;
    }
    return all;
  }

  /** Leases due messages of channels not already being delivered here, and starts one lane per channel. */
  private async tick(): Promise<{ lanes: Array<Promise<DeliveryOutcome[]>> }> {
    const now = this.now();
    // Channels whose platform this process cannot reach are left to a process that can (the CLI without
    // SLACK_BOT_TOKEN leaves Slack's messages to the service), rather than pushed back with an error.
    const unreachable = this.config()
      .channels.filter((c) => !this.options.platforms[c.platform])
      .map((c) => c.name);
    const leased = await this.options.store.leaseOutbox({
      owner: this.owner,
      now: now.toISOString(),
      leaseUntil: new Date(now.getTime() + this.leaseMs).toISOString(),
      limit: this.options.batchSize ?? 50,
      skipChannels: [...this.busy, ...unreachable],
    });
    const byChannel = new Map<string, OutboxMessage[]>();
    for (const m of leased) byChannel.set(m.channel, [...(byChannel.get(m.channel) ?? []), m]);
    const lanes: Array<Promise<DeliveryOutcome[]>> = [];
    for (const [channel, messages] of byChannel) {
      this.busy.add(channel);
      const lane = this.deliverChannel(messages.sort((a, b) => a.id - b.id)).finally(() => {
        this.busy.delete(channel);
        this.lanes.delete(lane);
      });
      this.lanes.add(lane);
      lanes.push(lane);
    }
    return { lanes };
  }

  /** One channel's leased messages, in order. A retryable failure holds the rest back for the same wait. */
  private async deliverChannel(messages: OutboxMessage[]): Promise<DeliveryOutcome[]> {
    const outcomes: DeliveryOutcome[] = [];
    let holdUntil: string | null = null;
    for (const m of messages) {
      let outcome: DeliveryOutcome;
      try {
        if (holdUntil !== null) {
          outcome = await this.release(m, 'held', 'pending', holdUntil, undefined, 'the channel is waiting after a failure');
        } else {
          outcome = await this.deliver(m);
          if (outcome.outcome === 'retry' && outcome.nextAttemptAt) holdUntil = outcome.nextAttemptAt;
        }
      } catch (err) {
        // The store failed under us: leave the lease to expire, the message is retried later.
        this.log(`outbox: #${m.id} (${m.idempotencyKey}): ${message(err)}`);
        outcome = { id: m.id, key: m.idempotencyKey, channel: m.channel, outcome: 'lost-lease', detail: message(err) };
      }
      outcomes.push(outcome);
    }
    return outcomes;
  }

  private async release(
    m: OutboxMessage,
    outcome: DeliveryOutcome['outcome'],
    state: 'pending' | 'deferred' | 'failed',
    nextAttemptAt: string,
    lastError: string | null | undefined,
    detail: string,
  ): Promise<DeliveryOutcome> {
    const ok = await this.options.store.releaseOutbox({ id: m.id, owner: this.owner, state, nextAttemptAt, ...(lastError !== undefined ? { lastError } : {}) });
    if (!ok) return { id: m.id, key: m.idempotencyKey, channel: m.channel, outcome: 'lost-lease', detail: 'another dispatcher took the message over' };
    return { id: m.id, key: m.idempotencyKey, channel: m.channel, outcome, detail, nextAttemptAt };
  }

  private async deliver(m: OutboxMessage): Promise<DeliveryOutcome> {
    const store = this.options.store;
    const owner = this.owner;
    const now = this.now();
    const later = (ms: number) => new Date(now.getTime() + ms).toISOString();
    const config = this.config();
    // The local page's own channel (when no local channel is configured) is a channel too.
    const channel = config.channels.find((c) => c.name === m.channel) ?? localChannels(config).find((c) => c.name === m.channel);
    if (!channel) {
      const why = `no channel named "${m.channel}" in the configuration`;
      this.log(`outbox: #${m.id} (${m.idempotencyKey}) failed: ${why}`);
      return this.release(m, 'failed', 'failed', now.toISOString(), why, why);
    }
    const platform = this.options.platforms[channel.platform];
    if (!platform) {
      // Only when the platform went away after the lease (the lease skips such channels).
      const why = `no ${channel.platform} connection in this process`;
      return this.release(m, 'waiting', 'pending', later(this.options.noPlatformWaitMs ?? 60_000), undefined, why);
    }
    if (channel.quietHours) {
      const end = quietHoursEnd(now, channel.quietHours, config.timezone);
      if (end) {
        const why = `quiet hours ${channel.quietHours.from}-${channel.quietHours.to} (${config.timezone})`;
        return this.release(m, 'deferred', 'deferred', end.toISOString(), undefined, why);
      }
    }
    let threadOf: string | null = null;
    if (m.threadOf) {
      const parent = await store.outboxByKey(m.threadOf);
      if (parent && parent.channel === m.channel) {
        if (parent.state === 'sent' && parent.platformMessageId) threadOf = parent.platformMessageId;
        else if (parent.state !== 'failed') {
          const due = parent.nextAttemptAt > now.toISOString() ? parent.nextAttemptAt : later(this.options.parentWaitMs ?? 10_000);
          const why = `waiting for #${parent.id} (${parent.idempotencyKey}) to be sent first: it is ${parent.state}`;
          return this.release(m, 'waiting', 'pending', due, undefined, why);
        } else this.log(`outbox: #${m.id}: its thread's first message #${parent.id} failed; posting in the channel`);
      } else if (!parent) this.log(`outbox: #${m.id}: no outbox message "${m.threadOf}" to thread under; posting in the channel`);
    }

    if (!(await store.beginOutboxAttempt({ id: m.id, owner, now: now.toISOString(), leaseUntil: later(this.leaseMs) }))) {
      return { id: m.id, key: m.idempotencyKey, channel: m.channel, outcome: 'lost-lease', detail: 'another dispatcher took the message over' };
    }
    const attempt = m.attempts + 1;
    try {
      // An earlier attempt may have arrived (killed before recording it, or timed out): look first.
      if (m.firstAttemptAt && platform.findPosted) {
        let found: PostResult | undefined;
        try {
          found = await this.withTimeout(platform.findPosted(channel, { idempotencyKey: m.idempotencyKey, threadOf, since: new Date(m.firstAttemptAt) }), channel);
        } catch (err) {
          if (err instanceof DeliveryError && !err.retryable) {
            if (!this.uncheckable.has(channel.name)) {
              this.uncheckable.add(channel.name);
              this.log(`outbox: ${err.message}; posting again, so a message whose earlier attempt arrived may appear twice`);
            }
          } else throw err;
        }
        if (found) {
          const sent = await store.markOutboxSent({ id: m.id, owner, platformMessageId: found.messageId, at: this.now().toISOString() });
          this.log(`outbox: #${m.id} (${m.idempotencyKey}) had already arrived in ${channel.name} (${found.messageId}); recorded, not posted again`);
          return { id: m.id, key: m.idempotencyKey, channel: m.channel, outcome: sent ? 'found' : 'lost-lease', platformMessageId: found.messageId };
        }
      }
      const posted = await this.withTimeout(platform.post(channel, m.reply, { idempotencyKey: m.idempotencyKey, threadOf }), channel);
      const sent = await store.markOutboxSent({ id: m.id, owner, platformMessageId: posted.messageId, at: this.now().toISOString() });
      if (!sent) {
        this.log(`outbox: #${m.id} (${m.idempotencyKey}) was posted but its lease had passed to another dispatcher, which will find it`);
        return { id: m.id, key: m.idempotencyKey, channel: m.channel, outcome: 'lost-lease', platformMessageId: posted.messageId };
      }
      return { id: m.id, key: m.idempotencyKey, channel: m.channel, outcome: 'sent', platformMessageId: posted.messageId };
    } catch (err) {
      const retryable = err instanceof DeliveryError ? err.retryable : true;
      const retryAfterMs = err instanceof DeliveryError ? err.retryAfterMs : undefined;
      const why = message(err);
      if (!retryable || attempt >= this.backoff.maxAttempts) {
        const last = retryable ? `${why} (gave up after ${attempt} attempts)` : why;
        this.log(`outbox: #${m.id} (${m.idempotencyKey}) to ${channel.name} FAILED: ${last}. \`wardwatch outbox retry ${m.id}\` tries it again.`);
        return this.release(m, 'failed', 'failed', this.now().toISOString(), last, last);
      }
      const next = new Date(this.now().getTime() + backoffMs(attempt, this.backoff, this.random, retryAfterMs)).toISOString();
      this.log(`outbox: #${m.id} (${m.idempotencyKey}) to ${channel.name}: ${why}; attempt ${attempt} of ${this.backoff.maxAttempts}, next at ${next}`);
      return this.release(m, 'retry', 'pending', next, why, why);
    }
  }

  private withTimeout<T>(work: Promise<T>, channel: ChannelConfig): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new DeliveryError(`no answer from ${channel.platform} for channel "${channel.name}" within ${Math.round(this.postTimeoutMs / 100) / 10} s`, true)),
        this.postTimeoutMs,
      );
    });
    return Promise.race([work, limit]).finally(() => clearTimeout(timer));
  }
}

/**
 * The store, except that a successful enqueueOutbox (directly, or in a transaction once it commits)
 * calls `onEnqueue`: the service wakes its dispatcher, so a digest goes out at once, not at the next poll.
 */
export function wakeOnEnqueue(store: Store, onEnqueue: () => void): Store {
  const wrap = (target: Store, mark: () => void, inTransaction: boolean): Store =>
    new Proxy(target, {
      get(t, prop) {
        if (prop === 'enqueueOutbox') {
          return async (messages: Parameters<Store['enqueueOutbox']>[0]) => {
            const r = await t.enqueueOutbox(messages);
            if (r.inserted > 0) mark();
            return r;
          };
        }
        if (prop === 'transaction') {
          return async <T>(fn: (tx: Store) => Promise<T>): Promise<T> => {
            if (inTransaction) return t.transaction((tx) => fn(wrap(tx, mark, true)));
            let enqueued = false;
            const result = await t.transaction((tx) => fn(wrap(tx, () => (enqueued = true), true)));
            if (enqueued) mark();
            return result;
          };
        }
        const value = Reflect.get(t, prop, t) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value;
      },
    });
  return wrap(store, onEnqueue, false);
}

/** For /healthz: messages by state and how long the oldest unsent one has waited. */
export async function outboxHealth(store: Store, now: Date): Promise<OutboxSummary & { oldestUnsentAgeSeconds: number | null }> {
  const summary = await store.outboxSummary();
  return { ...summary, oldestUnsentAgeSeconds: summary.oldestUnsentAt ? Math.max(0, Math.round((now.getTime() - Date.parse(summary.oldestUnsentAt)) / 1000)) : null };
}
