// The figures the monthly summary and the chair's brief share, for a partnership's area as a channel may
// see it: each measure's year ending against the year before and against a base year, its rate per
// 1,000 against the county, its flag, and the month's headline changes. All from the figures engine
// (src/figures) and detection (src/detect), after the same small-number suppression the commands use.
import { forceAreaDistricts } from '../config/force-area.ts';
import type { CommandContext } from '../core/dispatch.ts';
import { UserError } from '../core/errors.ts';
import {
  addMonths,
  compareMonths,
  monthName,
  monthRange,
  previousYear,
  reportingYear,
  reportingYearContaining,
  reportingYearToDate,
  shortYearName,
  yearEndingIn,
  type Month,
  type Period,
} from '../core/periods.ts';
import type { SeriesPoint } from '../core/reply.ts';
import { DEFAULT_FARRINGTON_PARAMS } from '../detect/index.ts';
import { isEstimatedPopulation, populationWords } from '../figures/area.ts';
import { ratePer1000 } from '../figures/compute.ts';
import { coverage, measureFor, partnershipTest, seriesByArea, type Coverage } from '../figures/data.ts';
import { spikeTests } from '../figures/detection.ts';
import { sumSeries, totalFor, valueAt, type Series } from '../figures/series.ts';
import { measureAllowed, rulesFor, suppress, suppressedText, type Cell, type Equation, type SuppressionResult } from '../figures/suppression.ts';
import { disclosureFor } from '../figures/disclosure.ts';
import { perturbedNote } from '../figures/area.ts';
import { describeChange, formatCount, formatRate, type Change } from '../figures/wording.ts';
import type { EffectiveMeasure } from '../resolve/topic.ts';
import type { Area, Population } from '../store/types.ts';
import type { Measure } from '../taxonomy/index.ts';

export type Flag = 'rising' | 'stable' | 'falling' | 'unusual';

/** A period as the brief prints it. */
export interface PeriodOut {
  from: Month;
  to: Month;
  /** "year ending April 2024", "2023/24 (year ending September 2024)" */
  label: string;
  /** "YE Apr 2024", "2023/24" */
  short: string;
}

export interface MeasureRow {
  key: string;
  label: string;
  kind: Measure['kind'];
  source: EffectiveMeasure['source'];
  priority: boolean;
  /** null when hidden in this channel or not in the data */
  current: number | null;
  previous: number | null;
  base: number | null;
  currentText: string;
  previousText: string;
  baseText: string;
  /** null when hidden or not computable */
  change: Change | null;
  /** "(+5%, +49)", "(no calc, +4)", "not shown", "n/a" */
  changeText: string;
  longTerm: Change | null;
  longTermText: string;
  rate: number | null;
  rateText: string;
  countyRate: number | null;
  countyRateText: string;
  /** null: no flag (too few to judge, or hidden) */
  flag: Flag | null;
  /** "Rising", "Unusual; rising", "-" */
  flagText: string;
  /** The trend alone, when the row is also unusual. */
  trend: Exclude<Flag, 'unusual'> | null;
  /** The latest month's spike test: true = higher than expected; null = not tested or hidden. */
  unusual: boolean | null;
  /** Notes on what the row shows (a police.uk fallback for a partnership measure). */
  notes: string[];
  /** The monthly series (for charts), hidden months null. */
  series: SeriesPoint[];
}

export interface HeadlineMeasure {
  key: string;
  label: string;
  kind: Measure['kind'];
  month: { value: number | null; text: string };
  previousMonth: { month: Month; value: number | null; change: Change | null; text: string };
  sameMonthLastYear: { month: Month; value: number | null; change: Change | null; text: string };
  /** "All crime (excluding ASB): 1,234 offences in April 2024, up 5% (+60) on March 2024 and down 3% (-40) on April 2023." */
  sentence: string;
}

export interface AreaFrame {
  /** The partnership's area codes the figures sum (one district, the force area, or several districts). */
  codes: string[];
  name: string;
  districts: Area[];
  county: Area | null;
  population: Population | null;
  countyPopulation: Population | null;
  coverage: Coverage;
}

