// What went wrong talking to the Bot Connector or a Workflows webhook, in terms the outbox and the
// user-facing apology can use. Never the request itself (its Authorization header) or a webhook URL.
import { DeliveryError } from '../../core/platform.ts';

export interface TeamsFailure {
  /** Short, safe to show and log: "http 429", "MessageSizeTooBig", "ECONNREFUSED". */
  reason: string;
  status?: number;
  retryable: boolean;
  retryAfterMs?: number;
}

/** Retry-After as milliseconds: seconds, or an HTTP date. */
export function retryAfterMs(header: unknown, now = Date.now()): number | undefined {
  const text = Array.isArray(header) ? header[0] : header;
  if (typeof text !== 'string' && typeof text !== 'number') return undefined;
  const s = String(text).trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const at = Date.parse(s);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ECONNABORTED',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ERR_NETWORK',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

/** An axios error (the Teams SDK's HTTP client), a fetch failure, or anything else. */
export function classifyTeamsError(err: unknown): TeamsFailure {
  const e = err as
    | {
        response?: { status?: number; headers?: Record<string, unknown>; data?: { error?: { code?: string; message?: string } } };
        code?: string;
        name?: string;
        message?: string;
        cause?: { code?: string };
      }
    | undefined;
  const status = e?.response?.status;
  if (typeof status === 'number') {
    const code = e?.response?.data?.error?.code;
    const reason = code ? `${code} (http ${status})` : `http ${status}`;
    if (status === 429) {
      const wait = retryAfterMs(e?.response?.headers?.['retry-after']);
      return { reason, status, retryable: true, ...(wait !== undefined ? { retryAfterMs: wait } : {}) };
    }
    return { reason, status, retryable: status >= 500 || status === 408 };
  }
  const code = e?.code ?? e?.cause?.code;
  if (code && TRANSIENT_CODES.has(code)) return { reason: code, retryable: true };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return { reason: 'timed out', retryable: true };
  return { reason: e?.message ? e.message.slice(0, 160) : 'unknown error', retryable: false };
}

export function deliveryError(what: string, failure: TeamsFailure): DeliveryError {
  return new DeliveryError(`${what}: ${failure.reason}`, failure.retryable, failure.retryAfterMs);
}
