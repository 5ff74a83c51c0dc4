// Farrington-flexible on many series at once, for one month: every ward x measure of a country in a
// few seconds. The results are those of farringtonMonth() (src/detect/farrington.ts), bit for bit:
// test/detect/batch.test.ts compares every field on thousands of series, and any series that leaves
// the common path below (a fit that does not converge, a singular or non-finite step, a population
// offset) is judged by farringtonMonth() itself. Only the fit is this file's own (glm.ts's IRLS on the
// sparse rows, below); the baseline, the reweighting, the trend test, the threshold and the verdict are
// farrington.ts's functions, called with this file's buffers.
//
// Why it is faster and still identical:
// - the baseline months, their seasonal levels and the design matrix depend only on the month judged
//   and the parameters, so they are worked out once per batch instead of once per series;
// - the design is [1, time, one 0/1 seasonal dummy per level]: each row has at most three non-zero
//   entries, and a product with an exact zero adds an exact zero, which leaves an IEEE sum started at +0
//   unchanged (round to nearest never gives -0 from +0 + x), so skipping those terms gives the same
//   numbers; a product with an exact one is the other factor exactly;
// - every buffer is allocated once per batch and reused (no allocation in the loop over series);
// - the explanation sentence is not built (ask farringtonMonth for the few series that need one).
// Methods as in farrington.ts: Noufaily et al. (2013), Statistics in Medicine 32(7):1206-1222, following
// R surveillance's farringtonFlexible().

import {
  anscombeResiduals,
  anscombeWeights,
  baselineOf,
  casesInWindow,
  countDownweighted,
  designRowOf,
  farringtonMonth,
  judgeUnderFit,
  keepTrend,
  linearPredictor,
  monthsOfHistoryNeeded,
  reweightedDispersion,
  verdict,
  type FarringtonParams,
  type FarringtonResult,
  type FarringtonStatus,
} from './farrington.ts';
import { solveNormalEquations } from './glm.ts';

const DBL_EPSILON = 2.220446049250313e-16;

/** Status codes in BatchResult.status, in this order. */
export const BATCH_STATUSES: readonly FarringtonStatus[] = ['tested', 'below-minimum-count', 'not-enough-history', 'model-failed'];
const STATUS_CODE = new Map(BATCH_STATUSES.map((s, i) => [s, i]));

/** The numeric fields of a FarringtonResult, one Float64Array each; null is stored as a flag in `nulls`. */
export const BATCH_FIELDS = ['count', 'expected', 'upperbound', 'probability', 'score', 'phi', 'trendCoefficient'] as const;
export type BatchField = (typeof BATCH_FIELDS)[number];

/** One month judged on many series: column arrays, series i at index i. */
export interface BatchResult {
  series: number;
  /** Index into BATCH_STATUSES. */
  status: Uint8Array;
  alarm: Uint8Array;
  trend: Uint8Array;
  downweighted: Uint16Array;
  /** BATCH_FIELDS.length x series values, field-major. */
  values: Float64Array;
  /** 1 where the field is null, same layout as values. */
  nulls: Uint8Array;
  /** Series judged by farringtonMonth() because they left the common path. */
  fallbacks: number;
}

/** The fields of one series' result, as farringtonMonth gives them (less history, warnings and the explanation). */
export interface BatchSeriesResult {
  status: FarringtonStatus;
  alarm: boolean;
  count: number;
  expected: number | null;
  upperbound: number | null;
  probability: number | null;
  score: number | null;
  phi: number | null;
  trend: boolean;
  trendCoefficient: number | null;
  downweighted: number;
}