export interface BriefPeriods {
  month: Month;
  current: Period;
  previous: Period;
  base: Period;
  /** The latest complete reporting year at or before the month. */
  reportingYear: Period;
  /** The reporting year the month falls in, to date (null when the month ends it: then it is `current`). */
  reportingYearToDate: Period | null;
  /** The reporting year the month is in (complete or not). */
  reportingYearContaining: Period;
}

export interface SharedFigures {
  frame: AreaFrame;
  periods: BriefPeriods;
  rows: MeasureRow[];
  headline: HeadlineMeasure[];
  flagRules: string[];
  /** What was hidden in this channel, and why. */
  suppression: { threshold: number; cleared: boolean; hidden: number; note: string | null };
  /** Measures the channel may not see (sensitive or outside its list), by label: said, never shown. */
  notShown: string[];
  /** Synthetic months among those the figures use, oldest first. */
  syntheticMonths: Month[];
  estimatedPopulation: boolean;
  notes: string[];
}

export function periodOut(p: Period, endMonth: number): PeriodOut {
  const short = p.kind === 'month' ? monthName(p.to) : p.kind === 'reporting-year-to-date' || p.kind === 'financial-year-to-date' ? p.label : shortYearName(p, endMonth);
  return { from: p.from, to: p.to, label: p.label, short };
}

/** The same 12 months `years` years earlier, named as the partnership names them. */
export function yearsEarlier(p: Period, years: number): Period {
  let out = p;
  for (let i = 0; i < years; i++) out = previousYear(out);
  return out;
}

/** The area the partnership's figures are for, its county (the force area) and their populations. */
export async function areaFrame(ctx: CommandContext): Promise<AreaFrame> {
  const { store, config, partnership } = ctx;
  const areas = await store.areasByCode(partnership.areas);
  const districts = partnership.areas.map((c) => areas.get(c)).filter((a): a is Area => !!a);
  if (!districts.length)
    throw new UserError(`none of ${partnership.name}'s areas (${partnership.areas.join(', ')}) is in the loaded geography: run \`wardwatch ingest --fixtures\` first`);
  const county = (await store.areas('force'))[0] ?? null;
  const force = await forceAreaDistricts(config, store);
  const isCounty = county !== null && force.coveredBy(partnership.areas);
  const codes = districts.length === 1 ? [districts[0]!.code] : isCounty ? [county.code] : districts.map((d) => d.code);
  const name = districts.length === 1 ? districts[0]!.name : isCounty ? county.name : partnership.name;
  const pops = await store.populations([...codes, ...(county ? [county.code] : []), ...force.codes]);
  const sumPop = (list: string[]): Population | null => {
    const got = list.map((c) => pops.get(c));
    if (got.some((p) => !p)) return null;
    const ps = got as Population[];
    return { areaCode: list.join('+'), population: ps.reduce((s, p) => s + p.population, 0), year: ps[0]!.year, source: ps[0]!.source };
  };
  const population = codes.length === 1 ? (pops.get(codes[0]!) ?? null) : sumPop(codes);
  const countyPopulation = county ? (pops.get(county.code) ?? sumPop([...force.codes])) : null;
  return { codes, name, districts, county, population, countyPopulation, coverage: await coverage(store, ['police.uk']) };
}

/** The brief's periods for a month of data: the year ending it, the year before, the base year, and the reporting years. */
export function briefPeriods(month: Month, endMonth: number, baseYearsBack: number): BriefPeriods {
  const current = yearEndingIn(month, endMonth);
  const containing = reportingYearContaining(month, endMonth);
  return {
    month,
    current,
    previous: previousYear(current),
    base: yearsEarlier(current, baseYearsBack),
    reportingYear: reportingYear(month, endMonth),
    reportingYearToDate: containing.to === month ? null : reportingYearToDate(month, endMonth),
    reportingYearContaining: containing,
  };
}

