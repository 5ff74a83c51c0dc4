// Whether Wardwatch can talk to Slack, and trying again until it can. A rejected token (invalid_auth,
// token_revoked, account_inactive, ...) or a Web API that cannot be reached (connection refused, DNS,
// timeouts; in Socket Mode also apps.connections.open or the WebSocket failing) marks the Slack surface
// degraded, with a reason, in /healthz and the log; it is retried with capped exponential backoff and
// returns to ok when an attempt succeeds. Nothing here throws to its caller or leaves a promise without
// a handler: the rest of the service carries on whatever Slack does.
import { ErrorCode } from '@slack/web-api';

export type SlackSurfaceState = 'starting' | 'ok' | 'degraded' | 'stopped';

/** The Slack surface's entry in /healthz (`surfaces.slack`). */
export interface SlackHealth {
  state: SlackSurfaceState;
  mode: 'http' | 'socket';
  /** Why it is degraded (null when ok). */
  reason: string | null;
  /** When it entered this state. */
  since: string;
  /** When the next attempt is due (null when none is scheduled). */
  nextRetry: string | null;
  /** Failed attempts since it was last ok. */
  failures: number;
  lastOk: string | null;
}

export interface BackoffOptions {
  /** First retry after this long (default 2 s). */
  minMs: number;
  /** Never wait longer than this (default 5 minutes). */
  maxMs: number;
  /** Each failure multiplies the wait by this (default 2). */
  factor?: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { minMs: 2000, maxMs: 5 * 60_000, factor: 2 };

/** A failed attempt, described for people. */
export class SlackConnectionProblem extends Error {
  constructor(
    readonly reason: string,
    /** Slack asked us to wait this long (a 429). */
    readonly retryAfterMs?: number,
  ) {
    super(reason);
    this.name = 'SlackConnectionProblem';
  }
}

/** Slack's errors that mean the token itself is refused. */
export const TOKEN_REJECTED = new Set([
  'invalid_auth',
  'not_authed',
  'token_revoked',
  'token_expired',
  'account_inactive',
  'team_disabled',
  'user_removed_from_team',
  'org_login_required',
  'ekm_access_denied',
  'not_allowed_token_type',
  'two_factor_setup_required',
]);

/** The innermost cause of a fetch failure, as `code: message`. */
function transportDetail(err: unknown, timeoutMs: number | undefined): string {
  const seen = new Set<unknown>();
  let e = err as { original?: unknown; cause?: unknown; code?: unknown; name?: unknown; message?: unknown } | undefined;
  let code: string | undefined;
  let message: string | undefined;
  let timedOut = false;
  while (e && typeof e === 'object' && !seen.has(e)) {
    seen.add(e);
    if (e.name === 'TimeoutError' || e.name === 'AbortError' || e.code === 'UND_ERR_CONNECT_TIMEOUT' || e.code === 'ETIMEDOUT') timedOut = true;
    if (typeof e.code === 'string' && /^[A-Z_]+$/.test(e.code)) code = e.code;
    if (typeof e.message === 'string' && e.message) message = e.message;
    e = (e.original ?? e.cause) as typeof e;
  }
  if (timedOut) return `no answer within ${timeoutMs ? `${Math.round(timeoutMs / 100) / 10} s` : 'the timeout'}`;
  switch (code) {
    case 'ECONNREFUSED':
      return `connection refused (${message ?? code})`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `DNS lookup failed (${message ?? code})`;
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return `the connection was reset (${message ?? code})`;
    case 'CERT_HAS_EXPIRED':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `TLS failed (${message ?? code})`;
    default:
      return message ?? code ?? 'the request failed';
  }
}

/**
 * Why a Web API call failed, in words for /healthz and the log:
 * "SLACK_BOT_TOKEN was rejected by Slack: invalid_auth", "Slack's Web API (https://slack.com/api/)
 * could not be reached: connection refused (...)".
 */
export function describeSlackFailure(err: unknown, what: { tokenName: string; method: string; apiUrl: string; timeoutMs?: number }): SlackConnectionProblem {
  if (err instanceof SlackConnectionProblem) return err;
  const e = err as { code?: string; data?: { error?: string }; statusCode?: number; retryAfter?: number } | undefined;
  switch (e?.code) {
    case ErrorCode.PlatformError: {
      const error = e.data?.error ?? 'unknown_error';
      if (TOKEN_REJECTED.has(error)) return new SlackConnectionProblem(`${what.tokenName} was rejected by Slack: ${error}`);
      return new SlackConnectionProblem(`Slack refused ${what.method}: ${error}`);
    }
    case ErrorCode.RequestError:
      return new SlackConnectionProblem(`Slack's Web API (${what.apiUrl}) could not be reached: ${transportDetail(err, what.timeoutMs)}`);
    case ErrorCode.HTTPError:
      return new SlackConnectionProblem(`Slack's Web API (${what.apiUrl}) answered ${what.method} with HTTP ${e.statusCode ?? '?'}`);
    case ErrorCode.RateLimitedError:
      return new SlackConnectionProblem(`Slack rate limited ${what.method} (retry after ${e.retryAfter ?? '?'} s)`, Math.max(1, e.retryAfter ?? 1) * 1000);
    default:
      return new SlackConnectionProblem(`${what.method} failed: ${transportDetail(err, what.timeoutMs)}`);
  }
}

/** Whether a failed call says something about the connection (not about one message): a refused token or no route to Slack. */
export function isConnectionFailure(err: unknown, options: { tokenErrors: boolean }): boolean {
  const e = err as { code?: string; data?: { error?: string }; statusCode?: number } | undefined;
  if (e?.code === ErrorCode.RequestError) return true;
  if (e?.code === ErrorCode.HTTPError) return (e.statusCode ?? 500) >= 500;
  if (e?.code === ErrorCode.PlatformError) return options.tokenErrors && TOKEN_REJECTED.has(e.data?.error ?? '');
  return false;
}

export interface ConnectionLog {
  info(msg: string): void;
  warn(msg: string): void;
  debug(msg: string): void;
}

export interface SlackConnectionOptions {
  mode: 'http' | 'socket';
  /** One attempt: resolves when Slack accepted us; throws (ideally a SlackConnectionProblem) when not. */
  attempt: () => Promise<void>;
  backoff?: Partial<BackoffOptions>;
  /** While ok, check again this often (0 = only when a call fails). Default 15 minutes. */
  okCheckMs?: number;
  log: ConnectionLog;
  onChange?: (health: SlackHealth) => void;
  now?: () => Date;
  /** 0..1; the wait is scaled by 0.8-1.2 with it (default Math.random). */
  random?: () => number;
}

export class SlackConnection {
  private health: SlackHealth;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private stopped = false;
  private lastLostCheck = -Infinity;
  private readonly backoff: BackoffOptions;
  private readonly now: () => Date;

