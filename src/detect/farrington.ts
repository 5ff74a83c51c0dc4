// Farrington-flexible spike detection for monthly counts.
//
// Method: Noufaily A, Enki DG, Farrington P, Garthwaite P, Andrews N, Charlett A (2013). "An improved
// algorithm for outbreak detection in multiple surveillance systems." Statistics in Medicine
// 32(7):1206-1222, building on Farrington CP, Andrews NJ, Beale AD, Catchpole MA (1996), JRSS A
// 159(3):547-563.
// Reference implementation followed line by line: farringtonFlexible() in the R package
// `surveillance` (Salmon M, Schumacher D, Höhle M (2016), "Monitoring count time series in R:
// aberration detection in public health surveillance", Journal of Statistical Software 70(10);
// source file R/farringtonFlexible.R, contributed by M. Salmon, maintained by M. Höhle and S. Meyer).
// Parameter names are those of its `control` list so that results compare one to one; the test
// vectors in test/detect/reference/ were made with surveillance 1.20.3 (tools/r/make-reference.R).
//
// Monthly adaptation: months play the part of weeks, a year is 12 periods, and "the same month in
// each of the b previous years, +/- w months" is exactly R's sts(freq = 12, epochAsDate = FALSE).
// The evaluation is prospective: month k is judged only on months before it (and, by the limit54
// gate, on itself).

import { addMonths, monthIndex } from '../core/periods.ts';
import { pnbinom, pnorm, ppois, pt, qnbinom, qnorm, qpois } from './distributions.ts';
import { fitQuasiPoisson, quadraticForm, type GlmFit } from './glm.ts';
import { explainSpike, type Explanation } from './explain.ts';

export type PowerTransform = '2/3' | '1/2' | 'none';
export type ThresholdMethod = 'delta' | 'nbPlugin' | 'muan';

/** The control list of R's farringtonFlexible (range is `options.from` here). */
export interface FarringtonParams {
  /** How many years back the baseline goes. */
  b: number;
  /** Half-width, in months, of the window around the same month of each past year. */
  w: number;
  /** Down-weight past spikes by their Anscombe residuals and refit. */
  reweight: boolean;
  /** Anscombe residuals above this are down-weighted (Farrington 1996 used 1; Noufaily 2013 2.58). */
  weightsThreshold: number;
  /** One-sided: the upper bound is the (1 - alpha) quantile of the predictive distribution. */
  alpha: number;
  /** Fit a linear time trend (kept only when significant and not extrapolating). */
  trend: boolean;
  /** The trend is kept when its t-test p-value is below this. */
  pThresholdTrend: number;
  /** [cases, periods]: no alarm unless at least `cases` counts in the last `periods` months (this one included). */
  limit54: [number, number];
  /** Power transformation for the "delta" threshold. */
  powertrans: PowerTransform;
  /** Only one fitting function exists, as in R. */
  fitFun: 'algo.farrington.fitGLM.flexible';
  /** Model rates: log(population) offset. Needs a population for every month. */
  populationOffset: boolean;
  /** Levels of the seasonal factor: 1 = windows only (Farrington 1996); > 1 uses every month of the past b years. */
  noPeriods: number;
  /** Months immediately before the current one left out of the baseline; null means w, as in R. */
  pastWeeksNotIncluded: number | null;
  /** "delta" (Farrington 1996, power-transformed normal), "nbPlugin" or "muan" (Noufaily 2013, negative binomial). */
  thresholdMethod: ThresholdMethod;
  /** Record GLM convergence problems in each result's warnings. */
  glmWarnings: boolean;
}