/** The month the figures end with: the one asked for (it must be loaded), else the latest loaded. */
export function chooseMonth(cov: Coverage, asked: Month | undefined): Month {
  if (!cov.latest) throw new UserError('the store holds no police.uk months: run `wardwatch ingest --fixtures` (or ingest police.uk files) first');
  if (!asked) return cov.latest;
  if (!cov.months.includes(asked)) {
    throw new UserError(`--month ${asked} is not loaded: the store holds ${monthName(cov.first!)} to ${monthName(cov.latest)}`);
  }
  return asked;
}

const KIND_ORDER = ['all-crime', 'anti-social-behaviour'];

/** The measures of the scanning table: the headline two, the police.uk categories, and what the partnership extract adds. */
function tableMeasures(ctx: CommandContext): Measure[] {
  const tax = ctx.taxonomy;
  const first = KIND_ORDER.map((k) => tax.get(k)).filter((m): m is Measure => !!m);
  const categories = tax.measures.filter((m) => m.source === 'police.uk' && m.key !== 'anti-social-behaviour');
  const priorities = ctx.partnership.priorityMeasures.map((k) => tax.get(k)).filter((m): m is Measure => !!m);
  const extract = tax.measures.filter((m) => m.source === 'partnership' && !m.parent);
  const seen = new Set<string>();
  return [...first, ...categories, ...priorities, ...extract].filter((m) => (seen.has(m.key) ? false : (seen.add(m.key), true)));
}

interface RawRow {
  measure: Measure;
  eff: EffectiveMeasure;
  series: Series;
  countySeries: Series | null;
  priority: boolean;
  cur: number | null;
  prev: number | null;
  base: number | null;
  countyCur: number | null;
  unusual: boolean | null;
}

/**
 * Everything the summary and the brief show of the partnership's measures, for `month` and the
 * channel in `ctx`. Rows in table order (headline measures, then by count); measures the channel may
 * not see are left out and named in `notShown`.
 */
