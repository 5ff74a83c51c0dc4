// Evaluates alert rules for one month: for every rule, area and measure, the condition month by month
// over a window ending in that month (each month judged only on the data up to it, as the detectors do
// prospectively), folded into an alert state (states.ts). Detection is src/detect's (Farrington-flexible
// spikes, hotspots and emerging hotspots, records); the series come from the figures engine
// (src/figures/data.ts), so an alert counts exactly what `/crime` answers count.
import { forceDistrictsFrom, type ForceDistricts } from '../config/force-area.ts';
import type { Config, Partnership } from '../config/schema.ts';
import { addMonths, compareMonths, monthName, monthRange, previousYear, singleMonth, yearEnding, type Month, type Period } from '../core/periods.ts';
import { farringtonFlexible, records, type FarringtonResult, type HotspotFinding } from '../detect/index.ts';
import { measureFor, partnershipTest, seriesByArea, type Coverage } from '../figures/data.ts';
import { alertDisclosure } from '../figures/disclosure.ts';
import { monthlyEmergingHotspots, periodHotspots } from '../figures/ranking.ts';
import { totalFor, type Series } from '../figures/series.ts';
import { describeChange } from '../figures/wording.ts';
import type { EffectiveMeasure } from '../resolve/topic.ts';
import type { Area, DataSource, Store } from '../store/types.ts';
import { taxonomy, type Measure } from '../taxonomy/index.ts';
import type { AlertRule } from './rules.ts';
import { fold, type Condition, type ConditionStep, type Folded } from './states.ts';

/**
 * Months of conditions folded into each state: enough for the rule's pending and keep-firing months and
 * a margin, at most a year. An open alert with no firing month in its window is closed (resolved).
 */
export const STATE_WINDOW = 12;

export function stateWindow(rule: Pick<AlertRule, 'pending' | 'keepFiring'>, max = STATE_WINDOW): number {
  return Math.min(max, Math.max(6, rule.pending + rule.keepFiring + 4));
}

/** What the month's test found, kind by kind, for the wording. */
export type FindingFacts =
  | { kind: 'spike'; result: FarringtonResult | null }
  | { kind: 'hotspot' | 'emerging-hotspot'; period: string; parentName: string; finding: HotspotFinding | null; previous?: number; fdr: number; minCount: number }
  | {
      kind: 'threshold';
      value: 'count' | 'rate' | 'change';
      period: string;
      comparedWith: string | null;
      previous: number | null;
      current: number | null;
      percent: number | null;
      absolute: number | null;
    }
  | { kind: 'record'; since: Month | null; sinceCount: number | null; onRecord: boolean; dataFrom: Month | null };

export interface Finding {
  /** rule|area|measure: the alert's identity across months. */
  fingerprint: string;
  rule: AlertRule;
  area: Area;
  /** The ward's district (for hotspots and mutes); null for a district. */
  district: Area | null;
  /** What the figures show (a partnership measure without its extract falls back to its police.uk parent). */
  measure: Measure;
  /** What the rule asked for. */
  requested: Measure;
  effective: EffectiveMeasure;
  /** Partnerships the alert goes to (their channels, within scope and clearance). */
  partnerships: string[];
  /** The rule names channels: only these. */
  channels: string[] | null;
  month: Month;
  condition: Condition;
  state: Folded;
  observed: number | null;
  expected: number | null;
  upperBound: number | null;
  /** The detector's chance of a value this high (spike: R's pvalue; hotspot: the exact Poisson p-value). */
  probability: number | null;
  facts: FindingFacts;
  /** Why there is no figure this month, in words (missing data keeps an alert open). */
  noData: string | null;
  /** Data sources the figure comes from (a data-quality problem of one holds its alerts back). */
  sources: DataSource[];
  steps: ConditionStep[];
}

interface Unit {
  rule: AlertRule;
  area: Area;
  district: Area | null;
  requested: Measure;
  partnerships: Set<string>;
}

