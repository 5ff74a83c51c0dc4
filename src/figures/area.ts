// Key figures for one area and measure, as the /crime answer shows them: the month, the year ending,
// the rate per 1,000, the rank among sibling areas, the partnership's reporting year or the period
// asked for, the 5-year average, "highest since", the share of the parent area, each with its period
// in words and a sentence in the seeds' voice, after small-number suppression.
import {
  addMonths,
  compareMonths,
  monthName,
  monthRange,
  monthsBetween,
  previousYear,
  reportingYear,
  reportingYearToDate,
  singleMonth,
  yearEnding,
  type Month,
  type Period,
} from '../core/periods.ts';
import type { AreaRef, Figure, MeasureRef, SeriesPoint } from '../core/reply.ts';
import type { Area, Population, Store } from '../store/types.ts';
import type { Measure, Taxonomy } from '../taxonomy/index.ts';
import type { EffectiveMeasure } from '../resolve/topic.ts';
import type { ResolvedPeriod } from '../resolve/period.ts';
import { changeOnPreviousMonth, compareWithYearBefore, fiveYearAverage, rankByRate, ratePer1000, recordSince, shareOf, type Comparison, type Ranked } from './compute.ts';
import { placement, revisionNotes, seriesByArea } from './data.ts';
import { baselineMonths, spikeTests, spikeWords } from './detection.ts';
import { DEFAULT_FARRINGTON_PARAMS, type FarringtonResult } from '../detect/index.ts';
import { rollingTotals, totalFor, valueAt, type Series } from './series.ts';
import { isSmall, rulesFor, suppress, suppressedText, type Cell, type Equation, type SuppressionRules } from './suppression.ts';
import type { Disclosure } from './disclosure.ts';
import { changeClause, changePhrase, formatCount, formatRate, formatShare, noun, ordinal, syntheticShare, type Change } from './wording.ts';

export interface FigureRules {
  noCalcBase: number;
  reportingYearEnd: number;
  smallNumberThreshold: number;
  clearedForSmallNumbers: boolean;
  /** months of series to return (at least 24) */
  seriesMonths: number;
  /** Run the spike detector on the last `months` months up to the reference month (the chart's window). */
  detection?: { months: number };
  /** Months the chart shows (default 24): where suppression hides most of them, `chartSeries` offers rolling totals. */
  chartMonths?: number;
}

export interface AreaFigures {
  area: AreaRef;
  measure: MeasureRef;
  requestedMeasure: MeasureRef;
  latestMonth: Month;
  reference: Month;
  focus: Period;
  /** every figure computed, in order of importance */
  figures: Figure[];
  /** the 3 to 6 shown first */
  keyFigures: Figure[];
  series: SeriesPoint[];
  /**
   * Set when suppression hides more than half of the chart's monthly counts and the rolling 12-month
   * totals hide fewer: the chart shows those instead (each the year ending that month, a perturbed
   * cell of its own, "fewer than 5" hidden as any count). null when the monthly chart is the one to show.
   */
  chartSeries: { values: 'rolling-12-month-total'; points: SeriesPoint[]; months: number; hiddenMonths: number; hiddenTotals: number } | null;
  /** what was hidden, with why */
  suppressed: Array<{ id: string; label: string; reason: 'small number' | 'could reveal a small number' }>;
  population: Population | null;
  rank: { rank: number | null; of: number; joint: boolean; siblings: Array<{ code: string; name: string; count: number | null; rate: number | null; rank: number | null }> } | null;
  notes: string[];
  /** How the figures were made, for "About these figures" (collapsed where the surface can). */
  about: string[];
  synthetic: { months: Month[]; all: boolean };
  /** The months each count figure covers (and its comparison's), by figure id: for --json readers. */
  periods: Record<string, { from: Month; to: Month; previous?: { from: Month; to: Month } }>;
  summary: string;
  /** The spike detector's verdicts on the months tested, after suppression (null without rules.detection). */
  detection: DetectionSummary | null;
}

export interface DetectionSummary {
  method: string;
  params: Record<string, unknown>;
  /** The reference month's test, as the figure words it. */
  latest: {
    month: Month;
    status: FarringtonResult['status'];
    alarm: boolean | null;
    expected: number | null;
    upperbound: number | null;
    probability: number | null;
    /** the expected range and how unusual are hidden (small numbers) */
    rangeHidden: boolean;
    history: { from: Month | null; to: Month | null; months: number; syntheticMonths: number; monthsNeeded: number; monthsAvailable: number };
    wording: string;
  } | null;
  /** Every month tested (the chart's window), oldest first; values null when hidden or not tested. */
  months: Array<{ month: Month; status: FarringtonResult['status']; expected: number | null; upperbound: number | null; alarm: boolean | null; hidden: boolean }>;
}

export interface AreaFiguresInput {
  store: Store;
  taxonomy: Taxonomy;
  area: Area;
  measure: EffectiveMeasure;
  period: ResolvedPeriod;
  latest: Month;
  rules: FigureRules;
  /** What the asking channel may see (src/figures/disclosure.ts); omitted = the old rule (tools and tests). */
  disclosure?: Disclosure;
  /** Areas the channel may see figures of (its partnership); siblings outside it are left out of `rank.siblings`. */
  scope?: (area: Area) => boolean;
}

export async function areaRef(store: Store, area: Area): Promise<AreaRef> {
  return areaRefWith(area, area.parentCode ? await store.area(area.parentCode) : undefined);
}

