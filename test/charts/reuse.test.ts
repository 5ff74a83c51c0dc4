// Each thread keeps one canvas per size, its text widths and its fill patterns between charts
// (src/charts/frame.ts, palette.ts): a chart drawn after others must be byte for byte the chart drawn
// first on new canvases, whatever came before it: every kind at both sizes, variants with different
// datasets, legends and notes, in several mixed orders, and after a chart that failed part way. Each is
// compared with its drawing in a fresh worker. No timings here (speed is in npm run bench).
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { ChartRequest } from '../../src/core/reply.ts';
import { renderChart, renderCharts } from '../../src/charts/index.ts';
import { cambridgeAsbRanking, cambridgeCountyCompare, cambridgeYearEnding, everythingTrend, exampleRequests, marketBurglaryTrend } from '../../src/charts/examples.ts';
import { LAYOUTS, renderSpec } from '../../src/charts/frame.ts';
import { specFor } from '../../src/charts/spec.ts';
import { WORKER_BOOT, workerExecArgv } from '../../src/core/workers.ts';
import { PNG_SIGNATURE } from './pixels.ts';

const requests: Record<string, ChartRequest> = { ...exampleRequests(), everything: everythingTrend() };

/** The request drawn as the first chart of a new thread: a brief as its panels, or with panels false its page. */
function firstDrawn(request: ChartRequest, size: 'full' | 'compact', panels = true): Promise<Buffer[]> {
  const entry = new URL('./fresh-render-worker.ts', import.meta.url).href;
  const worker = new Worker(WORKER_BOOT, { workerData: { entry, request, size, panels }, execArgv: workerExecArgv(process.execArgv) });
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

const variantRequests = variants();
const items: Item[] = Object.keys(variantRequests).flatMap((name) =>
  (['full', 'compact'] as const).flatMap((size) => [{ name, size, panels: false }, ...(variantRequests[name]!.kind === 'brief' ? [{ name, size, panels: true }] : [])]),
);
const label = (item: Item) => `${item.name} ${item.size}${item.panels ? ' panels' : ''}`;

function draw(item: Item): Buffer[] {
  const request = variantRequests[item.name]!;
  return item.panels ? renderCharts(request, { size: item.size }) : [renderChart(request, { size: item.size })];
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
      const pngs = await Promise.all(pair.map((item) => firstDrawn(variantRequests[item.name]!, item.size, item.panels)));
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
