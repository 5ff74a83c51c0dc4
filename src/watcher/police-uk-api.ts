// The police.uk API client the watcher uses (https://data.police.uk/docs/): no authentication.
//   GET  crimes-street-dates                  which months exist ([{ date, "stop-and-search": [forces] }])
//   GET  crime-last-updated                   the latest data month ({ date: "YYYY-MM-DD" }, the day is irrelevant)
//   POST crimes-street/all-crime              poly=lat,lng:lat,lng:...&date=YYYY-MM (POST: a long GET URL is a 400)
//   GET  crimes-no-location?category=all-crime&force=&date=   crimes with no map point
// Every request waits for the token bucket; a 429 pauses the bucket for Retry-After (or an exponential
// backoff with jitter); timeouts, network errors and 5xx are retried a bounded number of times. A 503
// on a polygon is police.uk's "more than 10,000 crimes in this area": the caller splits the polygon.
import { z } from 'zod';
import type { Month } from '../core/periods.ts';
import { TokenBucket } from './token-bucket.ts';

export const CrimeSchema = z.object({
  category: z.string().min(1),
  persistent_id: z.string().nullish(),
  id: z.number(),
  location_type: z.string().nullish(),
  location: z
    .object({
      latitude: z.string(),
      longitude: z.string(),
      street: z.object({ id: z.number().nullish(), name: z.string().nullish() }).nullish(),
    })
    .nullish(),
  context: z.string().nullish(),
  month: z.string(),
  outcome_status: z.object({ category: z.string().nullish(), date: z.string().nullish() }).nullish(),
});
export type ApiCrime = z.infer<typeof CrimeSchema>;

const DatesSchema = z.array(z.object({ date: z.string().regex(/^\d{4}-\d{2}$/), 'stop-and-search': z.array(z.string()).default([]) }));
const LastUpdatedSchema = z.object({ date: z.string().regex(/^\d{4}-\d{2}/) });

export interface PoliceUkApiOptions {
  /** e.g. https://data.police.uk/api (no trailing slash needed). */
  baseUrl: string;
  ratePerSecond: number;
  burst: number;
  timeoutMs: number;
  /** Retries of one request after a timeout, network error, 429 or 5xx. */
  maxRetries: number;
  /** First backoff (doubled each retry, with full jitter, capped at maxBackoffMs). */
  backoffMs?: number;
  maxBackoffMs?: number;
  fetch?: typeof fetch;
  log?: (line: string) => void;
}

export interface ApiStats {
  requests: number;
  retries: number;
  throttled: number;
  /** 503s on a polygon, each answered by splitting it. */
  tooLarge: number;
}

export class PoliceUkApiError extends Error {
  override name = 'PoliceUkApiError';
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

/** The polygon holds more than police.uk will return at once (HTTP 503 on a custom area). */
export class TooManyCrimes extends Error {
  override name = 'TooManyCrimes';
}

export class PoliceUkApi {
  readonly stats: ApiStats = { requests: 0, retries: 0, throttled: 0, tooLarge: 0 };
  private readonly bucket: TokenBucket;
  private readonly base: string;
  private readonly fetchFn: typeof fetch;
  private readonly log: (line: string) => void;

  constructor(private readonly options: PoliceUkApiOptions) {
    this.bucket = new TokenBucket(options.ratePerSecond, options.burst);
    this.base = options.baseUrl.replace(/\/+$/, '');
    this.fetchFn = options.fetch ?? fetch;
    this.log = options.log ?? (() => undefined);
  }

  /** Months police.uk serves, newest first, with the forces listed for stop and search. */
  async dates(): Promise<Array<{ month: Month; forces: string[] }>> {
    const body = await this.request('GET', 'crimes-street-dates');
    const parsed = DatesSchema.safeParse(body);
    if (!parsed.success) throw new PoliceUkApiError(`crimes-street-dates: unexpected response (${issueText(parsed.error)})`, null);
    return parsed.data.map((d) => ({ month: d.date, forces: d['stop-and-search'] })).sort((a, b) => (a.month < b.month ? 1 : -1));
  }

  /** The latest data month police.uk says it has (a cross-check on the dates), or null if it cannot say. */
  async lastUpdated(): Promise<Month | null> {
    try {
      const parsed = LastUpdatedSchema.safeParse(await this.request('GET', 'crime-last-updated'));
      return parsed.success ? parsed.data.date.slice(0, 7) : null;
    } catch {
      return null;
    }
  }

