// Quasi-Poisson GLM with log link fitted by iteratively reweighted least squares, written to follow
// R's stats::glm.fit step for step (starting values mu = y + 0.1, deviance convergence criterion
// |dev - dev_old| / (|dev| + 0.1) < 1e-8, at most 25 iterations, fitted means floored at machine
// epsilon as R's log link does) so that the Farrington port reproduces R surveillance's numbers.
// Like glm.fit, the working weights, hat values and (X'WX)^-1 reported are those of the last
// iteration's weighted least squares, i.e. computed from the fitted means one step before the end.

const DBL_EPSILON = 2.220446049250313e-16;

export interface GlmInput {
  /** Design matrix, row-major, n rows of p columns. */
  x: Float64Array;
  n: number;
  p: number;
  y: ArrayLike<number>;
  offset?: ArrayLike<number>;
  priorWeights?: ArrayLike<number>;
  maxit?: number;
  epsilon?: number;
}

export interface GlmFit {
  converged: boolean;
  iterations: number;
  coefficients: Float64Array;
  fitted: Float64Array;
  /** (X'WX)^-1 with the last iteration's working weights (R's cov.unscaled). */
  covUnscaled: Float64Array;
  /** Working weights of the last iteration (R's model$weights). */
  workingWeights: Float64Array;
  /** Residual degrees of freedom: observations with positive weight minus rank. */
  dfResidual: number;
  /** Pearson dispersion estimate, as summary.glm reports it for quasi families (NaN when df = 0). */
  dispersion: number;
  /** Diagonal of the hat matrix (R's hatvalues). */
  hat(): Float64Array;
}

const linkinv = (eta: number) => Math.max(Math.exp(eta), DBL_EPSILON);

function poissonDeviance(y: ArrayLike<number>, mu: ArrayLike<number>, wt: ArrayLike<number> | undefined, n: number): number {
  let dev = 0;
  for (let i = 0; i < n; i++) {
    const w = wt ? wt[i]! : 1;
    const yi = y[i]!;
    const mi = mu[i]!;
    dev += yi > 0 ? w * (yi * Math.log(yi / mi) - (yi - mi)) : mi * w;
  }
  return 2 * dev;
}

/**
 * Solve the weighted least squares (X'WX) b = X'Wz by Cholesky; returns false if X'WX is not
 * positive definite (rank deficient). `inv` receives (X'WX)^-1.
 */
function weightedLeastSquares(x: Float64Array, n: number, p: number, w2: Float64Array, z: Float64Array, beta: Float64Array, inv: Float64Array): boolean {
  const a = new Float64Array(p * p);
  const rhs = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    const wi = w2[i]!;
    if (wi === 0) continue;
    const row = i * p;
    for (let j = 0; j < p; j++) {
      const xj = x[row + j]! * wi;
      rhs[j]! += xj * z[i]!;
      for (let k = 0; k <= j; k++) a[j * p + k]! += xj * x[row + k]!;
    }
  }
  return solveNormalEquations(a, rhs, p, new Float64Array(p * p), new Float64Array(p * p), inv, beta);
}

/**
 * Solves a b = rhs for symmetric a (p x p, lower triangle read) by Cholesky, a = L L': false when a is not
 * positive definite. `inv` receives a^-1 (= L^-T L^-1); `L` and `Li` are work buffers of p x p (the batch
 * judge passes its own, reused).
 */
export function solveNormalEquations(a: Float64Array, rhs: Float64Array, p: number, L: Float64Array, Li: Float64Array, inv: Float64Array, beta: Float64Array): boolean {
  for (let j = 0; j < p; j++) {
    let s = a[j * p + j]!;
    for (let k = 0; k < j; k++) s -= L[j * p + k]! ** 2;
    if (!(s > 1e-13 * Math.max(1, a[j * p + j]!))) return false;
    const d = Math.sqrt(s);
    L[j * p + j] = d;
    for (let i = j + 1; i < p; i++) {
      let t = a[i * p + j]!;
      for (let k = 0; k < j; k++) t -= L[i * p + k]! * L[j * p + k]!;
      L[i * p + j] = t / d;
    }
  }
  // inverse of L, then inv = L^-T L^-1
  Li.fill(0, 0, p * p);
  for (let j = 0; j < p; j++) {
    Li[j * p + j] = 1 / L[j * p + j]!;
    for (let i = j + 1; i < p; i++) {
      let s = 0;
      for (let k = j; k < i; k++) s -= L[i * p + k]! * Li[k * p + j]!;
      Li[i * p + j] = s / L[i * p + i]!;
    }
  }
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = i; k < p; k++) s += Li[k * p + i]! * Li[k * p + j]!;
      inv[i * p + j] = s;
      inv[j * p + i] = s;
    }
  }
  for (let i = 0; i < p; i++) {
    let s = 0;
    for (let j = 0; j < p; j++) s += inv[i * p + j]! * rhs[j]!;
    beta[i] = s;
  }
  return true;
}