/** Whether a partnership covers the whole force area (the countywide board). */
export function isCountywide(force: ForceDistricts, p: Partnership): boolean {
  return force.coveredBy(p.areas);
}

/** The partnerships (and channels, when named) a rule goes to. */
export function ruleTargets(config: Config, rule: AlertRule, force: ForceDistricts): { partnerships: Partnership[]; channels: string[] | null } {
  const pick = (sel: 'all' | 'not-countywide' | string[]): Partnership[] =>
    sel === 'all'
      ? config.partnerships
      : sel === 'not-countywide'
        ? config.partnerships.filter((p) => !isCountywide(force, p))
        : config.partnerships.filter((p) => sel.includes(p.id));
  const to = rule.to;
  if (typeof to === 'string' || Array.isArray(to)) return { partnerships: pick(to), channels: null };
  const channels = to.channels ?? null;
  if (to.partnerships) return { partnerships: pick(to.partnerships), channels };
  if (channels) {
    const ids = new Set(config.channels.filter((c) => channels.includes(c.name)).map((c) => c.partnership));
    return { partnerships: config.partnerships.filter((p) => ids.has(p.id)), channels };
  }
  return { partnerships: config.partnerships, channels: null };
}

async function unitsFor(store: Store, config: Config, rule: AlertRule, byCode: Map<string, Area>, wardsOf: (district: string) => Area[], force: ForceDistricts): Promise<Unit[]> {
  const tax = taxonomy();
  const { partnerships } = ruleTargets(config, rule, force);
  const units = new Map<string, Unit>();
  for (const p of partnerships) {
    const districts = p.areas.map((c) => byCode.get(c)).filter((a): a is Area => !!a && a.type === 'district');
    const ownWards = p.areas.map((c) => byCode.get(c)).filter((a): a is Area => !!a && a.type === 'ward');
    let areas: Area[];
    if (rule.areas === 'wards') areas = [...districts.flatMap((d) => wardsOf(d.code)), ...ownWards];
    else if (rule.areas === 'districts') areas = districts;
    else {
      const codes = new Set(rule.areas);
      areas = [...codes]
        .map((c) => byCode.get(c))
        .filter((a): a is Area => !!a)
        .filter((a) => p.areas.includes(a.code) || (a.parentCode !== null && p.areas.includes(a.parentCode)));
    }
    const measures = rule.measures === 'priority' ? p.priorityMeasures : rule.measures;
    for (const key of measures) {
      const m = tax.get(key);
      if (!m) continue;
      for (const area of areas) {
        const id = `${area.code}|${key}`;
        const u = units.get(id) ?? {
          rule,
          area,
          district: area.type === 'ward' && area.parentCode ? (byCode.get(area.parentCode) ?? null) : null,
          requested: m,
          partnerships: new Set<string>(),
        };
        u.partnerships.add(p.id);
        units.set(id, u);
      }
    }
  }
  void store;
  return [...units.values()];
}

/** Why a month has no figure for a measure: which source has not delivered it. */
function noDataReason(month: Month, eff: EffectiveMeasure, coverageBySource: Map<DataSource, Coverage>, area: Area): string {
  const missing = [...new Set(eff.parts.map((p) => p.source))].filter((s) => !coverageBySource.get(s)?.months.includes(month));
  if (missing.includes('partnership')) return `the partnership's own extract for ${monthName(month)} has not been loaded yet`;
  if (missing.includes('police.uk')) return `police.uk's figures for ${monthName(month)} have not been loaded yet`;
  return `there are no ${monthName(month)} figures for ${area.name}`;
}

export interface EvaluateOptions {
  store: Store;
  config: Config;
  rules: readonly AlertRule[];
  month: Month;
  /** Months folded into each state (default STATE_WINDOW). */
  window?: number;
  /** Only these fingerprints (rule|area|measure), inactive ones included: re-judging known alerts. */
  only?: ReadonlySet<string>;
}

/**
 * Every rule for `month`: one finding per rule, area and measure whose state is not inactive (pending,
 * firing, recovering, no data, or resolved this month), oldest rule file first.
 */
