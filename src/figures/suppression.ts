// Small-number suppression within one reply, applied to the values a channel is shown (see
// src/figures/disclosure.ts for which values those are: police.uk exactly, protected measures
// perturbed by the cell key method where the channel is not cleared):
//  - primary: a shown count below the threshold reads "fewer than 5" (for perturbed cells from 0: a
//    "0" would read as "none", which a perturbed value cannot say);
//  - dependants: anything computed from a hidden count (its rate, a percentage change) is hidden too;
//  - secondary: wherever values are tied by an equation a reader can see (a total and its parts, a
//    current value = previous value + change), no equation may be left with exactly one hidden
//    value, or it could be recovered by subtraction. Another value in it is hidden: a derived value
//    first (a change), then the smallest part, the total last. A perturbed total has its own key
//    (`ownKey`), so it is not the sum of its shown parts, and its equation ties nothing.
// Exact channels (nothing protected, or cleared) hide nothing: `cleared`.
// Sensitive measures (taxonomy `sensitive: true`) are shown only in channels cleared for them.
import type { ChannelConfig } from '../config/schema.ts';
import type { Measure } from '../taxonomy/index.ts';

export interface Cell {
  id: string;
  /** null: not shown anyway (missing, not computable), which protects an equation like a hidden value */
  value: number | null;
  /** 'count' cells are tested against the threshold; 'derived' cells (changes, rates) are not */
  kind: 'count' | 'derived';
  /** Lower is hidden first when a secondary suppression is needed. Defaults: derived 0, count 1. */
  priority?: number;
  /** Hidden whenever any of these is hidden (a rate depends on its count). */
  dependsOn?: string[];
  /** A total perturbed by its own cell key (not the sum of its shown parts): its equation holds only for the true values. */
  ownKey?: boolean;
}

/** `total` = sum of `parts`, as the reader can see it (for a change: current = previous + change). */
export interface Equation {
  total: string;
  parts: string[];
}

export interface SuppressionResult {
  hidden: Set<string>;
  primary: Set<string>;
  secondary: Set<string>;
  isHidden(id: string): boolean;
}

export interface SuppressionRules {
  threshold: number;
  /** exact figures (public, or a channel cleared for them): nothing is suppressed */
  cleared: boolean;
  /** the values are perturbed cells (disclosure.ts): 0 is small too, and own-key totals tie nothing */
  perturbed?: boolean;
}

export function isSmall(value: number | null, threshold: number, perturbed = false): boolean {
  return value !== null && (perturbed ? value >= 0 : value > 0) && value < threshold;
}

/** The suppression rules for values shown under a disclosure mode (disclosure.ts). */
export function rulesFor(mode: 'exact' | 'perturbed', threshold: number): SuppressionRules {
  return { threshold, cleared: mode === 'exact', perturbed: mode === 'perturbed' };
}