  constructor(private readonly o: SlackConnectionOptions) {
    this.now = o.now ?? (() => new Date());
    this.backoff = { ...DEFAULT_BACKOFF, ...o.backoff };
    this.health = { state: 'starting', mode: o.mode, reason: null, since: this.now().toISOString(), nextRetry: null, failures: 0, lastOk: null };
  }

  report(): SlackHealth {
    return { ...this.health };
  }

  /** Starts the first attempt now. */
  start(): void {
    this.schedule(0);
  }

  /** Runs an attempt now unless one is running; resolves when that attempt is over. Never rejects. */
  check(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.inFlight) return this.inFlight;
    this.clearTimer();
    const run = (async () => {
      try {
        await this.o.attempt();
        if (!this.stopped) this.succeeded();
      } catch (err) {
        if (!this.stopped) this.failed(err);
      }
    })().finally(() => {
      this.inFlight = null;
    });
    this.inFlight = run;
    return run;
  }

  /**
   * A call elsewhere (an answer, an alert) failed in a way that may mean the connection is gone (a
   * refused token, no route to Slack, a 5xx): check now rather than at the next scheduled time. The
   * check decides the state, so one failed upload does not flip /healthz by itself. At most one such
   * check per `minMs`; while degraded the backoff already has the next attempt in hand.
   */
  lost(reason: string): void {
    if (this.stopped || this.inFlight || this.health.state === 'degraded') return;
    const t = this.now().getTime();
    if (t - this.lastLostCheck < this.backoff.minMs) return;
    this.lastLostCheck = t;
    this.o.log.info(`slack: a call failed (${reason}); checking the connection now`);
    void this.check();
  }

  stop(): void {
    this.stopped = true;
    this.clearTimer();
    this.set({ state: 'stopped', nextRetry: null, since: this.now().toISOString() });
  }

  /** Resolves when no attempt is running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.inFlight) await this.inFlight;
  }

  private succeeded(): void {
    const was = this.health;
    const at = this.now().toISOString();
    this.set({ state: 'ok', reason: null, since: was.state === 'ok' ? was.since : at, failures: 0, lastOk: at, nextRetry: null });
    if (was.state === 'degraded') {
      const after = was.failures ? ` after ${was.failures} failed attempt${was.failures === 1 ? '' : 's'}` : '';
      this.o.log.info(`slack: connected again${after} (it was: ${was.reason})`);
    } else if (was.state === 'starting') this.o.log.info('slack: connected');
    const every = this.o.okCheckMs ?? 15 * 60_000;
    if (every > 0) this.schedule(every);
  }

  private failed(err: unknown): void {
    const problem = err instanceof SlackConnectionProblem ? err : new SlackConnectionProblem(err instanceof Error ? err.message : String(err));
    const was = this.health;
    const failures = was.state === 'degraded' ? was.failures + 1 : 1;
    const { minMs, maxMs, factor = 2 } = this.backoff;
    const wait = Math.max(problem.retryAfterMs ?? 0, Math.min(maxMs, this.jitter(minMs * factor ** (failures - 1))));
    this.set({ state: 'degraded', reason: problem.reason, since: was.state === 'degraded' ? was.since : this.now().toISOString(), failures });
    this.schedule(wait);
    const next = `retrying in ${formatMs(wait)}`;
    if (was.state !== 'degraded' || was.reason !== problem.reason) this.o.log.warn(`slack: degraded: ${problem.reason}; ${next} (the rest of Wardwatch carries on)`);
    else if ((failures & (failures - 1)) === 0) this.o.log.info(`slack: still degraded after ${failures} attempts: ${problem.reason}; ${next}`);
    else this.o.log.debug(`slack: still degraded after ${failures} attempts; ${next}`);
  }

  private jitter(ms: number): number {
    return Math.round(ms * (0.8 + 0.4 * (this.o.random ?? Math.random)()));
  }

  private schedule(ms: number): void {
    this.clearTimer();
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.check();
    }, ms);
    this.timer.unref();
    this.set({ nextRetry: this.health.state === 'ok' || ms === 0 ? null : new Date(this.now().getTime() + ms).toISOString() });
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private set(patch: Partial<SlackHealth>): void {
    this.health = { ...this.health, ...patch };
    try {
      this.o.onChange?.(this.report());
    } catch {
      // a listener's failure is not the connection's
    }
  }
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : ms < 120_000 ? `${Math.round(ms / 100) / 10} s` : `${Math.round(ms / 60_000)} min`;
}