/**
 * Defaults for monthly ward-level counts (the R defaults are for weekly national data:
 * b = 5, w = 3, noPeriods = 1, alpha = 0.05, limit54 = c(5, 4), thresholdMethod = "delta").
 * Reasoning (measured in bench/detect-quality.bench.ts, table in README "Detection"):
 * - b = 5, w = 1, noPeriods = 4: +/- 1 month keeps each window inside one season (+/- 3 months
 *   would mix January with October and April); the rest of each year becomes three 3-month
 *   seasonal groups (Noufaily's all-data design), so the baseline has about 60 months instead
 *   of 15.
 * - pastWeeksNotIncluded = 3: the last quarter is left out so a rise that started a month or two
 *   ago does not lift its own baseline (Noufaily excluded 26 weeks on weekly data).
 * - thresholdMethod = "muan", weightsThreshold = 2.58: Noufaily's negative binomial threshold
 *   (better than the 2/3-power normal approximation at small counts), taking the mean at its upper
 *   (1 - alpha) confidence limit rather than plugging in the estimate ("nbPlugin"): with only ~60
 *   baseline months the estimate is uncertain, and the plug-in threshold fired about 4 times as
 *   often on series with no outbreak (county run below: ~30 false alerts a month against ~8).
 * - weightsThreshold = 2.58 (Noufaily) rather than 1 (Farrington 1996): only clearly unusual past
 *   months are down-weighted.
 * - alpha = 0.005: about 1 month in 200 for a stable series, before the conservatism of "muan".
 *   Across 120 wards x 31 measures (3,720 series) that gives about 8 false alerts a month
 *   county-wide, 1 or 2 a partnership; R's defaults (alpha = 0.05, delta) give over 150.
 * - limit54 = [5, 1]: no alert on a month with fewer than 5 crimes. Five is also the
 *   suppression threshold for small numbers, so an alert never points at a hidden count.
 */
export const DEFAULT_FARRINGTON_PARAMS: Readonly<FarringtonParams> = Object.freeze({
  b: 5,
  w: 1,
  reweight: true,
  weightsThreshold: 2.58,
  alpha: 0.005,
  trend: true,
  pThresholdTrend: 0.05,
  limit54: [5, 1] as [number, number],
  powertrans: '2/3' as PowerTransform,
  fitFun: 'algo.farrington.fitGLM.flexible' as const,
  populationOffset: false,
  noPeriods: 4,
  pastWeeksNotIncluded: 3,
  thresholdMethod: 'muan' as ThresholdMethod,
  glmWarnings: true,
});

/** The parameters exactly as R's farringtonFlexible defaults them (for comparison runs). */
export const R_FARRINGTON_DEFAULTS: Readonly<FarringtonParams> = Object.freeze({
  b: 5,
  w: 3,
  reweight: true,
  weightsThreshold: 2.58,
  alpha: 0.05,
  trend: true,
  pThresholdTrend: 0.05,
  limit54: [5, 4] as [number, number],
  powertrans: '2/3' as PowerTransform,
  fitFun: 'algo.farrington.fitGLM.flexible' as const,
  populationOffset: false,
  noPeriods: 1,
  pastWeeksNotIncluded: null,
  thresholdMethod: 'delta' as ThresholdMethod,
  glmWarnings: true,
});

export type FarringtonStatus = 'tested' | 'below-minimum-count' | 'not-enough-history' | 'model-failed';

export interface HistoryUsed {
  /** Earliest and latest months that entered the baseline. */
  from: string | null;
  to: string | null;
  /** Number of past months in the baseline. */
  months: number;
  /** Months of history the test needs before the month judged (12 b + w). */
  monthsNeeded: number;
  /** Months of history there were before the month judged. */
  monthsAvailable: number;
  /** Past months whose weight was cut because they were unusual themselves (reweighting). */
  downweighted: number;
}

export interface FarringtonResult {
  month: string;
  count: number;
  /** The model's expected count for this month (population-adjusted when populationOffset). */
  expected: number | null;
  /** Counts above this are unusual at the chosen alpha. */
  upperbound: number | null;
  alarm: boolean;
  /** Chance of a count at least this high under the model (R's pvalue). */
  probability: number | null;
  status: FarringtonStatus;
  /** R's exceedance score (count - expected) / (upperbound - expected); alarm when > 1. */
  score: number | null;
  /** Overdispersion used (>= 1). */
  phi: number | null;
  /** Whether a time trend was kept, and its coefficient per month on the log scale. */
  trend: boolean;
  trendCoefficient: number | null;
  history: HistoryUsed;
  warnings: string[];
  explanation: Explanation;
}

