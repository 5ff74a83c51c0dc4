// Seeded simulation of monthly count series, for the detection quality study and tests.
// Design after Noufaily et al. (2013, Statistics in Medicine 32:1206-1222) and Bédubourg & Le Strat
// (2017, PLOS ONE 12(7):e0181227), adapted from weeks to months: negative binomial baselines with
// mean exp(theta + beta t + gamma1 cos(2 pi t / 12) + gamma2 sin(2 pi t / 12)) and variance phi * mu,
// past outbreaks in the baseline years, and outbreaks of k baseline standard deviations injected at
// known months.

import { Random } from '../synth/random.ts';

export { Random };

/** Negative binomial with this mean and variance phi * mean (Poisson when phi <= 1). */
export function negativeBinomial(rng: Random, mean: number, phi: number): number {
  if (mean <= 0) return 0;
  return phi <= 1 ? rng.poisson(mean) : rng.negativeBinomial(mean, mean / (phi - 1));
}

/** A whole number from lo to hi inclusive. */
function between(rng: Random, lo: number, hi: number): number {
  return lo + rng.int(hi - lo + 1);
}

export interface ScenarioSpec {
  /** Mean count per month at the middle of the series, before seasonality. */
  mean: number;
  /** Variance / mean (1 = Poisson). */
  phi: number;
  /** Log-linear trend per month (0.002 = about +2.4% a year). */
  trend: number;
  /** Amplitude of the annual cycle on the log scale (0 = none). */
  seasonality: number;
}

export interface SimulatedSeries {
  counts: number[];
  /** Baseline mean for each month (no outbreaks). */
  baseline: number[];
  /** Extra cases added by the outbreak at each month (0 where none). */
  outbreak: number[];
}

/**
 * One monthly series of `length` months: a negative binomial baseline, `pastOutbreaks` outbreaks in
 * the first `length - monitored` months and, when `currentOutbreak` is given, one outbreak of
 * `currentOutbreak.k` baseline SDs starting at `currentOutbreak.month` (0-based), spread over
 * `currentOutbreak.duration` months.
 */
export function simulateSeries(
  rng: Random,
  spec: ScenarioSpec,
  length: number,
  options: { pastOutbreaks?: number; monitored?: number; currentOutbreak?: { month: number; k: number; duration?: number } } = {},
): SimulatedSeries {
  const phase = rng.next() * 2 * Math.PI;
  const baseline: number[] = [];
  const counts: number[] = [];
  const outbreak = new Array<number>(length).fill(0);
  for (let t = 0; t < length; t++) {
    const mu = spec.mean * Math.exp(spec.trend * (t - length / 2) + spec.seasonality * Math.cos((2 * Math.PI * t) / 12 + phase));
    baseline.push(mu);
    counts.push(negativeBinomial(rng, mu, spec.phi));
  }
  const sd = (t: number) => Math.sqrt(spec.phi * baseline[t]!);
  const monitored = options.monitored ?? 0;
  for (let o = 0; o < (options.pastOutbreaks ?? 0); o++) {
    const start = between(rng, 0, Math.max(0, length - monitored - 3));
    const size = rng.poisson(rng.pick([2, 3, 5, 10]) * sd(start));
    spread(rng, counts, outbreak, start, between(rng, 1, 3), size, length - monitored);
  }
  if (options.currentOutbreak) {
    const { month, k, duration = 1 } = options.currentOutbreak;
    const size = rng.poisson(k * sd(month) * duration);
    spread(rng, counts, outbreak, month, duration, size, length);
  }
  return { counts, baseline, outbreak };
}

function spread(rng: Random, counts: number[], outbreak: number[], start: number, duration: number, size: number, limit: number): void {
  const end = Math.min(limit, start + duration);
  if (end <= start) return;
  for (let i = 0; i < size; i++) {
    const t = start + rng.int(end - start);
    counts[t]!++;
    outbreak[t]!++;
  }
}
