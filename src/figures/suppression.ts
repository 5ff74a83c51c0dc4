// Small-number suppression, as the partnership documents do it ("less than five"):
//  - primary: a count from 1 to threshold-1 is hidden in channels not cleared for small numbers;
//  - dependants: anything computed from a hidden count (its rate, a percentage change) is hidden too;
//  - secondary: wherever values are tied by an equation a reader can see (a total and its parts, a
//    current value = previous value + change), no equation may be left with exactly one hidden
//    value, or it could be recovered by subtraction. Another value in it is hidden: a derived value
//    first (a change), then the smallest part, the total last.
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
  /** channel cleared for small numbers: nothing is suppressed */
  cleared: boolean;
}

export function isSmall(value: number | null, threshold: number): boolean {
  return value !== null && value > 0 && value < threshold;
}

export function suppress(cells: Cell[], equations: Equation[], rules: SuppressionRules): SuppressionResult {
  const byId = new Map(cells.map((c) => [c.id, c]));
  const hidden = new Set<string>();
  const primary = new Set<string>();
  const secondary = new Set<string>();
  const result = { hidden, primary, secondary, isHidden: (id: string) => hidden.has(id) };
  if (rules.cleared) return result;

  for (const c of cells) if (c.kind === 'count' && isSmall(c.value, rules.threshold)) { hidden.add(c.id); primary.add(c.id); }

  const unknown = (id: string) => hidden.has(id) || (byId.get(id)?.value ?? null) === null;
  const priority = (c: Cell) => c.priority ?? (c.kind === 'derived' ? 0 : 1);
  const propagate = () => {
    let changed = true;
    while (changed) {
      changed = false;
      for (const c of cells) {
        if (!hidden.has(c.id) && c.dependsOn?.some((d) => hidden.has(d))) { hidden.add(c.id); secondary.add(c.id); changed = true; }
      }
    }
  };
  propagate();
  for (let guard = 0; guard < cells.length + 1; guard++) {
    let changed = false;
    for (const eq of equations) {
      const ids = [eq.total, ...eq.parts].filter((id) => byId.has(id));
      const unknownIds = ids.filter(unknown);
      if (unknownIds.length !== 1 || !unknownIds.some((id) => hidden.has(id))) continue;
      // Exactly one unknown value, and it is a hidden one: it could be recovered. Hide another.
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
export function measureAllowed(measure: Pick<Measure, 'key' | 'sensitive' | 'parent'>, channel: Pick<ChannelConfig, 'clearance' | 'measures'>, parentOf?: (key: string) => string | undefined): boolean {
  if (measure.sensitive && !channel.clearance.sensitive) return false;
  if (!channel.measures.length) return true;
  for (let key: string | undefined = measure.key, depth = 0; key && depth < 10; key = parentOf?.(key), depth++) {
    if (channel.measures.includes(key)) return true;
  }
  return false;
}