export async function sharedFigures(ctx: CommandContext, options: { month?: Month; extraPeriods?: Period[] } = {}): Promise<SharedFigures> {
  const { store, config, partnership, channel, taxonomy: tax } = ctx;
  const rules = partnership.brief;
  const nb = config.figures.noCalcBase;
  const threshold = partnership.smallNumberThreshold;
  const cleared = channel.clearance.smallNumbers;
  // One disclosure policy with every reply (src/figures/disclosure.ts): police.uk counts exact, protected cells perturbed.
  const disclosure = await disclosureFor(ctx);
  const frame = await areaFrame(ctx);
  const month = chooseMonth(frame.coverage, options.month);
  const periods = briefPeriods(month, partnership.reportingYearEnd, rules.baseYearsBack);
  const allowed = (m: Measure) => measureAllowed(m, channel, (k) => tax.get(k)?.parent);
  const has = await partnershipTest(store, tax, frame.codes);
  const priorityKeys = new Set(partnership.priorityMeasures);
  const notShown: string[] = [];

  const raws: RawRow[] = [];
  for (const m of tableMeasures(ctx)) {
    if (!allowed(m)) {
      if (priorityKeys.has(m.key)) notShown.push(m.label);
      continue;
    }
    const eff = await measureFor(store, tax, { code: frame.codes[0]!, name: frame.name, type: 'district', parentCode: null }, m, has);
    if ('unavailable' in eff) continue;
    // A partnership measure shown as its police.uk parent duplicates the parent's row: only a priority keeps it.
    if (eff.measure.key !== m.key && !priorityKeys.has(m.key)) continue;
    const { series: byArea } = await seriesByArea(store, eff, frame.codes, { to: month }, disclosure);
    const series = frame.codes.length === 1 ? byArea.get(frame.codes[0]!)! : sumSeries([...byArea.values()]);
    const countySeries =
      frame.county && !frame.codes.includes(frame.county.code)
        ? ((await seriesByArea(store, eff, [frame.county.code], { from: periods.current.from, to: month }, disclosure)).series.get(frame.county.code) ?? null)
        : null;
    const cur = totalFor(series, periods.current).value;
    // Partnership-only measures without a full year are no row of the table (a priority is listed with why).
    if (cur === null && !priorityKeys.has(m.key) && m.source === 'partnership') continue;
    const test = spikeTests(series, month, month)[0];
    raws.push({
      measure: m,
      eff,
      series,
      countySeries,
      priority: priorityKeys.has(m.key),
      cur,
      prev: totalFor(series, periods.previous).value,
      base: totalFor(series, periods.base).value,
      countyCur: countySeries ? totalFor(countySeries, periods.current).value : null,
      unusual: test && (test.status === 'tested' || test.status === 'below-minimum-count') ? test.alarm : null,
    });
  }

  // Suppression: every count shown, the changes between them, and the totals the taxonomy says are sums.
  const cells: Cell[] = [];
  const equations: Equation[] = [];
  const chartMonths = monthRange(addMonths(month, -Math.max(24, config.figures.chartMonths) + 1), month);
  const extra = options.extraPeriods ?? [];
  const cellMeasure = new Map<string, string>();
  const equationMeasure = new Map<Equation, string>();
  for (const r of raws) {
    const k = r.measure.key;
    const cellsBefore = cells.length;
    const equationsBefore = equations.length;
    cells.push({ id: `c:${k}`, value: r.cur, kind: 'count', priority: 2 });
    cells.push({ id: `p:${k}`, value: r.prev, kind: 'count', priority: 2 });
    cells.push({ id: `b:${k}`, value: r.base, kind: 'count', priority: 2 });
    cells.push({ id: `d:${k}`, value: r.cur !== null && r.prev !== null ? r.cur - r.prev : null, kind: 'derived' });
    cells.push({ id: `l:${k}`, value: r.cur !== null && r.base !== null ? r.cur - r.base : null, kind: 'derived' });
    equations.push({ total: `c:${k}`, parts: [`p:${k}`, `d:${k}`] }, { total: `c:${k}`, parts: [`b:${k}`, `l:${k}`] });
    // The rate gives the count back (rate x population), so it goes with it; the county's rate with the county's count.
    cells.push({ id: `r:${k}`, value: 1, kind: 'derived', dependsOn: [`c:${k}`] });
    cells.push({ id: `cc:${k}`, value: r.countyCur, kind: 'count', priority: 3 });
    cells.push({ id: `cr:${k}`, value: 1, kind: 'derived', dependsOn: [`cc:${k}`] });
    // The months a chart or the headline shows, and the year ending as their sum.
    for (const mo of chartMonths) cells.push({ id: `m:${k}:${mo}`, value: valueAt(r.series, mo), kind: 'count' });
    equations.push({ total: `c:${k}`, parts: monthRange(periods.current.from, month).map((mo) => `m:${k}:${mo}`) });
    const prevInWindow = monthRange(periods.previous.from, periods.previous.to).every((mo) => chartMonths.includes(mo));
    if (prevInWindow) equations.push({ total: `p:${k}`, parts: monthRange(periods.previous.from, periods.previous.to).map((mo) => `m:${k}:${mo}`) });
    // Month-on-month and year-on-year changes of the headline.
    for (const [id, other] of [
      ['dm', addMonths(month, -1)],
      ['dy', addMonths(month, -12)],
    ] as const) {
      const a = valueAt(r.series, month);
      const b = valueAt(r.series, other);
      cells.push({ id: `${id}:${k}`, value: a !== null && b !== null ? a - b : null, kind: 'derived' });
      equations.push({ total: `m:${k}:${month}`, parts: [`m:${k}:${other}`, `${id}:${k}`] });
    }
    extra.forEach((p, i) => cells.push({ id: `x${i}:${k}`, value: totalFor(r.series, p).value, kind: 'count', priority: 2 }));
    const perturbed = disclosure.mode(r.eff) === 'perturbed';
    for (const c of cells.slice(cellsBefore)) {
      cellMeasure.set(c.id, k);
      // A perturbed period total is a cell with its own key, not the sum of its shown months.
      if (perturbed && c.kind === 'count' && !c.id.startsWith('m:')) c.ownKey = true;
    }
    for (const eq of equations.slice(equationsBefore)) equationMeasure.set(eq, k);
  }
  // Totals the reader can add up: a composite from its members, a police.uk category from its partnership subgroups.
  const rowKeys = new Set(raws.map((r) => r.measure.key));
  for (const r of raws) {
    const parts = (r.eff.measure.source === 'composite' ? r.eff.parts.map((p) => p.key) : tax.children(r.measure.key).map((c) => c.key)).filter((p) => rowKeys.has(p));
    if (parts.length < 2) continue;
    for (const pre of ['c', 'p', 'b']) equations.push({ total: `${pre}:${r.measure.key}`, parts: parts.map((p) => `${pre}:${p}`) });
  }
  // Only protected cells are suppressed: police.uk counts are published openly (README "Disclosure policy").
  const protectedKeys = new Set(raws.filter((r) => disclosure.mode(r.eff) === 'perturbed').map((r) => r.measure.key));
  const isProtected = (id: string) => protectedKeys.has(cellMeasure.get(id) ?? '');
  const sup = suppress(
    cells.filter((c) => isProtected(c.id)),
    equations.filter((eq) => isProtected(eq.total) && eq.parts.every(isProtected)),
    rulesFor('perturbed', threshold),
  );
  const small = suppressedText(threshold);
  const hiddenText = (id: string, v: number | null) => (sup.isHidden(id) ? (sup.primary.has(id) ? small : 'not shown') : v === null ? 'n/a' : formatCount(v));
  const rows: MeasureRow[] = raws.map((r) => rowFrom(r, sup, hiddenText, frame, periods, nb, rules, chartMonths));
  // Table order: the headline measures first, then the rest by count (largest first), hidden ones last.
  rows.sort((a, b) => {
    const ia = KIND_ORDER.indexOf(a.key);
    const ib = KIND_ORDER.indexOf(b.key);
    if (ia >= 0 || ib >= 0) return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
    return (b.current ?? -1) - (a.current ?? -1) || a.label.localeCompare(b.label);
  });

  const headline = raws.filter((r) => KIND_ORDER.includes(r.measure.key)).map((r) => headlineFor(r, sup, hiddenText, month, nb));
  const synth = [...frame.coverage.synthetic].filter((mo) => compareMonths(mo, periods.base.from) >= 0 && compareMonths(mo, month) <= 0).sort(compareMonths);
  const estimatedPopulation = isEstimatedPopulation(frame.population) || isEstimatedPopulation(frame.countyPopulation);
  const notes: string[] = [];
  if (frame.population)
    notes.push(
      `Rates per 1,000 use the ${populationWords(frame.population)}${frame.countyPopulation && frame.county ? `; ${frame.county.name}: ${formatCount(frame.countyPopulation.population)}` : ''}.`,
    );
  for (const r of rows) notes.push(...r.notes);
  return {
    frame,
    periods,
    rows,
    headline,
    flagRules: flagRules(rules, month, threshold),
    suppression: {
      threshold,
      cleared,
      hidden: sup.hidden.size,
      note: protectedKeys.size
        ? `${perturbedNote(threshold)}${sup.secondary.size ? ' Some other figures are not shown so that they cannot be worked out from totals.' : ''}`
        : null,
    },
    notShown,
    syntheticMonths: synth,
    estimatedPopulation,
    notes: [...new Set(notes)],
  };
}