export interface FarringtonOptions {
  /** Population for each month (required with populationOffset). */
  population?: number[];
  /** First month to evaluate; default: the first month with enough history. */
  from?: string;
  /** Last month to evaluate; default: the last month of the series. */
  to?: string;
  /** What is measured, for the explanation ("residential burglary in Market"). */
  label?: string;
}

// ---------------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------------

/** One problem with a parameter: its R name, what was expected, what was given. */
export class ParameterError extends Error {
  override name = 'ParameterError';
  constructor(
    readonly param: string,
    readonly expected: string,
    readonly found: unknown,
  ) {
    super(`parameter ${param}: expected ${expected}, found ${JSON.stringify(found)}`);
  }
}

export const FARRINGTON_PARAM_NAMES = Object.keys(DEFAULT_FARRINGTON_PARAMS) as (keyof FarringtonParams)[];

/** Merge overrides onto the defaults and check every value; throws ParameterError. */
export function resolveFarringtonParams(overrides: Partial<FarringtonParams> = {}, base: Readonly<FarringtonParams> = DEFAULT_FARRINGTON_PARAMS): FarringtonParams {
  for (const key of Object.keys(overrides)) {
    if (!(FARRINGTON_PARAM_NAMES as string[]).includes(key)) {
      throw new ParameterError(key, `one of ${FARRINGTON_PARAM_NAMES.join(', ')}`, key);
    }
  }
  const p: FarringtonParams = { ...base, limit54: [...base.limit54] as [number, number], ...stripUndefined(overrides) };
  const int = (name: keyof FarringtonParams, v: unknown, min: number, max: number) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new ParameterError(name, `a whole number from ${min} to ${max}`, v);
  };
  const bool = (name: keyof FarringtonParams, v: unknown) => {
    if (typeof v !== 'boolean') throw new ParameterError(name, 'true or false', v);
  };
  const num = (name: keyof FarringtonParams, v: unknown, lo: number, hi: number, open = true) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || (open ? !(v > lo && v < hi) : !(v >= lo && v <= hi))) {
      throw new ParameterError(name, `a number ${open ? 'strictly ' : ''}between ${lo} and ${hi}`, v);
    }
  };
  int('b', p.b, 1, 20);
  int('w', p.w, 0, 5); // windows of 2w + 1 months must not overlap across years
  bool('reweight', p.reweight);
  num('weightsThreshold', p.weightsThreshold, 0, 100);
  num('alpha', p.alpha, 0, 0.5);
  bool('trend', p.trend);
  num('pThresholdTrend', p.pThresholdTrend, 0, 1, false);
  if (
    !Array.isArray(p.limit54) ||
    p.limit54.length !== 2 ||
    !Number.isInteger(p.limit54[0]) ||
    !Number.isInteger(p.limit54[1]) ||
    p.limit54[0] < 0 ||
    p.limit54[1] < 1 ||
    p.limit54[1] > 24
  ) {
    throw new ParameterError('limit54', '[cases, periods] with cases >= 0 and periods from 1 to 24', p.limit54);
  }
  if (!['2/3', '1/2', 'none'].includes(p.powertrans)) throw new ParameterError('powertrans', '"2/3", "1/2" or "none"', p.powertrans);
  if (p.fitFun !== 'algo.farrington.fitGLM.flexible') throw new ParameterError('fitFun', '"algo.farrington.fitGLM.flexible"', p.fitFun);
  bool('populationOffset', p.populationOffset);
  // Every seasonal block between two windows must hold at least one month (R silently misassigns
  // months when it does not).
  int('noPeriods', p.noPeriods, 1, 12 - 2 * p.w);
  if (p.pastWeeksNotIncluded !== null) int('pastWeeksNotIncluded', p.pastWeeksNotIncluded, 0, 11);
  if (!['delta', 'nbPlugin', 'muan'].includes(p.thresholdMethod)) throw new ParameterError('thresholdMethod', '"delta", "nbPlugin" or "muan"', p.thresholdMethod);
  bool('glmWarnings', p.glmWarnings);
  return p;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Months of history needed before a month can be judged. */
export function monthsOfHistoryNeeded(params: Pick<FarringtonParams, 'b' | 'w'>): number {
  return 12 * params.b + params.w;
}

// ---------------------------------------------------------------------------------------------
// One month
// ---------------------------------------------------------------------------------------------

