// The chair's pre-meeting brief as a platform-neutral model: cover, scanning table, priorities, notable
// ward changes, the ward map, hotspots, alerts since the last meeting, caveats and charts. Built for one
// channel (its partnership, clearance and measures), so whatever renders it (the PDF, the chat card)
// can show only what that channel may see. Wording follows the strategic assessment (seeds 003/004).
import type { CommandContext } from '../core/dispatch.ts';
import {
  addMonths,
  compareMonths,
  dayWords,
  latestExpectedPublished,
  monthName,
  monthOfDay,
  monthRange,
  monthsBetween,
  publicationWords,
  type IsoDay,
  type Month,
} from '../core/periods.ts';
import type { ChartRequest, MapRequest } from '../core/reply.ts';
import { revisionNotes, seriesByArea, measureFor, partnershipTest } from '../figures/data.ts';
import { DEFAULT_HOTSPOT_SETTINGS, periodHotspots } from '../figures/ranking.ts';
import { totalFor } from '../figures/series.ts';
import { isSmall, suppressedText } from '../figures/suppression.ts';
import { disclosureFor } from '../figures/disclosure.ts';
import { describeChange, formatCount, formatRate, type Change } from '../figures/wording.ts';
import { topicText } from '../resolve/question.ts';
import type { Area } from '../store/types.ts';
import type { Measure } from '../taxonomy/index.ts';
import { map as mapCommand } from '../../commands/map.ts';
import { alertsSince, type AlertsSection } from './alerts.ts';
import { largestChanges, periodOut, sawSentence, sharedFigures, type MeasureRow, type PeriodOut, type SharedFigures } from './figures.ts';

export const OGL_LINE = 'Contains public sector information licensed under the Open Government Licence v3.0.';
export const BOUNDARY_LINE =
  'Ward boundaries: Source: Office for National Statistics licensed under the Open Government Licence v.3.0. Contains OS data © Crown copyright and database right.';

export interface WardChange {
  code: string;
  name: string;
  district: string;
  previous: number;
  current: number;
  change: Change;
  /** "Market (+15%, +123)" */
  text: string;
}

export interface WardChanges {
  key: string;
  label: string;
  rises: WardChange[];
  falls: WardChange[];
  /** "All but one ward saw increases" style context: how many wards rose, fell, of how many. */
  counts: { up: number; down: number; wards: number };
  note: string | null;
}

export interface HotspotGroup {
  key: string;
  label: string;
  period: string;
  wards: Array<{ code: string; name: string; count: number; rate: number; parentRate: number; ratio: number; text: string }>;
}

export interface BriefModel {
  partnership: { id: string; name: string };
  channel: { name: string; smallNumbers: boolean; sensitive: boolean };
  areaName: string;
  countyName: string | null;
  meeting: { date: IsoDay; words: string; previous: IsoDay | null } | null;
  generatedAt: string;
  month: Month;
  periods: { current: PeriodOut; previous: PeriodOut; base: PeriodOut; reportingYear: PeriodOut; reportingYearToDate: PeriodOut | null };
  /** What the data covers, in words, and which months it does not. */
  coverage: {
    dataTo: string;
    first: Month | null;
    syntheticMonths: Month[];
    /** Months after the data that police.uk should already have published, but the store does not hold. */
    notLoaded: Month[];
    /** Months up to the meeting that police.uk has not published yet, with when it will. */
    notPublished: Array<{ month: Month; words: string }>;
    words: string[];
  };
  headline: string[];
  scanning: MeasureRow[];
  flagRules: string[];
  largest: { rises: string[]; falls: string[]; rule: string };
  priorities: Array<{ key: string; label: string; row: MeasureRow | null; sentence: string }>;
  wardChanges: WardChanges[];
  wardRule: string;
  hotspots: HotspotGroup[];
  hotspotRule: string;
  map: { request: MapRequest; alt: string; notes: string[] } | null;
  alerts: AlertsSection;
  caveats: string[];
  charts: Array<{ request: ChartRequest; alt: string; caption: string }>;
  licence: string[];
  suppression: SharedFigures['suppression'];
  notShown: string[];
  notes: string[];
}