function rowFrom(
  r: RawRow,
  sup: SuppressionResult,
  hiddenText: (id: string, v: number | null) => string,
  frame: AreaFrame,
  periods: BriefPeriods,
  nb: number,
  rules: CommandContext['partnership']['brief'],
  chartMonths: Month[],
): MeasureRow {
  const k = r.measure.key;
  const h = (id: string) => sup.isHidden(id);
  const current = h(`c:${k}`) ? null : r.cur;
  const previous = h(`p:${k}`) ? null : r.prev;
  const base = h(`b:${k}`) ? null : r.base;
  const changeHidden = h(`d:${k}`) || h(`c:${k}`) || h(`p:${k}`);
  const longHidden = h(`l:${k}`) || h(`c:${k}`) || h(`b:${k}`);
  const change = changeHidden || r.cur === null || r.prev === null ? null : describeChange(r.prev, r.cur, nb);
  const longTerm = longHidden || r.cur === null || r.base === null ? null : describeChange(r.base, r.cur, nb);
  const rate = h(`r:${k}`) ? null : ratePer1000(r.cur, frame.population?.population);
  const countyRate =
    r.countySeries === null ? ratePer1000(r.cur, frame.population?.population) : h(`cr:${k}`) ? null : ratePer1000(r.countyCur, frame.countyPopulation?.population);
  const trend: MeasureRow['trend'] =
    change === null || change.percent === null || (r.prev ?? 0) < rules.minBase
      ? null
      : change.percent >= rules.trendPercent
        ? 'rising'
        : change.percent <= -rules.trendPercent
          ? 'falling'
          : 'stable';
  const monthHidden = h(`m:${k}:${periods.month}`);
  const unusual = monthHidden ? null : r.unusual;
  const flag: Flag | null = unusual ? 'unusual' : trend;
  const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
  const flagText = unusual ? (trend ? `Unusual; ${trend}` : 'Unusual') : trend ? cap(trend) : '-';
  const notes = r.eff.measure.key !== r.measure.key || r.eff.notes.length ? r.eff.notes.map((n) => `${r.measure.label}: ${n}`) : [];
  return {
    key: k,
    label: r.measure.label,
    kind: r.measure.kind,
    source: r.eff.source,
    priority: r.priority,
    current,
    previous,
    base,
    currentText: hiddenText(`c:${k}`, r.cur),
    previousText: hiddenText(`p:${k}`, r.prev),
    baseText: hiddenText(`b:${k}`, r.base),
    change,
    changeText: change ? `(${change.short})` : changeHidden && r.cur !== null && r.prev !== null ? 'not shown' : 'n/a',
    longTerm,
    longTermText: longTerm ? `(${longTerm.short})` : longHidden && r.cur !== null && r.base !== null ? 'not shown' : 'n/a',
    rate,
    rateText: rate === null ? (h(`r:${k}`) ? 'not shown' : 'n/a') : formatRate(rate),
    countyRate,
    countyRateText: countyRate === null ? (h(`cr:${k}`) ? 'not shown' : 'n/a') : formatRate(countyRate),
    flag,
    flagText,
    trend,
    unusual,
    notes,
    series: chartMonths.map((mo) => ({
      month: mo,
      count: h(`m:${k}:${mo}`) ? null : valueAt(r.series, mo),
      ...(frame.coverage.synthetic.has(mo) ? { synthetic: true } : {}),
    })),
  };
}

