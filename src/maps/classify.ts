// Map classes: 5 by Jenks natural breaks (default) or quantiles, over the values that are shown.
//
// Natural breaks: Fisher's (1958) exact optimal grouping of sorted values into k classes, the one
// Jenks (1977) popularised for choropleths: the grouping with the least total squared deviation
// from the class means, found by dynamic programming (O(k n^2); n is at most a few hundred wards).
// Quantiles: classes with as nearly equal numbers of wards as ties allow.
// Equal values always share a class. Each class runs from its lowest to its highest member, so the
// legend's ranges hold every value shown, and no two classes overlap.

export type ClassMethod = 'jenks' | 'quantile';

export interface MapClass {
  /** Lowest and highest value in the class. */
  from: number;
  to: number;
  /** Wards in the class. */
  count: number;
}

export interface Classification {
  method: ClassMethod;
  classes: MapClass[];
  /** The class index of each input value (null for null values). */
  classOf: Array<number | null>;
}

export const CLASS_COUNT = 5;

export function classify(values: ReadonlyArray<number | null>, method: ClassMethod = 'jenks', k = CLASS_COUNT): Classification {
  const shown = values.filter((v): v is number => v !== null && Number.isFinite(v));
  const distinct = [...new Set(shown)].sort((a, b) => a - b);
  const n = Math.min(k, distinct.length);
  if (n === 0) return { method, classes: [], classOf: values.map(() => null) };
  // Upper bounds (class maxima) over the distinct values, then each value's class.
  const maxima = method === 'jenks' ? jenksMaxima(shown, n) : quantileMaxima(shown, distinct, n);
  const classOf = values.map((v) => {
    if (v === null || !Number.isFinite(v)) return null;
    const i = maxima.findIndex((m) => v <= m);
    return i < 0 ? maxima.length - 1 : i;
  });
  const classes: MapClass[] = maxima.map(() => ({ from: Infinity, to: -Infinity, count: 0 }));
  values.forEach((v, i) => {
    const c = classOf[i];
    if (c === null || c === undefined || v === null) return;
    const cl = classes[c]!;
    cl.from = Math.min(cl.from, v);
    cl.to = Math.max(cl.to, v);
    cl.count++;
  });
  // drop classes that ended up empty (possible with quantiles on heavy ties) and renumber
  const keep = classes.map((c, i) => (c.count ? i : -1)).filter((i) => i >= 0);
  const renumber = new Map(keep.map((old, i) => [old, i]));
  return { method, classes: keep.map((i) => classes[i]!), classOf: classOf.map((c) => (c === null || c === undefined ? null : renumber.get(c)!)) };
}

/** Fisher-Jenks optimal class maxima for sorted values (equal values kept together). */
export function jenksMaxima(values: readonly number[], k: number): number[] {
  // Work on distinct values with weights, so ties can never be split across classes.
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  const xs = [...counts.keys()].sort((a, b) => a - b);
  const ws = xs.map((x) => counts.get(x)!);
  const m = xs.length;
  if (k >= m) return xs;
  // prefix sums of weight, weighted value, weighted square
  const W = new Float64Array(m + 1),
    S = new Float64Array(m + 1),
    Q = new Float64Array(m + 1);
  for (let i = 0; i < m; i++) {
    W[i + 1] = W[i]! + ws[i]!;
    S[i + 1] = S[i]! + ws[i]! * xs[i]!;
    Q[i + 1] = Q[i]! + ws[i]! * xs[i]! * xs[i]!;
  }
  const ssd = (i: number, j: number) => {
    // values i..j inclusive
    const w = W[j + 1]! - W[i]!,
      s = S[j + 1]! - S[i]!,
      q = Q[j + 1]! - Q[i]!;
    return q - (s * s) / w;
  };
  // cost[c][j]: best total for the first j+1 values in c+1 classes; from[c][j]: start of the last class
  const cost: Float64Array[] = [],
    from: Int32Array[] = [];
  cost.push(Float64Array.from({ length: m }, (_, j) => ssd(0, j)));
  from.push(new Int32Array(m));
  for (let c = 1; c < k; c++) {
    const row = new Float64Array(m).fill(Infinity),
      fr = new Int32Array(m);
    for (let j = c; j < m; j++) {
      for (let i = c; i <= j; i++) {
        const v = cost[c - 1]![i - 1]! + ssd(i, j);
        if (v < row[j]! - 1e-12) {
          row[j] = v;
          fr[j] = i;
        }
      }
    }
    cost.push(row);
    from.push(fr);
  }
  const maxima: number[] = [];
  let j = m - 1;
  for (let c = k - 1; c >= 0; c--) {
    maxima.unshift(xs[j]!);
    j = from[c]![j]! - 1;
  }
  return maxima;
}

/** Quantile class maxima: the value at each k-th of the sorted list, moved up past ties. */
function quantileMaxima(values: readonly number[], distinct: readonly number[], k: number): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  const maxima: number[] = [];
  for (let c = 1; c <= k; c++) {
    const v = sorted[Math.max(0, Math.ceil((c * sorted.length) / k) - 1)]!;
    if (!maxima.length || v > maxima[maxima.length - 1]!) maxima.push(v);
  }
  if (maxima[maxima.length - 1] !== distinct[distinct.length - 1]) maxima.push(distinct[distinct.length - 1]!);
  return maxima;
}

/**
 * Legend labels for the classes: "12.3 to 18.0", or "12.3" for a class of one value. Rates get one
 * decimal place, more where one would make two neighbouring classes read the same; counts none.
 */
export function classLabels(classes: readonly MapClass[], unit: 'rate' | 'count'): string[] {
  const fmt = (v: number, dp: number) => {
    const s = unit === 'count' ? String(Math.round(v)) : v.toFixed(dp);
    return s.replace(/\B(?=(\d{3})+(?!\d))/g, ',').replace(/^-0(\.0+)?$/, '0$1');
  };
  let dp = unit === 'count' ? 0 : 1;
  const distinctAt = (d: number) => classes.every((c, i) => i === 0 || fmt(classes[i - 1]!.to, d) !== fmt(c.from, d));
  while (unit === 'rate' && dp < 3 && !distinctAt(dp)) dp++;
  return classes.map((c) => (fmt(c.from, dp) === fmt(c.to, dp) ? fmt(c.from, dp) : `${fmt(c.from, dp)} to ${fmt(c.to, dp)}`));
}

/** A ward's value as the map writes it: a rate to one decimal place, a count whole, with thousands commas. */
export function formatMapValue(v: number, unit: 'rate per 1,000' | 'count'): string {
  const s = unit === 'count' ? String(Math.round(v)) : (Math.round(v * 10) / 10).toFixed(1);
  return s.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
