// `/crime top <topic> [place] [period]`: areas ranked by rate per 1,000 over the year ending (or the
// period asked for), the count beside each rate, the parent area's rate as the reference line.
import type { Command, CommandContext } from '../src/core/dispatch.ts';
import { monthName, previousYear, yearEnding } from '../src/core/periods.ts';
import { errorReply, type Reply } from '../src/core/reply.ts';
import { inSentence, isEstimatedPopulation, placeName } from '../src/figures/area.ts';
import { rankByRate, ratePer1000 } from '../src/figures/compute.ts';
import { coverage, measureFor, seriesByArea } from '../src/figures/data.ts';
import { totalFor } from '../src/figures/series.ts';
import { suppress, suppressedText, type Cell } from '../src/figures/suppression.ts';
import { describeChange, formatCount, formatRate, noun, ordinal } from '../src/figures/wording.ts';
import { resolvePeriod } from '../src/resolve/period.ts';
import { placeText, readQuestion, topicText } from '../src/resolve/question.ts';
import type { Area } from '../src/store/types.ts';
import { sourceLine } from './ask.ts';

const SHOWN = 15;

export async function top(args: string, ctx: CommandContext): Promise<Reply> {
  const read = readQuestion(args, ctx, { command: 'top', places: { min: 1, max: 1 }, mergeAlways: true });
  if (!read.ok) return read.reply;
  const { q } = read;
  let within: Area = q.areas[0]!;
  let emphasised: string | undefined;
  if (within.type === 'ward' && within.parentCode) { emphasised = within.code; within = ctx.store.area(within.parentCode) ?? within; }
  const members = ctx.store.children(within.code).filter((a) => a.type === 'ward' || a.type === 'district');
  if (members.length < 2) return errorReply('Nothing to rank', `${within.name} has no wards or districts to rank.`);
  const eff = measureFor(ctx.store, ctx.taxonomy, within, q.measure);
  if ('unavailable' in eff) return errorReply(`No figures for ${q.measure.label.toLowerCase()}`, eff.unavailable);
  const cov = coverage(ctx.store, [...new Set(eff.parts.map((p) => p.source))]);
  if (!cov.latest) return errorReply('No data yet', 'No monthly data has been loaded.');
  const pr = resolvePeriod(q.period, cov.latest, ctx.partnership.reportingYearEnd, cov.first ?? undefined);
  if (!pr.ok) return errorReply('No data for that period', pr.message);
  const period = pr.period.focus.kind === 'month' ? yearEnding(pr.period.reference) : pr.period.focus;
  const prev = previousYear(period);
  const m = eff.measure;

  const codes = [...members.map((a) => a.code), within.code];
  const { series } = seriesByArea(ctx.store, eff, codes, { from: prev.from, to: period.to });
  const items = members.map((a) => ({ code: a.code, name: a.name, count: totalFor(series.get(a.code)!, period).value, previous: totalFor(series.get(a.code)!, prev).value, population: ctx.store.population(a.code)?.population ?? null }));
  const byRate = rankByRate(items);
  // Without populations there are no rates: order by count instead (and say so).
  const noRates = byRate.every((r) => r.rate === null);
  const ranked = noRates ? [...byRate].sort((a, b) => (b.count ?? -1) - (a.count ?? -1)) : byRate;
  const parentCount = totalFor(series.get(within.code)!, period).value;
  const parentPop = ctx.store.population(within.code);
  const parentRate = ratePer1000(parentCount, parentPop?.population);

  // Suppression: each area's count (and its rate), the parent total as the sum of the areas.
  const threshold = ctx.partnership.smallNumberThreshold;
  const cells: Cell[] = [
    { id: 'parent', value: parentCount, kind: 'count', priority: 2 },
    ...items.flatMap((it): Cell[] => [
      { id: `c:${it.code}`, value: it.count, kind: 'count' },
      { id: `p:${it.code}`, value: it.previous, kind: 'count' },
      { id: `d:${it.code}`, value: it.count !== null && it.previous !== null ? it.count - it.previous : null, kind: 'derived' },
      { id: `r:${it.code}`, value: 1, kind: 'derived', dependsOn: [`c:${it.code}`] },
    ]),
  ];
  const sup = suppress(cells, [
    { total: 'parent', parts: items.map((it) => `c:${it.code}`) },
    ...items.map((it) => ({ total: `c:${it.code}`, parts: [`p:${it.code}`, `d:${it.code}`] })),
  ], { threshold, cleared: ctx.channel.clearance.smallNumbers });
  const small = suppressedText(threshold);
  const nb = ctx.config.figures.noCalcBase;
  const kind = members[0]!.type === 'ward' ? 'wards' : 'districts';
  const above = ranked.filter((r) => r.rate !== null && parentRate !== null && r.rate > parentRate);

  const rows = ranked.map((r) => {
    const it = items.find((i) => i.code === r.code)!;
    const ch = describeChange(it.previous, it.count, nb);
    return [
      r.rank === null ? '-' : `${r.joint ? '=' : ''}${r.rank}`,
      r.name + (r.code === emphasised ? ' <' : ''),
      sup.isHidden(`r:${r.code}`) || r.rate === null ? (r.rate === null ? 'no population' : 'not shown') : formatRate(r.rate),
      sup.isHidden(`c:${r.code}`) ? small : r.count === null ? 'n/a' : formatCount(r.count),
      sup.isHidden(`d:${r.code}`) || sup.isHidden(`p:${r.code}`) ? 'not shown' : ch.short,
    ];
  });
  const first = ranked[0]!;
  const estimated = isEstimatedPopulation(parentPop ?? null) || members.some((a) => isEstimatedPopulation(ctx.store.population(a.code) ?? null));
  const figures: Reply['figures'] = [];
  if (first.rate !== null) {
    figures.push({ id: 'highest-rate', label: 'Highest rate', value: sup.isHidden(`r:${first.code}`) ? null : Math.round(first.rate * 10) / 10, display: `${first.name}: ${sup.isHidden(`r:${first.code}`) ? 'not shown' : `${formatRate(first.rate)} per 1,000`}`, period: period.label, wording: `${first.name} had the highest rate of ${inSentence(m.label)} per 1,000 residents among the ${members.length} ${within.name} ${kind} in the ${period.label}${sup.isHidden(`r:${first.code}`) ? '' : ` (${formatRate(first.rate)}; ${sup.isHidden(`c:${first.code}`) ? small : formatCount(first.count ?? 0)} ${noun(m)})`}.` });
  }
  if (parentRate !== null) figures.push({ id: 'parent-rate', label: `${within.name} rate`, value: Math.round(parentRate * 10) / 10, display: `${formatRate(parentRate)} per 1,000`, period: period.label, wording: `${placeName(within)} as a whole: ${formatRate(parentRate)} per 1,000 (${formatCount(parentCount ?? 0)} ${noun(m)}).` });
  if (parentRate !== null) figures.push({ id: 'above-parent', label: `Above the ${within.name} rate`, value: above.length, display: `${above.length} of ${members.length}`, period: period.label, wording: `${above.length} of the ${members.length} ${kind} had a rate above ${within.name}'s.` });
  if (emphasised) {
    const me = ranked.find((r) => r.code === emphasised);
    if (me?.rank) figures.push({ id: 'rank', label: `${me.name} rank`, value: me.rank, display: `${me.joint ? 'joint ' : ''}${ordinal(me.rank)} of ${ranked.filter((r) => r.rank !== null).length}`, period: period.label, wording: `${me.name} ranks ${me.joint ? 'joint ' : ''}${ordinal(me.rank)} by rate.` });
  }
  const byCount = [...ranked].filter((r) => r.count !== null && !sup.isHidden(`c:${r.code}`)).sort((a, b) => b.count! - a.count!)[0];
  if (byCount) figures.push({ id: 'highest-count', label: 'Highest count', value: byCount.count, display: `${byCount.name}: ${formatCount(byCount.count!)}`, period: period.label, wording: `${byCount.name} had the most ${noun(m)}: ${formatCount(byCount.count!)}.` });

  const notes = [
    `Source: ${sourceLine(eff.source === 'mixed' ? 'composite' : eff.source).replace('Source: ', '')}; ${period.label}; latest month ${monthName(cov.latest)}.`,
    ...eff.notes,
    noRates ? 'No populations are loaded, so the areas are ordered by count, not ranked by rate.' : 'Ranked by rate per 1,000 residents, with the count beside it; "=" marks a tie.',
    ...(estimated ? ['Rates use ESTIMATED populations (the fixture population is an estimate, not an official ward figure).'] : []),
    ...(parentPop ? [] : [`No population for ${within.name}: no reference rate.`]),
    ...(cov.synthetic.size && [...cov.synthetic].some((mo) => mo >= prev.from && mo <= period.to) ? ['SYNTHETIC DATA: some months in these periods are generated history for demonstration, not real data.'] : []),
    ...(sup.hidden.size ? [`Numbers from 1 to ${threshold - 1} are shown as "${small}"; some other figures are hidden so they cannot be worked out from totals.`] : []),
    'Rates above the district rate are not called hotspots here: `/crime alerts` shows the tested hotspots.',
  ];
  const top1 = ranked.slice(0, SHOWN);
  const t = topicText(eff.requested);
  return {
    kind: 'answer',
    title: `${within.name}: ${kind} by ${inSentence(m.label)} rate`,
    summary: [...q.notes, figures[0]?.wording ?? ''].filter(Boolean).join(' '),
    figures: figures.slice(0, 6),
    table: { columns: ['Rank', kind === 'wards' ? 'Ward' : 'District', 'Rate per 1,000', 'Count', `Change on ${prev.label}`], rows },
    chart: {
      kind: 'ranking', title: `${within.name}: ${m.label} per 1,000 residents`, subtitle: `${kind === 'wards' ? 'Wards' : 'Districts'}, ${period.label}${estimated ? ' (estimated populations)' : ''}`,
      measureLabel: m.label, period: period.label,
      bars: top1.filter((r) => r.rate !== null && !sup.isHidden(`r:${r.code}`)).map((r) => ({ code: r.code, name: r.name, rate: r.rate!, count: sup.isHidden(`c:${r.code}`) ? null : r.count, ...(r.code === emphasised ? { emphasised: true } : {}) })),
      ...(parentRate !== null ? { reference: { label: within.name, rate: parentRate } } : {}),
      source: sourceLine(eff.source === 'mixed' ? 'composite' : eff.source),
    },
    chartAlt: `Bar chart of ${inSentence(m.label)} per 1,000 residents for the ${kind} of ${within.name}, ${period.label}.`,
    notes,
    actions: [
      { label: `${first.name}`, command: `${placeText(ctx.store.area(first.code)!, q.index)} ${t}` },
      { label: `${within.name} by type`, command: `${placeText(within, q.index)} ${t} by type` },
      { label: 'Compare top two', command: `compare ${ranked.slice(0, 2).map((r) => placeText(ctx.store.area(r.code)!, q.index)).join(' ')} ${t}` },
    ],
    data: {
      area: { code: within.code, name: within.name, type: within.type },
      measure: { key: m.key, label: m.label, source: eff.source },
      latestMonth: cov.latest,
      period: { label: period.label, from: period.from, to: period.to },
      figures,
      ranking: ranked.map((r) => ({ code: r.code, name: r.name, rank: r.rank, rate: sup.isHidden(`r:${r.code}`) ? null : r.rate, count: sup.isHidden(`c:${r.code}`) ? null : r.count, suppressed: sup.isHidden(`c:${r.code}`) })),
      reference: parentRate === null ? null : { name: within.name, rate: parentRate, count: parentCount },
      suppressedIds: [...sup.hidden],
      notes,
    },
  };
}

const command: Command = { name: 'top', summary: 'wards (or districts) ranked by rate per 1,000, count beside', usage: ['top asb cambridge', 'top burglary fenland', 'top shoplifting ye sep'], run: top };
export default command;