interface MonthEvaluation {
  status: 'tested' | 'not-enough-history' | 'model-failed';
  expected: number | null;
  upperbound: number | null;
  probability: number | null;
  score: number | null;
  enoughCases: boolean;
  phi: number | null;
  trend: boolean;
  trendCoefficient: number | null;
  baselineIndexes: number[];
  downweighted: number;
  warnings: string[];
}

// The steps from here to countDownweighted are also the batch path's (batch.ts): one implementation, so
// that it keeps giving farringtonMonth's doubles.

const DBL_EPSILON = 2.220446049250313e-16;

/** Seasonal group of each month up to k (NaN = not in the baseline), as R's blocks(). */
function seasonalBlocks(k: number, p: FarringtonParams): Float64Array {
  const blocks = new Float64Array(k + 1).fill(NaN);
  const P = p.noPeriods;
  const set = (from: number, to: number, v: number) => {
    for (let i = Math.max(0, from); i <= Math.min(k, to); i++) blocks[i] = v;
  };
  set(k - p.w, k, P);
  for (let i = 1; i <= p.b; i++) {
    const ref = k - 12 * i;
    set(ref - p.w, ref + p.w, P);
    if (P !== 1) {
      const period = 12 - 2 * p.w - 1;
      const base = Math.floor(period / (P - 1));
      const rest = period % (P - 1);
      let start = ref + p.w + 1;
      for (let j = 1; j <= P - 1; j++) {
        const len = base + (j <= rest ? 1 : 0);
        set(start, start + len - 1, j);
        start += len;
      }
    }
  }
  const notIncluded = p.pastWeeksNotIncluded ?? p.w;
  set(k - notIncluded, k, NaN);
  return blocks;
}

/** The baseline of month k: each month's seasonal group, the months in it, and the levels that get a dummy column. */
export function baselineOf(k: number, params: FarringtonParams): { blocks: Float64Array; idx: number[]; dummyLevels: number[] } {
  const blocks = seasonalBlocks(k, params);
  const idx: number[] = [];
  for (let i = 0; i <= k; i++) if (!Number.isNaN(blocks[i]!)) idx.push(i);
  // Seasonal factor levels present in the data (R: as.factor of the blocks kept), treatment
  // contrasts against the lowest level; the month judged is in level noPeriods.
  const levels = params.noPeriods !== 1 ? [...new Set(idx.map((i) => blocks[i]!))].sort((a, b) => a - b) : [];
  return { blocks, idx, dummyLevels: levels.slice(1) };
}

/** The design row of the month judged: intercept, trend 0 (time is centred on it), its seasonal dummy. */
export function designRowOf(withTrend: boolean, dummyLevels: readonly number[], noPeriods: number): number[] {
  const row: number[] = [1];
  if (withTrend) row.push(0);
  for (const lv of dummyLevels) row.push(lv === noPeriods ? 1 : 0);
  return row;
}

/** Anscombe residuals of the fit (fitted means mu, hat values, overdispersion phi), into out. */
export function anscombeResiduals(y: Float64Array, mu: Float64Array, hat: Float64Array, phi: number, n: number, out: Float64Array): Float64Array {
  for (let i = 0; i < n; i++) {
    const m = mu[i]!;
    const a = 1.5 * (Math.pow(y[i]!, 2 / 3) * Math.pow(m, -1 / 6) - Math.sqrt(m));
    out[i] = a / Math.sqrt(phi * (1 - hat[i]!));
  }
  return out;
}

/** R's algo.farrington.assign.weights: s^-2 above the threshold, 1 below, scaled to mean 1. */
export function anscombeWeights(s: Float64Array, threshold: number, omega: Float64Array = new Float64Array(s.length)): Float64Array {
  const n = s.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += s[i]! > threshold ? s[i]! ** -2 : 1;
  const gamma = n / sum;
  for (let i = 0; i < n; i++) omega[i] = s[i]! > threshold ? gamma * s[i]! ** -2 : gamma;
  return omega;
}

