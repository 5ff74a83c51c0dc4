// One way to turn any reply's chart into a PNG, for every surface: charts are pure over their request;
// maps also need the ward boundaries, which come from the store. With a pool (the service has one), the
// drawing and encoding happen on its worker threads, off the event loop that answers and acks; without
// (the CLI's --png), here.
import { renderChart } from '../charts/index.ts';
import type { ChartSize } from '../charts/links.ts';
import { ChartPool } from '../charts/pool.ts';
import type { ChartRequest } from '../core/reply.ts';
import type { Store } from '../store/types.ts';

export async function renderAnyChart(store: Store, request: ChartRequest, size: ChartSize, pool?: ChartPool | null): Promise<Buffer> {
  if (request.kind === 'map') {
    if (pool) return pool.render({ request, size, boundaries: await store.drawingBoundaries([...new Set(request.wards.map((w) => w.code))].sort()) });
    const { renderMap } = await import('../maps/index.ts');
    return renderMap(store, request, { size });
  }
  if (pool) return pool.render({ request, size });
  return renderChart(request, { size });
}

/** The renderer the surfaces take (Slack uploads, the CLI's --png). */
export function chartRendererFor(store: Store, pool?: ChartPool | null): (request: ChartRequest, options: { size: ChartSize }) => Promise<Buffer> {
  return (request, options) => renderAnyChart(store, request, options.size, pool);
}

/**
 * The service's pool: $WARDWATCH_CHART_WORKERS threads (default the cores but one, at least 1; 0 draws on the main
 * thread, as before), $WARDWATCH_CHART_QUEUE charts waiting at most (default 256).
 */
export function chartPoolFromEnv(env: NodeJS.ProcessEnv): ChartPool | null {
  const workers = env.WARDWATCH_CHART_WORKERS?.trim();
  const queue = env.WARDWATCH_CHART_QUEUE?.trim();
  const n = workers ? Number(workers) : undefined;
  if (n !== undefined && (!Number.isInteger(n) || n < 0)) throw new Error(`WARDWATCH_CHART_WORKERS must be a whole number (0 = draw on the main thread), found "${workers}"`);
  const q = queue ? Number(queue) : undefined;
  if (q !== undefined && (!Number.isInteger(q) || q < 1)) throw new Error(`WARDWATCH_CHART_QUEUE must be a whole number of at least 1, found "${queue}"`);
  if (n === 0) return null;
  return new ChartPool({ ...(n !== undefined ? { workers: n } : {}), ...(q !== undefined ? { maxQueue: q } : {}) });
}
