// Probability distributions the detectors need, written to agree with R's nmath to ~1e-13 where it
// matters (thresholds and tail probabilities). No dependency: the special functions are the
// classical ones (Lanczos log-gamma; series / Lentz continued fractions for the regularized
// incomplete gamma and beta functions, Numerical Recipes 3rd ed. §6.2, §6.4; Wichura's AS 241 for
// the normal quantile, which is what R's qnorm uses).

const DBL_EPSILON = 2.220446049250313e-16;
const FPMIN = 1e-300;

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
  1.5056327351493116e-7,
];

/** log Γ(x) for x > 0. */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  if (x > 1e6) {
    // Stirling series: exact enough and avoids cancellation for huge arguments.
    return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x) - 1 / (360 * x ** 3);
  }
  const z = x - 1;
  let a = LANCZOS[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularized lower incomplete gamma P(a, x) and upper Q(a, x), returned together for accuracy. */
export function incompleteGamma(a: number, x: number): { lower: number; upper: number } {
  if (x <= 0) return { lower: 0, upper: 1 };
  if (!Number.isFinite(x)) return { lower: 1, upper: 0 };
  const logPrefix = a * Math.log(x) - x - logGamma(a);
  if (x < a + 1) {
    // series
    let ap = a;
    let sum = 1 / a;
    let del = sum;
    for (let n = 0; n < 100000; n++) {
      ap += 1;
      del *= x / ap;
      sum += del;
      if (Math.abs(del) < Math.abs(sum) * 1e-16) break;
    }
    const lower = Math.min(1, sum * Math.exp(logPrefix));
    return { lower, upper: 1 - lower };
  }
  // continued fraction (modified Lentz)
  let b = x + 1 - a;
  let c = 1 / FPMIN;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 100000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = b + an / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  const upper = Math.min(1, Math.exp(logPrefix) * h);
  return { lower: 1 - upper, upper };
}

function betaContinuedFraction(a: number, b: number, x: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < FPMIN) d = FPMIN;
  d = 1 / d;
  let h = d;
  for (let m = 1; m < 200000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = 1 + aa / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = 1 + aa / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return h;
}

/**
 * Regularized incomplete beta I_x(a, b) and its complement 1 - I_x(a, b). Pass `oneMinusX` when
 * 1 - x is known more precisely than x (x close to 1).
 */
export function incompleteBeta(x: number, a: number, b: number, oneMinusX = 1 - x): { lower: number; upper: number } {
  if (x <= 0) return { lower: 0, upper: 1 };
  if (oneMinusX <= 0) return { lower: 1, upper: 0 };
  const logFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(oneMinusX);
  if (x < (a + 1) / (a + b + 2)) {
    const lower = (Math.exp(logFront) * betaContinuedFraction(a, b, x)) / a;
    return { lower, upper: 1 - lower };
  }
  const upper = (Math.exp(logFront) * betaContinuedFraction(b, a, oneMinusX)) / b;
  return { lower: 1 - upper, upper };
}

// ---------------------------------------------------------------------------------------------
// Normal
// ---------------------------------------------------------------------------------------------

/** Standard normal upper tail P(Z > z), accurate in the far tail. */
function normalUpper(z: number): number {
  if (z === 0) return 0.5;
  const g = incompleteGamma(0.5, (z * z) / 2);
  return z > 0 ? 0.5 * g.upper : 1 - 0.5 * g.upper;
}

/** R's pnorm(q, mean, sd, lower.tail). */
export function pnorm(q: number, mean = 0, sd = 1, lowerTail = true): number {
  if (Number.isNaN(q) || Number.isNaN(mean) || Number.isNaN(sd) || sd < 0) return NaN;
  if (sd === 0) return q < mean === lowerTail ? 0 : 1;
  const z = (q - mean) / sd;
  return lowerTail ? normalUpper(-z) : normalUpper(z);
}

/** R's qnorm(p, mean, sd): Wichura (1988) AS 241, PPND16. */
export function qnorm(p: number, mean = 0, sd = 1): number {
  if (Number.isNaN(p) || p < 0 || p > 1) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const q = p - 0.5;
  let r: number;
  let val: number;
  if (Math.abs(q) <= 0.425) {
    r = 0.180625 - q * q;
    val =
      (q *
        (((((((r * 2509.0809287301226727 + 33430.575583588128105) * r + 67265.770927008700853) * r + 45921.953931549871457) * r + 13731.693765509461125) * r +
          1971.5909503065514427) *
          r +
          133.14166789178437745) *
          r +
          3.387132872796366608)) /
      (((((((r * 5226.495278852545925 + 28729.085735721942674) * r + 39307.89580009271061) * r + 21213.794301586595867) * r + 5394.1960214247511077) * r + 687.1870074920579083) *
        r +
        42.313330701600911252) *
        r +
        1);
    return mean + sd * val;
  }
  r = q < 0 ? p : 1 - p;
  r = Math.sqrt(-Math.log(r));
  if (r <= 5) {
    r -= 1.6;
    val =
      (((((((r * 7.7454501427834140764e-4 + 0.0227238449892691845833) * r + 0.24178072517745061177) * r + 1.27045825245236838258) * r + 3.64784832476320460504) * r +
        5.7694972214606914055) *
        r +
        4.6303378461565452959) *
        r +
        1.42343711074968357734) /
      (((((((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r + 0.14810397642748007459) * r + 0.68976733498510000455) * r +
        1.6763848301838038494) *
        r +
        2.05319162663775882187) *
        r +
        1);
  } else {
    r -= 5;
    val =
      (((((((r * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r + 0.026532189526576123093) * r + 0.29656057182850489123) * r +
        1.7848265399172913358) *
        r +
        5.4637849111641143699) *
        r +
        6.6579046435011037772) /
      (((((((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r + 7.868691311456132591e-4) * r + 0.0148753612908506148525) * r +
        0.13692988092273580531) *
        r +
        0.59983220655588793769) *
        r +
        1);
  }
  if (q < 0) val = -val;
  return mean + sd * val;
}

// ---------------------------------------------------------------------------------------------
// Student t
// ---------------------------------------------------------------------------------------------

/** R's pt(q, df) lower tail. */
export function pt(q: number, df: number): number {
  if (Number.isNaN(q) || !(df > 0)) return NaN;
  if (!Number.isFinite(q)) return q > 0 ? 1 : 0;
  const t2 = q * q;
  const tail = 0.5 * incompleteBeta(df / (df + t2), df / 2, 0.5, t2 / (df + t2)).lower; // P(T > |q|)
  return q > 0 ? 1 - tail : tail;
}

// ---------------------------------------------------------------------------------------------
// Poisson and negative binomial (R's parametrisation: size, prob; mean = size (1 - prob) / prob)
// ---------------------------------------------------------------------------------------------

/** P(X <= x) (lowerTail) or P(X > x) for X ~ Poisson(lambda). */
export function ppois(x: number, lambda: number, lowerTail = true): number {
  if (Number.isNaN(x) || !(lambda >= 0)) return NaN;
  const k = Math.floor(x + 1e-7);
  if (k < 0) return lowerTail ? 0 : 1;
  if (lambda === 0) return lowerTail ? 1 : 0;
  const g = incompleteGamma(k + 1, lambda);
  return lowerTail ? g.upper : g.lower;
}

/** P(X <= x) (lowerTail) or P(X > x) for X ~ NegBin(size, prob). */
export function pnbinom(x: number, size: number, prob: number, lowerTail = true): number {
  if (Number.isNaN(x) || !(size >= 0) || !(prob > 0 && prob <= 1)) return NaN;
  const k = Math.floor(x + 1e-7);
  if (k < 0) return lowerTail ? 0 : 1;
  if (size === 0 || prob === 1) return lowerTail ? 1 : 0;
  if (size > 1e10) return ppois(k, (size * (1 - prob)) / prob, lowerTail); // the Poisson limit
  if (k > 1e9 && k > 1e4 * size) {
    // Far tail of a very skewed negative binomial: Y | L ~ Poisson(L), L ~ Gamma(size, (1 - prob) / prob),
    // and for counts this large P(Y <= k) = P(L <= k + 1/2) to within O(1/sqrt(k)).
    const g = incompleteGamma(size, ((k + 0.5) * prob) / (1 - prob));
    return lowerTail ? g.lower : g.upper;
  }
  const b = incompleteBeta(prob, size, k + 1);
  return lowerTail ? b.lower : b.upper;
}

function discreteQuantile(p: number, start: number, cdf: (x: number) => number): number {
  // Smallest x >= 0 with F(x) >= p; p fuzzed down as R does so exact ties stay left-continuous.
  // The Cornish-Fisher start is usually within a step or two; galloping then bisection covers
  // the very skewed cases (tiny size, huge mean) where it is not.
  const target = p * (1 - 64 * DBL_EPSILON);
  const x0 = Math.max(0, start);
  let lo: number; // cdf(lo) < target, or -1
  let hi: number; // cdf(hi) >= target
  if (cdf(x0) >= target) {
    hi = x0;
    lo = -1;
    for (let step = 1; hi > 0; step *= 2) {
      const cand = Math.max(0, hi - step);
      if (cdf(cand) >= target) hi = cand;
      else {
        lo = cand;
        break;
      }
      if (cand === 0) break;
    }
  } else {
    lo = x0;
    hi = Infinity;
    for (let step = 1; ; step *= 2) {
      const cand = lo + step;
      if (cdf(cand) >= target) {
        hi = cand;
        break;
      }
      lo = cand;
      if (!Number.isFinite(cand)) return Infinity;
    }
  }
  while (hi - lo > Math.max(1, hi * 4 * DBL_EPSILON)) {
    const mid = Math.floor((lo + hi) / 2);
    if (mid <= lo || mid >= hi) break;
    if (cdf(mid) >= target) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** R's qpois(p, lambda). */
export function qpois(p: number, lambda: number): number {
  if (Number.isNaN(p) || !(lambda >= 0) || p < 0 || p > 1) return NaN;
  if (lambda === 0) return 0;
  if (p === 1) return Infinity;
  const sigma = Math.sqrt(lambda);
  const z = qnorm(p);
  const start = Math.round(lambda + sigma * (z + ((1 / sigma) * (z * z - 1)) / 6));
  return discreteQuantile(p, start, (x) => ppois(x, lambda));
}

/** R's qnbinom(p, size, prob). */
export function qnbinom(p: number, size: number, prob: number): number {
  if (Number.isNaN(p) || !(size >= 0) || !(prob > 0 && prob <= 1) || p < 0 || p > 1) return NaN;
  if (prob === 1 || size === 0) return 0;
  if (p === 1) return Infinity;
  if (size > 1e10) return qpois(p, (size * (1 - prob)) / prob);
  const Q = 1 / prob;
  const P = (1 - prob) * Q;
  const mu = size * P;
  const sigma = Math.sqrt(size * P * Q);
  const gamma = (Q + P) / sigma;
  const z = qnorm(p);
  const start = Math.round(mu + sigma * (z + (gamma * (z * z - 1)) / 6));
  return discreteQuantile(p, start, (x) => pnbinom(x, size, prob));
}

/** Quantile of the Gamma(shape, scale 1) distribution, by safeguarded Newton on P(shape, x). */
export function qgamma(p: number, shape: number): number {
  if (!(shape > 0) || p < 0 || p > 1) return NaN;
  if (p === 0) return 0;
  if (p === 1) return Infinity;
  // Wilson-Hilferty start
  const z = qnorm(p);
  let x = shape * (1 - 1 / (9 * shape) + z / (3 * Math.sqrt(shape))) ** 3;
  if (!(x > 0)) x = Math.max(1e-8, shape * 0.01);
  let lo = 0;
  let hi = Infinity;
  const lg = logGamma(shape);
  for (let i = 0; i < 200; i++) {
    const F = incompleteGamma(shape, x).lower;
    if (F < p) lo = x;
    else hi = x;
    const dens = Math.exp((shape - 1) * Math.log(x) - x - lg);
    let next = x - (F - p) / dens;
    if (!(next > lo && next < hi) || !Number.isFinite(next)) next = Number.isFinite(hi) ? (lo + hi) / 2 : x * 2;
    if (Math.abs(next - x) <= 1e-14 * Math.max(1, x)) return next;
    x = next;
  }
  return x;
}