/** The summary dispersion after reweighting (see ModelFit.summaryDispersion): sum(omega * working residual^2) / df. */
export function reweightedDispersion(y: Float64Array, mu: Float64Array, weights: Float64Array, n: number, dfResidual: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const m = mu[i]!;
    const r = (y[i]! - m) / m;
    if (weights[i]! > 0) sum += weights[i]! * r * r;
  }
  return sum / dfResidual;
}

/**
 * R's algo.farrington.glm: keep the trend only if significant, b >= 3, and not extrapolating. eta0 is
 * the month judged under the fit with the trend, `variance` the trend's entry of its cov.unscaled.
 */
export function keepTrend(
  params: FarringtonParams,
  eta0: number,
  coefficient: number,
  variance: number,
  summaryDispersion: number,
  dfResidual: number,
  y: Float64Array,
  n: number,
): boolean {
  const fitResponse = Math.max(Math.exp(eta0), DBL_EPSILON);
  const se = Math.sqrt(variance * summaryDispersion);
  const tValue = coefficient / se;
  const pValue = 2 * pt(-Math.abs(tValue), dfResidual);
  const significant = pValue < params.pThresholdTrend;
  let maxY = -Infinity;
  for (let i = 0; i < n; i++) if (y[i]! > maxY) maxY = y[i]!;
  const noExtrapolation = fitResponse <= maxY;
  return params.b >= 3 && significant && noExtrapolation;
}

/** The linear predictor of the design row x0. */
export function linearPredictor(coefficients: Float64Array, x0: number[]): number {
  let e = 0;
  for (let j = 0; j < x0.length; j++) e += x0[j]! * coefficients[j]!;
  return e;
}

/** The month judged under the final fit: its upper bound, the chance of its count, the score, and the expected count (null without a bound). */
export function judgeUnderFit(
  params: FarringtonParams,
  coefficients: Float64Array,
  covUnscaled: Float64Array,
  x0: number[],
  summaryDispersion: number,
  phi: number,
  observed: number,
  offsetNow: number,
): { upper: number | null; prob: number | null; score: number | null; expected: number | null } {
  const eta0 = linearPredictor(coefficients, x0) + offsetNow;
  const seLink = Math.sqrt(quadraticForm(covUnscaled, x0.length, x0) * summaryDispersion);
  const th = threshold(params, eta0, seLink, phi, observed);
  return { upper: th.upper, prob: th.prob, score: th.score, expected: th.upper === null ? null : Math.max(Math.exp(eta0), DBL_EPSILON) };
}

/** Counts in the `periods` months up to k (limit54's window) of the series starting at values[base]. */
export function casesInWindow(values: ArrayLike<number>, base: number, k: number, periods: number): number {
  let recent = 0;
  for (let i = Math.max(0, k - periods + 1); i <= k; i++) recent += values[base + i]!;
  return recent;
}

/** A tested month's status and alarm. R: alarm <- !is.na(X) && X > 1 && observed != 0, X = score unless the limit54 gate fails. */
export function verdict(upper: number | null, score: number | null, enoughCases: boolean, count: number): { status: FarringtonStatus; alarm: boolean } {
  // no bound: R gives NA (the muan quantile of the mean is infinite), nothing can be said
  if (upper === null) return { status: 'model-failed', alarm: false };
  if (!enoughCases) return { status: 'below-minimum-count', alarm: false };
  return { status: 'tested', alarm: score !== null && score > 1 && count !== 0 };
}

/** Past months counted as down-weighted: weight under half the full weight. */
export function countDownweighted(weights: Float64Array, n: number): number {
  let full = 0;
  for (let i = 0; i < n; i++) full = Math.max(full, weights[i]!);
  let downweighted = 0;
  for (let i = 0; i < n; i++) if (weights[i]! < 0.5 * full) downweighted++;
  return downweighted;
}

interface ModelFit {
  fit: GlmFit;
  /** Overdispersion for the threshold: max(dispersion, 1). */
  phi: number;
  /**
   * Dispersion that summary.glm() and predict.glm() see afterwards in R. When reweighting, R's
   * fitGLM.flexible overwrites model$weights (the working weights) with the prior weights omega,
   * so later summaries compute sum(omega * working residual^2) / df. Reproduced for agreement; it
   * affects the standard error of the prediction and the trend test only.
   */
  summaryDispersion: number;
  weights: Float64Array | null;
}