/** The AreaRef for an area whose parent is already to hand. */
export function areaRefWith(area: Area, parent: Area | undefined): AreaRef {
  return { code: area.code, name: area.name, type: area.type, parent: parent ? { code: parent.code, name: parent.name, type: parent.type } : undefined };
}

export function measureRef(m: Measure, source?: EffectiveMeasure['source']): MeasureRef {
  return { key: m.key, label: m.label, source: source === 'mixed' ? 'composite' : (source ?? m.source) };
}

/** "all crime (excluding ASB)", "ASB nuisance", "residential burglary" */
export function inSentence(label: string): string {
  return /^[A-Z]{2}/.test(label) ? label : label.charAt(0).toLowerCase() + label.slice(1);
}

/** "Market ward" / "Cambridge" : how an area is named in sentences. */
export function placeName(area: Pick<Area, 'name' | 'type'>): string {
  return area.type === 'ward' ? `${area.name} ward` : area.name;
}

/** Whether a population is an estimate (the fixture populations are, and say so in their source). */
// A population file marks a stand-in figure by starting its source with ESTIMATE (the fixture does);
// "ONS mid-year estimates" are official figures and must not be called estimates here.
export const isEstimatedPopulation = (p: Pick<Population, 'source'> | null | undefined) => !!p && /^ESTIMATE\b/.test(p.source.trim());
const isEstimate = isEstimatedPopulation;

export function populationWords(p: Population): string {
  return `${isEstimate(p) ? 'estimated ' : ''}population ${formatCount(p.population)} (${p.year}; ${p.source})`;
}

