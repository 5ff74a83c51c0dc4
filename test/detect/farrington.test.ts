import { describe, expect, it } from 'vitest';
import { addMonths } from '../../src/core/periods.ts';
import { DEFAULT_FARRINGTON_PARAMS, farringtonFlexible, resolveFarringtonParams } from '../../src/detect/index.ts';
import { Random, simulateSeries } from '../../src/detect/simulate.ts';

const monthsFrom = (start: string, n: number) => Array.from({ length: n }, (_, i) => addMonths(start, i));

describe('farringtonFlexible behaviour', () => {
  const sim = simulateSeries(new Random(11), { mean: 8, phi: 1.3, trend: 0, seasonality: 0.3 }, 96);
  const months = monthsFrom('2016-05', 96);

  it('is prospective: a month is judged only on earlier months', () => {
    const base = farringtonFlexible(sim.counts, months, {}, { from: months[80] });
    const changedFuture = [...sim.counts];
    for (let i = 81; i < 96; i++) changedFuture[i] = 200;
    const again = farringtonFlexible(changedFuture, months, {}, { from: months[80], to: months[80] });
    expect(again[0]).toEqual(base[0]);
  });

  it('starts at the first month with enough history and explains why earlier months are not tested', () => {
    const all = farringtonFlexible(sim.counts, months);
    expect(all[0]!.month).toBe(months[61]);
    const early = farringtonFlexible(sim.counts, months, {}, { from: months[14], to: months[14] })[0]!;
    expect(early.status).toBe('not-enough-history');
    expect(early.alarm).toBe(false);
    expect(early.explanation.sentence).toMatch(/not enough history: needs 5 years and 1 month, has 14 months/);
    const b3 = farringtonFlexible(sim.counts, months, { b: 3 }, { from: months[14], to: months[14] })[0]!;
    expect(b3.explanation.sentence).toMatch(/needs 3 years and 1 month, has 14 months/);
  });

  it('flags an injected spike with observed, expected, upper bound, chance and history in the explanation', () => {
    const counts = [...sim.counts];
    counts[90] = 45;
    const r = farringtonFlexible(counts, months, {}, { from: months[90], to: months[90], label: 'residential burglary in Market' })[0]!;
    expect(r.alarm).toBe(true);
    expect(r.count).toBe(45);
    expect(r.upperbound!).toBeLessThan(45);
    expect(r.probability!).toBeLessThan(0.005);
    expect(r.history.months).toBeGreaterThan(50);
    expect(r.explanation.sentence).toMatch(
      /^Residential burglary in Market: 45 in November 2023, higher than expected for the time of year \(about [\d.]+ expected, up to \d+ in a normal month\)\./,
    );
    expect(r.explanation.sentence).toMatch(/Compared with \d+ earlier months from/);
    expect(r.explanation.fields).toMatchObject({ kind: 'spike', observed: 45, alarm: true, status: 'tested' });
    expect(r.explanation.sentence).not.toMatch(/significant|street|road/i);
  });

  it('never alerts below the limit54 minimum count, and says so', () => {
    const zeros: number[] = Array.from({ length: 96 }, (_, i) => (i % 7 === 0 ? 1 : 0));
    zeros[90] = 4;
    const r = farringtonFlexible(zeros, months, {}, { from: months[90], to: months[90] })[0]!;
    expect(r.alarm).toBe(false);
    expect(r.status).toBe('below-minimum-count');
    expect(r.explanation.sentence).toMatch(/too few to call a spike \(fewer than 5 in the month\)/);
  });

  it('uses a population offset when asked (a rate rise, not a population rise)', () => {
    const population = months.map((_, i) => (i < 80 ? 6000 : 12000)); // a ward boundary change doubles the population
    const counts = sim.counts.map((c, i) => (i < 80 ? c : c * 2));
    const sensitive = { thresholdMethod: 'nbPlugin' as const, alpha: 0.05, trend: false };
    const withOffset = farringtonFlexible(counts, months, { ...sensitive, populationOffset: true }, { population, from: months[84] });
    const without = farringtonFlexible(counts, months, sensitive, { from: months[84] });
    const ratio = (rs: typeof without) => rs.reduce((s, r) => s + r.count / r.expected!, 0) / rs.length;
    expect(ratio(withOffset)).toBeGreaterThan(0.7);
    expect(ratio(withOffset)).toBeLessThan(1.4);
    expect(ratio(without)).toBeGreaterThan(1.5);
    expect(withOffset.filter((r) => r.alarm).length).toBeLessThan(without.filter((r) => r.alarm).length);
  });

  it('validates parameters and series', () => {
    expect(() => resolveFarringtonParams({ alpha: 0 })).toThrow(/alpha/);
    expect(() => resolveFarringtonParams({ limit54: [5, 0] })).toThrow(/limit54/);
    expect(() => resolveFarringtonParams({ bogus: 1 } as never)).toThrow(/bogus/);
    expect(() => farringtonFlexible([1, 2], ['2024-01', '2024-03'])).toThrow(/consecutive/);
    expect(() => farringtonFlexible([1, -2], ['2024-01', '2024-02'])).toThrow(/whole number/);
    expect(() => farringtonFlexible([1, 2], ['2024-01', '2024-02'], { populationOffset: true })).toThrow(/population/);
    expect(DEFAULT_FARRINGTON_PARAMS.alpha).toBe(0.005);
  });
});
