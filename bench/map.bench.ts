// `wardwatch bench map`: ward maps on the fixture store. For a district (Cambridge, 14 wards;
// Fenland, 18) and the county (120 wards): the reply (answer(), warm), the map drawn from its request
// (renderMap: the drawing boundaries read from the store and the PNG, warm, full and compact, p50 and
// p95), the first draw after the geometry cache is cleared (simplify, project, prepare), and PNG sizes.
// Targets (README): a district map well under 100 ms warm, the county under 200 ms.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Feature } from 'geojson';
import { loadConfig } from '../src/config/load.ts';
import { makeContext } from '../src/core/context.ts';
import { answer } from '../src/core/dispatch.ts';
import type { MapRequest } from '../src/core/reply.ts';
import { loadFixtures } from '../src/ingest/fixtures.ts';
import { clearMapGeometryCache, renderMap, simplifyFeatures } from '../src/maps/index.ts';
import { openStore } from '../src/store/open.ts';
import type { Benchmark } from '../src/surfaces/cli/verbs/bench.ts';

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}
const round = (ms: number) => Math.round(ms * 10) / 10;

/**
 * Wall-clock p50 and p95 of `runs` calls, and the p50 of the process's CPU time per call (user +
 * system): on a machine shared with other work the wall clock waits for the CPU; the CPU time does not.
 */
async function timed(runs: number, fn: () => Promise<unknown>): Promise<{ p50Ms: number; p95Ms: number; cpuP50Ms: number; runs: number }> {
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c = process.cpuUsage();
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
    const d = process.cpuUsage(c);
    cpu.push((d.user + d.system) / 1000);
  }
  times.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  return { p50Ms: round(percentile(times, 50)), p95Ms: round(percentile(times, 95)), cpuP50Ms: round(percentile(cpu, 50)), runs };
}

const MAPS: Array<{ name: string; question: string; channel: string }> = [
  { name: 'cambridge', question: 'map burglary market', channel: 'cambridge-csp' },
  { name: 'fenland', question: 'map asb', channel: 'fenland-csp' },
  { name: 'county', question: 'map violence county', channel: 'countywide-board' },
];

const bench: Benchmark = async ({ log, size }) => {
  const dir = mkdtempSync(join(tmpdir(), 'wardwatch-bench-map-'));
  const store = await openStore({ path: join(dir, 'bench.sqlite') });
  try {
    log('loading fixtures with synthetic history');
    await loadFixtures(store, { history: true, seed: 1 });
    const { config } = loadConfig();
    const runs = size === 'quick' ? 5 : 30;
    const maps: Record<string, unknown> = {};
    for (const { name, question, channel } of MAPS) {
      const ctx = makeContext({ store, config, channel, now: new Date('2024-05-20T09:00:00Z') });
      const reply = await answer(question, ctx);
      if (reply.chart?.kind !== 'map') throw new Error(`bench map: "${question}" gave no map (${reply.title}: ${reply.summary})`);
      const request = reply.chart as MapRequest;
      clearMapGeometryCache();
      let t = performance.now();
      const png = await renderMap(store, request);
      const coldMs = performance.now() - t;
      t = performance.now();
      const compact = await renderMap(store, request, { size: 'compact' });
      const compactFirstMs = performance.now() - t;
      const full = await timed(runs, () => renderMap(store, request));
      const small = await timed(runs, () => renderMap(store, request, { size: 'compact' }));
      const replyTimes = await timed(Math.max(3, Math.round(runs / 3)), () => answer(question, ctx));
      maps[name] = {
        question,
        channel,
        wards: request.wards.length,
        requestBytes: JSON.stringify(request).length,
        answer: replyTimes,
        renderFull: { ...full, coldMs: round(coldMs), bytes: png.length },
        renderCompact: { ...small, firstMs: round(compactFirstMs), bytes: compact.length },
      };
      log(
        `${name} (${request.wards.length} wards): answer p50 ${replyTimes.p50Ms} ms; map full p50 ${full.p50Ms} / p95 ${full.p95Ms} ms, CPU ${full.cpuP50Ms} ms (cold ${round(coldMs)} ms, ${png.length} bytes); compact p50 ${small.p50Ms} / p95 ${small.p95Ms} ms, CPU ${small.cpuP50Ms} ms (${compact.length} bytes)`,
      );
    }
    // simplification alone, all 120 boundaries together (what an ingest would do once)
    const features = [...(await store.boundaries())].map((b) => JSON.parse(b.geojson) as Feature);
    const simplify = await timed(size === 'quick' ? 2 : 5, async () => simplifyFeatures(features));
    log(`simplify ${features.length} boundaries: p50 ${simplify.p50Ms} ms`);
    return {
      maps,
      simplifyAllBoundaries: { boundaries: features.length, ...simplify },
      note: 'warm renders read the drawing boundaries from the store each time (geometry memoised); cold = first render after clearing the geometry cache',
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
};

export default bench;
