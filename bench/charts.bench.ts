// `wardwatch bench charts`: render time per chart kind (p50/p95, warm, after one cold render) and
// PNG sizes at both sizes, from the example requests in src/charts/examples.ts.
import type { Benchmark } from '../src/surfaces/cli/verbs/bench.ts';

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

const bench: Benchmark = async ({ log, size }) => {
  const started = performance.now();
  const { renderChart } = await import('../src/charts/index.ts');
  const { exampleRequests } = await import('../src/charts/examples.ts');
  const loadMs = performance.now() - started;
  const runs = size === 'quick' ? 5 : 30;
  const kinds: Record<string, unknown> = {};
  for (const [kind, request] of Object.entries(exampleRequests())) {
    const result: Record<string, unknown> = {};
    for (const size of ['full', 'compact'] as const) {
      const t0 = performance.now();
      const png = renderChart(request, { size });
      const coldMs = performance.now() - t0;
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t = performance.now();
        renderChart(request, { size });
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      result[size] = { p50Ms: round(percentile(times, 50)), p95Ms: round(percentile(times, 95)), coldMs: round(coldMs), bytes: png.length, runs };
      log(`${kind} ${size}: p50 ${round(percentile(times, 50))} ms, p95 ${round(percentile(times, 95))} ms, ${png.length} bytes`);
    }
    kinds[kind] = result;
  }
  return { moduleLoadMs: round(loadMs), kinds, note: 'warm renders after one cold render; example requests from src/charts/examples.ts' };
};

export default bench;
