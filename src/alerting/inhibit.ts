// Inhibition (Alertmanager's inhibit rules, declared on the rule that inhibits, with "same area and
// month" as the equal labels): an all-crime spike in a ward holds back that ward's sub-measure spikes,
// which are listed in one line under it instead; a data-quality problem for a source and month holds
// back every alert computed from it; the same area and measure alerted by two rules is said once. A
// district alert never holds back its wards (partnerships want the drill-down).
import { forceAreaDistricts } from '../config/force-area.ts';
import type { Config } from '../config/schema.ts';
import { addMonths, monthName, monthRange, type Month } from '../core/periods.ts';
import type { DataSource, Store } from '../store/types.ts';
import { taxonomy } from '../taxonomy/index.ts';
import type { Finding } from './evaluate.ts';

export interface DataQualityProblem {
  source: DataSource;
  month: Month;
  /** The month's force-area total and the median of the 12 months before. */
  total: number;
  usual: number;
  sentence: string;
}

/** Below this share of the usual total (or above its inverse), a month is treated as a data problem. */
export const QUALITY_LOW = 0.6;

/**
 * A month whose force-area total is far from the usual (the median of the 12 months before) is a
 * data problem, not a crime wave or a quiet month: a file cut short, a force's system change.
 */
export async function dataQualityProblems(store: Store, config: Config, month: Month): Promise<DataQualityProblem[]> {
  const out: DataQualityProblem[] = [];
  const { codes: districts } = await forceAreaDistricts(config, store);
  for (const source of ['police.uk', 'partnership'] as const) {
    const held = new Set(await store.months(source));
    if (!held.has(month)) continue;
    const from = addMonths(month, -12);
    const totals = new Map<Month, number>();
    for (const c of await store.counts({
      areaCodes: [...districts],
      measures: taxonomy()
        .measures.filter((m) => m.source === source)
        .map((m) => m.key),
      source,
      from,
      to: month,
    }))
      totals.set(c.month, (totals.get(c.month) ?? 0) + c.count);
    const before = monthRange(from, addMonths(month, -1))
      .filter((m) => held.has(m))
      .map((m) => totals.get(m) ?? 0)
      .sort((a, b) => a - b);
    if (before.length < 6) continue;
    const usual = before.length % 2 ? before[(before.length - 1) / 2]! : (before[before.length / 2 - 1]! + before[before.length / 2]!) / 2;
    const total = totals.get(month) ?? 0;
    if (usual <= 0) continue;
    const ratio = total / usual;
    if (ratio < QUALITY_LOW || ratio > 1 / QUALITY_LOW) {
      const name = source === 'police.uk' ? `police.uk's ${config.forceArea.name} figures` : "the partnership's own extract";
      out.push({
        source,
        month,
        total,
        usual,
        sentence: `${capitalise(name)} for ${monthName(month)} total ${Math.round(total).toLocaleString('en-GB')}, ${Math.round(ratio * 100)}% of the usual ${Math.round(usual).toLocaleString('en-GB')}: the month may be ${ratio < 1 ? 'incomplete' : 'double-counted'}, so the alerts computed from it are held back until it is checked or re-published.`,
      });
    }
  }
  return out;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export interface Inhibited {
  finding: Finding;
  /** The fingerprint of the alert that holds it back, or the data problem. */
  by: string;
  reason: 'sub-measure' | 'data-quality' | 'duplicate';
}

/** Splits findings into those that go on and those held back (and by what). */
export function inhibit(findings: readonly Finding[], problems: readonly DataQualityProblem[]): { kept: Finding[]; inhibited: Inhibited[] } {
  const tax = taxonomy();
  const inhibited: Inhibited[] = [];
  const held = new Set<string>();
  const isOpen = (f: Finding) => f.state.state === 'firing' || f.state.state === 'recovering' || f.state.state === 'no-data';
  // 1. data problems: everything computed from that source and month
  for (const f of findings) {
    const p = problems.find((q) => q.month === f.month && f.sources.includes(q.source));
    if (p && f.state.state !== 'resolved') {
      inhibited.push({ finding: f, by: `data-quality|${p.source}|${p.month}`, reason: 'data-quality' });
      held.add(f.fingerprint);
    }
  }
  const ancestors = (key: string): Set<string> => {
    const out = new Set<string>();
    for (let m = tax.get(key)?.parent, depth = 0; m && depth < 10; m = tax.get(m)?.parent, depth++) out.add(m);
    return out;
  };
  // 2. declared inhibitions: an open alert of a rule with `inhibits` holds back matching alerts in the same area and month
  for (const source of findings) {
    const spec = source.rule.inhibits;
    if (!spec || held.has(source.fingerprint) || source.state.state !== 'firing') continue;
    for (const target of findings) {
      if (target === source || held.has(target.fingerprint) || !isOpen(target)) continue;
      if (target.area.code !== source.area.code || target.month !== source.month || !spec.kinds.includes(target.rule.kind)) continue;
      const matches = spec.measures === 'descendants' ? ancestors(target.measure.key).has(source.measure.key) : spec.measures.includes(target.measure.key);
      if (!matches) continue;
      inhibited.push({ finding: target, by: source.fingerprint, reason: 'sub-measure' });
      held.add(target.fingerprint);
    }
  }
  // 3. the same kind, area and measure from two rules (a priority measure that another rule watches too): said once
  const seen = new Map<string, Finding>();
  const rank = { critical: 0, warning: 1, info: 2 } as const;
  for (const f of [...findings].sort((a, b) => rank[a.rule.severity] - rank[b.rule.severity])) {
    if (held.has(f.fingerprint)) continue;
    const key = `${f.rule.kind}|${f.area.code}|${f.measure.key}|${f.month}`;
    const first = seen.get(key);
    if (first) {
      // Said once, to everyone either rule goes to.
      first.partnerships = [...new Set([...first.partnerships, ...f.partnerships])].sort();
      first.channels = first.channels && f.channels ? [...new Set([...first.channels, ...f.channels])] : null;
      inhibited.push({ finding: f, by: first.fingerprint, reason: 'duplicate' });
      held.add(f.fingerprint);
    } else seen.set(key, f);
  }
  return { kept: findings.filter((f) => !held.has(f.fingerprint)), inhibited };
}