export async function evaluateRules(options: EvaluateOptions): Promise<Finding[]> {
  const { store, config, rules, month } = options;
  const window = options.window ?? STATE_WINDOW;
  const tax = taxonomy();
  const all = await store.areas();
  const byCode = new Map(all.map((a) => [a.code, a]));
  const force = forceDistrictsFrom(config, all);
  // Protected measures are judged on the figures an uncleared channel is shown (disclosure.ts alertDisclosure);
  // made once, when the first series is read.
  let disclosure: ReturnType<typeof alertDisclosure> | undefined;
  const wardsByDistrict = new Map<string, Area[]>();
  for (const a of all) if (a.type === 'ward' && a.parentCode) wardsByDistrict.set(a.parentCode, [...(wardsByDistrict.get(a.parentCode) ?? []), a]);
  const wardsOf = (d: string) => wardsByDistrict.get(d) ?? [];
  const coverageBySource = new Map<DataSource, Coverage>();
  const findings: Finding[] = [];

  for (const rule of rules) {
    const months = monthRange(addMonths(month, -(stateWindow(rule, window) - 1)), month);
    const only = options.only;
    const units = (await unitsFor(store, config, rule, byCode, wardsOf, force)).filter((u) => !only || only.has(`${rule.id}|${u.area.code}|${u.requested.key}`));
    if (!units.length) continue;
    const { channels } = ruleTargets(config, rule, force);
    // One read per measure for all the rule's areas (and, for hotspots, their sibling wards).
    const byMeasure = new Map<string, Unit[]>();
    for (const u of units) byMeasure.set(u.requested.key, [...(byMeasure.get(u.requested.key) ?? []), u]);
    for (const [key, group] of byMeasure) {
      const requested = tax.require(key);
      const siblings =
        rule.kind === 'hotspot' || rule.kind === 'emerging-hotspot' ? [...new Set(group.map((u) => u.district?.code).filter((c): c is string => !!c))].flatMap(wardsOf) : [];
      const codes = [...new Set([...group.map((u) => u.area.code), ...siblings.map((a) => a.code)])];
      const effOrNot = await measureFor(store, tax, group[0]!.area, requested, await partnershipTest(store, tax, codes));
      if ('unavailable' in effOrNot) continue;
      const eff = effOrNot;
      const { series, coverage } = await seriesByArea(store, eff, codes, { to: month }, await (disclosure ??= alertDisclosure(store, tax)));
      for (const s of new Set(eff.parts.map((p) => p.source))) if (!coverageBySource.has(s)) coverageBySource.set(s, { ...coverage, months: await store.months(s) });
      const populations = rule.kind === 'spike' || rule.kind === 'record' ? new Map() : await store.populations(codes);
      const perUnit = evaluateGroup(rule, group, eff, series, months, siblings, populations);
      for (const { unit, steps, at } of perUnit) {
        const state = fold(steps, rule);
        if (state.state === 'inactive' && !only) continue;
        const condition = steps.at(-1)?.condition ?? 'untested';
        findings.push({
          fingerprint: `${rule.id}|${unit.area.code}|${key}`,
          rule,
          area: unit.area,
          district: unit.district,
          measure: eff.measure,
          requested,
          effective: eff,
          partnerships: [...unit.partnerships].sort(),
          channels,
          month,
          condition,
          state,
          ...at,
          noData: condition === 'no-data' ? noDataReason(month, eff, coverageBySource, unit.area) : null,
          sources: [...new Set(eff.parts.map((p) => p.source))],
          steps,
        });
      }
    }
  }
  return findings;
}

type AtMonth = Pick<Finding, 'observed' | 'expected' | 'upperBound' | 'probability' | 'facts'>;

