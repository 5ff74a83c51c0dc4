// Batch detection (src/detect/batch.ts, batch-parallel.ts) gives what the per-series detector gives,
// field for field (Object.is: the same doubles, nulls where it has nulls), on thousands of synthetic
// series under several parameter sets, on worker threads as on this one, and on series read back from
// both stores with countSeries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monthRange } from '../../src/core/periods.ts';
import { BATCH_STATUSES, batchResultAt, judgeMonthBatch, seriesResultOf, type BatchResult } from '../../src/detect/batch.ts';
import { judgeMonthBatchParallel } from '../../src/detect/batch-parallel.ts';
import { farringtonMonth, resolveFarringtonParams, R_FARRINGTON_DEFAULTS, type FarringtonParams } from '../../src/detect/index.ts';
import { Random, simulateSeries } from '../../src/detect/simulate.ts';
import type { MonthlyCount } from '../../src/store/types.ts';
import { tempStoreOn, testRelease, type DialectStore } from '../helpers/store.ts';

const T = 64;
const MONTHS = monthRange('2019-01', '2024-04');

/** Varied series end to end: quiet to busy, over-dispersed, trending, seasonal, with spikes, all-zero and constant ones. */
function syntheticSeries(count: number, seed: number): Float64Array {
  const rng = new Random(seed);
  const values = new Float64Array(count * T);
  const means = [0, 0.02, 0.2, 0.7, 2, 5, 12, 30, 90, 400];
  for (let s = 0; s < count; s++) {
    const mean = means[s % means.length]!;
    const sim = simulateSeries(rng, { mean, phi: 1 + (s % 5) * 0.35, trend: ((s % 7) - 3) * 0.015, seasonality: (s % 4) * 0.2 }, T);
    for (let t = 0; t < T; t++) values[s * T + t] = sim.counts[t]!;
    if (s % 11 === 0) values[s * T + T - 1] = values[s * T + T - 1]! + Math.round(4 * mean) + 6; // an outbreak in the month judged
    if (s % 13 === 0) values[s * T + 30] = 700; // a past spike (reweighting)
    if (s % 97 === 0) values.fill(s % 2 ? 3 : 0, s * T, (s + 1) * T); // constant (and all-zero) series
  }
  return values;
}

function expectSameAsPerSeries(values: Float64Array, months: readonly string[], k: number, params: FarringtonParams, batch: BatchResult): void {
  const n = months.length;
  let mismatches = 0;
  const first: string[] = [];
  for (let s = 0; s < batch.series; s++) {
    const one = seriesResultOf(farringtonMonth(values.subarray(s * n, (s + 1) * n), months, k, params));
    const got = batchResultAt(batch, s);
    for (const f of Object.keys(one) as Array<keyof typeof one>) {
      if (!Object.is(one[f], got[f])) {
        mismatches++;
        if (first.length < 5) first.push(`series ${s} ${f}: per-series ${one[f]}, batch ${got[f]}`);
      }
    }
  }
  expect(first).toEqual([]);
  expect(mismatches).toBe(0);
}

const statusCounts = (r: BatchResult) => Object.fromEntries(BATCH_STATUSES.map((s, i) => [s, r.status.filter((x) => x === i).length]));

describe('judgeMonthBatch equals farringtonMonth', () => {
  const values = syntheticSeries(3000, 7);
  const paramSets: Array<[string, FarringtonParams]> = [
    ['Wardwatch defaults (b = 5)', resolveFarringtonParams({})],
    ['b = 4 (the national bench)', resolveFarringtonParams({ b: 4 })],
    ['R defaults (delta, w = 3, noPeriods = 1)', resolveFarringtonParams({}, R_FARRINGTON_DEFAULTS)],
    ['nbPlugin, no trend, limit54 [3, 2]', resolveFarringtonParams({ thresholdMethod: 'nbPlugin', trend: false, limit54: [3, 2] })],
    ['no reweighting, powertrans 1/2, delta', resolveFarringtonParams({ reweight: false, thresholdMethod: 'delta', powertrans: '1/2', b: 3 })],
    ['noPeriods 2, pastWeeksNotIncluded null, alpha 0.05', resolveFarringtonParams({ noPeriods: 2, pastWeeksNotIncluded: null, alpha: 0.05, b: 4 })],
  ];
  it.each(paramSets)('%s: every field of 3,000 series, the last month', (_name, params) => {
    const batch = judgeMonthBatch(values, MONTHS, T - 1, params);
    expectSameAsPerSeries(values, MONTHS, T - 1, params, batch);
    const st = statusCounts(batch);
    expect(st.tested).toBeGreaterThan(100);
    expect(st['below-minimum-count']).toBeGreaterThan(100);
    expect(batch.alarm.filter((a) => a === 1).length).toBeGreaterThan(20);
    // the fast path judged nearly all of them (the rest went to farringtonMonth itself)
    expect(batch.fallbacks).toBeLessThan(batch.series * 0.05);
  });

  it('months without enough history, and an earlier month of the series', () => {
    const params = resolveFarringtonParams({ b: 4 });
    for (const k of [20, 49, 50, 55]) expectSameAsPerSeries(values.subarray(0, 600 * T), MONTHS, k, params, judgeMonthBatch(values.subarray(0, 600 * T), MONTHS, k, params));
    expect(statusCounts(judgeMonthBatch(values.subarray(0, 600 * T), MONTHS, 20, params))['not-enough-history']).toBe(600);
  });

  it('with a population offset every series goes to farringtonMonth (the fast path has no offset), same results', () => {
    const params = resolveFarringtonParams({ populationOffset: true });
    // farringtonMonth without a population ignores the offset; the batch must do the same
    const part = values.subarray(0, 200 * T);
    const batch = judgeMonthBatch(part, MONTHS, T - 1, params);
    expect(batch.fallbacks).toBe(200);
    expectSameAsPerSeries(part, MONTHS, T - 1, params, batch);
  });

  it('rejects values that are not whole series and months outside them', () => {
    const params = resolveFarringtonParams({});
    expect(() => judgeMonthBatch(new Float64Array(T + 1), MONTHS, T - 1, params)).toThrow(/not a whole number of 64-month series/);
    expect(() => judgeMonthBatch(new Float64Array(T), MONTHS, T, params)).toThrow(/outside the 64 months/);
  });
});

