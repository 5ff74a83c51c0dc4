// Chart images handed out by URL (the local page, Teams cards): the request is stored under an
// unguessable, expiring id and rendered on demand, so whichever replica a browser or Teams reaches
// can serve it. Rendering is deterministic, so each replica keeps a small cache of what it drew.
// The id is a 132-bit hash of the request: the same chart keeps one URL (a channel's history does not
// store a new copy each time a page loads it), and nobody can name a chart without knowing all of it.
import { createHash } from 'node:crypto';
import type { ChartRequest } from '../core/reply.ts';
import type { Store } from '../store/types.ts';

export type ChartSize = 'full' | 'compact';
export type ChartPngRenderer = (request: ChartRequest, size: ChartSize) => Buffer | Promise<Buffer>;

export interface ChartLinkOptions {
  /** How long a chart URL works (default 90 days: the local page shows a channel's history). */
  ttlMs?: number;
  /** Rendered PNGs kept in this process (default 200). */
  cacheEntries?: number;
  now?: () => Date;
}

/** The request's id: 22 URL-safe characters of its SHA-256. */
export function chartIdFor(request: ChartRequest): string {
  return createHash('sha256').update(JSON.stringify(request)).digest('base64url').slice(0, 22);
}

export function isChartId(id: string): boolean {
  return /^[A-Za-z0-9_-]{22}$/.test(id);
}

export class ChartLinks {
  private readonly cache = new Map<string, { png: Promise<Buffer>; expiresAt: string }>();
  /** Ids this process stored, with the expiry it gave: stored again only when half the time has gone. */
  private readonly registered = new Map<string, number>();
  private readonly ttlMs: number;
  private readonly cacheEntries: number;
  private readonly now: () => Date;

  constructor(
    private readonly store: Store,
    private readonly render: ChartPngRenderer | null,
    options: ChartLinkOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 90 * 24 * 3600_000;
    this.cacheEntries = options.cacheEntries ?? 200;
    this.now = options.now ?? (() => new Date());
  }

  /** Whether PNGs can be made at all. */
  get available(): boolean {
    return this.render !== null;
  }

  /** Stores the request (or extends its life) and returns its id. */
  async register(request: ChartRequest): Promise<string> {
    const id = chartIdFor(request);
    const now = this.now().getTime();
    const expiry = this.registered.get(id);
    if (expiry !== undefined && expiry - now > this.ttlMs / 2) return id;
    const expiresAt = now + this.ttlMs;
    await this.store.saveChartRequest({ id, request, createdAt: new Date(now).toISOString(), expiresAt: new Date(expiresAt).toISOString() });
    this.registered.set(id, expiresAt);
    if (this.registered.size > 10_000) this.registered.delete(this.registered.keys().next().value!);
    return id;
  }

  /** The stored request for an id, unless unknown or expired. */
  async request(id: string): Promise<ChartRequest | undefined> {
    if (!isChartId(id)) return undefined;
    return (await this.store.chartRequest(id, this.now()))?.request as ChartRequest | undefined;
  }

  /** The PNG for an id; undefined when the id is unknown, expired, or nothing can render. Render errors reject. */
  async png(id: string, size: ChartSize = 'full'): Promise<Buffer | undefined> {
    if (!this.render || !isChartId(id)) return undefined;
    const key = `${id}:${size}`;
    const cached = this.cache.get(key);
    if (cached) {
      this.cache.delete(key);
      // A drawn chart still needs its request alive: past the expiry it was drawn under, ask the store again.
      if (cached.expiresAt > this.now().toISOString()) {
        this.cache.set(key, cached);
        return cached.png;
      }
    }
    const stored = await this.store.chartRequest(id, this.now());
    if (!stored) return undefined;
    const render = this.render;
    const request = stored.request as ChartRequest;
    const png = Promise.resolve().then(() => render(request, size));
    this.cache.set(key, { png, expiresAt: stored.expiresAt });
    while (this.cache.size > this.cacheEntries) this.cache.delete(this.cache.keys().next().value!);
    png.catch(() => this.cache.delete(key));
    return png;
  }

  /** Drops expired requests from the store. */
  prune(): Promise<number> {
    return this.store.pruneChartRequests(this.now());
  }
}