function headlineFor(r: RawRow, sup: SuppressionResult, hiddenText: (id: string, v: number | null) => string, month: Month, nb: number): HeadlineMeasure {
  const k = r.measure.key;
  const value = valueAt(r.series, month);
  const shown = !sup.isHidden(`m:${k}:${month}`);
  const part = (id: 'dm' | 'dy', other: Month) => {
    const v = valueAt(r.series, other);
    const hidden = !shown || sup.isHidden(`m:${k}:${other}`) || sup.isHidden(`${id}:${k}`);
    const change = hidden || value === null || v === null ? null : describeChange(v, value, nb);
    const dir = change === null ? '' : change.direction === 'up' ? 'up ' : change.direction === 'down' ? 'down ' : '';
    const amount = change === null ? '' : change.percent === null ? `${change.absoluteText} (no calc)` : `${dir}${Math.abs(change.percent)}% (${change.absoluteText})`;
    return {
      month: other,
      value: hidden ? null : v,
      change,
      text:
        change === null
          ? hidden
            ? 'change not shown (small numbers)'
            : `no comparison with ${monthName(other)}`
          : change.direction === 'same'
            ? `the same as ${monthName(other)}`
            : `${amount} on ${monthName(other)}`,
    };
  };
  const pm = part('dm', addMonths(month, -1));
  const py = part('dy', addMonths(month, -12));
  const noun = r.measure.kind === 'crime' ? 'offences' : 'incidents';
  const text = hiddenText(`m:${k}:${month}`, value);
  return {
    key: k,
    label: r.measure.label,
    kind: r.measure.kind,
    month: { value: shown ? value : null, text },
    previousMonth: pm,
    sameMonthLastYear: py,
    sentence: `${r.measure.label}: ${text} ${noun} in ${monthName(month)}, ${pm.text} and ${py.text}.`,
  };
}

