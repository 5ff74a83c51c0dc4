// Charts for the local page: a reply's chart request is registered under a content address (so the
// same request always has the same URL, across restarts) and rendered to PNG on first request.
import { createHash } from 'node:crypto';
import type { ChartRequest } from '../../core/reply.ts';

export type ChartSize = 'full' | 'compact';
export type ChartRenderer = (request: ChartRequest, options: { size: ChartSize }) => Buffer | Promise<Buffer>;

interface Entry {
  request: ChartRequest;
  png: Partial<Record<ChartSize, Promise<Buffer>>>;
}

export class ChartCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly render: ChartRenderer | null,
    private readonly maxEntries = 500,
  ) {}

  /** Whether PNGs can be made at all (false until a renderer is wired in). */
  get available(): boolean {
    return this.render !== null;
  }

  /** Registers a request and returns its id (a hash of the request). */
  register(request: ChartRequest): string {
    const id = createHash('sha256').update(JSON.stringify(request)).digest('hex').slice(0, 24);
    const existing = this.entries.get(id);
    if (existing) {
      // keep recently used entries at the end of the insertion order
      this.entries.delete(id);
      this.entries.set(id, existing);
    } else {
      this.entries.set(id, { request, png: {} });
      while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    }
    return id;
  }

  /** The PNG for an id, or undefined when the id is unknown. Rendering errors reject. */
  png(id: string, size: ChartSize = 'full'): Promise<Buffer> | undefined {
    const entry = this.entries.get(id);
    if (!entry || !this.render) return undefined;
    const render = this.render;
    let png = entry.png[size];
    if (!png) {
      png = Promise.resolve().then(() => render(entry.request, { size }));
      entry.png[size] = png;
      png.catch(() => {
        delete entry.png[size];
      });
    }
    return png;
  }
}