/** A result for `series` series; `shared`: its arrays on SharedArrayBuffers (filled by worker threads). */
export function emptyBatchResult(series: number, shared = false): BatchResult {
  const buffer = (bytes: number) => (shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  return {
    series,
    status: new Uint8Array(buffer(series)),
    alarm: new Uint8Array(buffer(series)),
    trend: new Uint8Array(buffer(series)),
    downweighted: new Uint16Array(buffer(series * 2)),
    values: new Float64Array(buffer(BATCH_FIELDS.length * series * 8)),
    nulls: new Uint8Array(buffer(BATCH_FIELDS.length * series)),
    fallbacks: 0,
  };
}

/** Series i of a batch result as an object. */
export function batchResultAt(r: BatchResult, i: number): BatchSeriesResult {
  const v = (f: number) => (r.nulls[f * r.series + i] ? null : r.values[f * r.series + i]!);
  return {
    status: BATCH_STATUSES[r.status[i]!]!,
    alarm: r.alarm[i] === 1,
    count: v(0)!,
    expected: v(1),
    upperbound: v(2),
    probability: v(3),
    score: v(4),
    phi: v(5),
    trend: r.trend[i] === 1,
    trendCoefficient: v(6),
    downweighted: r.downweighted[i]!,
  };
}

/** The same fields taken from a farringtonMonth result (for comparisons). */
export function seriesResultOf(r: FarringtonResult): BatchSeriesResult {
  return {
    status: r.status,
    alarm: r.alarm,
    count: r.count,
    expected: r.expected,
    upperbound: r.upperbound,
    probability: r.probability,
    score: r.score,
    phi: r.phi,
    trend: r.trend,
    trendCoefficient: r.trendCoefficient,
    downweighted: r.history.downweighted,
  };
}

function store(out: BatchResult, i: number, r: BatchSeriesResult): void {
  out.status[i] = STATUS_CODE.get(r.status)!;
  out.alarm[i] = r.alarm ? 1 : 0;
  out.trend[i] = r.trend ? 1 : 0;
  out.downweighted[i] = r.downweighted;
  const n = out.series;
  const put = (f: number, x: number | null) => {
    out.nulls[f * n + i] = x === null ? 1 : 0;
    out.values[f * n + i] = x === null ? 0 : x;
  };
  put(0, r.count);
  put(1, r.expected);
  put(2, r.upperbound);
  put(3, r.probability);
  put(4, r.score);
  put(5, r.phi);
  put(6, r.trendCoefficient);
}

/** Thrown inside the fast path when a series must be judged by farringtonMonth instead. */
const LEAVE = Symbol('leave the common path');

/**
 * The design of one month judged, its buffers, and a quasi-Poisson IRLS on them that does what
 * glm.ts's fitQuasiPoisson does, operation for operation, on the non-zero design entries only.
 */
class MonthModel {
  readonly n: number;
  readonly idx: Int32Array;
  /** Trend column value (month - k) of each baseline row. */
  readonly time: Float64Array;
  /** Which dummy column (0-based among the dummies) is 1 in each row; -1 for the lowest level. */
  readonly dummy: Int32Array;
  readonly dummies: number;
  /** The dummy that is 1 for the month judged (level noPeriods); -1 if none. */
  readonly dummyNow: number;
  readonly y: Float64Array;
  // IRLS state (sized for the largest p)
  readonly eta: Float64Array;
  readonly mu: Float64Array;
  readonly w2: Float64Array;
  readonly z: Float64Array;
  readonly beta: Float64Array;
  readonly coefold: Float64Array;
  readonly inv: Float64Array;
  readonly a: Float64Array;
  readonly rhs: Float64Array;
  readonly L: Float64Array;
  readonly Li: Float64Array;
  readonly hat: Float64Array;
  readonly s: Float64Array;
  readonly weights: Float64Array;
  readonly x0: number[][];
  // results of the last fit
  p = 0;
  withTrend = false;
  converged = false;
  dfResidual = 0;
  dispersion = NaN;

  constructor(
    readonly k: number,
    readonly params: FarringtonParams,
  ) {
    const { blocks, idx, dummyLevels } = baselineOf(k, params);
    this.n = idx.length;
    this.idx = Int32Array.from(idx);
    this.dummies = dummyLevels.length;
    this.time = Float64Array.from(idx, (i) => i - k);
    this.dummy = Int32Array.from(idx, (i) => dummyLevels.indexOf(blocks[i]!));
    this.dummyNow = dummyLevels.indexOf(params.noPeriods);
    const n = this.n;
    const pMax = 2 + this.dummies;
    this.y = new Float64Array(n);
    this.eta = new Float64Array(n);
    this.mu = new Float64Array(n);
    this.w2 = new Float64Array(n);
    this.z = new Float64Array(n);
    this.beta = new Float64Array(pMax);
    this.coefold = new Float64Array(pMax);
    this.inv = new Float64Array(pMax * pMax);
    this.a = new Float64Array(pMax * pMax);
    this.rhs = new Float64Array(pMax);
    this.L = new Float64Array(pMax * pMax);
    this.Li = new Float64Array(pMax * pMax);
    this.hat = new Float64Array(n);
    this.s = new Float64Array(n);
    this.weights = new Float64Array(n);
    this.x0 = [false, true].map((t) => designRowOf(t, dummyLevels, params.noPeriods));
  }

  /** Column of the dummy of row r (or -1), given whether the trend column is there. */
  private col(r: number): number {
    const d = this.dummy[r]!;
    return d < 0 ? -1 : d + (this.withTrend ? 2 : 1);
  }

  private deviance(prior: Float64Array | null): number {
    const { y, mu, n } = this;
    let dev = 0;
    for (let i = 0; i < n; i++) {
      const w = prior ? prior[i]! : 1;
      const yi = y[i]!;
      const mi = mu[i]!;
      dev += yi > 0 ? w * (yi * Math.log(yi / mi) - (yi - mi)) : mi * w;
    }
    return 2 * dev;
  }

  /** glm.ts's weightedLeastSquares on the sparse rows. False when not positive definite. */
  private wls(): boolean {
    const { n, p, w2, z, a, rhs, L, Li, inv, beta, time } = this;
    const trend = this.withTrend;
    a.fill(0, 0, p * p);
    rhs.fill(0, 0, p);
    for (let i = 0; i < n; i++) {
      const wi = w2[i]!;
      if (wi === 0) continue;
      const zi = z[i]!;
      const t = time[i]!;
      const c = this.col(i);
      // column 0 (x = 1): xj = wi
      rhs[0]! += wi * zi;
      a[0]! += wi;
      if (trend) {
        const xt = t * wi;
        rhs[1]! += xt * zi;
        a[p]! += xt; // a[1][0] += xt * 1
        a[p + 1]! += xt * t;
      }
      if (c >= 0) {
        // x = 1 in column c: xj = wi; entries (c, 0), (c, 1), (c, c)
        rhs[c]! += wi * zi;
        a[c * p]! += wi;
        if (trend) a[c * p + 1]! += wi * t;
        a[c * p + c]! += wi;
      }
    }
    return solveNormalEquations(a, rhs, p, L, Li, inv, beta);
  }

  /** eta = X beta, mu = linkinv(eta). */
  private predict(): void {
    const { n, eta, mu, beta, time } = this;
    const trend = this.withTrend;
    for (let i = 0; i < n; i++) {
      let e = 0;
      e += beta[0]!;
      if (trend) e += time[i]! * beta[1]!;
      const c = this.col(i);
      if (c >= 0) e += beta[c]!;
      eta[i] = e;
      mu[i] = Math.max(Math.exp(e), DBL_EPSILON);
    }
  }

  /** fitQuasiPoisson (maxit 25, epsilon 1e-8); throws LEAVE on anything but a clean convergence. */
  fit(withTrend: boolean, prior: Float64Array | null): void {
    this.withTrend = withTrend;
    this.p = 1 + (withTrend ? 1 : 0) + this.dummies;
    const { n, y, eta, mu, w2, z } = this;
    for (let i = 0; i < n; i++) {
      eta[i] = Math.log(y[i]! + 0.1);
      mu[i] = Math.max(Math.exp(eta[i]!), DBL_EPSILON);
    }
    let devold = this.deviance(prior);
    let converged = false;
    for (let iter = 1; iter <= 25; iter++) {
      for (let i = 0; i < n; i++) {
        // glm.ts: mu.eta = linkinv(eta), which is mu itself (same eta, same floor): no second exp
        const me = mu[i]!;
        const zi = eta[i]! - 0 + (y[i]! - mu[i]!) / me;
        const wi = ((prior ? prior[i]! : 1) * (me * me)) / mu[i]!;
        // skipping zero design entries is exact only for finite products
        if (!Number.isFinite(zi) || !Number.isFinite(wi)) throw LEAVE;
        z[i] = zi;
        w2[i] = wi;
      }
      if (!this.wls()) throw LEAVE;
      for (let j = 0; j < this.p; j++) if (!Number.isFinite(this.beta[j]!)) throw LEAVE;
      for (let j = 0; j < this.p * this.p; j++) if (!Number.isFinite(this.inv[j]!)) throw LEAVE;
      this.predict();
      const dev = this.deviance(prior);
      if (!Number.isFinite(dev)) throw LEAVE; // glm.ts halves the step here
      if (Math.abs(dev - devold) / (Math.abs(dev) + 0.1) < 1e-8) {
        converged = true;
        break;
      }
      devold = dev;
    }
    if (!converged) throw LEAVE;
    let nOk = 0;
    for (let i = 0; i < n; i++) if ((prior ? prior[i]! : 1) > 0) nOk++;
    this.dfResidual = nOk - this.p;
    let dispersion = NaN;
    if (this.dfResidual > 0) {
      let s = 0;
      for (let i = 0; i < n; i++) {
        if (w2[i]! > 0) {
          const r = (y[i]! - mu[i]!) / mu[i]!; // linkinv(eta) is mu
          s += w2[i]! * r * r;
        }
      }
      dispersion = s / this.dfResidual;
    }
    this.dispersion = dispersion;
  }

  /** glm.ts's hat() for the last fit, into this.hat. */
  hatValues(): void {
    const { n, p, inv, w2, time, hat } = this;
    const trend = this.withTrend;
    for (let i = 0; i < n; i++) {
      const c = this.col(i);
      const t = time[i]!;
      let s = 0;
      for (let j = 0; j < p; j++) {
        const xj = j === 0 ? 1 : j === 1 && trend ? t : j === c ? 1 : 0;
        if (xj === 0) continue;
        let u = 0;
        u += inv[j * p]!;
        if (trend) u += inv[j * p + 1]! * t;
        if (c >= 0) u += inv[j * p + c]!;
        s += xj === 1 ? u : xj * u;
      }
      hat[i] = w2[i]! * s;
    }
  }

  /** farrington.ts's fitFlexible without its fallbacks: phi and the summary dispersion of the final fit. */
  fitFlexible(timeTrend: boolean): { phi: number; summaryDispersion: number; reweighted: boolean } {
    const { n, y, mu, s, weights, params } = this;
    this.fit(timeTrend, null);
    let phi = Math.max(this.dispersion, 1);
    if (Number.isNaN(this.dispersion)) phi = NaN;
    if (!params.reweight) return { phi, summaryDispersion: this.dispersion, reweighted: false };
    this.hatValues();
    anscombeWeights(anscombeResiduals(y, mu, this.hat, phi, n, s), params.weightsThreshold, weights);
    this.fit(timeTrend, weights);
    phi = Number.isNaN(this.dispersion) ? NaN : Math.max(this.dispersion, 1);
    const summaryDispersion = this.dfResidual > 0 ? reweightedDispersion(y, mu, weights, n, this.dfResidual) : this.dispersion;
    return { phi, summaryDispersion, reweighted: true };
  }
}

/** evaluateMonth + resultFor of farrington.ts for the series in model.y (series[k] = observed, recent = limit54 sum). */
function judgeOne(model: MonthModel, observed: number, recent: number): BatchSeriesResult {
  const params = model.params;
  let m = model.fitFlexible(params.trend);
  let doTrend = false;
  if (model.withTrend) {
    const x0 = model.x0[1]!;
    doTrend = keepTrend(params, linearPredictor(model.beta, x0) + 0, model.beta[1]!, model.inv[x0.length + 1]!, m.summaryDispersion, model.dfResidual, model.y, model.n);
    if (!doTrend) m = model.fitFlexible(false);
  }
  const th = judgeUnderFit(params, model.beta, model.inv, model.x0[model.withTrend ? 1 : 0]!, m.summaryDispersion, m.phi, observed, 0);
  const { status, alarm } = verdict(th.upper, th.score, recent >= params.limit54[0], observed);
  return {
    status,
    alarm,
    count: observed,
    expected: th.expected,
    upperbound: th.upper,
    probability: th.prob,
    score: th.score,
    phi: m.phi,
    trend: doTrend,
    trendCoefficient: doTrend ? model.beta[1]! : null,
    downweighted: m.reweighted ? countDownweighted(model.weights, model.n) : 0,
  };
}

/**
 * Judge month index k of each of `count` series laid end to end in `values` (series i is
 * values[i * months.length ... (i + 1) * months.length - 1]), as farringtonMonth(series, months, k,
 * params) would. The counts must be whole and >= 0 (as checkMonthlySeries requires).
 */
export function judgeMonthBatch(
  values: Float64Array,
  months: readonly string[],
  k: number,
  params: FarringtonParams,
  /** Where to write (default: a new result); series i goes to index i. */
  out?: BatchResult,
  /** Only the series from..to - 1 (default: all). */
  range?: { from: number; to: number },
): BatchResult {
  const T = months.length;
  if (T === 0 || values.length % T !== 0) throw new RangeError(`values hold ${values.length} counts, not a whole number of ${T}-month series`);
  if (k < 0 || k >= T) throw new RangeError(`month index ${k} is outside the ${T} months`);
  const total = values.length / T;
  const result = out ?? emptyBatchResult(total);
  if (result.series !== total) throw new RangeError(`the result holds ${result.series} series, the values ${total}`);
  const enough = k >= monthsOfHistoryNeeded(params);
  const model = enough && !params.populationOffset ? new MonthModel(k, params) : null;
  const [, periods] = params.limit54;
  const first = range?.from ?? 0;
  const end = Math.min(range?.to ?? total, total);
  for (let s = first; s < end; s++) {
    const base = s * T;
    const at = s;
    const observed = values[base + k]!;
    let r: BatchSeriesResult | null = null;
    if (!enough) {
      r = {
        status: 'not-enough-history',
        alarm: false,
        count: observed,
        expected: null,
        upperbound: null,
        probability: null,
        score: null,
        phi: null,
        trend: false,
        trendCoefficient: null,
        downweighted: 0,
      };
    } else if (model) {
      const idx = model.idx;
      for (let i = 0; i < model.n; i++) model.y[i] = values[base + idx[i]!]!;
      try {
        r = judgeOne(model, observed, casesInWindow(values, base, k, periods));
      } catch (e) {
        if (e !== LEAVE) throw e;
        r = null;
      }
    }
    if (!r) {
      r = seriesResultOf(farringtonMonth(values.subarray(base, base + T), months, k, params));
      result.fallbacks++;
    }
    store(result, at, r);
  }
  return result;
}
