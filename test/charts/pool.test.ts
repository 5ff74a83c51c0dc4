// The chart pool (src/charts/pool.ts): a worker thread draws the same bytes as the main thread for every
// kind and size (maps too, from the store's boundaries), and its queue is first in, first out, bounded,
// refusing at once when full, and closed cleanly. No timings here (speed is in npm run bench).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { makeContext } from '../../src/core/context.ts';
import { answer } from '../../src/core/dispatch.ts';
import type { ChartRequest } from '../../src/core/reply.ts';
import { renderChart } from '../../src/charts/index.ts';
import { exampleRequests } from '../../src/charts/examples.ts';
import { ChartPool, ChartPoolBusy } from '../../src/charts/pool.ts';
import { workerExecArgv } from '../../src/core/workers.ts';
import { renderMap } from '../../src/maps/index.ts';
import { renderAnyChart } from '../../src/service/charts.ts';
import { fixtureStore, type TempStore } from '../helpers/store.ts';
import { PNG_SIGNATURE } from './pixels.ts';

let pool: ChartPool;
let t: TempStore;
beforeAll(async () => {
  pool = new ChartPool({ workers: 2 });
  t = await fixtureStore({ history: true });
});
afterAll(async () => {
  await pool?.close();
  await t?.cleanup();
});

describe('chart pool: deterministic across threads', () => {
  for (const [kind, request] of Object.entries(exampleRequests())) {
    for (const size of ['full', 'compact'] as const) {
      it(`${kind} ${size}: the worker's PNG is byte for byte the main thread's`, async () => {
        const here = renderChart(request, { size });
        const there = await pool.render({ request, size });
        expect(there.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
        expect(there.length).toBeGreaterThan(1000);
        expect(there.equals(here)).toBe(true);
      });
    }
  }

  it('a map from the store: the worker (given the boundaries) draws what renderMap draws here', async () => {
    const { config } = loadConfig();
    const reply = await answer('map burglary market', makeContext({ store: t.store, config, channel: 'cambridge-csp', now: new Date('2024-05-20T09:00:00Z') }));
    expect(reply.chart?.kind).toBe('map');
    const request = reply.chart as ChartRequest;
    const here = await renderMap(t.store, request as Extract<ChartRequest, { kind: 'map' }>, { size: 'full' });
    const there = await renderAnyChart(t.store, request, 'full', pool);
    expect(there.equals(here)).toBe(true);
  });
});

describe('chart pool: the queue', () => {
  it('one worker: answers in arrival order, refuses past its bound at once, then takes work again', async () => {
    const one = new ChartPool({ workers: 1, maxQueue: 2 });
    try {
      const requests = Object.values(exampleRequests()).slice(0, 4);
      const order: number[] = [];
      // first to the worker, two queued, the fourth refused without waiting for any
      const jobs = requests.map((request, i) =>
        one.render({ request, size: 'compact' }).then(
          (png) => (order.push(i), png),
          (err: unknown) => err,
        ),
      );
      const refused = await jobs[3];
      expect(refused).toBeInstanceOf(ChartPoolBusy);
      expect((refused as Error).message).toMatch(/busy \(2 charts waiting\)/);
      expect(order).toEqual([]); // refused before the first had finished
      expect(one.stats()).toMatchObject({ workers: 1, busy: 1, queued: 2, refused: 1 });
      const pngs = (await Promise.all(jobs.slice(0, 3))) as Buffer[];
      expect(order).toEqual([0, 1, 2]);
      pngs.forEach((png, i) => expect(png.equals(renderChart(requests[i]!, { size: 'compact' }))).toBe(true));
      expect(one.stats()).toMatchObject({ busy: 0, queued: 0, rendered: 3, refused: 1, failed: 0 });
      // with room again, a new job is taken
      expect((await one.render({ request: requests[3]!, size: 'compact' })).equals(renderChart(requests[3]!, { size: 'compact' }))).toBe(true);
    } finally {
      await one.close();
    }
  });

  it('a worker that drew a burst is replaced by a fresh one once idle, and the fresh one draws the same bytes', async () => {
    const one = new ChartPool({ workers: 1, recycleAfter: 2, recycleIdleMs: 0 });
    try {
      const request = Object.values(exampleRequests())[0]!;
      await Promise.all([one.render({ request, size: 'compact' }), one.render({ request, size: 'compact' })]);
      for (let i = 0; i < 200 && one.stats().recycled === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(one.stats()).toMatchObject({ workers: 1, recycled: 1, failed: 0 });
      expect((await one.render({ request, size: 'compact' })).equals(renderChart(request, { size: 'compact' }))).toBe(true);
    } finally {
      await one.close();
    }
  });

  it('a bad request fails its own job only; close refuses what waits and anything after', async () => {
    const one = new ChartPool({ workers: 1, maxQueue: 10 });
    const good = Object.values(exampleRequests())[0]!;
    const bad = { kind: 'trend', nonsense: true } as unknown as ChartRequest;
    const results = await Promise.allSettled([one.render({ request: bad, size: 'full' }), one.render({ request: good, size: 'full' })]);
    expect(results[0]!.status).toBe('rejected');
    expect(results[1]!.status).toBe('fulfilled');
    expect(one.stats()).toMatchObject({ rendered: 1, failed: 1 });
    const runningAndWaiting = Promise.allSettled([one.render({ request: good, size: 'full' }), one.render({ request: good, size: 'full' })]);
    await one.close();
    for (const r of await runningAndWaiting) {
      expect(r.status).toBe('rejected');
      expect(String((r as PromiseRejectedResult).reason)).toMatch(/closed/);
    }
    await expect(one.render({ request: good, size: 'full' })).rejects.toThrow(/closed/);
  });
});

describe("a worker's flags", () => {
  it("drop the process's preloads (a TypeScript preload cannot load before the worker's own loader) and keep the rest", () => {
    const argv = ['--import', 'tsx', '--import', 'file:///x/child-preload.ts', '--max-old-space-size=512', '--require=./a.cjs', '-r', 'b.cjs', '--enable-source-maps'];
    expect(workerExecArgv(argv)).toEqual(['--max-old-space-size=512', '--enable-source-maps']);
  });
});
