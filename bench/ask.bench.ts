// `npm run bench` -> ask: latency of answer() over >= 200 varied /crime queries on the fixture store
// (geography, real 2024 months, synthetic history), warm, as the bot runs them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load.ts';
import { makeContext } from '../src/core/context.ts';
import { answer } from '../src/core/dispatch.ts';
import { loadFixtures } from '../src/ingest/fixtures.ts';
import { openStore } from '../src/store/open.ts';
import type { Benchmark } from '../src/surfaces/cli/verbs/bench.ts';

const TOPICS = ['', 'asb', 'burglary', 'dwelling burglary', 'shoplifting', 'violence', 'vehicle crime', 'bike theft', 'drugs', 'criminal damage', 'acquisitive crime', 'personal loss'];
const PERIODS = ['', 'last month', 'ye sep', 'april', 'fytd', '2023/24', 'ye'];
const OTHER = ['top asb cambridge', 'top burglary', 'top shoplifting fenland', 'compare market petersfield', 'compare cambridge fenland asb', 'markte ward', 'st ives', 'narnia', 'market by type', 'help', 'kings hedges violence ye sep', 'e05013057 asb'];

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

const bench: Benchmark = async ({ log, quick }) => {
  const dir = mkdtempSync(join(tmpdir(), 'wardwatch-bench-ask-'));
  const store = await openStore({ path: join(dir, 'bench.sqlite') });
  try {
    log('loading fixtures with synthetic history');
    await loadFixtures(store, { history: true, seed: 1 });
    const { config } = loadConfig();
    // Queries: every ward and district by name, cycling topics and periods, plus the other commands.
    const [wards, districts, months] = await Promise.all([store.areas('ward'), store.areas('district'), store.months()]);
    const places = [...wards, ...districts].map((a) => a.name);
    const queries: string[] = [];
    for (let pass = 0; pass < 2; pass++) {
      places.forEach((p, i) => queries.push(`${p} ${TOPICS[(i + pass * 5) % TOPICS.length]} ${PERIODS[(i + pass * 3) % PERIODS.length]}`.trim()));
    }
    for (let i = 0; i < 4; i++) queries.push(...OTHER);
    const n = quick ? 60 : queries.length;
    const channels = [undefined, 'countywide-board'];
    const ctxs = channels.map((channel) => makeContext({ store, config, channel }));
    log(`warming up on ${Math.min(20, n)} queries`);
    for (const q of queries.slice(0, 20)) await answer(q, ctxs[0]!);
    const times: number[] = [];
    const kinds: Record<string, number> = {};
    for (let i = 0; i < n; i++) {
      const q = queries[i]!;
      const t0 = performance.now();
      const r = await answer(q, ctxs[i % ctxs.length]!);
      times.push(performance.now() - t0);
      kinds[r.kind] = (kinds[r.kind] ?? 0) + 1;
    }
    const sorted = [...times].sort((a, b) => a - b);
    const round = (x: number) => Math.round(x * 100) / 100;
    const result = {
      queries: n,
      replyKinds: kinds,
      p50Ms: round(percentile(sorted, 50)),
      p95Ms: round(percentile(sorted, 95)),
      p99Ms: round(percentile(sorted, 99)),
      maxMs: round(sorted[sorted.length - 1]!),
      meanMs: round(times.reduce((a, b) => a + b, 0) / times.length),
      targetP95Ms: 150,
      data: { wards: wards.length, districts: districts.length, months: months.length },
      slowest: queries.slice(0, n).map((q, i) => ({ q, ms: round(times[i]!) })).sort((a, b) => b.ms - a.ms).slice(0, 5),
    };
    log(`p50 ${result.p50Ms} ms, p95 ${result.p95Ms} ms, p99 ${result.p99Ms} ms over ${n} queries`);
    return result;
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
};

export default bench;
