// Chart images handed out by URL (the local page, Teams cards): the request is stored under an
// unguessable, expiring id and rendered on demand, so whichever replica a browser or Teams reaches
// can serve it. Rendering is deterministic, so each replica keeps a small cache of what it drew.
import { randomBytes } from 'node:crypto';
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

/** 128 random bits, URL-safe: an id that cannot be guessed or enumerated. */
export function newChartId(): string {
  return randomBytes(16).toString('base64url');
}

export function isChartId(id: string): boolean {
  return /^[A-Za-z0-9_-]{22}$/.test(id);
}

export class ChartLinks {
  private readonly cache = new Map<string, Promise<Buffer>>();
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

  /** Stores the request and returns its id. */
  async register(request: ChartRequest): Promise<string> {
    const id = newChartId();
    const now = this.now();
    await this.store.saveChartRequest({ id, request, createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + this.ttlMs).toISOString() });
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
      // Still valid? The request may have expired since it was drawn.
      if (!(await this.store.chartRequest(id, this.now()))) {
        this.cache.delete(key);
        return undefined;
      }
      this.cache.delete(key);
      this.cache.set(key, cached);
      return cached;
    }
    const request = await this.request(id);
    if (!request) return undefined;
    const render = this.render;
    const png = Promise.resolve().then(() => render(request, size));
    this.cache.set(key, png);
    while (this.cache.size > this.cacheEntries) this.cache.delete(this.cache.keys().next().value!);
    png.catch(() => this.cache.delete(key));
    return png;
  }

  /** Drops expired requests from the store. */
  prune(): Promise<number> {
    return this.store.pruneChartRequests(this.now());
  }
}
