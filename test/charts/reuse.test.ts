// Each thread keeps one canvas per size, its text widths and its fill patterns between charts
// (src/charts/frame.ts, palette.ts): a chart drawn after others must be byte for byte the chart drawn
// first on new canvases, whatever came before it. No timings here (speed is in npm run bench).
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { ChartRequest } from '../../src/core/reply.ts';
import { renderChart, renderCharts } from '../../src/charts/index.ts';
import { everythingTrend, exampleRequests } from '../../src/charts/examples.ts';
import { WORKER_BOOT, workerExecArgv } from '../../src/core/workers.ts';
import { PNG_SIGNATURE } from './pixels.ts';

const requests: Record<string, ChartRequest> = { ...exampleRequests(), everything: everythingTrend() };

function firstDrawn(request: ChartRequest, size: 'full' | 'compact'): Promise<Buffer[]> {
  const entry = new URL('./fresh-render-worker.ts', import.meta.url).href;
  const worker = new Worker(WORKER_BOOT, { workerData: { entry, request, size }, execArgv: workerExecArgv(process.execArgv) });
  return new Promise<Buffer[]>((resolve, reject) => {
    worker.once('message', (pngs: Uint8Array[]) => resolve(pngs.map((p) => Buffer.from(p))));
    worker.once('error', reject);
  }).finally(() => worker.terminate());
}

describe('kept canvases: a chart is the same whatever was drawn before it', () => {
  for (const size of ['full', 'compact'] as const) {
    it(`${size}: every kind, drawn after all the others (forwards and backwards), equals its first drawing on new canvases`, async () => {
      const names = Object.keys(requests);
      // dirty every kept canvas, the width cache and the patterns with every other kind first
      for (const name of names) renderCharts(requests[name]!, { size });
      const forwards = names.map((name) => renderCharts(requests[name]!, { size }));
      const backwards = [...names]
        .reverse()
        .map((name) => renderCharts(requests[name]!, { size }))
        .reverse();
      for (const [i, name] of names.entries()) {
        const fresh = await firstDrawn(requests[name]!, size);
        expect(fresh.length, name).toBeGreaterThan(0);
        expect(forwards[i]!.length, name).toBe(fresh.length);
        fresh.forEach((png, j) => {
          expect(png.subarray(0, 8).equals(PNG_SIGNATURE), name).toBe(true);
          expect(forwards[i]![j]!.equals(png), `${name} panel ${j} forwards`).toBe(true);
          expect(backwards[i]![j]!.equals(png), `${name} panel ${j} backwards`).toBe(true);
        });
      }
      // the brief's page draws its panels through the kept panel canvas one after another
      expect(renderChart(requests.brief!, { size }).equals(renderChart(requests.brief!, { size }))).toBe(true);
    }, 60_000);
  }

  it('the canvas allocator is told to use small pages before the canvas loads (src/charts/native-memory.ts)', () => {
    expect(process.env.MIMALLOC_ALLOW_THP).toBe('0');
  });
});
