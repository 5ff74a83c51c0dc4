// One way to turn any reply's chart into a PNG, for every surface: charts are pure over their request;
// maps also need the ward boundaries, which come from the store.
import { renderChart } from '../charts/index.ts';
import type { ChartSize } from '../charts/links.ts';
import type { ChartRequest } from '../core/reply.ts';
import type { Store } from '../store/types.ts';

export async function renderAnyChart(store: Store, request: ChartRequest, size: ChartSize): Promise<Buffer> {
  if (request.kind === 'map') {
    const { renderMap } = await import('../maps/index.ts');
    return renderMap(store, request, { size });
  }
  return renderChart(request, { size });
}

/** The renderer the surfaces take (Slack uploads, the CLI's --png). */
export function chartRendererFor(store: Store): (request: ChartRequest, options: { size: ChartSize }) => Promise<Buffer> {
  return (request, options) => renderAnyChart(store, request, options.size);
}
