// Whatever a thread kept from earlier charts (canvases, chart.js state, text widths, fill patterns,
// encoder tables), a chart must come out byte for byte as it does when it is the first thing a new
// thread draws: charts of every kind and both sizes, with different datasets, legends and notes, are
// drawn here in several mixed orders (a kind after itself, after another size, between a brief's
// panels) and each is compared with its drawing in a fresh worker. No timings (speed is in npm run bench).
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { ChartRequest } from '../../src/core/reply.ts';
import { renderChart, renderCharts } from '../../src/charts/index.ts';
import { cambridgeAsbRanking, cambridgeCountyCompare, cambridgeYearEnding, everythingTrend, exampleRequests, marketBurglaryTrend } from '../../src/charts/examples.ts';
import { LAYOUTS, renderSpec } from '../../src/charts/frame.ts';
import { specFor } from '../../src/charts/spec.ts';
import { WORKER_BOOT, workerExecArgv } from '../../src/core/workers.ts';
import { PNG_SIGNATURE } from './pixels.ts';

type Size = 'full' | 'compact';

/** Variants that change the number of datasets, the legend entries, the notes and the axes. */
function variants(): Record<string, ChartRequest> {
  const trend = marketBurglaryTrend();
  const yearEnding = cambridgeYearEnding();
  return {
    ...exampleRequests(),
    everything: everythingTrend(),
    trendPlain: { ...trend, series: trend.series.map((p) => ({ ...p, expected: undefined, upperbound: undefined, alarm: false })), rollingAverage: false },
    trendTotals: { ...trend, values: 'rolling-12-month-total' },
    rankingPetersfield: cambridgeAsbRanking('Petersfield'),
    rankingSynthetic: { ...cambridgeAsbRanking('Abbey'), synthetic: 'Synthetic figures for a test.' },
    yearEndingTwo: { ...yearEnding, periods: yearEnding.periods.slice(1), groups: yearEnding.groups.map((g) => ({ ...g, values: g.values.slice(1) })) },
    compareCounts: { ...cambridgeCountyCompare(), unit: 'count' },
  };
}

interface Item {
  name: string;
  size: Size;
  /** A brief as its separate panels rather than its page. */
  panels: boolean;
}

const requests = variants();
const items: Item[] = Object.keys(requests).flatMap((name) =>
  (['full', 'compact'] as const).flatMap((size) => [{ name, size, panels: false }, ...(requests[name]!.kind === 'brief' ? [{ name, size, panels: true }] : [])]),
);
const label = (item: Item) => `${item.name} ${item.size}${item.panels ? ' panels' : ''}`;

function draw(item: Item): Buffer[] {
  const request = requests[item.name]!;
  return item.panels ? renderCharts(request, { size: item.size }) : [renderChart(request, { size: item.size })];
}

function firstDrawn(item: Item): Promise<Buffer[]> {
  const entry = new URL('./fresh-render-worker.ts', import.meta.url).href;
  const worker = new Worker(WORKER_BOOT, {
    workerData: { entry, request: requests[item.name], size: item.size, panels: item.panels },
    execArgv: workerExecArgv(process.execArgv),
  });
  return new Promise<Buffer[]>((resolve, reject) => {
    worker.once('message', (pngs: Uint8Array[]) => resolve(pngs.map((p) => Buffer.from(p))));
    worker.once('error', reject);
  }).finally(() => worker.terminate());
}

/** A fixed shuffle (a linear congruential generator), so a failure names an order that can be rerun. */
function shuffled<T>(list: T[], seed: number): T[] {
  const out = [...list];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('kept state: a chart is the same whatever this thread drew before it', () => {
  it('every variant at both sizes, in mixed orders and twice in a row, equals its drawing as the first chart of a new thread', async () => {
    const orders = [items, [...items].reverse(), shuffled(items, 1), shuffled(items, 7), shuffled(items, 2026).flatMap((item) => [item, item])];
    const drawn = new Map<string, Buffer[][]>();
    for (const order of orders) {
      for (const item of order) {
        const list = drawn.get(label(item)) ?? [];
        list.push(draw(item));
        drawn.set(label(item), list);
      }
    }
    // new threads, two at a time (the machine may have few cores)
    const fresh = new Map<string, Buffer[]>();
    for (let i = 0; i < items.length; i += 2) {
      const pair = items.slice(i, i + 2);
      const pngs = await Promise.all(pair.map(firstDrawn));
      pair.forEach((item, k) => fresh.set(label(item), pngs[k]!));
    }
    for (const item of items) {
      const first = fresh.get(label(item))!;
      expect(first.length, label(item)).toBeGreaterThan(0);
      for (const png of first) expect(png.subarray(0, 8).equals(PNG_SIGNATURE), label(item)).toBe(true);
      const repeats = drawn.get(label(item))!;
      expect(repeats.length, label(item)).toBe(orders.length + 1); // the last order draws each item twice
      repeats.forEach((pngs, r) => {
        expect(pngs.length, `${label(item)} drawing ${r}`).toBe(first.length);
        pngs.forEach((png, j) => expect(png.equals(first[j]!), `${label(item)} image ${j}, drawing ${r}`).toBe(true));
      });
    }
  }, 180_000);

  it('a chart that fails part way leaves nothing behind: the next chart of its kind is drawn as before', () => {
    const request = cambridgeAsbRanking();
    const before = renderChart(request);
    for (const hook of ['beforeInit', 'afterDatasetsDraw', 'afterDraw'] as const) {
      const spec = specFor(request, LAYOUTS.full);
      spec.plugins = [
        ...(spec.plugins ?? []),
        {
          id: 'failing',
          [hook]: () => {
            throw new Error(`failed in ${hook}`);
          },
        },
      ];
      expect(() => renderSpec(LAYOUTS.full, spec)).toThrow(`failed in ${hook}`);
      expect(renderChart(request).equals(before), `after a failure in ${hook}`).toBe(true);
    }
  });
});