export async function computeAreaFigures(input: AreaFiguresInput): Promise<AreaFigures> {
  const { store, area, measure: eff, period, latest, rules, disclosure } = input;
  // Exact (police.uk, or a cleared channel) or perturbed (protected figures in an uncleared channel).
  const supRules: SuppressionRules = disclosure
    ? rulesFor(disclosure.mode(eff), rules.smallNumberThreshold)
    : { threshold: rules.smallNumberThreshold, cleared: rules.clearedForSmallNumbers };
  const perturbed = supRules.perturbed === true;
  const inScope = input.scope ?? (() => true);
  const m = eff.measure;
  const ref = period.reference;
  const nb = rules.noCalcBase;
  const word = (n: number) => noun(m, n);

  // One query for five years of this area, one for the siblings and the parent over two years ending.
  // The whole history of the focus area: "highest since" may reach back further than any chart, and the
  // 5-year average needs the same month five years back (61 months ending with ref).
  const seriesFrom = [(await store.months())[0] ?? ref, addMonths(ref, -Math.max(rules.seriesMonths, 61) + 1)].sort(compareMonths)[0]!;
  const focusPrev = previousYear(period.focus);
  const ry = reportingYear(ref, rules.reportingYearEnd);
  const earliest = [seriesFrom, focusPrev.from, previousYear(ry).from].sort(compareMonths)[0]!;
  const { series: byArea, coverage } = await seriesByArea(store, eff, [area.code], { from: earliest, to: ref }, disclosure);
  const series: Series = byArea.get(area.code)!;

  const ye = yearEnding(ref);
  const cMonth = compareWithYearBefore(series, singleMonth(ref), nb);
  const prevMonth = addMonths(ref, -1);
  const cPrevMonth = changeOnPreviousMonth(series, ref, nb);
  const cYe = compareWithYearBefore(series, ye, nb);
  // The partnership's reporting year so far, named as its years are everywhere in the channel.
  const cFytd = compareWithYearBefore(series, reportingYearToDate(ref, rules.reportingYearEnd), nb);
  const cRy = compareWithYearBefore(series, ry, nb);
  const focusIsYear = period.focus.kind !== 'month' && period.focus.kind !== 'year-ending';
  const cFocus = focusIsYear ? compareWithYearBefore(series, period.focus, nb) : null;
  const avg5 = fiveYearAverage(series, ref);
  const record = recordSince(series, ref);
  // Spike tests for the chart's months, each judged on its own past only.
  const spikes = rules.detection ? spikeTests(series, addMonths(ref, -Math.max(1, rules.detection.months) + 1), ref) : [];

  // Rate, rank among siblings and share of the parent, over the year ending.
  const parent = area.parentCode ? await store.area(area.parentCode) : undefined;
  const siblings = parent ? (await store.children(parent.code)).filter((a) => a.type === area.type) : [];
  // The area's and its siblings' populations in one read.
  const populations = await store.populations([...new Set([area.code, ...siblings.map((s) => s.code)])]);
  const population = populations.get(area.code) ?? null;
  const rate = ratePer1000(cYe.current.value, population?.population);
  let ranked: Ranked[] = [];
  let rankLeftOut = 0;
  let parentYe: number | null = null;
  if (parent) {
    const codes = [...siblings.map((s) => s.code), parent.code];
    const { series: sib } = await seriesByArea(store, eff, codes, { from: ye.from, to: ye.to }, disclosure);
    if (siblings.length > 1) {
      // Where small numbers are hidden, a sibling with a small count is left out of the ranking: the
      // place of a ward among them would bound their hidden counts (as in /crime top).
      const all = siblings.map((s) => ({ code: s.code, name: s.name, count: totalFor(sib.get(s.code)!, ye).value, population: populations.get(s.code)?.population ?? null }));
      const shown = supRules.cleared ? all : all.filter((s) => !isSmall(s.count, rules.smallNumberThreshold, perturbed));
      rankLeftOut = all.length - shown.length;
      ranked = rankByRate(shown);
    }
    parentYe = totalFor(sib.get(parent.code)!, ye).value;
  }
  const me = ranked.find((r) => r.code === area.code);
  const share = shareOf(cYe.current.value, parentYe);

  // Suppression: every month shown, and the equations a reader could use to recover a hidden count.
  const shownMonths = monthRange(earliest, ref);
  const cells: Cell[] = shownMonths.map((mo) => ({ id: `m:${mo}`, value: valueAt(series, mo), kind: 'count' }));
  const equations: Equation[] = [];
  const addTotal = (id: string, p: Period, value: number | null) => {
    cells.push({ id, value, kind: 'count', priority: 2, ownKey: true });
    equations.push({ total: id, parts: monthRange(p.from, p.to).map((mo) => `m:${mo}`) });
  };
  const addChange = (id: string, curId: string, prevId: string, c: Change) => {
    cells.push({ id, value: c.absolute, kind: 'derived', dependsOn: [] });
    equations.push({ total: curId, parts: [prevId, id] });
  };
  addChange('chg:month', `m:${ref}`, `m:${prevMonth}`, cPrevMonth.change);
  addChange('chg:same-month', `m:${ref}`, `m:${addMonths(ref, -12)}`, cMonth.change);
  addTotal('ye', ye, cYe.current.value);
  addTotal('ye-prev', previousYear(ye), cYe.previous.value);
  addChange('chg:ye', 'ye', 'ye-prev', cYe.change);
  addTotal('fytd', cFytd.current.period, cFytd.current.value);
  addTotal('fytd-prev', cFytd.previous.period, cFytd.previous.value);
  addChange('chg:fytd', 'fytd', 'fytd-prev', cFytd.change);
  addTotal('ry', cRy.current.period, cRy.current.value);
  addTotal('ry-prev', cRy.previous.period, cRy.previous.value);
  addChange('chg:ry', 'ry', 'ry-prev', cRy.change);
  if (cFocus) {
    addTotal('focus', cFocus.current.period, cFocus.current.value);
    addTotal('focus-prev', cFocus.previous.period, cFocus.previous.value);
    addChange('chg:focus', 'focus', 'focus-prev', cFocus.change);
  }
  cells.push({ id: 'avg5-sum', value: avg5.value === null ? null : avg5.value * avg5.months.length, kind: 'derived', priority: 3 });
  if (avg5.months.length) equations.push({ total: 'avg5-sum', parts: avg5.months.map((mo) => `m:${mo}`) });
  cells.push({ id: 'rate', value: rate, kind: 'derived', dependsOn: ['ye'] });
  cells.push({ id: 'share', value: share, kind: 'derived', dependsOn: ['ye'] });
  cells.push({ id: 'record', value: record ? 1 : null, kind: 'derived', dependsOn: [`m:${ref}`] });
  // The detector's expected value and upper bound for a month (its "band") are computed from the
  // baseline months: with all but one of them known, a hidden count could be worked back from the
  // band, as from a total. So the band is a derived value of its baseline (an equation, as for the
  // 5-year average), and of the month itself (an alarm bounds the month's count from below).
  for (const r of spikes) {
    if (r.expected === null && r.upperbound === null) continue;
    const base = baselineMonths(r);
    const baseIds = (base ?? (r.history.from && r.history.to ? monthRange(r.history.from, r.history.to) : [])).map((mo) => `m:${mo}`);
    // A baseline that is not one unbroken run is not one equation: hide the band with any hidden month in its span.
    cells.push({ id: `band:${r.month}`, value: 1, kind: 'derived', dependsOn: base ? [`m:${r.month}`] : [`m:${r.month}`, ...baseIds] });
    if (base) equations.push({ total: `band:${r.month}`, parts: baseIds });
  }
  const sup = suppress(cells, equations, supRules);
  const hidden = (id: string) => sup.isHidden(id);
  const small = suppressedText(rules.smallNumberThreshold);
  // A count hidden only to protect another (secondary) may be 0 or well above the threshold: it reads
  // "not shown", not "fewer than 5", which would be untrue.
  const hiddenText = (id: string) => (sup.primary.has(id) ? small : 'not shown');
  const countText = (id: string, v: number | null) => (hidden(id) ? hiddenText(id) : v === null ? 'not available' : formatCount(v));
  const changeText = (id: string, c: Change) => (hidden(id) ? 'change not shown (small numbers)' : c.short);
  const changeWords = (id: string, c: Change) => (hidden(id) ? 'change not shown (small numbers)' : changeClause(c));
  // How much of a period is synthetic, said beside the figure it feeds.
  const synthCount = (p: Pick<Period, 'from' | 'to'>) => monthRange(p.from, p.to).filter((mo) => coverage.synthetic.has(mo)).length;
  const synthOf = (p: Pick<Period, 'from' | 'to'>) => syntheticShare(synthCount(p), monthsBetween(p.from, p.to) + 1);

  const figures: Figure[] = [];
  const figurePeriods: AreaFigures['periods'] = {};
  const mName = monthName(ref);
  const place = placeName(area);
  const what = inSentence(m.label);

  // 1. The month
  {
    const v = cMonth.current.value;
    const h = hidden(`m:${ref}`);
    const parts: string[] = [];
    const tag = (mo: Month) => (coverage.synthetic.has(mo) && !coverage.synthetic.has(ref) ? ' (synthetic)' : '');
    if (!h && cPrevMonth.change.direction !== 'unknown') parts.push(`${changeWords('chg:month', cPrevMonth.change)} on ${monthName(prevMonth)}${tag(prevMonth)}`);
    if (!h && cMonth.change.direction !== 'unknown') parts.push(`${changeWords('chg:same-month', cMonth.change)} on ${monthName(addMonths(ref, -12))}${tag(addMonths(ref, -12))}`);
    const synthetic = coverage.synthetic.has(ref)
      ? 'synthetic'
      : [prevMonth, addMonths(ref, -12)].filter((mo) => coverage.synthetic.has(mo)).length
        ? `compared with synthetic ${[prevMonth, addMonths(ref, -12)]
            .filter((mo) => coverage.synthetic.has(mo))
            .map(monthName)
            .join(' and ')}`
        : '';
    figures.push({
      id: 'month',
      label: mName,
      value: h ? null : v,
      display: countText(`m:${ref}`, v),
      period: mName,
      wording:
        v === null
          ? `No data for ${mName}.`
          : h && !sup.primary.has(`m:${ref}`)
            ? `The count for ${mName} is not shown (it could reveal a small number).`
            : `${countText(`m:${ref}`, v)} ${word(h ? 2 : v)}${parts.length ? `: ${parts.join(', ')}` : ` in ${mName}`}.`,
      ...(h ? { suppressed: true } : {}),
      ...(synthetic ? { synthetic } : {}),
    });
  }
  // 2. Year ending
  figures.push(comparisonFigure('year-ending', `Year ending ${mName}`, cYe, 'ye', 'ye-prev', 'chg:ye'));
  // 3. The period asked for (a financial or reporting year), else the partnership's reporting year
  if (cFocus) figures.push(comparisonFigure('period', capitalise(period.focus.label), cFocus, 'focus', 'focus-prev', 'chg:focus'));
  // 4. Rate per 1,000
  if (population) {
    const h = hidden('rate');
    figures.push({
      id: 'rate',
      label: 'Rate per 1,000',
      value: h || rate === null ? null : Math.round(rate * 10) / 10,
      display: h ? 'not shown (small numbers)' : rate === null ? 'not available' : `${formatRate(rate)} per 1,000`,
      period: ye.label,
      wording:
        rate === null || h
          ? `No rate for the ${ye.label}${h ? ' (small numbers)' : ''}.`
          : `${formatRate(rate)} ${word(2)} per 1,000 residents in the ${ye.label} (${isEstimate(population) ? 'estimated ' : ''}population ${formatCount(population.population)}).`,
      ...(h ? { suppressed: true } : {}),
      ...(synthOf(ye) ? { synthetic: synthOf(ye) } : {}),
    });
  }
  // 5. Rank among siblings
  if (me && me.rank !== null && parent && !hidden('ye')) {
    const rankedCount = ranked.filter((r) => r.rank !== null).length;
    const kind = `${area.type === 'ward' ? `${parent.name} wards` : `${parent.name} districts`}${rankLeftOut ? ' with counts shown' : ''}`;
    const countBeside = hidden('ye') ? small : formatCount(me.count ?? 0);
    const pos = me.rank === 1 ? 'highest' : me.rank === rankedCount ? 'lowest' : `${ordinal(me.rank)} highest`;
    const tied = ranked.filter((r) => r.rank === me.rank).length - 1;
    figures.push({
      id: 'rank',
      label: `Rank of ${rankedCount}`,
      value: me.rank,
      display: `${me.joint ? 'joint ' : ''}${ordinal(me.rank)} of ${rankedCount}`,
      period: ye.label,
      wording:
        me.count === 0
          ? `No ${word(2)} in the ${ye.label}${tied ? `, like ${tied} other ${kind}` : ''}.`
          : `${hidden('rate') || me.rate === null ? 'The' : `${formatRate(me.rate)} per 1,000 residents: the`} ${me.joint ? `joint ${ordinal(me.rank)} highest (with ${tied} other${tied === 1 ? '' : 's'})` : pos} rate of the ${rankedCount} ${kind} in the ${ye.label}${hidden('ye') ? ` (${countBeside} ${word(2)})` : ''}.`,
      ...(synthOf(ye) ? { synthetic: synthOf(ye) } : {}),
    });
  }
  if (!cFocus) figures.push(comparisonFigure('reporting-year', capitalise(cRy.current.period.label), cRy, 'ry', 'ry-prev', 'chg:ry'));
  // Financial year to date
  figures.push(comparisonFigure('fytd', `Year to date (${cFytd.current.period.label})`, cFytd, 'fytd', 'fytd-prev', 'chg:fytd'));
  // "Highest since"
  if (record && !hidden('record')) {
    figures.push({
      id: 'record',
      label: `${capitalise(record.kind)} since`,
      value: record.count,
      display: record.since ? `${record.kind} since ${monthName(record.since)}` : `${record.kind} on record`,
      period: mName,
      wording: `${mName} was ${record.wording}.`,
      ...(recordSynthetic() ? { synthetic: recordSynthetic() } : {}),
    });
  }
  // Spike test of the reference month, in words from the detector's result
  const spikeRef = spikes.find((r) => r.month === ref) ?? null;
  const spikeRefHidden = !!spikeRef && (hidden(`band:${ref}`) || hidden(`m:${ref}`));
  const historyAllZero =
    !!spikeRef?.history.from && !!spikeRef.history.to && monthRange(spikeRef.history.from, spikeRef.history.to).every((mo) => (valueAt(series, mo) ?? 0) === 0);
  const spikeText = spikeRef ? spikeWords(spikeRef, !spikeRefHidden, word(2), { historyAllZero }) : null;
  if (spikeRef && spikeText) {
    figures.push({
      id: 'spike',
      label: `Expected for ${mName}`,
      value: spikeRefHidden || spikeRef.expected === null ? null : Math.round(spikeRef.expected * 10) / 10,
      display: spikeText.display,
      period: mName,
      wording: spikeText.wording,
      ...(spikeRefHidden && spikeRef.expected !== null ? { suppressed: true } : {}),
      ...(spikeRef.history.from && spikeRef.history.to && synthOf({ from: spikeRef.history.from, to: spikeRef.history.to })
        ? {
            synthetic: synthOf({ from: spikeRef.history.from, to: spikeRef.history.to })
              .replace(/^synthetic$/, 'all past months synthetic')
              .replace(' months synthetic', ' past months synthetic'),
          }
        : {}),
    });
  }
  // 5-year average for the month
  if (avg5.value !== null) {
    const h = hidden('avg5-sum');
    const cur = cMonth.current.value;
    const rel =
      cur === null || h || hidden(`m:${ref}`) ? '' : cur > avg5.value ? ' (this month is above it)' : cur < avg5.value ? ' (this month is below it)' : ' (this month equals it)';
    const years = avg5.months.length;
    const averaged = [...avg5.months].sort(compareMonths);
    const avgSynth = averaged.filter((mo) => coverage.synthetic.has(mo)).length;
    figures.push({
      id: 'five-year-average',
      label: `${years}-year average for ${mName.split(' ')[0]}`,
      value: h ? null : Math.round(avg5.value * 10) / 10,
      display: h ? 'not shown (small numbers)' : (Math.round(avg5.value * 10) / 10).toFixed(1),
      period: years === 1 ? monthName(averaged[0]!) : `${monthName(averaged[0]!)} to ${monthName(averaged[years - 1]!)}`,
      ...(avgSynth ? { synthetic: syntheticShare(avgSynth, years).replace('months', years === 1 ? 'month' : 'months') } : {}),
      wording: h
        ? `The ${years}-year average for ${mName.split(' ')[0]} is not shown (small numbers).`
        : `The average for ${mName.split(' ')[0]} over the previous ${years === 1 ? 'year' : `${years} years`} is ${(Math.round(avg5.value * 10) / 10).toFixed(1)}${rel}.`,
      ...(h ? { suppressed: true } : {}),
    });
  }
  // Share of the parent total
  // The share would give the parent's count: only where the channel may see the parent.
  if (share !== null && parent && inScope(parent)) {
    const h = hidden('share');
    figures.push({
      id: 'share-of-parent',
      label: `Share of ${parent.name}`,
      value: h ? null : Math.round(share * 1000) / 10,
      display: h ? 'not shown (small numbers)' : formatShare(share),
      period: ye.label,
      wording: h ? `Share of ${parent.name} not shown (small numbers).` : `${formatShare(share)} of ${parent.name}'s ${what} in the ${ye.label}.`,
      ...(h ? { suppressed: true } : {}),
    });
  }

  // Key figures: what the question was about first.
  // The spike test comes straight after the month; for a year's question only when it alarmed.
  const spikeKey = period.focus.kind === 'month' || spikeRef?.alarm ? ['spike'] : [];
  const order =
    period.focus.kind === 'month'
      ? // The first screen is the answer: four figures for a month (the rate is in the rank's sentence).
        ['month', ...spikeKey, 'year-ending', 'rank', 'rate', 'record', 'reporting-year', 'five-year-average']
      : period.focus.kind === 'year-ending'
        ? ['year-ending', 'rate', 'rank', 'month', ...spikeKey, 'share-of-parent', 'reporting-year']
        : ['period', 'year-ending', 'rate', 'rank', 'month', ...spikeKey, 'share-of-parent'];
  const keyFigures = order
    .map((id) => figures.find((f) => f.id === id))
    .filter((f): f is Figure => !!f)
    .slice(0, period.focus.kind === 'month' ? 4 : 5);

  // Series for the chart and --json: the last seriesMonths (>= 24) months up to the reference month.
  const windowFrom = addMonths(ref, -Math.max(24, rules.seriesMonths) + 1);
  const spikeAt = new Map(spikes.map((r) => [r.month, r]));
  const band = (mo: Month): Partial<SeriesPoint> => {
    const r = spikeAt.get(mo);
    if (!r || hidden(`m:${mo}`) || (r.status !== 'tested' && r.status !== 'below-minimum-count')) return {};
    // Without its band (it could reveal a small number) an alarm month is still marked.
    if (r.expected === null || r.upperbound === null || hidden(`band:${mo}`)) return r.alarm ? { alarm: true } : {};
    return { expected: Math.round(r.expected * 100) / 100, upperbound: r.upperbound, alarm: r.alarm };
  };
  const seriesOut: SeriesPoint[] = monthRange(windowFrom, ref)
    .filter((mo) => valueAt(series, mo) !== null || compareMonths(mo, coverage.first ?? ref) >= 0)
    .map((mo) => ({ month: mo, count: hidden(`m:${mo}`) ? null : valueAt(series, mo), ...band(mo), ...(coverage.synthetic.has(mo) ? { synthetic: true } : {}) }));

  // A chart of hatching says nothing: where most of the chart's months are hidden (perturbed cells
  // below the threshold), chart the rolling 12-month total instead. Each is the year ending that month,
  // the same perturbed cell the "year ending" figure of a reply for that month shows, so it tells a
  // reader nothing those replies do not; one below the threshold is hidden like any count. Only under
  // the disclosure policy: exact totals beside hidden months would give them by differencing.
  let chartSeries: AreaFigures['chartSeries'] = null;
  const chartMonths = Math.max(1, rules.chartMonths ?? 24);
  const chartWindow = seriesOut.slice(-chartMonths);
  const hiddenMonths = chartWindow.filter((p) => hidden(`m:${p.month}`)).length;
  if (perturbed && chartWindow.length && hiddenMonths * 2 > chartWindow.length) {
    const totals = rollingTotals(series, chartWindow[0]!.month, ref, 12);
    const points: SeriesPoint[] = totals.map((t) => ({
      month: t.month,
      count: t.value === null || isSmall(t.value, rules.smallNumberThreshold, true) ? null : t.value,
      ...(monthRange(t.period.from, t.period.to).some((mo) => coverage.synthetic.has(mo)) ? { synthetic: true } : {}),
    }));
    const hiddenTotals = points.filter((p) => p.count === null).length;
    if (hiddenTotals < hiddenMonths) chartSeries = { values: 'rolling-12-month-total', points, months: chartMonths, hiddenMonths, hiddenTotals };
  }

  const labels: Record<string, string> = {
    ye: `total, ${ye.label}`,
    'ye-prev': `total, ${previousYear(ye).label}`,
    'chg:ye': 'change on the previous year ending',
    'chg:month': 'change on the previous month',
    'chg:same-month': 'change on the same month last year',
    rate: 'rate per 1,000',
    share: 'share of the parent area',
    fytd: 'financial year to date',
    'fytd-prev': 'financial year to date, a year earlier',
    'chg:fytd': 'change, financial year to date',
    ry: 'reporting year',
    'ry-prev': 'previous reporting year',
    'chg:ry': 'change on the previous reporting year',
    'avg5-sum': '5-year average',
    record: 'highest/lowest since',
    focus: period.focus.label,
    'focus-prev': focusPrev.label,
    'chg:focus': 'change on the year before',
  };
  const suppressed = [...sup.hidden].map((id) => ({
    id,
    label: id.startsWith('m:') ? `count, ${monthName(id.slice(2))}` : id.startsWith('band:') ? `expected range, ${monthName(id.slice(5))}` : (labels[id] ?? id),
    reason: sup.primary.has(id) ? ('small number' as const) : ('could reveal a small number' as const),
  }));

  // Notes: the caveats a reader needs, each said once and short. The method (how the spike test and
  // ward placement work) goes in `about`, which surfaces show collapsed under "About these figures".
  const notes: string[] = [];
  const about: string[] = [];
  const sourceWords = eff.source === 'partnership' ? "the partnership's own extract" : eff.source === 'mixed' ? "police.uk and the partnership's own extract" : 'police.uk';
  notes.push(
    `Source: ${sourceWords}, ${m.kind === 'crime' ? 'recorded offences' : 'recorded incidents'}, to ${monthName(latest)}${eff.source === 'partnership' ? '' : ' (Open Government Licence v3.0)'}.${m.key === 'all-crime' ? ' All crime excludes anti-social behaviour.' : m.kind === 'asb' ? ' ASB figures are incidents, not crimes.' : ''}`,
  );
  const synthMonths = seriesOut.filter((p) => p.synthetic).map((p) => p.month);
  const synthUsed = shownMonths.filter((mo) => coverage.synthetic.has(mo));
  if (synthUsed.length) {
    const span = synthUsed.length === 1 ? monthName(synthUsed[0]!) : `${monthName(synthUsed[0]!)} to ${monthName(synthUsed[synthUsed.length - 1]!)}`;
    notes.push(`Synthetic data: ${span} ${synthUsed.length === 1 ? 'is' : 'are'} generated for demonstration, not real; figures marked synthetic are illustrative only.`);
  }
  if (population && isEstimate(population)) notes.push(`Rates use an estimated population (${population.source.replace(/^ESTIMATE\b[:\s]*/, '')}).`);
  notes.push(
    ...(await revisionNotes(store, eff.source === 'mixed' ? ['police.uk', 'partnership'] : [eff.source === 'partnership' ? 'partnership' : 'police.uk'], earliest, ref, monthName, {
      // the partnership's force-wide total holds every measure, sensitive ones too: only where all are exact
      totals: perturbed || disclosure?.sensitiveCleared === false ? ['police.uk'] : ['police.uk', 'partnership'],
    })),
  );
  if (perturbed) notes.push(perturbedNote(rules.smallNumberThreshold));
  else if (sup.hidden.size)
    notes.push(
      `This channel is not cleared for small numbers: 1 to ${rules.smallNumberThreshold - 1} show as "${small}"${sup.secondary.size ? ', and figures that would reveal them are not shown' : ''}.`,
    );
  about.push(...spikeNotes());
  if (area.type === 'ward') {
    const pl = await placement(store, eff, area.code, ref);
    const placed = pl.byPolygon + pl.byLsoa + pl.byPartner;
    if (placed > 0) {
      // Perturbed figures: the shares of the true count would give it away (with police.uk's part known).
      const sh = (n: number) => (perturbed ? 'some' : formatShare(n / placed));
      const how = [
        pl.byPolygon ? `${sh(pl.byPolygon)} by the police.uk map point inside the ward boundary` : '',
        pl.byLsoa ? `${sh(pl.byLsoa)} by the LSOA best-fit lookup` : '',
        pl.byPartner ? `${sh(pl.byPartner)} by the ward the partnership extract gives` : '',
      ]
        .filter(Boolean)
        .join(', ');
      about.push(
        `Ward counts for ${mName} were placed ${how}.${pl.byPolygon ? ' police.uk moves each point to a nearby anonymous location, so counts near ward edges are approximate.' : ''}`,
      );
    }
  }

  // Summary: the answer in two or three sentences, synthetic figures said as such.
  const sent: string[] = [...eff.notes];
  const f0 = figures.find((f) => f.id === 'month')!;
  const spikeClause = spikeText?.clause && !hidden(`m:${ref}`) && period.focus.kind === 'month' ? `, ${spikeText.clause}` : '';
  if (period.focus.kind === 'month' && hidden(`m:${ref}`) && !sup.primary.has(`m:${ref}`))
    sent.push(`${place}: the count for ${mName} is not shown (it could reveal a small number).`);
  else if (period.focus.kind === 'month')
    sent.push(
      `${coverage.synthetic.has(ref) ? 'Illustrative (synthetic data): ' : ''}${place} recorded ${f0.display} ${word(hidden(`m:${ref}`) ? 2 : (cMonth.current.value ?? 2))}${m.key === 'all-crime' ? '' : ` of ${what}`} in ${mName}${spikeClause}.`,
    );
  if (cYe.current.value !== null && cYe.previous.value !== null && !hidden('ye') && !hidden('ye-prev') && !hidden('chg:ye')) {
    const anySynth = synthOf(previousYear(ye)) || synthOf(ye);
    sent.push(`In the ${ye.label}: ${formatCount(cYe.current.value)}, ${changeClause(cYe.change)} on the year before${anySynth ? ' (synthetic months: illustrative)' : ''}.`);
  } else if (cYe.current.value !== null && !hidden('ye')) {
    sent.push(`${capitalise(ye.label)}: ${formatCount(cYe.current.value)} ${word(cYe.current.value)}.`);
  }
  if (cFocus && cFocus.current.value !== null && !hidden('focus')) {
    const tag = synthOf(cFocus.previous.period);
    sent.push(
      `${capitalise(period.focus.label)}: ${formatCount(cFocus.current.value)} ${word(cFocus.current.value)}, ${hidden('chg:focus') ? 'change not shown' : changePhrase(cFocus.change, m)} on the same months a year earlier${tag ? ` (${tag})` : ''}.`,
    );
  }
  if (record && !hidden('record') && period.focus.kind === 'month') {
    const tag = recordSynthetic();
    sent.push(`It was ${record.wording}${tag ? ` (${tag})` : ''}.`);
  }
  if (period.focus.kind !== 'month' && spikeRef?.alarm && !hidden(`m:${ref}`)) sent.push(`${mName} was higher than expected for the time of year.`);

  return {
    area: areaRefWith(area, parent),
    measure: measureRef(m, eff.source),
    requestedMeasure: measureRef(eff.requested),
    latestMonth: latest,
    reference: ref,
    focus: period.focus,
    figures,
    keyFigures,
    series: seriesOut,
    chartSeries,
    suppressed,
    population,
    rank:
      me && !hidden('ye')
        ? {
            rank: me.rank,
            of: ranked.filter((r) => r.rank !== null).length,
            joint: me.joint,
            // Only the siblings the channel may see: another partnership's counts and rates are not its to read.
            siblings: ranked
              .filter((r) => r.code === area.code || inScope(siblings.find((x) => x.code === r.code)!))
              .map((r) => ({ code: r.code, name: r.name, count: r.count, rate: r.rate, rank: r.rank })),
          }
        : null,
    notes,
    about,
    synthetic: { months: synthMonths, all: synthMonths.length === seriesOut.length && seriesOut.length > 0 },
    periods: { month: { from: ref, to: ref }, ...figurePeriods },
    summary: sent.join(' '),
    detection: rules.detection ? detectionSummary() : null,
  };

  /** The months a "highest since" compared, and how many of them are synthetic. */
  function recordSynthetic(): string {
    if (!record) return '';
    if (coverage.synthetic.has(ref)) return 'synthetic';
    const compared = series.points.filter((p) => p.count !== null && compareMonths(p.month, ref) < 0 && (!record.since || compareMonths(p.month, record.since) >= 0));
    const synth = compared.filter((p) => coverage.synthetic.has(p.month)).length;
    return synth ? `${synth} of the ${compared.length} months compared synthetic` : '';
  }

  function syntheticIn(from: Month | null, to: Month | null): number {
    return from && to ? monthRange(from, to).filter((mo) => coverage.synthetic.has(mo)).length : 0;
  }

  function spikeNotes(): string[] {
    if (!rules.detection || !spikes.length) return [];
    const out: string[] = [];
    const tested = spikes.filter((r) => r.status === 'tested' || r.status === 'below-minimum-count');
    const r = spikeRef;
    if (r && (r.status === 'tested' || r.status === 'below-minimum-count') && r.history.from && r.history.to) {
      const synth = syntheticIn(r.history.from, r.history.to);
      const left = DEFAULT_FARRINGTON_PARAMS.pastWeeksNotIncluded ?? DEFAULT_FARRINGTON_PARAMS.w;
      out.push(
        `Expected level: ${mName} is compared with the same time of year in the ${r.history.months} months from ${monthName(r.history.from)} to ${monthName(r.history.to)}${r.trend ? ', allowing for the trend' : ''}${r.history.downweighted ? `, with ${r.history.downweighted} unusual past month${r.history.downweighted === 1 ? '' : 's'} given less weight` : ''}. The ${left} months just before it are left out, so a rise already under way does not raise its own bar.${synth ? ` ${synth === r.history.months ? 'All' : `${synth} of`} those months are synthetic, so the expected level is illustrative.` : ''} (The method is the Farrington flexible algorithm used in public health surveillance: Noufaily et al., Statistics in Medicine 2013.)`,
      );
    }
    if (tested.length) {
      const firstTested = tested[0]!.month;
      const untested = spikes.filter((x) => compareMonths(x.month, firstTested) < 0).length;
      out.push(
        `The shaded band on the chart runs from the expected level up to the alert threshold. A month above the band is flagged as higher than expected: an ordinary month goes that high about 1 month in ${Math.round(1 / DEFAULT_FARRINGTON_PARAMS.alpha)} or less, and a month with fewer than ${DEFAULT_FARRINGTON_PARAMS.limit54[0]} is never flagged. A month below the band is not higher than expected.${untested ? ` The ${untested} earliest month${untested === 1 ? '' : 's'} on the chart ${untested === 1 ? 'has' : 'have'} too little history to test.` : ''}`,
      );
      if (tested.some((x) => hidden(`band:${x.month}`) || hidden(`m:${x.month}`))) out.push('The band is not shown for some months: it could reveal a small number.');
    }
    return out;
  }

  function detectionSummary(): DetectionSummary {
    const r = spikeRef;
    return {
      method: `Farrington-flexible (${DEFAULT_FARRINGTON_PARAMS.thresholdMethod}), default parameters`,
      params: { ...DEFAULT_FARRINGTON_PARAMS },
      latest:
        r && spikeText
          ? {
              month: r.month,
              status: r.status,
              alarm: hidden(`m:${ref}`) ? null : r.alarm,
              expected: spikeRefHidden || r.expected === null ? null : Math.round(r.expected * 100) / 100,
              upperbound: spikeRefHidden ? null : r.upperbound,
              probability: spikeRefHidden ? null : r.probability,
              rangeHidden: spikeRefHidden,
              history: {
                from: r.history.from,
                to: r.history.to,
                months: r.history.months,
                syntheticMonths: syntheticIn(r.history.from, r.history.to),
                monthsNeeded: r.history.monthsNeeded,
                monthsAvailable: r.history.monthsAvailable,
              },
              wording: spikeText.wording,
            }
          : null,
      months: spikes.map((x) => {
        const h = hidden(`band:${x.month}`) || hidden(`m:${x.month}`);
        return {
          month: x.month,
          status: x.status,
          expected: h || x.expected === null ? null : Math.round(x.expected * 100) / 100,
          upperbound: h ? null : x.upperbound,
          alarm: hidden(`m:${x.month}`) ? null : x.alarm,
          hidden: h && x.expected !== null,
        };
      }),
    };
  }

  function comparisonFigure(id: string, label: string, c: Comparison, curId: string, prevId: string, chgId: string): Figure {
    figurePeriods[id] = { from: c.current.period.from, to: c.current.period.to, previous: { from: c.previous.period.from, to: c.previous.period.to } };
    const v = c.current.value;
    const h = hidden(curId);
    const p = c.current.period;
    let wording: string;
    if (v === null)
      wording = `No total for ${inPeriod(p).replace(/^in /, '')}: ${c.current.missing.length} month${c.current.missing.length === 1 ? '' : 's'} missing from the data.`;
    else if (h) wording = sup.primary.has(curId) ? `${capitalise(p.label)}: ${small} ${word(2)}.` : `${capitalise(p.label)}: not shown (it could reveal a small number).`;
    else if (c.previous.value === null) wording = `${formatCount(v)} ${word(v)} ${inPeriod(p)}; no comparison (the year before is not in the data).`;
    else if (hidden(chgId) || hidden(prevId)) wording = `${formatCount(v)} ${word(v)} ${inPeriod(p)} (change on the year before not shown: small numbers).`;
    else {
      const prevSynth = synthOf(c.previous.period);
      const curSynth = synthOf(p);
      // The figure's label names the period and its `synthetic` tag says how much is synthetic: the sentence says the change.
      wording = `${formatCount(v)} ${word(v)}${curSynth === 'synthetic' ? ' (synthetic)' : ''}, ${changePhrase(c.change, m)} on ${inPeriod(c.previous.period).replace(/^in /, '')} (${formatCount(c.previous.value)}${prevSynth === 'synthetic' ? ', synthetic' : ''}).`;
    }
    const curSynth = synthOf(p);
    const prevSynth = c.previous.value === null ? '' : synthOf(c.previous.period);
    const prevWords = prevSynth === 'synthetic' ? 'all synthetic' : prevSynth;
    const synthetic = curSynth
      ? prevSynth && curSynth !== 'synthetic'
        ? `${curSynth}${prevSynth === 'synthetic' ? '; year before too' : `; year before ${prevWords}`}`
        : curSynth
      : prevSynth
        ? `year before ${prevWords}`
        : '';
    const shortChange = c.change.percent === null ? c.change.absoluteText : c.change.short;
    return {
      id,
      label,
      value: h ? null : v,
      display: `${countText(curId, v)}${!h && v !== null && c.change.direction !== 'unknown' && !hidden(chgId) ? ` (${shortChange})` : ''}`,
      period: p.label,
      wording,
      ...(h ? { suppressed: true } : {}),
      ...(synthetic ? { synthetic } : {}),
    };
  }
}

/** "in the year ending April 2024", "in 2023/24 (year ending March 2024)", "in April 2024" */
export function inPeriod(p: Period): string {
  return p.kind === 'year-ending' || p.kind === 'financial-year' ? `in the ${p.label}` : `in ${p.label}`;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The note on every reply whose protected figures are perturbed (src/figures/disclosure.ts). */
export function perturbedNote(threshold: number): string {
  return `Figures from the partnership's own extract are shown with a small adjustment in this channel, the same every time for the same figure (the ONS cell key method), so totals may not add up exactly; values below ${threshold} show as "fewer than ${threshold}". Channels cleared for small numbers see them exactly.`;
}