export function suppress(cells: Cell[], equations: Equation[], rules: SuppressionRules): SuppressionResult {
  const byId = new Map(cells.map((c) => [c.id, c]));
  const hidden = new Set<string>();
  const primary = new Set<string>();
  const secondary = new Set<string>();
  const result = { hidden, primary, secondary, isHidden: (id: string) => hidden.has(id) };
  if (rules.cleared) return result;
  // A perturbed total is a cell of its own: "total = sum of parts" holds only for the true values.
  if (rules.perturbed) equations = equations.filter((eq) => !byId.get(eq.total)?.ownKey);

  for (const c of cells)
    if (c.kind === 'count' && isSmall(c.value, rules.threshold, rules.perturbed)) {
      hidden.add(c.id);
      primary.add(c.id);
    }

  const unknown = (id: string) => hidden.has(id) || (byId.get(id)?.value ?? null) === null;
  const priority = (c: Cell) => c.priority ?? (c.kind === 'derived' ? 0 : 1);
  const propagate = () => {
    let changed = true;
    while (changed) {
      changed = false;
      for (const c of cells) {
        if (!hidden.has(c.id) && c.dependsOn?.some((d) => hidden.has(d))) {
          hidden.add(c.id);
          secondary.add(c.id);
          changed = true;
        }
      }
    }
  };
  // What a reader knows of each value: a shown value exactly; a primary-hidden count lies between 1
  // and threshold-1 (that is what "fewer than 5" says); another hidden count is at least 0; anything
  // else (a hidden change, a value not shown anyway) could be anything.
  const bounds = (id: string): [number, number] => {
    const c = byId.get(id)!;
    if (!unknown(id)) return [c.value!, c.value!];
    if (c.value === null || c.kind !== 'count') return [-Infinity, Infinity];
    return primary.has(id) ? [rules.perturbed ? 0 : 1, rules.threshold - 1] : [0, Infinity];
  };
  // total - sum(parts) = 0. A hidden value is recoverable when the others' ranges pin it to one
  // number: the only unknown in the equation (20 - 17 = 3), or several small numbers at the end of
  // their range (a total 2 more than its shown parts, with two parts "fewer than 5": both are 1).
  // Some cells stand for a value without holding it (a band's value is a placeholder): where the
  // shown values do not satisfy the equation, only the single-unknown rule applies.
  const recoverable = (eq: Equation, ids: string[]): boolean => {
    const unknownIds = ids.filter(unknown);
    if (unknownIds.length === 1) return hidden.has(unknownIds[0]!);
    const terms = ids.map((id) => ({ id, sign: id === eq.total ? 1 : -1, b: bounds(id) }));
    let pinned = false;
    for (const t of terms) {
      if (!hidden.has(t.id)) continue;
      // sign * x = -sum(other sign * value): the range of the others' sum gives the range of x.
      let lo = 0,
        hi = 0;
      for (const o of terms) {
        if (o === t) continue;
        const [a, b] = o.sign > 0 ? o.b : [-o.b[1], -o.b[0]];
        lo += a;
        hi += b;
      }
      const [xlo, xhi] = t.sign > 0 ? [-hi, -lo] : [lo, hi];
      const from = Math.max(xlo, t.b[0]);
      const to = Math.min(xhi, t.b[1]);
      if (from > to) return false; // not a true equation of the values held
      if (Number.isFinite(from) && from === to) pinned = true;
    }
    return pinned;
  };
  // Equations combined: a hidden value is determined when some sum and difference of the equations
  // leaves it alone (the year ending April less the year ending March is April less the April before,
  // with every other month cancelled). Reduced row echelon form over the unknown values: a value is
  // determined exactly when a reduced row holds it alone. Returns the equation to widen, or null.
  const combined = (): Equation | null => {
    const eqs = equations.map((eq) => ({ eq, ids: [eq.total, ...eq.parts].filter((id) => byId.has(id)) }));
    const cols = [...new Set(eqs.flatMap((e) => e.ids.filter(unknown)))];
    if (cols.length < 2) return null;
    const at = new Map(cols.map((id, i) => [id, i]));
    const rows = eqs
      .map((e) => {
        const r = new Array<number>(cols.length).fill(0);
        for (const id of e.ids) if (unknown(id)) r[at.get(id)!]! += id === e.eq.total ? 1 : -1;
        return r;
      })
      .filter((r) => r.some((v) => v !== 0));
    let lead = 0;
    const eps = 1e-9;
    for (let c = 0; c < cols.length && lead < rows.length; c++) {
      let pivot = lead;
      while (pivot < rows.length && Math.abs(rows[pivot]![c]!) < eps) pivot++;
      if (pivot === rows.length) continue;
      [rows[lead], rows[pivot]] = [rows[pivot]!, rows[lead]!];
      const pr = rows[lead]!;
      const pv = pr[c]!;
      for (let k = 0; k < cols.length; k++) pr[k] = pr[k]! / pv;
      for (let r = 0; r < rows.length; r++) {
        if (r === lead) continue;
        const f = rows[r]![c]!;
        if (Math.abs(f) < eps) continue;
        for (let k = 0; k < cols.length; k++) rows[r]![k] = rows[r]![k]! - f * pr[k]!;
      }
      lead++;
    }
    for (const r of rows) {
      const nz = r.flatMap((v, i) => (Math.abs(v) > eps ? [i] : []));
      if (nz.length !== 1) continue;
      const id = cols[nz[0]!]!;
      if (!hidden.has(id)) continue;
      // Widen an equation that holds it and a value still shown: the one with the fewest unknowns.
      const holding = eqs.filter((e) => e.ids.includes(id) && e.ids.some((x) => !unknown(x))).sort((a, b) => a.ids.filter(unknown).length - b.ids.filter(unknown).length);
      if (holding[0]) return holding[0].eq;
    }
    return null;
  };
  propagate();
  for (let guard = 0; guard < cells.length + 1; guard++) {
    let changed = false;
    const widen = combined();
    for (const eq of widen ? [...equations, widen] : equations) {
      const ids = [eq.total, ...eq.parts].filter((id) => byId.has(id));
      if (eq !== widen && !recoverable(eq, ids)) continue;
      // A hidden value can be worked out from this equation (see `recoverable`), or from it combined
      // with others (see `combined`). Hide another.
      const candidates = ids
        .filter((id) => !unknown(id))
        .map((id) => byId.get(id)!)
        .sort((a, b) => priority(a) - priority(b) || (a.id === eq.total ? 1 : 0) - (b.id === eq.total ? 1 : 0) || (a.value ?? 0) - (b.value ?? 0));
      const pick = candidates[0];
      if (!pick) continue;
      hidden.add(pick.id);
      secondary.add(pick.id);
      changed = true;
    }
    propagate();
    if (!changed) break;
  }
  return result;
}

/** What "fewer than 5" looks like for a partnership's threshold. */
export function suppressedText(threshold: number): string {
  return `fewer than ${threshold}`;
}

/** Whether a channel may see a measure at all: sensitive measures need clearance; a channel's measure list limits it. */
export function measureAllowed(
  measure: Pick<Measure, 'key' | 'sensitive' | 'parent'>,
  channel: Pick<ChannelConfig, 'clearance' | 'measures'>,
  parentOf?: (key: string) => string | undefined,
): boolean {
  if (measure.sensitive && !channel.clearance.sensitive) return false;
  if (!channel.measures.length) return true;
  for (let key: string | undefined = measure.key, depth = 0; key && depth < 10; key = parentOf?.(key), depth++) {
    if (channel.measures.includes(key)) return true;
  }
  return false;
}
