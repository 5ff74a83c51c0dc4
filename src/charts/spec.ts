// One chart request (any kind but the brief page) as a spec for a layout.
import type { ChartRequest } from '../core/reply.ts';
import { compareSpec } from './compare.ts';
import type { ChartSpec, Layout } from './frame.ts';
import { rankingSpec } from './ranking.ts';
import { trendSpec } from './trend.ts';
import { yearEndingSpec } from './year-ending.ts';

export type SingleChartRequest = Exclude<ChartRequest, { kind: 'brief' }>;

export function specFor(request: SingleChartRequest, layout: Layout): ChartSpec {
  switch (request.kind) {
    case 'trend':
      return trendSpec(request, layout);
    case 'ranking':
      return rankingSpec(request, layout);
    case 'year-ending':
      return yearEndingSpec(request, layout);
    case 'compare':
      return compareSpec(request, layout);
    case 'map':
      throw new Error('charts: maps need geometry: use renderMap(store, request) from src/maps/index.ts');
  }
}
