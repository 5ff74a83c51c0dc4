// Hotspots among sibling areas (e.g. the wards of a district) for one measure and period.
//
// - Expected count of each area: the parent's count shared out by population (indirect
//   standardisation). Observed / expected is the location quotient (LQ) of crime analysis
//   (Brantingham & Brantingham 1998), with an exact Poisson (Garwood 1936) confidence interval.
// - One-sided exact Poisson test of "more than expected", then the Benjamini-Hochberg (1995) step-up
//   procedure across the sibling areas so that, of the areas flagged, the expected share of false
//   ones is at most `fdr`. An area also needs at least `minCount` crimes.
// - Emerging: a hotspot now that was not a hotspot in any of the previous N periods.
// - Rankings by rate use Marshall's (1991) global empirical Bayes estimator (Marshall RJ, "Mapping
//   disease and mortality rates using empirical Bayes estimators", Applied Statistics 40(2):283-294,
//   a moment version of the Poisson-Gamma model of Clayton & Kaldor 1987, Biometrics 43:671-681),
//   so a ward of 900 people with 3 crimes does not top the table.
// Pure functions over arrays; the caller sums months for a year ending and names the period.

import { explainHotspot, type Explanation } from './explain.ts';
import { ppois, qgamma } from './distributions.ts';

export interface AreaCount {
  code: string;
  name: string;
  count: number;
  population: number;
}

export interface HotspotOptions {
  /** False discovery rate across the sibling areas (default 0.05). */
  fdr?: number;
  /** Fewest crimes an area needs to be called a hotspot (default 5). */
  minCount?: number;
  /** Confidence level of the LQ interval (default 0.95). */
  confidence?: number;
  /** The parent area; its count and population default to the sum over the areas given. */
  parent?: { name?: string; count?: number; population?: number };
  /** Words for the period in explanations: "April 2024", "the year ending April 2024". */
  period?: string;
}

export interface HotspotFinding {
  code: string;
  name: string;
  count: number;
  population: number;
  expected: number;
  /** Crimes per 1,000 residents, and the parent's. */
  rate: number;
  parentRate: number;
  locationQuotient: number;
  lqLower: number;
  lqUpper: number;
  /** One-sided exact Poisson P(X >= count | expected). */
  pValue: number;
  /** Benjamini-Hochberg adjusted p-value across the siblings. */
  qValue: number;
  /** count >= minCount, so it could be called a hotspot. */
  testable: boolean;
  hotspot: boolean;
  explanation: Explanation;
}

/** Benjamini-Hochberg adjusted p-values (R's p.adjust(p, "BH")). */
export function benjaminiHochberg(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => [p, i] as const).sort((a, b) => b[0] - a[0]);
  const q = new Array<number>(m);
  let running = 1;
  order.forEach(([p, i], rankFromTop) => {
    const rank = m - rankFromTop;
    running = Math.min(running, (p * m) / rank);
    q[i] = Math.min(1, running);
  });
  return q;
}

/** Exact (Garwood) confidence interval for a Poisson mean given an observed count. */
export function poissonInterval(count: number, confidence = 0.95): [number, number] {
  const a = (1 - confidence) / 2;
  return [count === 0 ? 0 : qgamma(a, count), qgamma(1 - a, count + 1)];
}

function checkAreas(areas: readonly AreaCount[]): void {
  const seen = new Set<string>();
  for (const a of areas) {
    if (!Number.isInteger(a.count) || a.count < 0) throw new RangeError(`${a.name} (${a.code}): count must be a whole number >= 0, found ${a.count}`);
    if (!(a.population > 0)) throw new RangeError(`${a.name} (${a.code}): population must be > 0, found ${a.population}`);
    if (seen.has(a.code)) throw new RangeError(`area ${a.code} appears twice`);
    seen.add(a.code);
  }
}

/** Test every sibling area against its population share of the parent. */
export function findHotspots(areas: readonly AreaCount[], options: HotspotOptions = {}): HotspotFinding[] {
  checkAreas(areas);
  const fdr = options.fdr ?? 0.05;
  const minCount = options.minCount ?? 5;
  const confidence = options.confidence ?? 0.95;
  if (!(fdr > 0 && fdr < 1)) throw new RangeError(`fdr must be between 0 and 1, found ${fdr}`);
  const parentCount = options.parent?.count ?? areas.reduce((s, a) => s + a.count, 0);
  const parentPopulation = options.parent?.population ?? areas.reduce((s, a) => s + a.population, 0);
  const parentRate = parentCount / parentPopulation;
  const period = options.period ?? 'the period';

  const base = areas.map((a) => {
    const expected = parentRate * a.population;
    const pValue = expected > 0 ? ppois(a.count - 1, expected, false) : a.count > 0 ? 0 : 1;
    const [lo, hi] = poissonInterval(a.count, confidence);
    return { a, expected, pValue, lq: expected > 0 ? a.count / expected : NaN, lqLower: expected > 0 ? lo / expected : NaN, lqUpper: expected > 0 ? hi / expected : NaN };
  });
  const q = benjaminiHochberg(base.map((b) => b.pValue));
  return base.map((b, i) => {
    const testable = b.a.count >= minCount;
    const hotspot = testable && b.a.count > b.expected && q[i]! <= fdr;
    const finding = {
      code: b.a.code,
      name: b.a.name,
      count: b.a.count,
      population: b.a.population,
      expected: b.expected,
      rate: (1000 * b.a.count) / b.a.population,
      parentRate: 1000 * parentRate,
      locationQuotient: b.lq,
      lqLower: b.lqLower,
      lqUpper: b.lqUpper,
      pValue: b.pValue,
      qValue: q[i]!,
      testable,
      hotspot,
    };
    const explanation = explainHotspot({
      name: b.a.name,
      parentName: options.parent?.name,
      period,
      count: b.a.count,
      expected: b.expected,
      ratio: b.lq,
      ratioLower: b.lqLower,
      ratioUpper: b.lqUpper,
      pValue: b.pValue,
      qValue: q[i]!,
      hotspot,
      fdr,
      minCount,
      emerging: null,
    });
    return { ...finding, explanation };
  });
}