/** The rule for each flag, stated where the flags are shown. */
export function flagRules(rules: CommandContext['partnership']['brief'], month: Month, threshold: number): string[] {
  const p = rules.trendPercent;
  return [
    `Rising: the year ending is up ${p}% or more on the year before.`,
    `Falling: down ${p}% or more on the year before.`,
    `Stable: within ${p}% either way.`,
    `Unusual: ${monthName(month)} was higher than expected for the time of year by the spike test (Farrington-flexible, as used in public health surveillance; a normal month is flagged about 1 month in ${Math.round(1 / DEFAULT_FARRINGTON_PARAMS.alpha)} or less, and never on fewer than ${DEFAULT_FARRINGTON_PARAMS.limit54[0]} in the month).`,
    `No flag ("-"): fewer than ${rules.minBase} in the year before (too few to judge a change), or figures hidden in this channel (counts from 1 to ${threshold - 1}).`,
    'Only "unusual" comes from a statistical test; rising, stable and falling describe the size of the change.',
  ];
}

/** The three (or `n`) largest rises and falls among the rows, by percentage, each on a base of at least `minBase`. */
export function largestChanges(rows: MeasureRow[], minBase: number, n = 3): { rises: MeasureRow[]; falls: MeasureRow[] } {
  const eligible = rows.filter((r) => r.key !== 'all-crime' && r.change !== null && r.change.percent !== null && (r.previous ?? 0) >= minBase);
  const by = (a: MeasureRow, b: MeasureRow) =>
    Math.abs(b.change!.percent!) - Math.abs(a.change!.percent!) || Math.abs(b.change!.absolute!) - Math.abs(a.change!.absolute!) || a.label.localeCompare(b.label);
  return {
    rises: eligible
      .filter((r) => r.change!.direction === 'up')
      .sort(by)
      .slice(0, n),
    falls: eligible
      .filter((r) => r.change!.direction === 'down')
      .sort(by)
      .slice(0, n),
  };
}

/** "Shoplifting saw a decrease of 10% (-270 offences)" (seeds 003, A:488). */
export function sawSentence(row: MeasureRow): string {
  const c = row.change;
  if (!c) return `${row.label}: change not shown.`;
  if (c.direction === 'same') return `${row.label} saw no change (${formatCount(c.current!)}).`;
  const word = c.direction === 'up' ? 'an increase' : 'a decrease';
  const noun = row.kind === 'crime' ? (Math.abs(c.absolute!) === 1 ? 'offence' : 'offences') : Math.abs(c.absolute!) === 1 ? 'incident' : 'incidents';
  return c.percent === null
    ? `${row.label} saw ${word} of ${formatCount(Math.abs(c.absolute!))} ${noun} (no calc)`
    : `${row.label} saw ${word} of ${Math.abs(c.percent)}% (${c.absoluteText} ${noun})`;
}

/** The months a series of the store holds, for a measure in one period (for tests and caveats). */
export function periodWords(p: Period): string {
  return p.kind === 'month' ? monthName(p.to) : p.label;
}
