// What stands in front of Bolt's HTTP request listener (HTTP mode), on Wardwatch's own server and on
// Bolt's alike:
//   - /slack/events takes POST only: any other method gets a plain 405, nothing logged but the method
//     and path (Bolt would throw its "deferred request" error carrying the whole request, which a
//     server's error handler then dumps, cookies and Authorization header included);
//   - anything else Bolt does not serve gets a 404, again without the request in the log;
//   - a request whose x-slack-request-timestamp is more than 5 minutes from now in EITHER direction is
//     refused with 401 (Bolt's own check only refuses old ones: 10 minutes in the future passed);
//   - the signature is verified here (and again by Bolt), then the request is claimed in a replay guard
//     keyed by its signature, and for Events API callbacks by event_id (Slack's retries carry
//     x-slack-retry-num and a new signature for the same event): a replay within the window is answered
//     200 with an empty body and runs nothing.
import { createHash } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { ErrorCode, HTTPModuleFunctions, isRawBodyError, verifySlackRequest, type Logger } from '@slack/bolt';
import { describeError } from '../../core/redact.ts';

/** Slack's window: a request more than this far from now, either way, is refused. */
export const MAX_SKEW_SECONDS = 5 * 60;
/** Slack's payloads are small; Bolt's default limit is 4 MB. */
const BODY_LIMIT = 1024 * 1024;

/**
 * Remembers which signed requests have been seen. `claim` is true once per key until `expiresAt`
 * (the end of the window in which that signature could be accepted), false for every replay.
 */
export interface ReplayGuard {
  claim(key: string, expiresAt: Date): Promise<boolean>;
}

/**
 * The in-process replay guard. It holds for one process only: replicas behind one load balancer need
 * a store-backed guard (an insert-if-absent claim with an expiry, shared by every replica), or a replay
 * sent to another replica is answered again. See the Slack surface's notes in the report/README.
 */
export class MemoryReplayGuard implements ReplayGuard {
  private readonly seen = new Map<string, number>();
  private nextSweep = 0;

  constructor(
    private readonly max = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  async claim(key: string, expiresAt: Date): Promise<boolean> {
    const t = this.now();
    if (t >= this.nextSweep || this.seen.size >= this.max) this.sweep(t);
    const until = this.seen.get(key);
    if (until !== undefined && until > t) return false;
    this.seen.set(key, expiresAt.getTime());
    return true;
  }

  get size(): number {
    return this.seen.size;
  }

  private sweep(t: number): void {
    for (const [key, until] of this.seen) if (until <= t) this.seen.delete(key);
    // Full of live entries (a flood of correctly signed requests): forget the oldest.
    for (const key of this.seen.keys()) {
      if (this.seen.size < this.max) break;
      this.seen.delete(key);
    }
    this.nextSweep = t + 30_000;
  }
}

export interface GateOptions {
  /** Bolt's own request listener. */
  listener: RequestListener;
  signingSecret: string;
  /** Paths that take Slack's signed POSTs (Bolt's endpoints). */
  endpoints: readonly string[];
  logger: Logger;
  replay: ReplayGuard;
  now?: () => number;
}

const pathOf = (req: IncomingMessage): string => {
  try {
    return new URL(req.url ?? '/', 'http://localhost').pathname;
  } catch {
    return '/';
  }
};

function answer(res: ServerResponse, status: number, text = '', headers: Record<string, string> = {}): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, text ? { 'content-type': 'text/plain; charset=utf-8', ...headers } : headers);
  res.end(text);
}

const digest = (text: string) => createHash('sha256').update(text).digest('hex');

