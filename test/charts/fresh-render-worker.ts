// A worker thread that draws one chart as the first thing it draws (its canvases are new), for
// reuse.test.ts: run through src/core/worker-boot.mjs with workerData
// { entry, request, size, panels }: a brief as its panels (renderCharts) unless panels is false (its page).
import { parentPort, workerData } from 'node:worker_threads';
import { renderChart, renderCharts } from '../../src/charts/index.ts';

const pngs = workerData.panels === false ? [renderChart(workerData.request, { size: workerData.size })] : renderCharts(workerData.request, { size: workerData.size });
parentPort!.postMessage(pngs.map((png) => Uint8Array.from(png)));
