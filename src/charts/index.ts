// Charts: a reply's ChartRequest as a PNG (chart.js 4 on @napi-rs/canvas, bundled DejaVu font),
// and its text alternative. Synchronous and deterministic: the same request gives the same bytes.
import './native-memory.ts'; // first: allocator settings before @napi-rs/canvas loads
import type { ChartRequest } from '../core/reply.ts';
import { renderBriefPage, renderBriefPanels } from './brief.ts';
import { LAYOUTS, renderSpec, type ChartSize } from './frame.ts';
import { specFor } from './spec.ts';

export { chartAltText } from './alt.ts';
export { FONT_FAMILY, registerChartFont } from './fonts.ts';
export { LAYOUTS, titleBand, type ChartSize, type Layout } from './frame.ts';
export { change, changeLabel, changeSentence, formatCount, formatRate, MIN_PERCENT_BASE } from './format.ts';
export { OKABE_ITO, ROLE } from './palette.ts';
export { rollingAverage } from './trend.ts';

export interface RenderOptions {
  /** 'full': about 1000x500 for Slack (default); 'compact': 640x320, a 16-colour PNG under 28 KB for inline use. */
  size?: ChartSize;
}

/** The chart as a PNG. A brief gives one page with its panels in two columns. */
export function renderChart(request: ChartRequest, options: RenderOptions = {}): Buffer {
  const size = options.size ?? 'full';
  if (request.kind === 'map') throw new Error('renderChart: maps need geometry: use renderMap(store, request) from src/maps/index.ts');
  if (request.kind === 'brief') return renderBriefPage(request, size);
  return renderSpec(LAYOUTS[size], specFor(request, LAYOUTS[size]));
}

/** Several images instead of one: a brief's panels one by one, any other chart as itself. */
export function renderCharts(request: ChartRequest, options: RenderOptions = {}): Buffer[] {
  const size = options.size ?? 'full';
  if (request.kind === 'brief') return renderBriefPanels(request, size);
  return [renderChart(request, { size })];
}