/** Bolt's listener behind the checks above. Never throws; every answer it gives is logged without the request. */
export function slackGate(o: GateOptions): RequestListener {
  const now = o.now ?? Date.now;
  const log = o.logger;

  async function screen(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    let raw: string;
    try {
      raw = (await HTTPModuleFunctions.bufferIncomingMessage(req, BODY_LIMIT)).rawBody.toString();
    } catch (err) {
      if (isRawBodyError(err) && (err as { statusCode?: number }).statusCode === 413) {
        log.warn(`slack: refused a request to ${path} over ${BODY_LIMIT} bytes`);
        return answer(res, 413);
      }
      log.warn(`slack: could not read a request to ${path}: ${err instanceof Error ? err.message : String(err)}`);
      return answer(res, 400);
    }
    const contentType = req.headers['content-type'];
    // Slack's SSL check is not signed; Bolt answers it (and drops anything smuggled with it).
    if (contentType === 'application/x-www-form-urlencoded' && parseQuery(raw).ssl_check === '1') return o.listener(req, res);

    const tsHeader = req.headers['x-slack-request-timestamp'];
    const signature = req.headers['x-slack-signature'];
    if (typeof tsHeader !== 'string' || !/^\d{1,12}$/.test(tsHeader) || typeof signature !== 'string') {
      log.warn(`slack: refused a request to ${path} without Slack's signature headers (401)`);
      return answer(res, 401);
    }
    const ts = Number(tsHeader);
    const skew = Math.floor(now() / 1000) - ts;
    if (Math.abs(skew) > MAX_SKEW_SECONDS) {
      const minutes = Math.round(Math.abs(skew) / 60);
      log.warn(
        `slack: refused a request to ${path} timestamped ${minutes} minute${minutes === 1 ? '' : 's'} ${skew > 0 ? 'ago' : 'in the future'}: more than 5 minutes from now (401)`,
      );
      return answer(res, 401);
    }
    try {
      verifySlackRequest({ signingSecret: o.signingSecret, body: raw, headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': ts }, nowMilliseconds: now() });
    } catch {
      log.warn(`slack: refused a request to ${path} with a bad signature (401)`);
      return answer(res, 401);
    }

    // Signed and fresh: run it once. The signature covers timestamp and body, so a replay of the same
    // request carries the same one; Slack's Events API retries re-sign the same event_id.
    const expiresAt = new Date((ts + MAX_SKEW_SECONDS + 60) * 1000);
    const retry = req.headers['x-slack-retry-num'];
    let replayOf: string | null = null;
    if (!(await o.replay.claim(`slack-sig:${digest(signature)}`, expiresAt))) replayOf = 'the same signed request';
    else {
      const eventId = contentType?.startsWith('application/json') ? eventIdOf(raw) : undefined;
      if (eventId && !(await o.replay.claim(`slack-event:${eventId}`, new Date(now() + 60 * 60_000)))) replayOf = `event ${eventId}`;
    }
    if (replayOf) {
      log.info(`slack: ignored a repeat of ${replayOf}${typeof retry === 'string' ? ` (Slack retry ${retry})` : ''}; it was answered once`);
      return answer(res, 200);
    }
    o.listener(req, res);
  }

  return (req, res) => {
    const path = pathOf(req);
    const method = (req.method ?? 'GET').toUpperCase();
    try {
      if (o.endpoints.includes(path)) {
        if (method !== 'POST') {
          log.debug(`slack: ${method} ${path} refused (405: Slack sends POST)`);
          return answer(res, 405, 'Slack sends its requests here with POST.\n', { allow: 'POST' });
        }
        screen(req, res, path).catch((err: unknown) => {
          log.error(`slack: a request to ${path} failed: ${describeError(err)}`);
          answer(res, 500);
        });
        return;
      }
      o.listener(req, res);
    } catch (err) {
      if ((err as { code?: string } | null)?.code === ErrorCode.HTTPReceiverDeferredRequestError) {
        log.debug(`slack: ${method} ${path} is not a Slack route (404)`);
        return answer(res, 404, 'Not found.\n');
      }
      log.error(`slack: ${method} ${path} failed: ${describeError(err)}`);
      answer(res, 500);
    }
  };
}

function eventIdOf(raw: string): string | undefined {
  try {
    const body = JSON.parse(raw) as { type?: unknown; event_id?: unknown };
    return body.type === 'event_callback' && typeof body.event_id === 'string' ? body.event_id : undefined;
  } catch {
    return undefined;
  }
}