describe('judgeMonthBatchParallel', () => {
  it('on two worker threads, in chunks, equals the single-thread batch and farringtonMonth', async () => {
    const values = syntheticSeries(5000, 21);
    const params = resolveFarringtonParams({ b: 4 });
    const parallel = await judgeMonthBatchParallel(values, MONTHS, T - 1, params, { workers: 2, chunk: 300 });
    const single = judgeMonthBatch(values, MONTHS, T - 1, params);
    expect(parallel.series).toBe(5000);
    expect(Array.from(parallel.status)).toEqual(Array.from(single.status));
    expect(Array.from(parallel.alarm)).toEqual(Array.from(single.alarm));
    expect(Array.from(parallel.trend)).toEqual(Array.from(single.trend));
    expect(Array.from(parallel.downweighted)).toEqual(Array.from(single.downweighted));
    expect(Array.from(parallel.nulls)).toEqual(Array.from(single.nulls));
    expect(parallel.values.every((v, i) => Object.is(v, single.values[i]))).toBe(true);
    expect(parallel.fallbacks).toBe(single.fallbacks);
    expectSameAsPerSeries(values, MONTHS, T - 1, params, parallel);
  }, 60_000);

  it('two batches at once on the same workers (the bench judges one source while reading the next), each its own results', async () => {
    const a = syntheticSeries(4500, 31);
    const b = syntheticSeries(4100, 32);
    const params = resolveFarringtonParams({ b: 4 });
    const [ra, rb] = await Promise.all([
      judgeMonthBatchParallel(a, MONTHS, T - 1, params, { workers: 2, chunk: 400 }),
      judgeMonthBatchParallel(b, MONTHS, T - 2, params, { workers: 2, chunk: 400 }),
    ]);
    expectSameAsPerSeries(a, MONTHS, T - 1, params, ra);
    expectSameAsPerSeries(b, MONTHS, T - 2, params, rb);
  }, 60_000);

  it('a small batch is judged on this thread', async () => {
    const values = syntheticSeries(50, 3);
    const params = resolveFarringtonParams({});
    expectSameAsPerSeries(values, MONTHS, T - 1, params, await judgeMonthBatchParallel(values, MONTHS, T - 1, params));
  });
});

describe.each(['sqlite', 'postgres'] as const)('batch detection on series read from the store: %s', (kind) => {
  const WARDS = Array.from({ length: 1000 }, (_, i) => `T05${String(i).padStart(6, '0')}`);
  const MEASURES = ['burglary', 'robbery', 'shoplifting'];
  const values = syntheticSeries(WARDS.length * MEASURES.length, 99);
  let t: DialectStore;
  beforeAll(async () => {
    t = await tempStoreOn(kind);
    for (let m = 0; m < T; m++) {
      const counts: MonthlyCount[] = [];
      for (let w = 0; w < WARDS.length; w++)
        for (let k = 0; k < MEASURES.length; k++) {
          const n = values[(w * MEASURES.length + k) * T + m]!;
          // zero counts are mostly not stored (as ingest does); the series read back must be the same
          if (n > 0 || (w + m) % 5 === 0)
            counts.push({
              source: 'police.uk',
              month: MONTHS[m]!,
              areaType: 'ward',
              areaCode: WARDS[w]!,
              measure: MEASURES[k]!,
              count: n,
              byPolygon: n,
              byLsoa: 0,
              byPartner: 0,
              synthetic: false,
            });
        }
      await t.store.replaceMonth({
        source: 'police.uk',
        month: MONTHS[m]!,
        counts,
        release: testRelease('police.uk', MONTHS[m]!, `c-${m}`, { rowsRead: counts.length, placedByPolygon: counts.length }),
      });
    }
  }, 180_000);
  afterAll(async () => {
    await t?.store.close();
    await t?.cleanup();
  });

  it('3,000 ward x measure series: countSeries + judgeMonthBatchParallel equals counts() + farringtonMonth per series', async () => {
    const params = resolveFarringtonParams({});
    const read = await t.store.countSeries({ areaCodes: WARDS, measures: MEASURES, source: 'police.uk', from: MONTHS[0]!, to: MONTHS.at(-1)!, shared: true });
    expect(Array.from(read.values)).toEqual(Array.from(values));
    const batch = await judgeMonthBatchParallel(read.values, read.months, T - 1, params, { workers: 2, chunk: 250 });
    // the per-series way: each series from counts(), as the bench did before
    const perSeries = new Float64Array(values.length);
    for (const c of await t.store.counts({ areaCodes: WARDS, measures: MEASURES, source: 'police.uk', from: MONTHS[0]!, to: MONTHS.at(-1)! })) {
      perSeries[(WARDS.indexOf(c.areaCode) * MEASURES.length + MEASURES.indexOf(c.measure)) * T + MONTHS.indexOf(c.month)] = c.count;
    }
    expectSameAsPerSeries(perSeries, MONTHS, T - 1, params, batch);
    expect(batch.alarm.some((a) => a === 1)).toBe(true);
  }, 120_000);
});