  /** Street-level crimes of every category in a polygon; throws TooManyCrimes on a 503 when `split` is allowed. */
  async crimesInPolygon(poly: string, month: Month, split: boolean): Promise<ApiCrime[]> {
    const body = await this.request('POST', 'crimes-street/all-crime', new URLSearchParams({ poly, date: month }), split);
    return crimes(body, `crimes-street/all-crime (${month})`);
  }

  /** The force's crimes that have no map point ("No Location" in the CSV files). */
  async crimesNoLocation(force: string, month: Month): Promise<ApiCrime[]> {
    const body = await this.request('GET', `crimes-no-location?${new URLSearchParams({ category: 'all-crime', force, date: month })}`);
    return crimes(body, `crimes-no-location (${force}, ${month})`);
  }

  private async request(method: 'GET' | 'POST', path: string, form?: URLSearchParams, splitOn503 = false): Promise<unknown> {
    const url = `${this.base}/${path}`;
    const endpoint = path.split('?')[0]!;
    const max = this.options.maxRetries;
    for (let attempt = 0; ; attempt++) {
      await this.bucket.take();
      this.stats.requests++;
      let status: number | null = null;
      let why: string;
      let waitMs: number | null = null;
      try {
        const res = await this.fetchFn(url, {
          method,
          headers: { accept: 'application/json', ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
          ...(form ? { body: form.toString() } : {}),
          signal: AbortSignal.timeout(this.options.timeoutMs),
        });
        status = res.status;
        if (res.ok) {
          const text = await res.text();
          try {
            return JSON.parse(text) as unknown;
          } catch {
            throw new PoliceUkApiError(`${endpoint}: the response is not JSON (HTTP ${res.status}, ${text.length} bytes)`, res.status);
          }
        }
        await res.body?.cancel().catch(() => undefined);
        if (res.status === 503 && splitOn503) {
          this.stats.tooLarge++;
          throw new TooManyCrimes(`${endpoint}: HTTP 503 (more than police.uk returns for one area)`);
        }
        if (res.status === 429) {
          this.stats.throttled++;
          waitMs = retryAfterMs(res.headers.get('retry-after'));
          why = `HTTP 429 (rate limited${waitMs !== null ? `, Retry-After ${Math.round(waitMs / 1000)} s` : ''})`;
        } else if (res.status >= 500) why = `HTTP ${res.status}`;
        else throw new PoliceUkApiError(`${endpoint}: HTTP ${res.status}`, res.status);
      } catch (err) {
        if (err instanceof PoliceUkApiError || err instanceof TooManyCrimes) throw err;
        const e = err as Error;
        why = e.name === 'TimeoutError' || e.name === 'AbortError' ? `no answer in ${this.options.timeoutMs / 1000} s` : `network error (${e.message})`;
      }
      if (attempt >= max) throw new PoliceUkApiError(`${endpoint}: ${why}; gave up after ${max + 1} attempts`, status);
      const wait = waitMs ?? this.backoff(attempt);
      if (status === 429) this.bucket.pause(wait);
      this.stats.retries++;
      this.log(`police.uk: ${endpoint}: ${why}; retrying in ${(wait / 1000).toFixed(1)} s (attempt ${attempt + 2} of ${max + 1})`);
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  /** Exponential backoff with "equal jitter" (Brooker, "Exponential Backoff And Jitter", AWS Architecture Blog, 2015). */
  private backoff(attempt: number): number {
    const base = this.options.backoffMs ?? 1000;
    const cap = Math.min(this.options.maxBackoffMs ?? 60_000, base * 2 ** attempt);
    return Math.round(cap / 2 + Math.random() * (cap / 2));
  }
}

/** Retry-After as seconds or an HTTP date (RFC 9110 10.2.3), in ms; null when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | null {
  if (value === null || value.trim() === '') return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Math.min(Number(v), 300) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.min(300_000, Math.max(0, at - now));
}

function crimes(body: unknown, what: string): ApiCrime[] {
  if (!Array.isArray(body)) throw new PoliceUkApiError(`${what}: expected a JSON array of crimes`, null);
  const out: ApiCrime[] = [];
  body.forEach((item, i) => {
    const parsed = CrimeSchema.safeParse(item);
    if (!parsed.success) throw new PoliceUkApiError(`${what}: crime ${i + 1}: ${issueText(parsed.error)}`, null);
    out.push(parsed.data);
  });
  return out;
}

function issueText(error: z.ZodError): string {
  const i = error.issues[0]!;
  return `${i.path.join('.') || '(top level)'}: ${i.message}`;
}