export interface PeriodAreas {
  /** 'YYYY-MM' or any label; periods are given oldest first, the last one is "now". */
  period: string;
  areas: AreaCount[];
}

export interface EmergingHotspotFinding extends HotspotFinding {
  /** Hotspot now and in none of the previous `previous` periods (all of which were available). */
  emerging: boolean;
  /** How many previous periods were checked (fewer than asked when the history is short). */
  previousChecked: number;
  /** Previous periods in which this area was a hotspot. */
  previousHotspotPeriods: string[];
}

/**
 * Hotspots in the last period, each marked emerging when it was not a hotspot in any of the
 * `previous` periods before (default 3). With less history than that nothing is called emerging.
 */
export function emergingHotspots(periods: readonly PeriodAreas[], options: HotspotOptions & { previous?: number } = {}): EmergingHotspotFinding[] {
  if (periods.length === 0) return [];
  const previous = options.previous ?? 3;
  if (!Number.isInteger(previous) || previous < 1) throw new RangeError(`previous must be a whole number >= 1, found ${previous}`);
  const now = periods[periods.length - 1]!;
  const before = periods.slice(Math.max(0, periods.length - 1 - previous), periods.length - 1);
  const pastHotspots = new Map<string, string[]>();
  for (const p of before) {
    for (const f of findHotspots(p.areas, { ...options, period: p.period })) {
      if (f.hotspot) pastHotspots.set(f.code, [...(pastHotspots.get(f.code) ?? []), p.period]);
    }
  }
  const complete = before.length === previous;
  return findHotspots(now.areas, { ...options, period: options.period ?? now.period }).map((f) => {
    const past = pastHotspots.get(f.code) ?? [];
    const emerging = f.hotspot && complete && past.length === 0;
    const explanation = emerging
      ? explainHotspot({
          name: f.name,
          parentName: options.parent?.name,
          period: options.period ?? now.period,
          count: f.count,
          expected: f.expected,
          ratio: f.locationQuotient,
          ratioLower: f.lqLower,
          ratioUpper: f.lqUpper,
          pValue: f.pValue,
          qValue: f.qValue,
          hotspot: true,
          fdr: options.fdr ?? 0.05,
          minCount: options.minCount ?? 5,
          emerging: { since: previous },
        })
      : f.explanation;
    return { ...f, emerging, previousChecked: before.length, previousHotspotPeriods: past, explanation };
  });
}

export interface ShrunkRate {
  code: string;
  name: string;
  count: number;
  population: number;
  /** Crimes per 1,000 residents as observed. */
  rate: number;
  /** Empirical Bayes estimate per 1,000: pulled towards the overall rate, more so for small areas. */
  shrunkRate: number;
  /** Weight on the area's own rate (0 = all overall rate, 1 = all own rate). */
  weight: number;
  /** 1 = highest shrunk rate. */
  rank: number;
}

/** Marshall (1991) global empirical Bayes rates, ranked highest first. */
export function shrunkRates(areas: readonly AreaCount[]): ShrunkRate[] {
  checkAreas(areas);
  if (areas.length === 0) return [];
  const totalCount = areas.reduce((s, a) => s + a.count, 0);
  const totalPop = areas.reduce((s, a) => s + a.population, 0);
  const m = totalCount / totalPop;
  const meanPop = totalPop / areas.length;
  const s2 = areas.reduce((s, a) => s + a.population * (a.count / a.population - m) ** 2, 0) / totalPop;
  const between = Math.max(0, s2 - m / meanPop); // Marshall's moment estimate of the between-area variance
  const out = areas.map((a) => {
    const r = a.count / a.population;
    const weight = between === 0 ? 0 : between / (between + m / a.population);
    return { code: a.code, name: a.name, count: a.count, population: a.population, rate: 1000 * r, shrunkRate: 1000 * (m + weight * (r - m)), weight, rank: 0 };
  });
  [...out].sort((x, y) => y.shrunkRate - x.shrunkRate || x.name.localeCompare(y.name)).forEach((x, i) => (x.rank = i + 1));
  return out.sort((x, y) => x.rank - y.rank);
}
