// The default command: `/crime <place> [topic] [period]`, e.g. "market ward", "market dwelling
// burglary ye sep", "fenland asb 2023/24". Key figures, a 24-month chart, notes and follow-ups.
import type { Command, CommandContext } from '../src/core/dispatch.ts';
import { monthName, monthRange, yearEnding } from '../src/core/periods.ts';
import type { Action, Reply } from '../src/core/reply.ts';
import { computeAreaFigures, inSentence, isEstimatedPopulation, perturbedNote, placeName } from '../src/figures/area.ts';
import { areaBreakdown } from '../src/figures/breakdown.ts';
import { measureAllowed, suppressedText } from '../src/figures/suppression.ts';
import { disclosureFor } from '../src/figures/disclosure.ts';
import { inPartnership } from '../src/resolve/places.ts';
import type { Area } from '../src/store/types.ts';
import { formatCount, formatShare } from '../src/figures/wording.ts';
import { dataFor, placeText, readQuestion, topicText } from '../src/resolve/question.ts';

export async function ask(args: string, ctx: CommandContext): Promise<Reply> {
  const read = await readQuestion(args, ctx, { command: '', places: { min: 1, max: 1 }, mergeAlways: true });
  if (!read.ok) return read.reply;
  const { q } = read;
  const area = q.areas[0]!;
  const data = await dataFor(ctx, area, q, {
    noDataHint: 'Run `wardwatch ingest --fixtures` or ingest police.uk files first.',
    unavailableActions: [{ label: `All crime in ${area.name}`, command: placeText(area, q.index) }],
    periodActions: (eff) => [{ label: 'Latest month', command: `${placeText(area, q.index)} ${topicText(eff.requested)}` }],
  });
  if (!data.ok) return data.reply;
  const { eff, latest, period } = data;

  const threshold = ctx.partnership.smallNumberThreshold;
  const cleared = ctx.channel.clearance.smallNumbers;
  const disclosure = await disclosureFor(ctx);
  const scope = (a: Area) => inPartnership(a, ctx.partnership, q.index);
  const f = await computeAreaFigures({
    disclosure,
    scope,
    store: ctx.store,
    taxonomy: ctx.taxonomy,
    area,
    measure: eff,
    period,
    latest,
    rules: {
      noCalcBase: ctx.config.figures.noCalcBase,
      reportingYearEnd: ctx.partnership.reportingYearEnd,
      smallNumberThreshold: threshold,
      clearedForSmallNumbers: cleared,
      seriesMonths: ctx.config.figures.chartMonths + 11,
      detection: { months: ctx.config.figures.chartMonths },
      chartMonths: ctx.config.figures.chartMonths,
    },
  });
  const m = eff.measure;
  const place = placeName(area);
  const parent = f.area.parent;
  const pText = placeText(area, q.index);
  const tText = topicText(eff.requested);

  // "by crime type": the breakdown as a table (and the year-ending chart by subgroup).
  let table: Reply['table'];
  let breakdownData: unknown;
  let withheldTotal: string[] | null = null;
  let chart: Reply['chart'];
  if (q.flags.has('by-type')) {
    const period = f.focus.kind === 'month' ? yearEnding(f.reference) : f.focus;
    const b = await areaBreakdown(ctx.store, ctx.taxonomy, area, m, period, {
      noCalcBase: ctx.config.figures.noCalcBase,
      threshold,
      cleared,
      allowed: (c) => measureAllowed(c, ctx.channel, (k) => ctx.taxonomy.get(k)?.parent),
      disclosure,
    });
    // The parent's total includes the sensitive subgroups this channel may not see: beside the rows
    // shown, it would give them by subtraction, so the breakdown is answered without it (ask for the
    // total on its own: the rows are then perturbed cells, so the difference is not the hidden count).
    if (b.withheld.length) withheldTotal = b.withheld;
    const pn = perturbedNote(threshold);
    if (b.perturbed && !f.notes.includes(pn)) f.notes.push(pn);
    const small = suppressedText(threshold);
    table = {
      columns: ['Type', period.label, 'Share', `Change on ${b.previousPeriod.label}`],
      rows: b.rows.map((r) => [
        r.label,
        r.hidden ? (r.small ? small : 'not shown') : r.count === null ? 'n/a' : formatCount(r.count),
        r.hidden || r.share === null ? '' : formatShare(r.share),
        r.changeHidden ? 'not shown' : r.change.short,
      ]),
    };
    breakdownData = {
      period: period.label,
      previousPeriod: b.previousPeriod.label,
      months: { from: period.from, to: period.to },
      previousMonths: { from: b.previousPeriod.from, to: b.previousPeriod.to },
      rows: b.rows.map((r) => ({
        key: r.key,
        label: r.label,
        count: r.hidden ? null : r.count,
        previous: r.changeHidden ? null : r.previous,
        change: r.changeHidden ? null : r.change.short,
        suppressed: r.hidden,
      })),
      unavailable: b.unavailable,
    };
    if (b.unavailable.length) f.notes.push(`Not in the breakdown (needs the partnership extract): ${b.unavailable.join(', ')}.`);
    chart = {
      kind: 'year-ending',
      title: `${place}: ${m.label} by type`,
      subtitle: `${b.previousPeriod.label} and ${period.label}`,
      periods: [b.previousPeriod.label, period.label],
      groups: b.rows.slice(0, 8).map((r) => ({ label: r.label, values: [r.changeHidden ? null : r.previous, r.hidden ? null : r.count] })),
      measureLabel: m.kind === 'crime' ? 'Offences' : 'Incidents',
      // a saved PNG keeps the caveat: the badge and a line when either year holds synthetic months
      ...(syntheticMonthsIn(data.cov.synthetic, b.previousPeriod, period)
        ? { synthetic: `Synthetic data: ${syntheticMonthsIn(data.cov.synthetic, b.previousPeriod, period)} of the 24 months are generated for demonstration; illustrative only.` }
        : {}),
      source: sourceLine(f.measure.source),
    };
  }
  // Most monthly counts hidden (small numbers): the chart shows the rolling 12-month totals instead, and says so.
  const rolled = !withheldTotal && f.chartSeries ? f.chartSeries : null;
  const units = m.kind === 'crime' ? 'offences' : 'incidents';
  if (rolled) {
    const small = suppressedText(threshold);
    f.notes.push(
      `The chart shows the rolling 12-month total (each point the 12 months ending that month): ${rolled.hiddenMonths} of the ${rolled.months} monthly counts here are small and show as "${small}" in this channel${rolled.hiddenTotals ? `, as ${rolled.hiddenTotals === 1 ? 'does 1 of the totals' : `do ${rolled.hiddenTotals} of the totals`}` : ''}.`,
    );
  }
  chart ??= {
    kind: 'trend',
    title: `${place}${parent && area.type === 'ward' ? `, ${parent.name}` : ''}: ${m.label}`,
    subtitle: `${rolled ? `Rolling 12-month total of ${units}, to ${monthName(f.reference)}: most monthly counts are too small to show` : `Monthly ${units} to ${monthName(f.reference)}`}${f.synthetic.all ? ' (all months synthetic)' : f.synthetic.months.length ? ' (earlier months synthetic)' : ''}`,
    areaName: area.name,
    measureLabel: m.label,
    series: rolled ? rolled.points : f.series,
    rollingAverage: !rolled,
    months: ctx.config.figures.chartMonths,
    rollingWindow: 12,
    ...(rolled ? { values: 'rolling-12-month-total' as const } : {}),
    estimated: f.synthetic.all,
    source: sourceLine(f.measure.source),
  };

  const actions: Action[] = [];
  const parentArea = parent ? await ctx.store.area(parent.code) : undefined;
  if (!q.flags.has('by-type')) actions.push({ label: 'By crime type', command: `${pText} ${tText} by type` });
  if (parent && parentArea && scope(parentArea)) actions.push({ label: `Compare with ${parent.name}`, command: `compare ${pText} ${placeText(parentArea!, q.index)} ${tText}` });
  if (area.type !== 'ward' || parent) actions.push({ label: 'Show hotspots', command: `top ${tText} ${area.type === 'ward' && parent ? placeText(parentArea!, q.index) : pText}` });
  if (m.key !== 'anti-social-behaviour') actions.push({ label: 'ASB', command: `${pText} asb` });
  else actions.push({ label: 'All crime', command: `${pText}` });

  const suppressedIds = f.suppressed.map((s) => s.id);
  if (withheldTotal) {
    const list = withheldTotal.map((l) => inSentence(l));
    const words = list.length > 1 ? `${list.slice(0, -1).join(', ')} and ${list[list.length - 1]}` : list[0]!;
    const note = `The total for ${inSentence(m.label)} is not shown beside this breakdown: it includes ${words}, which this channel is not cleared for, and the total less the rows shown would give ${list.length > 1 ? 'them' : 'it'}. Ask \`${pText} ${tText}\` for the total.`;
    f.keyFigures = [];
    f.figures = [];
    f.series = [];
    f.rank = null;
    f.detection = null;
    f.summary = `${place}: ${inSentence(m.label)} by type, ${f.focus.kind === 'month' ? yearEnding(f.reference).label : f.focus.label}.`;
    f.notes.push(note);
  }
  return {
    kind: 'answer',
    title: `${place}${parent && area.type === 'ward' ? `, ${parent.name}` : ''}: ${m.label}`,
    summary: [...q.notes, f.summary].filter(Boolean).join(' '),
    figures: f.keyFigures,
    ...(table ? { table } : {}),
    chart,
    chartAlt: `${chart.kind === 'trend' ? `Line chart of ${rolled ? 'the rolling 12-month total of' : 'monthly'} ${inSentence(m.label)} in ${place} to ${monthName(f.reference)}` : `Bar chart of ${inSentence(m.label)} by type in ${place}`}.`,
    notes: f.notes,
    ...(f.about.length ? { about: f.about } : {}),
    actions: [...q.actions, ...actions].slice(0, 5),
    data: {
      query: { text: args, notes: q.notes, period: q.parsed.period?.text ?? null },
      area: f.area,
      measure: f.measure,
      requestedMeasure: f.requestedMeasure,
      latestMonth: f.latestMonth,
      referenceMonth: f.reference,
      period: { label: f.focus.label, from: f.focus.from, to: f.focus.to },
      figures: f.figures,
      periods: withheldTotal ? {} : f.periods,
      series: f.series,
      ...(rolled ? { chartSeries: { values: rolled.values, points: rolled.points } } : {}),
      population: f.population,
      rank: f.rank,
      suppressed: f.suppressed,
      suppressedIds,
      smallNumbers: { threshold, cleared },
      disclosure: { mode: disclosure.mode(eff), ...(withheldTotal ? { totalWithheld: withheldTotal } : {}) },
      synthetic: f.synthetic,
      detection: f.detection,
      ...(breakdownData ? { breakdown: breakdownData } : {}),
    },
  };
}