function evaluateGroup(
  rule: AlertRule,
  group: Unit[],
  eff: EffectiveMeasure,
  series: Map<string, Series>,
  months: Month[],
  siblings: Area[],
  populations: Map<string, { population: number }>,
): Array<{ unit: Unit; steps: ConditionStep[]; at: AtMonth }> {
  switch (rule.kind) {
    case 'spike':
      return group.map((unit) => ({ unit, ...spikeSteps(rule, series.get(unit.area.code)!, months) }));
    case 'threshold':
      return group.map((unit) => ({ unit, ...thresholdSteps(rule, series.get(unit.area.code)!, months, populations.get(unit.area.code)?.population ?? null) }));
    case 'record':
      return group.map((unit) => ({ unit, ...recordSteps(rule, series.get(unit.area.code)!, months) }));
    case 'hotspot':
    case 'emerging-hotspot':
      return hotspotSteps(rule, group, series, months, siblings, populations);
  }
  void eff;
}

// ---- spikes ----

function spikeSteps(rule: AlertRule, s: Series, months: Month[]): { steps: ConditionStep[]; at: AtMonth } {
  const month = months.at(-1)!;
  const byMonth = new Map<Month, FarringtonResult>();
  // The unbroken run of months with data ending at the latest month that has data (the detector needs consecutive months).
  let end = -1;
  for (let i = s.points.length - 1; i >= 0; i--) {
    const p = s.points[i]!;
    if (compareMonths(p.month, month) <= 0 && p.count !== null) {
      end = i;
      break;
    }
  }
  if (end >= 0) {
    let start = end;
    while (start > 0 && s.points[start - 1]!.count !== null) start--;
    const run = s.points.slice(start, end + 1);
    const runMonths = run.map((p) => p.month);
    const from = [...months].find((m) => compareMonths(m, runMonths[0]!) >= 0 && compareMonths(m, runMonths.at(-1)!) <= 0);
    if (from) {
      for (const r of farringtonFlexible(
        run.map((p) => p.count!),
        runMonths,
        rule.params!,
        { from },
      ))
        byMonth.set(r.month, r);
    }
  }
  const steps = months.map((m): ConditionStep => {
    const r = byMonth.get(m);
    const point = s.points.find((p) => p.month === m);
    if (!r) return { month: m, condition: point && point.count !== null ? 'untested' : 'no-data' };
    return { month: m, condition: spikeCondition(r), strong: r.alarm && r.probability !== null && r.probability < rule.fireAtOnceBelow };
  });
  const r = byMonth.get(month) ?? null;
  return {
    steps,
    at: { observed: r?.count ?? null, expected: r?.expected ?? null, upperBound: r?.upperbound ?? null, probability: r?.probability ?? null, facts: { kind: 'spike', result: r } },
  };
}

/** Firing on an alarm; elevated above expected + half the way to the upper bound (the clear line). */
export function spikeCondition(r: FarringtonResult): Condition {
  if (r.status === 'not-enough-history' || r.status === 'model-failed') return 'untested';
  if (r.alarm) return 'firing';
  if (r.status === 'tested' && r.expected !== null && r.upperbound !== null && r.count > r.expected + (r.upperbound - r.expected) / 2) return 'elevated';
  return 'clear';
}

// ---- thresholds ----

function periodEnding(kind: 'month' | 'year-ending', m: Month): Period {
  return kind === 'month' ? singleMonth(m) : yearEnding(m);
}

function comparison(period: Period, kind: 'month' | 'year-ending', comparedWith: string | undefined): { period: Period; words: string } {
  const c = comparedWith ?? (kind === 'month' ? 'same-month-last-year' : 'previous-year');
  if (c === 'previous-month') return { period: singleMonth(addMonths(period.to, -1)), words: 'the month before' };
  if (c === 'same-month-last-year') return { period: singleMonth(addMonths(period.to, -12)), words: 'the same month last year' };
  return { period: previousYear(period), words: 'the year before' };
}