export interface BriefOptions {
  month?: Month;
  meetingDate?: IsoDay | null;
}

/** The meeting before `date` among the configured ones. */
export function previousMeeting(dates: readonly string[], date: IsoDay): IsoDay | null {
  return (
    [...dates]
      .filter((d) => d < date)
      .sort()
      .at(-1) ?? null
  );
}

/** The next configured meeting on or after `today`. */
export function nextMeeting(dates: readonly string[], today: IsoDay): IsoDay | null {
  return [...dates].filter((d) => d >= today).sort()[0] ?? null;
}

export async function buildBrief(ctx: CommandContext, options: BriefOptions = {}): Promise<BriefModel> {
  const { store, partnership, channel, config, taxonomy: tax } = ctx;
  const rules = partnership.brief;
  const endMonth = partnership.reportingYearEnd;
  const shared = await sharedFigures(ctx, options.month ? { month: options.month } : {});
  const { frame, periods, rows } = shared;
  const month = periods.month;
  const threshold = partnership.smallNumberThreshold;
  const small = suppressedText(threshold);
  // Police.uk counts exact, protected cells perturbed (src/figures/disclosure.ts), as in every reply.
  const disclosure = await disclosureFor(ctx);
  const meetingDate = options.meetingDate ?? null;
  const prevMeeting = meetingDate ? previousMeeting(partnership.meetingDates, meetingDate) : null;
  const rowOf = new Map(rows.map((r) => [r.key, r]));
  const noun = (m: { kind: string }) => (m.kind === 'crime' ? 'offences' : 'incidents');

  // Headline in the seeds' voice.
  const headline: string[] = [];
  for (const h of shared.headline) headline.push(h.sentence);
  for (const key of ['all-crime', 'anti-social-behaviour']) {
    const r = rowOf.get(key);
    if (!r) continue;
    if (r.change && r.current !== null && r.previous !== null) {
      const dir = r.change.direction === 'up' ? 'increased' : r.change.direction === 'down' ? 'decreased' : 'stayed the same';
      headline.push(
        `${r.label} in ${frame.name} has ${dir} in the ${periods.current.label}, from ${formatCount(r.previous)} to ${formatCount(r.current)} (${r.change.percentText === 'no calc' ? r.change.absoluteText : r.change.percentText}).`,
      );
    }
  }
  const { rises, falls } = largestChanges(rows, rules.minBase);
  const largest = {
    rises: rises.map((r) => `${sawSentence(r)}.`),
    falls: falls.map((r) => `${sawSentence(r)}.`),
    rule: `Largest changes by percentage among measures with at least ${rules.minBase} offences or incidents in the ${periods.previous.label}, so a change from 2 to 4 is never "the largest rise".`,
  };

  // Priorities: each with its row; a priority the channel may not see is named, not shown.
  const priorities: BriefModel['priorities'] = [];
  for (const key of partnership.priorityMeasures) {
    const m = tax.get(key);
    if (!m) continue;
    const row = rowOf.get(key) ?? null;
    if (!row) {
      priorities.push({
        key,
        label: m.label,
        row: null,
        sentence: shared.notShown.includes(m.label)
          ? `${m.label}: not shown in this channel (${m.sensitive ? 'a sensitive measure' : 'outside its measures'}).`
          : `${m.label}: no full year of data.`,
      });
      continue;
    }
    const parts: string[] = [];
    if (row.change) parts.push(`${sawSentence(row)} in the ${periods.current.label} (${row.currentText})`);
    else parts.push(`${row.label}: ${row.currentText} in the ${periods.current.label}${row.changeText === 'not shown' ? ' (change not shown: small numbers)' : ''}`);
    if (row.longTerm) parts.push(`against ${periodOut(periods.base, endMonth).short}: ${row.longTermText.slice(1, -1)}`);
    parts.push(`flag: ${row.flagText === '-' ? 'none' : row.flagText.toLowerCase()}`);
    priorities.push({ key, label: row.label, row, sentence: `${parts.join('; ')}.` });
  }

  // Notable ward changes for the headline measure and the priorities the channel may see.
  const wardMeasures = [...new Set(['all-crime', 'anti-social-behaviour', ...partnership.priorityMeasures])]
    .map((k) => rowOf.get(k))
    .filter((r): r is MeasureRow => !!r && r.current !== null);
  const wardLists = await Promise.all(frame.districts.map((d) => store.children(d.code)));
  const wards = wardLists.flat().filter((a) => a.type === 'ward');
  const districtName = new Map(frame.districts.map((d) => [d.code, d.name]));
  const wardChanges: WardChanges[] = [];
  const hotspots: HotspotGroup[] = [];
  const has = await partnershipTest(
    store,
    tax,
    wards.map((w) => w.code),
  );
  const wardPops = await store.populations(wards.map((w) => w.code));
  const settings = { ...DEFAULT_HOTSPOT_SETTINGS, minCount: Math.max(DEFAULT_HOTSPOT_SETTINGS.minCount, threshold) };
  for (const row of wardMeasures.slice(0, 6)) {
    const m = tax.get(row.key)!;
    const eff = await measureFor(store, tax, wards[0] ?? frame.districts[0]!, m, has);
    if ('unavailable' in eff || !wards.length) continue;
    const { series } = await seriesByArea(
      store,
      eff,
      wards.map((w) => w.code),
      { from: periods.previous.from, to: month },
      disclosure,
    );
    const exact = disclosure.mode(eff) === 'exact';
    const items = wards.map((w) => ({ w, cur: totalFor(series.get(w.code)!, periods.current).value, prev: totalFor(series.get(w.code)!, periods.previous).value }));
    const changed = items.filter((it) => it.cur !== null && it.prev !== null).map((it) => ({ ...it, change: describeChange(it.prev, it.cur, config.figures.noCalcBase) }));
    // A ward is listed only on a base of at least wardMinBase, and never with a small protected number.
    const notable = changed.filter((it) => it.prev! >= rules.wardMinBase && it.change.percent !== null && (exact || !isSmall(it.cur, threshold, true)));
    const leftSmall = changed.filter((it) => it.prev! >= rules.wardMinBase && !exact && isSmall(it.cur, threshold, true)).length;
    const toChange = (it: (typeof notable)[number]): WardChange => ({
      code: it.w.code,
      name: it.w.name,
      district: districtName.get(it.w.parentCode ?? '') ?? '',
      previous: it.prev!,
      current: it.cur!,
      change: it.change,
      text: `${it.w.name} (${it.change.short})`,
    });
    const by = (a: (typeof notable)[number], b: (typeof notable)[number]) =>
      Math.abs(b.change.percent!) - Math.abs(a.change.percent!) || Math.abs(b.change.absolute!) - Math.abs(a.change.absolute!);
    wardChanges.push({
      key: row.key,
      label: row.label,
      rises: notable
        .filter((it) => it.change.direction === 'up')
        .sort(by)
        .slice(0, rules.wardChanges)
        .map(toChange),
      falls: notable
        .filter((it) => it.change.direction === 'down')
        .sort(by)
        .slice(0, rules.wardChanges)
        .map(toChange),
      counts: { up: changed.filter((it) => it.change.direction === 'up').length, down: changed.filter((it) => it.change.direction === 'down').length, wards: wards.length },
      note: leftSmall ? `${leftSmall} ward${leftSmall === 1 ? '' : 's'} not listed: the count is ${small} (small numbers).` : null,
    });
    // Hotspots over the year ending, each district's wards against the district.
    const group: HotspotGroup = { key: row.key, label: row.label, period: periods.current.label, wards: [] };
    for (const d of frame.districts) {
      const own = items.filter((it) => it.w.parentCode === d.code);
      const found = periodHotspots(
        own.map((it) => ({ code: it.w.code, name: it.w.name, count: it.cur, population: wardPops.get(it.w.code)?.population ?? null })),
        d.name,
        `the ${periods.current.label}`,
        settings,
      );
      for (const f of found.filter((x) => x.hotspot).sort((a, b) => b.locationQuotient - a.locationQuotient)) {
        group.wards.push({
          code: f.code,
          name: f.name,
          count: f.count,
          rate: f.rate,
          parentRate: f.parentRate,
          ratio: f.locationQuotient,
          text: `${f.name}${frame.districts.length > 1 ? ` (${d.name})` : ''}: ${formatCount(f.count)} ${noun(m)}, ${formatRate(f.rate)} per 1,000 against ${formatRate(f.parentRate)} for ${d.name} (${f.locationQuotient.toFixed(1)} times)`,
        });
      }
    }
    if (group.wards.length) hotspots.push(group);
  }
  const wardRule = `Notable: the largest changes by percentage in wards with at least ${rules.wardMinBase} in the ${periods.previous.label} (up to ${rules.wardChanges} each way). Ward counts are placed by the police.uk map point or the LSOA best fit, so wards near a boundary are approximate.`;
  const hotspotRule = `Hotspot: a ward whose count in the ${periods.current.label} is above its population share of its district's by more than chance would explain (exact Poisson test, false discovery rate ${Math.round(settings.fdr * 100)}% across the district's wards, at least ${settings.minCount} in the year). "Times" is the ward's rate over the district's.`;

  // The ward map of the headline measure, drawn as /crime map draws it for this channel.
  let mapOut: BriefModel['map'] = null;
  const headlineMeasure = tax.get('all-crime')!;
  const mapReply = await mapCommand(`${topicText(headlineMeasure)} ye ${monthName(month).toLowerCase()}`, ctx);
  if (mapReply.kind !== 'error' && mapReply.chart?.kind === 'map') mapOut = { request: mapReply.chart, alt: mapReply.chartAlt ?? mapReply.summary ?? '', notes: mapReply.notes };

  // Alerts since the last meeting (or the three months before the brief's month).
  const since = prevMeeting ? monthOfDay(prevMeeting) : addMonths(month, -2);
  const alerts = await alertsSince(store, { partnership: partnership.id, since, channel, taxonomy: tax, threshold });

  // Coverage: what the data covers, and the months up to the meeting it does not.
  const asOf = meetingDate ?? ctx.now.toISOString().slice(0, 10);
  const expected = latestExpectedPublished(asOf);
  const afterData = compareMonths(addMonths(monthOfDay(asOf), -1), month) > 0 ? monthRange(addMonths(month, 1), addMonths(monthOfDay(asOf), -1)) : [];
  const latestHeld = frame.coverage.latest ?? month;
  const notLoaded = afterData.filter((mo) => compareMonths(mo, expected) <= 0 && compareMonths(mo, latestHeld) > 0);
  const notPublished = afterData.filter((mo) => compareMonths(mo, expected) > 0).map((mo) => ({ month: mo, words: publicationWords(mo) }));
  const coverageWords: string[] = [
    `The figures cover ${monthName(periods.base.from)} to ${monthName(month)}: the ${periods.current.label} against the ${periods.previous.label} and, for the longer-term trend, the ${periods.base.label}.`,
  ];
  const rc = periods.reportingYearContaining;
  const rcShort = periodOut(rc, endMonth).short;
  coverageWords.push(
    `Reporting years end in ${monthName(rc.to).split(' ')[0]}: "${rcShort}" is ${monthName(rc.from)} to ${monthName(rc.to)}.${
      periods.reportingYearToDate
        ? ` The latest complete one is ${periods.reportingYear.label}; ${monthsBetween(rc.from, month) + 1} of the 12 months of ${rcShort} are in (${periods.reportingYearToDate.label}).`
        : ''
    }`,
  );
  if (latestHeld !== month) coverageWords.push(`The data loaded runs to ${monthName(latestHeld)}; this brief is drawn for ${monthName(month)}.`);
  if (notLoaded.length) coverageWords.push(`${rangeWords(notLoaded)} should already be published by police.uk but ${notLoaded.length === 1 ? 'is' : 'are'} not loaded here.`);
  if (notPublished.length) coverageWords.push(`Not yet published: ${notPublished.map((n) => monthName(n.month)).join(', ')} (${notPublished.map((n) => n.words).join('; ')}).`);

  // Caveats.
  const caveats: string[] = [];
  caveats.push(
    'Recording practice: police recorded crime counts what is reported and recorded, not all crime. Changes to the National Crime Recording Standards have raised some counts (violence without injury, stalking and harassment) without any change in crime, and under-reporting is known for sexual offences and domestic abuse.',
  );
  caveats.push(
    'police.uk locations are snapped to anonymous map points and some months are re-published with corrections; ASB figures are incidents, not crimes; police.uk categories are broader than Home Office offence codes.',
  );
  if (shared.estimatedPopulation)
    caveats.push(
      'Rates per 1,000 use ESTIMATED populations (the fixture population spreads Census 2021 district totals over wards); deployments load ONS mid-year estimates instead.',
    );
  if (shared.syntheticMonths.length)
    caveats.push(
      `SYNTHETIC DATA: ${shared.syntheticMonths.length} of the months used are generated history for demonstration, not real data (${rangeWords(shared.syntheticMonths).replace(/ \(\d+ months\)$/, '')}); comparisons with them are illustrative only.`,
    );
  // The partnership's force-wide total holds every protected measure: given only where all are exact.
  const partnershipTotals = channel.clearance.smallNumbers && channel.clearance.sensitive;
  caveats.push(
    ...(await revisionNotes(store, ['police.uk', 'partnership'], periods.base.from, month, monthName, {
      totals: partnershipTotals ? ['police.uk', 'partnership'] : ['police.uk'],
    })),
  );
  if (notPublished.length) caveats.push(`Months not yet published at the meeting: ${notPublished.map((n) => n.words).join('; ')}.`);
  if (notLoaded.length) caveats.push(`Months published but not loaded: ${rangeWords(notLoaded)}.`);
  if (shared.suppression.note) caveats.push(shared.suppression.note);
  if (shared.notShown.length) caveats.push(`Not shown in this channel: ${shared.notShown.join(', ')} (sensitive measures or outside its measures).`);
  caveats.push(
    'Only the "unusual" flag and the hotspots come from statistical tests (each says which); rising, stable and falling describe the size of a change, not a test of it.',
  );

  // Charts: the monthly trend of the headline measures and the priorities by year.
  const charts: BriefModel['charts'] = [];
  for (const key of ['all-crime', 'anti-social-behaviour']) {
    const r = rowOf.get(key);
    if (!r) continue;
    const synthAll = r.series.every((p) => p.synthetic);
    charts.push({
      request: {
        kind: 'trend',
        title: `${frame.name}: ${r.label}`,
        subtitle: `Monthly ${noun(r)} to ${monthName(month)}, with the 12-month rolling average${r.series.some((p) => p.synthetic) ? ' (synthetic months marked)' : ''}`,
        areaName: frame.name,
        measureLabel: r.label,
        series: r.series,
        rollingAverage: true,
        months: config.figures.chartMonths,
        rollingWindow: 12,
        estimated: synthAll,
        source: 'Source: police.uk, Open Government Licence',
      },
      alt: `Line chart of monthly ${r.label.toLowerCase()} in ${frame.name} for the ${config.figures.chartMonths} months to ${monthName(month)}.`,
      caption: `${r.label}, monthly, ${frame.name}.`,
    });
  }
  const priorityRows = priorities.map((p) => p.row).filter((r): r is MeasureRow => !!r && r.current !== null);
  if (priorityRows.length) {
    const years = Array.from({ length: rules.baseYearsBack + 1 }, (_, i) => rules.baseYearsBack - i);
    const yearPeriods = years.map((y) => ({ ...periods.current, from: addMonths(periods.current.from, -12 * y), to: addMonths(periods.current.to, -12 * y) }));
    const valuesFor = async (r: MeasureRow) => {
      const m = tax.get(r.key)!;
      const eff = await measureFor(
        store,
        tax,
        { code: frame.codes[0]!, name: frame.name, type: 'district', parentCode: null } as Area,
        m,
        await partnershipTest(store, tax, frame.codes),
      );
      if ('unavailable' in eff) return yearPeriods.map(() => null);
      const { series } = await seriesByArea(store, eff, frame.codes, { from: yearPeriods[0]!.from, to: month }, disclosure);
      const list = [...series.values()];
      const exact = disclosure.mode(eff) === 'exact';
      return yearPeriods.map((p) => {
        const v = list.reduce<number | null>((s, ser) => {
          const t = totalFor(ser, p).value;
          return s === null || t === null ? null : s + t;
        }, 0);
        // The first, the previous and the current year are the table's cells; the others are shown only when not small.
        return !exact && isSmall(v, threshold, true)
          ? null
          : p.to === periods.current.to
            ? r.current
            : p.to === periods.previous.to
              ? r.previous
              : p.to === periods.base.to
                ? r.base
                : v;
      });
    };
    const groups = await Promise.all(priorityRows.slice(0, 6).map(async (r) => ({ label: r.label, values: await valuesFor(r) })));
    charts.push({
      request: {
        kind: 'year-ending',
        title: `${frame.name}: priority measures by year`,
        subtitle: `${periodOut(yearPeriods[0]!, endMonth).short} to ${periods.current.label}`,
        periods: yearPeriods.map((p) => periodOut(p, endMonth).short),
        groups,
        basePeriod: 0,
        measureLabel: 'Offences or incidents',
        noCalcBase: config.figures.noCalcBase,
        source: 'Source: police.uk, Open Government Licence',
      },
      alt: `Bar chart of the partnership's priority measures in ${frame.name}, one bar for each year from ${periodOut(yearPeriods[0]!, endMonth).short} to ${periodOut(periods.current, endMonth).short}.`,
      caption: 'Priority measures, year by year.',
    });
  }

  return {
    partnership: { id: partnership.id, name: partnership.name },
    channel: { name: channel.name, smallNumbers: channel.clearance.smallNumbers, sensitive: channel.clearance.sensitive },
    areaName: frame.name,
    countyName: frame.county && !frame.codes.includes(frame.county.code) ? frame.county.name : null,
    meeting: meetingDate ? { date: meetingDate, words: dayWords(meetingDate), previous: prevMeeting } : null,
    generatedAt: ctx.now.toISOString(),
    month,
    periods: {
      current: periodOut(periods.current, endMonth),
      previous: periodOut(periods.previous, endMonth),
      base: periodOut(periods.base, endMonth),
      reportingYear: periodOut(periods.reportingYear, endMonth),
      reportingYearToDate: periods.reportingYearToDate ? periodOut(periods.reportingYearToDate, endMonth) : null,
    },
    coverage: { dataTo: monthName(month), first: frame.coverage.first, syntheticMonths: shared.syntheticMonths, notLoaded, notPublished, words: coverageWords },
    headline,
    scanning: rows,
    flagRules: shared.flagRules,
    largest,
    priorities,
    wardChanges,
    wardRule,
    hotspots,
    hotspotRule,
    map: mapOut,
    alerts,
    caveats,
    charts,
    licence: [
      `${OGL_LINE} Crime and ASB: police.uk street-level data, Home Office and ${config.forceArea.name}.`,
      BOUNDARY_LINE,
      'Populations: Office for National Statistics, Census 2021, licensed under the Open Government Licence v3.0.',
    ],
    suppression: shared.suppression,
    notShown: shared.notShown,
    notes: shared.notes,
  };
}

/** "May 2024 to December 2025 (20 months)" or "May 2024" or "May and June 2024". */
export function rangeWords(months: Month[]): string {
  if (!months.length) return '';
  const first = months[0]!;
  const last = months[months.length - 1]!;
  if (months.length === 1) return monthName(first);
  const contiguous = monthsBetween(first, last) + 1 === months.length;
  if (!contiguous) return months.map(monthName).join(', ');
  return `${monthName(first)} to ${monthName(last)} (${months.length} months)`;
}

/** The measure objects of the brief's headline (for callers that need them). */
export function headlineMeasures(ctx: CommandContext): Measure[] {
  return ['all-crime', 'anti-social-behaviour'].map((k) => ctx.taxonomy.get(k)).filter((m): m is Measure => !!m);
}