/** R's algo.farrington.fitGLM.flexible: fit, fall back to no trend, reweight by Anscombe residuals. */
function fitFlexible(
  design: (withTrend: boolean) => { x: Float64Array; p: number },
  y: Float64Array,
  offset: Float64Array | undefined,
  n: number,
  timeTrend: boolean,
  params: FarringtonParams,
  warnings: string[],
): (ModelFit & { withTrend: boolean }) | null {
  let withTrend = timeTrend;
  let d = design(withTrend);
  let fit = fitQuasiPoisson({ x: d.x, n, p: d.p, y, offset });
  if (!fit.converged) {
    if (withTrend) {
      withTrend = false;
      d = design(false);
      fit = fitQuasiPoisson({ x: d.x, n, p: d.p, y, offset });
      if (params.glmWarnings) warnings.push('the model did not converge with a time trend; fitted without one');
    }
    if (!fit.converged) return null;
  }
  let phi = Math.max(fit.dispersion, 1);
  if (Number.isNaN(fit.dispersion)) phi = NaN; // R: max(NaN, 1) is NaN
  let weights: Float64Array | null = null;
  if (params.reweight) {
    const s = anscombeResiduals(y, fit.fitted, fit.hat(), phi, n, new Float64Array(n));
    weights = anscombeWeights(s, params.weightsThreshold);
    fit = fitQuasiPoisson({ x: d.x, n, p: d.p, y, offset, priorWeights: weights });
    phi = Number.isNaN(fit.dispersion) ? NaN : Math.max(fit.dispersion, 1);
    if (!fit.converged && params.glmWarnings) warnings.push('the reweighted model did not converge');
  }
  const summaryDispersion = weights && fit.dfResidual > 0 ? reweightedDispersion(y, fit.fitted, weights, n, fit.dfResidual) : fit.dispersion;
  return { fit, phi, summaryDispersion, weights, withTrend };
}

function evaluateMonth(series: ArrayLike<number>, population: ArrayLike<number> | undefined, k: number, params: FarringtonParams): MonthEvaluation {
  const warnings: string[] = [];
  const empty = (status: MonthEvaluation['status']): MonthEvaluation => ({
    status,
    expected: null,
    upperbound: null,
    probability: null,
    score: null,
    enoughCases: false,
    phi: null,
    trend: false,
    trendCoefficient: null,
    baselineIndexes: [],
    downweighted: 0,
    warnings,
  });
  if (k < monthsOfHistoryNeeded(params)) return empty('not-enough-history');

  const { blocks, idx, dummyLevels } = baselineOf(k, params);
  const n = idx.length;
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = series[idx[i]!]!;
  const offset = params.populationOffset && population ? Float64Array.from(idx, (i) => Math.log(population[i]!)) : undefined;
  const offsetNow = params.populationOffset && population ? Math.log(population[k]!) : 0;

  const design = (withTrend: boolean) => {
    const p = 1 + (withTrend ? 1 : 0) + dummyLevels.length;
    const x = new Float64Array(n * p);
    for (let r = 0; r < n; r++) {
      let c = r * p;
      x[c++] = 1;
      if (withTrend) x[c++] = idx[r]! - k; // wtime centred on the month judged: same fit, better conditioned
      for (const lv of dummyLevels) x[c++] = blocks[idx[r]!] === lv ? 1 : 0;
    }
    return { x, p };
  };
  const designRow = (withTrend: boolean) => designRowOf(withTrend, dummyLevels, params.noPeriods);

  let model = fitFlexible(design, y, offset, n, params.trend, params, warnings);
  if (!model) {
    const out = empty('model-failed');
    out.baselineIndexes = idx;
    warnings.push('the model could not be fitted with or without a time trend, so this month cannot be tested');
    return out;
  }

  let doTrend = false;
  if (model.withTrend) {
    const { coefficients, covUnscaled, dfResidual } = model.fit;
    const x0 = designRow(true);
    doTrend = keepTrend(params, linearPredictor(coefficients, x0) + offsetNow, coefficients[1]!, covUnscaled[x0.length + 1]!, model.summaryDispersion, dfResidual, y, n);
    if (!doTrend) {
      const refit = fitFlexible(design, y, offset, n, false, params, warnings);
      if (!refit) {
        const out = empty('model-failed');
        out.baselineIndexes = idx;
        return out;
      }
      model = refit;
    }
  }

  const phi = model.phi;
  const th = judgeUnderFit(params, model.fit.coefficients, model.fit.covUnscaled, designRow(model.withTrend), model.summaryDispersion, phi, series[k]!, offsetNow);
  const [cases, periods] = params.limit54;
  return {
    status: 'tested',
    expected: th.expected,
    upperbound: th.upper,
    probability: th.prob,
    score: th.score,
    enoughCases: casesInWindow(series, 0, k, periods) >= cases,
    phi,
    trend: doTrend,
    trendCoefficient: doTrend ? model.fit.coefficients[1]! : null,
    baselineIndexes: idx,
    downweighted: model.weights ? countDownweighted(model.weights, n) : 0,
    warnings,
  };
}