function thresholdSteps(rule: AlertRule, s: Series, months: Month[], population: number | null): { steps: ConditionStep[]; at: AtMonth } {
  const t = rule.threshold!;
  let at: AtMonth = {
    observed: null,
    expected: null,
    upperBound: null,
    probability: null,
    facts: { kind: 'threshold', value: t.value, period: '', comparedWith: null, previous: null, current: null, percent: null, absolute: null },
  };
  const steps = months.map((m): ConditionStep => {
    const period = periodEnding(t.period, m);
    const current = totalFor(s, period).value;
    let condition: Condition;
    let facts: FindingFacts;
    if (t.value === 'change') {
      const cmp = comparison(period, t.period, t.comparedWith);
      const previous = totalFor(s, cmp.period).value;
      const ch = describeChange(previous, current, Math.max(1, t.minimumBase));
      facts = { kind: 'threshold', value: 'change', period: period.label, comparedWith: cmp.words, previous, current, percent: ch.percent, absolute: ch.absolute };
      if (current === null || previous === null) condition = 'no-data';
      else if (previous < t.minimumBase || ch.percent === null) condition = 'clear';
      else if (ch.percent > t.above && ch.absolute! > t.minimumChange) condition = 'firing';
      else if (ch.percent > t.above / 2 && ch.absolute! > 0) condition = 'elevated';
      else condition = 'clear';
    } else {
      const value = current === null ? null : t.value === 'rate' ? (population ? (1000 * current) / population : null) : current;
      facts = { kind: 'threshold', value: t.value, period: period.label, comparedWith: null, previous: null, current: value, percent: null, absolute: null };
      if (value === null) condition = current === null ? 'no-data' : 'untested';
      else if (value > t.above) condition = 'firing';
      else if (value > 0.8 * t.above) condition = 'elevated';
      else condition = 'clear';
    }
    if (m === months.at(-1)) at = { observed: current, expected: null, upperBound: t.value === 'change' ? null : t.above, probability: null, facts };
    return { month: m, condition };
  });
  return { steps, at };
}

// ---- records ----

function recordSteps(rule: AlertRule, s: Series, months: Month[]): { steps: ConditionStep[]; at: AtMonth } {
  const settings = rule.record ?? { minCount: 10, minMonthsSince: 36 };
  let at: AtMonth = {
    observed: null,
    expected: null,
    upperBound: null,
    probability: null,
    facts: { kind: 'record', since: null, sinceCount: null, onRecord: false, dataFrom: null },
  };
  const steps = months.map((m): ConditionStep => {
    const upTo = s.points.filter((p) => compareMonths(p.month, m) <= 0);
    const point = upTo.at(-1);
    if (!point || point.month !== m || point.count === null) return { month: m, condition: 'no-data' };
    const found = records(
      upTo.map((p) => ({ month: p.month, count: p.count })),
      { month: m, minMonthsSince: settings.minMonthsSince },
    ).find((f) => f.kind === 'highest-since' || f.kind === 'highest-on-record');
    const firing = !!found && point.count >= settings.minCount;
    if (m === months.at(-1))
      at = {
        observed: point.count,
        expected: null,
        upperBound: found?.sinceCount ?? null,
        probability: null,
        facts: {
          kind: 'record',
          since: found?.since ?? null,
          sinceCount: found?.sinceCount ?? null,
          onRecord: found?.kind === 'highest-on-record',
          dataFrom: found?.dataFrom ?? null,
        },
      };
    return { month: m, condition: firing ? 'firing' : 'clear' };
  });
  return { steps, at };
}

// ---- hotspots ----