/** Fit y ~ X (+ offset) with quasi-Poisson log link, as R's glm(..., family = quasipoisson). */
export function fitQuasiPoisson(input: GlmInput): GlmFit {
  const { x, n, p, y } = input;
  const offset = input.offset;
  const prior = input.priorWeights;
  const maxit = input.maxit ?? 25;
  const epsilon = input.epsilon ?? 1e-8;

  const eta = new Float64Array(n);
  const mu = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    // R: mustart <- y + 0.1; eta <- linkfun(mustart) (the offset is not used for the start)
    eta[i] = Math.log(y[i]! + 0.1);
    mu[i] = linkinv(eta[i]!);
  }
  let devold = poissonDeviance(y, mu, prior, n);
  const beta = new Float64Array(p);
  let coefold: Float64Array | null = null;
  const inv = new Float64Array(p * p);
  const w2 = new Float64Array(n);
  const z = new Float64Array(n);
  let converged = false;
  let iterations = 0;
  let singular = false;

  for (let iter = 1; iter <= maxit; iter++) {
    iterations = iter;
    for (let i = 0; i < n; i++) {
      const me = linkinv(eta[i]!); // mu.eta for the log link
      const off = offset ? offset[i]! : 0;
      z[i] = eta[i]! - off + (y[i]! - mu[i]!) / me;
      // w^2 = prior * mu.eta^2 / variance(mu), variance(mu) = mu
      w2[i] = ((prior ? prior[i]! : 1) * (me * me)) / mu[i]!;
    }
    if (!weightedLeastSquares(x, n, p, w2, z, beta, inv)) {
      singular = true;
      break;
    }
    let dev = 0;
    const update = () => {
      for (let i = 0; i < n; i++) {
        let e = offset ? offset[i]! : 0;
        const row = i * p;
        for (let j = 0; j < p; j++) e += x[row + j]! * beta[j]!;
        eta[i] = e;
        mu[i] = linkinv(e);
      }
      dev = poissonDeviance(y, mu, prior, n);
    };
    update();
    // step halving when the deviance is not finite (R: "step size truncated due to divergence")
    let halvings = 0;
    while (!Number.isFinite(dev) && coefold && halvings < maxit) {
      for (let j = 0; j < p; j++) beta[j] = (beta[j]! + coefold[j]!) / 2;
      update();
      halvings++;
    }
    if (!Number.isFinite(dev)) break;
    if (Math.abs(dev - devold) / (Math.abs(dev) + 0.1) < epsilon) {
      converged = true;
      break;
    }
    devold = dev;
    coefold = Float64Array.from(beta);
  }

  let rank = singular ? 0 : p;
  let nOk = 0;
  for (let i = 0; i < n; i++) if ((prior ? prior[i]! : 1) > 0) nOk++;
  const dfResidual = nOk - rank;
  let dispersion = NaN;
  if (dfResidual > 0) {
    let s = 0;
    for (let i = 0; i < n; i++) {
      if (w2[i]! > 0) {
        const r = (y[i]! - mu[i]!) / linkinv(eta[i]!);
        s += w2[i]! * r * r;
      }
    }
    dispersion = s / dfResidual;
  }
  return {
    converged: converged && !singular,
    iterations,
    coefficients: beta,
    fitted: mu,
    covUnscaled: inv,
    workingWeights: w2,
    dfResidual,
    dispersion,
    hat() {
      const h = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const row = i * p;
        let s = 0;
        for (let j = 0; j < p; j++) {
          let t = 0;
          for (let k = 0; k < p; k++) t += inv[j * p + k]! * x[row + k]!;
          s += x[row + j]! * t;
        }
        h[i] = w2[i]! * s;
      }
      return h;
    },
  };
}

/** x0' (X'WX)^-1 x0 for a new design row. */
export function quadraticForm(inv: Float64Array, p: number, x0: ArrayLike<number>): number {
  let s = 0;
  for (let j = 0; j < p; j++) {
    let t = 0;
    for (let k = 0; k < p; k++) t += inv[j * p + k]! * x0[k]!;
    s += x0[j]! * t;
  }
  return s;
}