/** R's algo.farrington.threshold.farrington / .noufaily. */
function threshold(params: FarringtonParams, eta0: number, seLink: number, phi: number, y: number): { upper: number | null; prob: number | null; score: number | null } {
  const alpha = params.alpha;
  if (params.thresholdMethod === 'delta') {
    // predict(type = "response"): mu0 and its standard error by the delta method
    const mu0 = Math.max(Math.exp(eta0), DBL_EPSILON);
    const seFit = seLink * mu0;
    const tau = phi + (seFit * seFit) / mu0;
    let se: number;
    let exponent: number;
    if (params.powertrans === 'none') {
      se = Math.sqrt(mu0 * tau);
      exponent = 1;
    } else if (params.powertrans === '1/2') {
      se = Math.sqrt(0.25 * tau);
      exponent = 0.5;
    } else {
      se = Math.sqrt((4 / 9) * Math.pow(mu0, 1 / 3) * tau);
      exponent = 2 / 3;
    }
    const z = qnorm(1 - alpha);
    const a = Math.pow(mu0, exponent);
    const hiBase = a + z * se;
    const loBase = a - z * se;
    const hi = hiBase < 0 && exponent !== 0.5 && exponent !== 1 ? NaN : Math.pow(hiBase, 1 / exponent);
    const lo = loBase < 0 && exponent !== 0.5 && exponent !== 1 ? NaN : Math.pow(loBase, 1 / exponent);
    // R sorts the two (NA first) and takes the second as the upper bound
    const upper = Number.isNaN(lo) ? hi : Number.isNaN(hi) ? lo : Math.max(lo, hi);
    const prob = pnorm(Math.pow(y, exponent), a, se, false);
    if (!Number.isFinite(upper)) return { upper: null, prob: Number.isNaN(prob) ? null : prob, score: null };
    return { upper, prob: Number.isNaN(prob) ? null : prob, score: (y - mu0) / (upper - mu0) };
  }
  // Noufaily: negative binomial with mean mu0 (plug-in, or its upper (1 - alpha) quantile for
  // "muan") and variance phi * mu0
  const mu0 = params.thresholdMethod === 'nbPlugin' ? Math.exp(eta0) : Math.exp(qnorm(1 - alpha, eta0, seLink));
  if (!Number.isFinite(mu0)) return { upper: null, prob: null, score: null };
  let upper: number;
  let prob: number;
  if (phi > 1) {
    upper = qnbinom(1 - alpha, mu0 / (phi - 1), 1 / phi);
    prob = pnbinom(y - 1, mu0 / (phi - 1), 1 / phi, false);
  } else {
    upper = qpois(1 - alpha, mu0);
    prob = ppois(y - 1, mu0, false);
  }
  // R's score here uses the linear predictor (log scale) as "predFit"; reproduced as is.
  return { upper, prob, score: (y - eta0) / (upper - eta0) };
}

// ---------------------------------------------------------------------------------------------
// Public entry point
// ---------------------------------------------------------------------------------------------