function hotspotSteps(
  rule: AlertRule,
  group: Unit[],
  series: Map<string, Series>,
  months: Month[],
  siblings: Area[],
  populations: Map<string, { population: number }>,
): Array<{ unit: Unit; steps: ConditionStep[]; at: AtMonth }> {
  const settings = { fdr: rule.hotspot.fdr, minCount: Math.max(5, rule.hotspot.minCount), previous: rule.hotspot.previous };
  const periodKind = rule.kind === 'emerging-hotspot' ? 'month' : (rule.period ?? 'year-ending');
  const byDistrict = new Map<string, Area[]>();
  for (const w of siblings) if (w.parentCode) byDistrict.set(w.parentCode, [...(byDistrict.get(w.parentCode) ?? []), w]);
  const itemsAt = (wards: Area[], m: Month) =>
    wards.map((w) => ({
      code: w.code,
      name: w.name,
      count: totalFor(series.get(w.code)!, periodEnding(periodKind, m)).value,
      population: populations.get(w.code)?.population ?? null,
    }));
  const itemsAtPeriod = (wards: Area[], period: Period) =>
    wards.map((w) => ({ code: w.code, name: w.name, count: totalFor(series.get(w.code)!, period).value, population: populations.get(w.code)?.population ?? null }));
  // Per district and month: the findings by ward.
  const results = new Map<string, Map<Month, Map<string, HotspotFinding & { emerging?: boolean }>>>();
  const districtName = (code: string, fallback: string) => group.find((u) => u.district?.code === code)?.district?.name ?? fallback;
  for (const [district, wards] of byDistrict) {
    const perMonth = new Map<Month, Map<string, HotspotFinding & { emerging?: boolean }>>();
    for (const m of months) {
      const name = districtName(district, district);
      const found =
        rule.kind === 'emerging-hotspot'
          ? monthlyEmergingHotspots(
              monthRange(addMonths(m, -settings.previous), m).map((mo) => ({ month: mo, items: itemsAt(wards, mo) })),
              name,
              monthName,
              settings,
            )
          : periodHotspots(itemsAt(wards, m), name, periodKind === 'month' ? monthName(m) : `the ${yearEnding(m).label}`, settings);
      // Emerging means newly high: a ward that was a hotspot over the 12 months before (chronically above
      // its share, dipping below the line now and then) is not emerging when it crosses the line again.
      const chronic =
        rule.kind === 'emerging-hotspot'
          ? new Set(
              periodHotspots(itemsAtPeriod(wards, yearEnding(addMonths(m, -1))), name, 'the year before', settings)
                .filter((h) => h.hotspot)
                .map((h) => h.code),
            )
          : new Set<string>();
      perMonth.set(m, new Map(found.map((f) => [f.code, chronic.has(f.code) && 'emerging' in f ? { ...f, emerging: false } : f])));
    }
    results.set(district, perMonth);
  }
  const last = months.at(-1)!;
  return group.map((unit) => {
    const perMonth = unit.district ? results.get(unit.district.code) : undefined;
    const steps = months.map((m): ConditionStep => {
      const f = perMonth?.get(m)?.get(unit.area.code);
      const count = totalFor(series.get(unit.area.code)!, periodEnding(periodKind, m)).value;
      if (count === null) return { month: m, condition: 'no-data' };
      if (!f) return { month: m, condition: 'untested' };
      const firing = rule.kind === 'emerging-hotspot' ? f.emerging === true : f.hotspot;
      if (firing) return { month: m, condition: 'firing', strong: f.pValue < rule.fireAtOnceBelow };
      // Elevated: still a hotspot (an emerging one that has stayed), or above its share by an uncorrected 5% test.
      if (f.hotspot || (f.testable && f.pValue < 0.05 && f.count > f.expected)) return { month: m, condition: 'elevated' };
      return { month: m, condition: 'clear' };
    });
    const f = perMonth?.get(last)?.get(unit.area.code) ?? null;
    return {
      unit,
      steps,
      at: {
        observed: f?.count ?? totalFor(series.get(unit.area.code)!, periodEnding(periodKind, last)).value,
        expected: f?.expected ?? null,
        upperBound: null,
        probability: f?.pValue ?? null,
        facts: {
          kind: rule.kind as 'hotspot' | 'emerging-hotspot',
          period: periodKind === 'month' ? monthName(last) : `the ${yearEnding(last).label}`,
          parentName: unit.district?.name ?? '',
          finding: f,
          previous: settings.previous,
          fdr: settings.fdr,
          minCount: settings.minCount,
        },
      },
    };
  });
}
