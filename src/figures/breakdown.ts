// Breakdown by child measure for an area over a period and the year before it (the "by crime type"
// follow-up), with small-number suppression across the parts and their total.
import { previousYear, type Period } from '../core/periods.ts';
import type { Area, Store } from '../store/types.ts';
import type { Measure, Taxonomy } from '../taxonomy/index.ts';
import { breakdown, type BreakdownRow } from './compute.ts';
import { measureFor, partnershipTest, seriesByMeasure } from './data.ts';
import { compositeMembers } from '../resolve/topic.ts';
import { totalFor } from './series.ts';
import { rulesFor, suppress, type Cell } from './suppression.ts';
import type { Disclosure } from './disclosure.ts';

/**
 * The measures a measure breaks down into: its taxonomy children, or a composite's members. Given
 * what the data holds, a composite breaks down into the members its figures are summed from (its
 * police.uk members when the partnership extract lacks one), so the parts add up to the total shown.
 */
export function childMeasures(tax: Taxonomy, m: Measure, hasPartnershipData?: (key: string) => boolean): Measure[] {
  const children = tax.children(m.key).filter((c) => c.source !== 'composite');
  if (children.length) return children;
  const keys = hasPartnershipData && m.source === 'composite' ? compositeMembers(tax, m, hasPartnershipData).list : (m.members ?? []);
  return keys.map((k) => tax.get(k)).filter((x): x is Measure => !!x);
}

export interface Breakdown {
  /** hidden: not shown; small: hidden because it is a small number (else only to protect one: "not shown") */
  rows: Array<BreakdownRow & { previous: number | null; hidden: boolean; small: boolean; changeHidden: boolean }>;
  period: Period;
  previousPeriod: Period;
  /** children the data cannot show (a partnership subgroup without the extract) */
  unavailable: string[];
  /** sensitive children left out because the channel is not cleared for them (the parent's total includes them) */
  withheld: string[];
  /** some rows are perturbed cells (src/figures/disclosure.ts) */
  perturbed: boolean;
}

export async function areaBreakdown(
  store: Store,
  tax: Taxonomy,
  area: Area,
  m: Measure,
  period: Period,
  rules: { noCalcBase: number; threshold: number; cleared: boolean; allowed: (m: Measure) => boolean; disclosure?: Disclosure },
): Promise<Breakdown> {
  const prev = previousYear(period);
  const unavailable: string[] = [];
  const kids: Array<{ key: string; label: string; current: number | null; previous: number | null }> = [];
  // What the extract holds for the area, read once for every child.
  const has = await partnershipTest(store, tax, [area.code]);
  const all = childMeasures(tax, m, has);
  const children = all.filter((child) => rules.allowed(child));
  const withheld = all.filter((child) => !rules.allowed(child) && child.sensitive).map((child) => child.label);
  const modes = new Map<string, 'exact' | 'perturbed'>();
  const effs = await Promise.all(children.map((child) => measureFor(store, tax, area, child, has)));
  const available = effs.flatMap((eff, i) => ('unavailable' in eff || eff.measure.key !== children[i]!.key ? [] : [eff]));
  for (const eff of available) modes.set(eff.measure.key, rules.disclosure ? rules.disclosure.mode(eff) : rules.cleared ? 'exact' : 'perturbed');
  // every child's series in one read of the counts
  const seriesOf = new Map(
    (await seriesByMeasure(store, available, [area.code], { from: prev.from, to: period.to }, rules.disclosure)).map((r, i) => [
      available[i]!.measure.key,
      r.series.get(area.code)!,
    ]),
  );
  const read = children.map((child) => ({ child, series: seriesOf.get(child.key) ?? null }));
  for (const { child, series: s } of read) {
    if (!s) {
      unavailable.push(child.label);
      continue;
    }
    kids.push({ key: child.key, label: child.label, current: totalFor(s, period).value, previous: totalFor(s, prev).value });
  }
  const rows = breakdown(kids, rules.noCalcBase);
  const total = kids.reduce((s, k) => s + (k.current ?? 0), 0);
  const prevTotal = kids.reduce((s, k) => s + (k.previous ?? 0), 0);
  // Exact rows (police.uk) are never small numbers, perturbed rows are (disclosure.ts); without a
  // disclosure policy, the old rule: every row against the threshold unless the channel is cleared.
  const anyPerturbed = rules.disclosure ? kids.some((k) => modes.get(k.key) === 'perturbed') : !rules.cleared;
  const exactRow = (key: string) => rules.disclosure !== undefined && modes.get(key) === 'exact';
  const countKind = (key: string): Pick<Cell, 'kind' | 'priority'> => (exactRow(key) ? { kind: 'derived', priority: 5 } : { kind: 'count' });
  const cells: Cell[] = [
    { id: 'total', value: total, kind: 'count', priority: 2 },
    { id: 'total-prev', value: prevTotal, kind: 'count', priority: 2 },
    ...kids.flatMap((k): Cell[] => [
      { id: `c:${k.key}`, value: k.current, ...countKind(k.key) },
      { id: `p:${k.key}`, value: k.previous, ...countKind(k.key) },
      { id: `d:${k.key}`, value: k.current !== null && k.previous !== null ? k.current - k.previous : null, kind: 'derived' },
    ]),
  ];
  const equations = [
    { total: 'total', parts: kids.map((k) => `c:${k.key}`) },
    { total: 'total-prev', parts: kids.map((k) => `p:${k.key}`) },
    ...kids.map((k) => ({ total: `c:${k.key}`, parts: [`p:${k.key}`, `d:${k.key}`] })),
  ];
  const sup = suppress(
    cells,
    equations,
    rules.disclosure ? rulesFor(anyPerturbed ? 'perturbed' : 'exact', rules.threshold) : { threshold: rules.threshold, cleared: rules.cleared },
  );
  const prevOf = new Map(kids.map((k) => [k.key, k.previous]));
  return {
    rows: rows.map((r) => ({
      ...r,
      previous: prevOf.get(r.key) ?? null,
      hidden: sup.isHidden(`c:${r.key}`),
      small: sup.primary.has(`c:${r.key}`),
      changeHidden: sup.isHidden(`d:${r.key}`) || sup.isHidden(`p:${r.key}`),
    })),
    period,
    previousPeriod: prev,
    unavailable,
    withheld,
    perturbed: rules.disclosure !== undefined && anyPerturbed,
  };
}