/** Check the series: same length as months, consecutive months, whole non-negative counts. */
export function checkMonthlySeries(series: ArrayLike<number>, months: readonly string[], population?: ArrayLike<number>): void {
  if (series.length !== months.length) throw new RangeError(`series has ${series.length} counts but ${months.length} months`);
  for (let i = 0; i < months.length; i++) {
    monthIndex(months[i]!); // throws on a malformed month
    if (i > 0 && monthIndex(months[i]!) !== monthIndex(months[i - 1]!) + 1) {
      throw new RangeError(`months must be consecutive: ${months[i - 1]} is followed by ${months[i]}`);
    }
    const c = series[i]!;
    if (!Number.isInteger(c) || c < 0) throw new RangeError(`count for ${months[i]} must be a whole number >= 0, found ${c}`);
    if (population && !(population[i]! > 0)) throw new RangeError(`population for ${months[i]} must be a number > 0, found ${population[i]}`);
  }
  if (population && population.length !== months.length) throw new RangeError(`population has ${population.length} values but there are ${months.length} months`);
}

/**
 * Judge each month from `from` (default: the first with enough history) to the end of the series,
 * each on its own past only. One result per month evaluated.
 */
export function farringtonFlexible(series: number[], months: string[], params: Partial<FarringtonParams> = {}, options: FarringtonOptions = {}): FarringtonResult[] {
  const p = resolveFarringtonParams(params);
  checkMonthlySeries(series, months, options.population);
  if (p.populationOffset && !options.population) throw new ParameterError('populationOffset', 'a population for every month when true', true);
  if (months.length === 0) return [];
  const needed = monthsOfHistoryNeeded(p);
  const first = months[0]!;
  const startIndex = options.from !== undefined ? monthIndex(options.from) - monthIndex(first) : Math.min(needed, months.length - 1);
  const endIndex = options.to !== undefined ? monthIndex(options.to) - monthIndex(first) : months.length - 1;
  if (startIndex < 0 || startIndex >= months.length) throw new RangeError(`from ${options.from} is outside the series (${first} to ${months[months.length - 1]})`);
  if (endIndex < startIndex || endIndex >= months.length) throw new RangeError(`to ${options.to} is outside the series or before from`);
  const out: FarringtonResult[] = [];
  for (let k = startIndex; k <= endIndex; k++) out.push(resultFor(series, months, options.population, k, p, options.label));
  return out;
}

/** Judge one month only (the month index k into the series): the fast path for scanning many series. */
export function farringtonMonth(
  series: ArrayLike<number>,
  months: readonly string[],
  k: number,
  params: FarringtonParams,
  population?: ArrayLike<number>,
  label?: string,
): FarringtonResult {
  return resultFor(series, months, population, k, params, label);
}

function resultFor(
  series: ArrayLike<number>,
  months: readonly string[],
  population: ArrayLike<number> | undefined,
  k: number,
  p: FarringtonParams,
  label: string | undefined,
): FarringtonResult {
  const ev = evaluateMonth(series, population, k, p);
  const month = months[k]!;
  const count = series[k]!;
  let status: FarringtonStatus = ev.status;
  let alarm = false;
  if (ev.status === 'tested') {
    ({ status, alarm } = verdict(ev.upperbound, ev.score, ev.enoughCases, count));
    if (status === 'model-failed') ev.warnings.push('no upper bound could be computed: the expected level is too uncertain');
  }
  const base = monthIndex(months[0]!);
  const history: HistoryUsed = {
    from: ev.baselineIndexes.length ? addMonths(months[0]!, ev.baselineIndexes[0]!) : null,
    to: ev.baselineIndexes.length ? addMonths(months[0]!, ev.baselineIndexes[ev.baselineIndexes.length - 1]!) : null,
    months: ev.baselineIndexes.length,
    monthsNeeded: monthsOfHistoryNeeded(p),
    monthsAvailable: monthIndex(month) - base,
    downweighted: ev.downweighted,
  };
  const core = {
    month,
    count,
    expected: ev.expected,
    upperbound: ev.upperbound,
    alarm,
    probability: ev.probability,
    status,
    score: ev.score,
    phi: ev.phi,
    trend: ev.trend,
    trendCoefficient: ev.trendCoefficient,
    history,
    warnings: ev.warnings,
  };
  return { ...core, explanation: explainSpike(core, p, label) };
}
