// `node --import tsx bench/national/judge-model.ts`: Farrington-flexible (b = 4, Wardwatch defaults otherwise) on
// every ward x measure series of the national synthetic model, drawn in memory (no store): the judging time alone,
// per series (farringtonMonth) and batched (src/detect/batch.ts, on this thread and on worker threads).
import { availableParallelism } from 'node:os';
import { farringtonMonth, resolveFarringtonParams } from '../../src/detect/index.ts';
import { judgeMonthBatch } from '../../src/detect/batch.ts';
import { judgeMonthBatchParallel } from '../../src/detect/batch-parallel.ts';
import { buildNationalGeography, MEASURE_SHARE, NATIONAL_LAST_MONTH, NATIONAL_SCALES, NO_LOCATION_SHARE } from '../../src/synth/national/index.ts';
import { SEASONALITY, SYNTH_DISPERSION, TREND } from '../../src/synth/history.ts';
import { splitPartnership } from '../../src/synth/partnership.ts';
import { Random } from '../../src/synth/random.ts';
import { taxonomy } from '../../src/taxonomy/index.ts';
import { addMonths, monthRange } from '../../src/core/periods.ts';
import { SYNTHETIC_PARTNERSHIP_MEASURES } from '../../src/synth/partnership.ts';
const scale = NATIONAL_SCALES.national;
const { geo } = buildNationalGeography(scale, 1);
const measures = taxonomy().policeUkMeasures();
const months = monthRange(addMonths(NATIONAL_LAST_MONTH, -59), NATIONAL_LAST_MONTH);
const W = geo.ward;
const wsum = W.weight.reduce((a, b) => a + b, 0);
const series = new Map<string, Float64Array>();
const rng = new Random(99);
for (let mi = 0; mi < 60; mi++) {
  const cal = Number(months[mi]!.slice(5)) - 1;
  const wc = new Map<string, Record<string, number>>();
  for (let w = 0; w < W.code.length; w++) {
    const c: Record<string, number> = {};
    for (const m of measures) {
      const n = rng.negativeBinomial(
        ((480000 * (1 - NO_LOCATION_SHARE) * W.weight[w]! * MEASURE_SHARE[m.key]!) / wsum) * (SEASONALITY[m.key]?.[cal] ?? 1) * Math.pow(1 + (TREND[m.key] ?? 0), (mi - 30) / 12),
        SYNTH_DISPERSION,
      );
      c[m.key] = n;
      const k = `${w}\t${m.key}`;
      (series.get(k) ?? series.set(k, new Float64Array(60)).get(k)!)[mi] = n;
    }
    wc.set(W.code[w]!, c);
  }
  for (const r of splitPartnership(rng, months[mi]!, wc)) {
    const k = `${r.ward}\tp:${r.measure}`;
    (series.get(k) ?? series.set(k, new Float64Array(60)).get(k)!)[mi] = r.count;
  }
}
// every ward x partnership measure, zero series included (as the bench reads them)
const partnership = SYNTHETIC_PARTNERSHIP_MEASURES;
for (const code of W.code)
  for (const m of partnership) {
    const k = `${code}\tp:${m}`;
    if (!series.has(k)) series.set(k, new Float64Array(60));
  }
const params = resolveFarringtonParams({ b: 4 });
const all = [...series.values()];
// The batch detector (src/detect/batch.ts) on the same series: on this thread, then on the worker threads.
const packed = new Float64Array(new SharedArrayBuffer(all.length * 60 * 8));
all.forEach((s, i) => packed.set(s, i * 60));
judgeMonthBatch(packed.subarray(0, 300 * 60), months, 59, params);
let c0 = process.cpuUsage();
let t0 = performance.now();
const single = judgeMonthBatch(packed, months, 59, params);
const batchSeconds = (performance.now() - t0) / 1000;
const batchCpuSeconds = ((u) => (u.user + u.system) / 1e6)(process.cpuUsage(c0));
t0 = performance.now();
const parallel = await judgeMonthBatchParallel(packed, months, 59, params);
const parallelSeconds = (performance.now() - t0) / 1000;
let batchAlarms = 0;
for (let i = 0; i < parallel.series; i++) batchAlarms += parallel.alarm[i]!;
c0 = process.cpuUsage();
for (let i = 0; i < 300; i++) farringtonMonth(all[i]!, months, 59, params);
const statuses: Record<string, number> = {};
let alarms = 0;
const t = performance.now();
for (const s of all) {
  const r = farringtonMonth(s, months, 59, params);
  statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  if (r.alarm) alarms++;
}
const secs = (performance.now() - t) / 1000;
const perSeriesCpuSeconds = ((u) => (u.user + u.system) / 1e6)(process.cpuUsage(c0));
const r2 = (x: number) => Math.round(x * 100) / 100;
console.log(
  JSON.stringify({
    series: all.length,
    judgeSeconds: r2(secs),
    judgeCpuSeconds: r2(perSeriesCpuSeconds),
    alarms,
    statuses,
    batch: {
      seconds: r2(batchSeconds),
      cpuSeconds: r2(batchCpuSeconds),
      fallbacks: single.fallbacks,
      parallelSeconds: r2(parallelSeconds),
      workers: availableParallelism(),
      alarms: batchAlarms,
    },
  }),
);
