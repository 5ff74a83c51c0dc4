// A worker thread that draws one chart as the first thing it draws (its canvases are new), for
// reuse.test.ts: run through src/core/worker-boot.mjs with workerData { entry, request, size }.
import { parentPort, workerData } from 'node:worker_threads';
import { renderCharts } from '../../src/charts/index.ts';

const pngs = renderCharts(workerData.request, { size: workerData.size });
parentPort!.postMessage(pngs.map((png) => Uint8Array.from(png)));
