import { describe, expect, it } from 'vitest';
import { Random, negativeBinomial, simulateSeries } from '../../src/detect/simulate.ts';

describe('simulateSeries', () => {
  it('draws negative binomial counts with the asked mean and variance phi * mean', () => {
    const rng = new Random(5);
    const xs = Array.from({ length: 40_000 }, () => negativeBinomial(rng, 6, 2.5));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1);
    expect(mean).toBeGreaterThan(5.9);
    expect(mean).toBeLessThan(6.1);
    expect(variance / mean).toBeGreaterThan(2.35);
    expect(variance / mean).toBeLessThan(2.65);
  });

  it('is deterministic for a seed, and injects the current outbreak where asked', () => {
    const a = simulateSeries(new Random(9), { mean: 10, phi: 1.5, trend: 0.002, seasonality: 0.3 }, 96, {
      pastOutbreaks: 2,
      monitored: 24,
      currentOutbreak: { month: 90, k: 5, duration: 2 },
    });
    const b = simulateSeries(new Random(9), { mean: 10, phi: 1.5, trend: 0.002, seasonality: 0.3 }, 96, {
      pastOutbreaks: 2,
      monitored: 24,
      currentOutbreak: { month: 90, k: 5, duration: 2 },
    });
    expect(a).toEqual(b);
    const injected = a.outbreak.map((v, i) => (v > 0 ? i : -1)).filter((i) => i >= 72);
    expect(injected.every((i) => i === 90 || i === 91)).toBe(true);
    expect(a.outbreak[90]! + a.outbreak[91]!).toBeGreaterThan(10); // about 5 SD x 2 months
    expect(a.baseline.length).toBe(96);
  });
});