/** How many months of two periods are synthetic. */
function syntheticMonthsIn(synthetic: Set<string>, ...periods: Array<{ from: string; to: string }>): number {
  return periods.flatMap((p) => monthRange(p.from, p.to)).filter((mo) => synthetic.has(mo)).length;
}

/** The chart's source line; charts of rates also name the population and whether it is an estimate. */
export function sourceLine(source: string, population?: { source: string; year: number } | null): string {
  const data =
    source === 'partnership'
      ? 'partnership extract'
      : source === 'composite'
        ? 'police.uk (Open Government Licence) and partnership extract'
        : 'police.uk, Open Government Licence';
  const pop = population ? `; populations: ${isEstimatedPopulation(population) ? 'estimate' : `${population.year}`}` : '';
  return `Source: ${data}${pop}`;
}

const command: Command = {
  name: null,
  summary: 'key figures and a 24-month chart for a place, optionally a topic and a period',
  usage: ['market ward', 'market dwelling burglary', 'cambridge asb ye sep', 'cambridge shoplifting 2023/24', 'market ward by type', "king's hedges fytd"],
  examples: (p) => [
    `${p.ward} ward`,
    `${p.ward} ${p.topics[0]}`,
    `${p.district} ${p.topics[1] ?? p.topics[0]} ${p.yearEnd}`,
    `${p.district} ${p.topics[2] ?? p.topics[0]} ${p.yearLabel}`,
    `${p.ward} by type`,
    `${p.ward2} fytd`,
  ],
  run: ask,
};

export default command;
