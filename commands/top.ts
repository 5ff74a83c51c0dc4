// `/crime top <topic> [place] [period]`: areas ranked by rate per 1,000 over the year ending (or the
// period asked for), smoothed (empirical Bayes) so a small area does not top the table by chance, the
// rate as recorded and the count beside it, hotspots (and emerging hotspots) flagged, the parent
// area's rate as the reference line.
import type { Command, CommandContext } from '../src/core/dispatch.ts';
import { addMonths, compareMonths, monthName, monthRange, previousYear, yearEnding } from '../src/core/periods.ts';
import { errorReply, type Reply } from '../src/core/reply.ts';
import { inSentence, isEstimatedPopulation, placeName } from '../src/figures/area.ts';
import type { EmergingHotspotFinding, HotspotFinding } from '../src/detect/index.ts';
import { ratePer1000 } from '../src/figures/compute.ts';
import { seriesByArea } from '../src/figures/data.ts';
import { DEFAULT_HOTSPOT_SETTINGS, monthlyEmergingHotspots, periodHotspots, rankBySmoothedRate, rankWithoutHidden, type SmoothedRanked } from '../src/figures/ranking.ts';
import { totalFor, valueAt } from '../src/figures/series.ts';
import { rulesFor, suppress, suppressedText, type Cell } from '../src/figures/suppression.ts';
import { disclosureFor } from '../src/figures/disclosure.ts';
import { perturbedNote } from '../src/figures/area.ts';
import { describeChange, formatCount, formatRate, noCalcNote, noun, ordinal } from '../src/figures/wording.ts';
import { inPartnership } from '../src/resolve/places.ts';
import { dataFor, placeText, readQuestion, topicText } from '../src/resolve/question.ts';
import type { Area } from '../src/store/types.ts';
import { sourceLine } from './ask.ts';

/** Every ranked area is charted up to this many (a county's 120 wards are charted as the top 30). */
const SHOWN = 30;

export async function top(args: string, ctx: CommandContext): Promise<Reply> {
  const read = await readQuestion(args, ctx, { command: 'top', places: { min: 1, max: 1 }, mergeAlways: true });
  if (!read.ok) return read.reply;
  const { q } = read;
  let within: Area = q.areas[0]!;
  let emphasised: string | undefined;
  // "top asb districts": the districts of the force area, the named one (if any) emphasised.
  if (q.flags.has('by-district') && within.type !== 'force') {
    const force = q.index.areas.find((a) => a.type === 'force');
    if (!force || !inPartnership(force, ctx.partnership, q.index))
      return errorReply(
        'Districts are ranked across the county',
        `Ranking the districts covers all of ${force?.name ?? 'the force area'}, wider than ${ctx.partnership.name}'s area, so this channel cannot see it. Try the wards instead.`,
        [{ label: `Top ${topicText(q.measure)} wards`, command: `top ${topicText(q.measure)}` }],
      );
    if (within.type === 'district') emphasised = within.code;
    within = force;
  }
  if (within.type === 'ward' && within.parentCode) {
    emphasised = within.code;
    within = (await ctx.store.area(within.parentCode)) ?? within;
  }
  const members = (await ctx.store.children(within.code)).filter((a) => a.type === 'ward' || a.type === 'district');
  if (members.length < 2) return errorReply('Nothing to rank', `${within.name} has no wards or districts to rank.`);
  const memberByCode = new Map(members.map((a) => [a.code, a]));
  const data = await dataFor(ctx, within, q);
  if (!data.ok) return data.reply;
  const { eff, cov, latest, period: asked } = data;
  // A month ranks over the year ending it; when the data does not reach back a whole year, over the month alone.
  const wholeYear = yearEnding(asked.reference);
  const held = new Set(cov.months);
  const yearCovered = monthRange(wholeYear.from, wholeYear.to).every((mo) => held.has(mo));
  const period = asked.focus.kind !== 'month' ? asked.focus : yearCovered ? wholeYear : asked.focus;
  const prev = previousYear(period);
  const m = eff.measure;

  const codes = [...members.map((a) => a.code), within.code];
  const disclosure = await disclosureFor(ctx);
  const mode = disclosure.mode(eff);
  const { series, coverage: cov2 } = await seriesByArea(ctx.store, eff, codes, { from: prev.from, to: period.to }, disclosure);
  // Every member's population and the parent's, in one read.
  const populations = await ctx.store.populations(codes);
  const populationOf = (code: string) => populations.get(code)?.population ?? null;
  const items = members.map((a) => ({
    code: a.code,
    name: a.name,
    count: totalFor(series.get(a.code)!, period).value,
    previous: totalFor(series.get(a.code)!, prev).value,
    population: populationOf(a.code),
  }));
  // Ranked by smoothed (empirical Bayes) rate, so a small ward with a handful of crimes does not top
  // the table; without populations there are no rates: order by count instead (and say so).
  const bySmoothed = rankBySmoothedRate(items);
  const noRates = bySmoothed.every((r) => r.rate === null);
  const rankedAll = noRates ? [...bySmoothed].sort((a, b) => (b.count ?? -1) - (a.count ?? -1)) : bySmoothed;
  const parentCount = totalFor(series.get(within.code)!, period).value;
  const parentPop = populations.get(within.code);
  const parentRate = ratePer1000(parentCount, parentPop?.population);

  // Suppression: each area's count (and its rates), the parent total as the sum of the areas. Every
  // smoothed rate depends on every count (through the overall rate and the spread between areas), so
  // one hidden count hides them all.
  const threshold = ctx.partnership.smallNumberThreshold;
  // Exact (police.uk, or a cleared channel) or perturbed cells (src/figures/disclosure.ts).
  const cleared = mode === 'exact';
  const cells: Cell[] = [
    { id: 'parent', value: parentCount, kind: 'count', priority: 2, ownKey: true },
    ...items.flatMap((it): Cell[] => [
      { id: `c:${it.code}`, value: it.count, kind: 'count' },
      { id: `p:${it.code}`, value: it.previous, kind: 'count' },
      { id: `d:${it.code}`, value: it.count !== null && it.previous !== null ? it.count - it.previous : null, kind: 'derived' },
      { id: `r:${it.code}`, value: 1, kind: 'derived', dependsOn: [`c:${it.code}`] },
      { id: `s:${it.code}`, value: 1, kind: 'derived', dependsOn: items.map((o) => `c:${o.code}`) },
    ]),
  ];
  const sup = suppress(
    cells,
    [{ total: 'parent', parts: items.map((it) => `c:${it.code}`) }, ...items.map((it) => ({ total: `c:${it.code}`, parts: [`p:${it.code}`, `d:${it.code}`] }))],
    rulesFor(mode, threshold),
  );
  // With a hidden count, the order by smoothed rate could give it away: rank the shown counts only.
  const anyCountHidden = items.some((it) => sup.isHidden(`c:${it.code}`));
  const ranked = anyCountHidden ? rankWithoutHidden(rankedAll, (code) => sup.isHidden(`c:${code}`), noRates ? 'count' : 'rate') : rankedAll;
  const small = suppressedText(threshold);
  const nb = ctx.config.figures.noCalcBase;
  const kind = members[0]!.type === 'ward' ? 'wards' : 'districts';
  const parentShown = !sup.isHidden('parent');
  const above = ranked.filter((r) => r.rate !== null && parentRate !== null && r.rate > parentRate && !sup.isHidden(`r:${r.code}`));
  const rateShownCount = ranked.filter((r) => r.rate !== null && !sup.isHidden(`r:${r.code}`)).length;
  const smoothedShown = !noRates && ranked.some((r) => r.smoothedRate !== null && !sup.isHidden(`s:${r.code}`));

  // Hotspots over the period, and emerging hotspots in its last month. A hotspot needs at least as
  // many crimes as the small-number threshold, so a hidden count is never flagged.
  const settings = { ...DEFAULT_HOTSPOT_SETTINGS, minCount: Math.max(DEFAULT_HOTSPOT_SETTINGS.minCount, threshold) };
  const periodWords = `the ${period.label}`;
  const hot = noRates ? [] : periodHotspots(items, within.name, periodWords, settings);
  const nowMonth = period.to;
  const emergingMonths = monthRange(addMonths(nowMonth, -settings.previous), nowMonth).filter((mo) => compareMonths(mo, prev.from) >= 0);
  const emerging = noRates
    ? []
    : monthlyEmergingHotspots(
        emergingMonths.map((mo) => ({
          month: mo,
          items: members.map((a) => ({ code: a.code, name: a.name, count: valueAt(series.get(a.code)!, mo), population: populationOf(a.code) })),
        })),
        within.name,
        monthName,
        settings,
      );
  const hotAt = new Map(hot.map((h) => [h.code, h]));
  const emergingAt = new Map(emerging.filter((e) => e.emerging).map((e) => [e.code, e]));
  const hotspots = ranked.filter((r) => hotAt.get(r.code)?.hotspot);
  const emergingList = ranked.filter((r) => emergingAt.has(r.code));
  const flag = (code: string) => [hotAt.get(code)?.hotspot ? 'hotspot' : '', emergingAt.has(code) ? `emerging (${monthName(nowMonth)})` : ''].filter(Boolean).join(', ');

  const rows = ranked.map((r) => {
    const it = items.find((i) => i.code === r.code)!;
    const ch = describeChange(it.previous, it.count, nb);
    const rateText = (id: string, v: number | null) => (v === null ? (r.population === null ? 'no population' : 'n/a') : sup.isHidden(id) ? 'not shown' : formatRate(v));
    return [
      r.rank === null ? '-' : `${r.joint ? '=' : ''}${r.rank}`,
      r.name + (r.code === emphasised ? ' <' : ''),
      ...(noRates ? [] : [rateText(`s:${r.code}`, r.smoothedRate)]),
      rateText(`r:${r.code}`, r.rate),
      sup.isHidden(`c:${r.code}`) ? small : r.count === null ? 'n/a' : formatCount(r.count),
      sup.isHidden(`d:${r.code}`) || sup.isHidden(`p:${r.code}`) ? 'not shown' : ch.short,
      ...(noRates ? [] : [flag(r.code)]),
    ];
  });
  const first = ranked[0]!;
  const estimated = isEstimatedPopulation(parentPop ?? null) || members.some((a) => isEstimatedPopulation(populations.get(a.code) ?? null));
  const what = inSentence(m.label);
  const figures: Reply['figures'] = [];
  if (first.rate !== null) {
    const rateHidden = sup.isHidden(`r:${first.code}`);
    const smooth = first.smoothedRate !== null && !sup.isHidden(`s:${first.code}`) ? `smoothed ${formatRate(first.smoothedRate)}, ` : '';
    figures.push({
      id: 'highest-rate',
      label: 'Highest rate',
      value: rateHidden ? null : Math.round(first.rate * 10) / 10,
      display: `${first.name}: ${rateHidden ? 'not shown' : `${formatRate(first.rate)} per 1,000`}`,
      period: period.label,
      wording: `${first.name} had the highest rate of ${what} of the ${anyCountHidden ? `${rateShownCount} ${within.name} ${kind} with their counts shown` : `${members.length} ${within.name} ${kind}`} in the ${period.label}${rateHidden ? '' : `: ${formatRate(first.rate)} per 1,000 residents (${sup.isHidden(`c:${first.code}`) ? small : formatCount(first.count ?? 0)} ${noun(m)}${smooth ? `; ${smooth.replace(/, $/, '')} allowing for population size` : ''})`}.`,
    });
  }
  if (!noRates) {
    const names = hotspots.map((r) => r.name);
    figures.push({
      id: 'hotspots',
      label: 'Hotspots',
      value: hotspots.length,
      display: names.length ? `${names.length} of ${members.length}: ${listWords(names)}` : 'none',
      period: period.label,
      wording: names.length
        ? `${listWords(names)} ${names.length === 1 ? 'is a hotspot' : 'are hotspots'} for ${what} in the ${period.label}: ${names.length === 1 ? 'its count is' : 'their counts are'} above ${names.length === 1 ? 'its' : 'their'} share of ${within.name}'s by more than chance would explain.`
        : `No ${within.name} ${kind.slice(0, -1)} stands out as a hotspot for ${what} in the ${period.label}: no count is above its share of ${within.name}'s by more than chance would explain.`,
    });
    const checked = emerging[0]?.previousChecked ?? 0;
    if (checked === settings.previous) {
      const en = emergingList.map((r) => r.name);
      figures.push({
        id: 'emerging-hotspots',
        label: `Emerging in ${monthName(nowMonth)}`,
        value: en.length,
        display: en.length ? listWords(en) : 'none',
        period: monthName(nowMonth),
        wording: en.length
          ? `${listWords(en)} ${en.length === 1 ? 'became a hotspot' : 'became hotspots'} in ${monthName(nowMonth)}, not ${en.length === 1 ? 'one' : 'hotspots'} in any of the previous ${settings.previous} months.`
          : `No new hotspot in ${monthName(nowMonth)} (one that was not a hotspot in any of the previous ${settings.previous} months).`,
      });
    }
  }
  if (parentRate !== null) {
    figures.push({
      id: 'parent-rate',
      label: `${within.name} rate`,
      value: parentShown ? Math.round(parentRate * 10) / 10 : null,
      display: parentShown ? `${formatRate(parentRate)} per 1,000` : 'not shown',
      period: period.label,
      wording: parentShown
        ? `${placeName(within)} as a whole: ${formatRate(parentRate)} per 1,000 (${formatCount(parentCount ?? 0)} ${noun(m)}).`
        : `${placeName(within)} as a whole: not shown (small numbers).`,
    });
  }
  if (emphasised) {
    const me = ranked.find((r) => r.code === emphasised);
    if (me?.rank)
      figures.push({
        id: 'rank',
        label: `${me.name} rank`,
        value: me.rank,
        display: `${me.joint ? 'joint ' : ''}${ordinal(me.rank)} of ${ranked.filter((r) => r.rank !== null).length}`,
        period: period.label,
        wording: `${me.name} ranks ${me.joint ? 'joint ' : ''}${ordinal(me.rank)} by rate${anyCountHidden ? ` among the ${kind} with their counts shown` : ', allowing for population size'}.`,
      });
  }
  if (parentRate !== null && parentShown)
    figures.push({
      id: 'above-parent',
      label: `Above the ${within.name} rate`,
      value: above.length,
      display: `${above.length} of ${anyCountHidden ? rateShownCount : members.length}`,
      period: period.label,
      wording: `${above.length} of the ${anyCountHidden ? `${rateShownCount} ${kind} with their counts shown` : `${members.length} ${kind}`} had a rate above ${within.name}'s.`,
    });
  const byCount = [...ranked].filter((r) => r.count !== null && !sup.isHidden(`c:${r.code}`)).sort((a, b) => b.count! - a.count!)[0];
  if (byCount)
    figures.push({
      id: 'highest-count',
      label: 'Highest count',
      value: byCount.count,
      display: `${byCount.name}: ${formatCount(byCount.count!)}`,
      period: period.label,
      wording: `${byCount.name} had the most ${noun(m)}: ${formatCount(byCount.count!)}.`,
    });

  const synthMonths = monthRange(prev.from, period.to).filter((mo) => cov2.synthetic.has(mo));
  const anySynthetic = synthMonths.length > 0;
  const synthSpan = anySynthetic
    ? synthMonths.length === 1
      ? monthName(synthMonths[0]!)
      : `${monthName(synthMonths[0]!)} to ${monthName(synthMonths[synthMonths.length - 1]!)}`
    : '';
  const singular = kind.slice(0, -1);
  const ties = ranked.some((r) => r.joint);
  const noCalcShown = rows.some((row) => row.some((c) => c.startsWith('no calc')));
  const notes = [
    `Source: ${sourceLine(eff.source === 'mixed' ? 'composite' : eff.source).replace('Source: ', '')}; ${period.label}; latest month ${monthName(latest)}.`,
    ...eff.notes,
    ...(asked.focus.kind === 'month' && !yearCovered ? [`The data does not cover the whole ${wholeYear.label}, so areas are ranked on ${period.label} alone.`] : []),
    ...(noRates ? ['No populations are loaded, so the areas are ordered by count, not ranked by rate, and not tested for hotspots.'] : []),
    ...(anyCountHidden ? [`Some counts are small numbers: only the ${kind} whose counts are shown are ranked (by their recorded rate); the others follow unranked, by name.`] : []),
    ...(estimated ? ['Rates use estimated populations, not official ward figures.'] : []),
    ...(parentPop ? [] : [`No population for ${within.name}: no reference rate.`]),
    ...(anySynthetic ? [`Synthetic data: ${synthSpan} ${synthMonths.length === 1 ? 'is' : 'are'} generated for demonstration, not real; the ranking is illustrative.`] : []),
    ...(noCalcShown ? [noCalcNote(nb)] : []),
    ...(mode === 'perturbed'
      ? [perturbedNote(threshold)]
      : sup.hidden.size
        ? [`This channel is not cleared for small numbers: 1 to ${threshold - 1} show as "${small}", and figures that would reveal them are not shown.`]
        : []),
  ];
  const about = noRates
    ? []
    : [
        `Ranking: ${smoothedShown ? `by a rate that allows for population size: each ${singular}'s rate is pulled towards the ${within.name} rate, more so the fewer residents it has, so a small ${singular} with a handful of ${noun(m)} does not top the table by chance (the "smoothed rate"; Marshall's empirical Bayes estimator, Applied Statistics 1991). The rate as recorded and the count are beside it.` : 'by the rate as recorded.'}${ties ? ' "=" marks areas with equal rates.' : ''}`,
        `Hotspot: a ${singular} whose count in the ${period.label} is higher than its share of ${within.name}'s population would give, by more than chance would explain (an exact Poisson test; with ${members.length} ${kind} tested at once, about 1 in ${Math.round(1 / settings.fdr)} of those flagged could still be chance, the Benjamini-Hochberg false discovery rate of ${Math.round(settings.fdr * 100)}%). A hotspot needs at least ${settings.minCount} ${noun(m)}. Emerging: a hotspot in ${monthName(nowMonth)} alone that was not one in any of the previous ${settings.previous} months. This says where counts are high for the population, not why.`,
      ];
  const top1 = ranked.slice(0, SHOWN);
  const t = topicText(eff.requested);
  const barRate = (r: SmoothedRanked) => (smoothedShown && r.smoothedRate !== null && !sup.isHidden(`s:${r.code}`) ? r.smoothedRate : sup.isHidden(`r:${r.code}`) ? null : r.rate);
  const hiddenCount = (code: string) => sup.isHidden(`c:${code}`);
  const hotspotData = (h: HotspotFinding | EmergingHotspotFinding | undefined, numbers: boolean) =>
    h
      ? {
          hotspot: h.hotspot,
          testable: h.testable,
          expected: Math.round(h.expected * 100) / 100,
          ...(numbers
            ? {
                locationQuotient: Math.round(h.locationQuotient * 1000) / 1000,
                lqLower: Math.round(h.lqLower * 1000) / 1000,
                lqUpper: Math.round(h.lqUpper * 1000) / 1000,
                pValue: h.pValue,
                qValue: h.qValue,
                explanation: h.explanation.sentence,
              }
            : {}),
        }
      : null;
  // A column that says "not shown" in every row tells the reader nothing: leave it out (the note says why).
  const columns = [
    'Rank',
    kind === 'wards' ? 'Ward' : 'District',
    ...(noRates ? [] : ['Smoothed rate']),
    'Rate per 1,000',
    'Count',
    `Change on ${prev.label}`,
    ...(noRates ? [] : ['Hotspot']),
  ];
  const keep = columns.map((_, i) => rows.length === 0 || !rows.every((row) => row[i] === 'not shown'));
  return {
    kind: 'answer',
    title: `${within.name}: ${kind} by ${what} rate`,
    summary: [
      ...q.notes,
      figures[0]?.wording ?? '',
      figures.find((f) => f.id === 'hotspots')?.wording ?? '',
      emergingList.length ? (figures.find((f) => f.id === 'emerging-hotspots')?.wording ?? '') : '',
    ]
      .filter(Boolean)
      .join(' '),
    figures: figures.slice(0, 6),
    table: { columns: columns.filter((_, i) => keep[i]), rows: rows.map((row) => row.filter((_, i) => keep[i])) },
    chart: {
      kind: 'ranking',
      title: `${within.name}: ${m.label} per 1,000 residents`,
      subtitle: `${kind === 'wards' ? 'Wards' : 'Districts'}, ${period.label}${smoothedShown ? ', rates allowing for population size' : ''}${estimated ? ' (estimated populations)' : ''}${ranked.length > SHOWN ? `; the ${SHOWN} highest of ${ranked.length}` : ''}`,
      measureLabel: m.label,
      period: period.label,
      bars: top1
        .filter((r) => barRate(r) !== null)
        .map((r) => ({
          code: r.code,
          name: r.name,
          rate: barRate(r)!,
          count: hiddenCount(r.code) ? null : r.count,
          ...(hotAt.get(r.code)?.hotspot ? { hotspot: true } : emergingAt.has(r.code) ? { emerging: true } : {}),
          ...(r.code === emphasised ? { emphasised: true } : {}),
        })),
      ...(parentRate !== null && parentShown ? { reference: { label: within.name, rate: parentRate } } : {}),
      ...(anySynthetic ? { synthetic: `Synthetic data: ${synthSpan} generated for demonstration; the ranking is illustrative.` } : {}),
      source: sourceLine(eff.source === 'mixed' ? 'composite' : eff.source, estimated ? { source: 'ESTIMATE', year: parentPop?.year ?? 0 } : (parentPop ?? null)),
    },
    chartAlt: `Bar chart of ${what} per 1,000 residents${smoothedShown ? ' (smoothed rates)' : ''} for the ${kind} of ${within.name}, ${period.label}${hotspots.length ? `; hotspots: ${listWords(hotspots.map((r) => r.name))}` : ''}${emergingList.length ? `; emerging in ${monthName(nowMonth)}: ${listWords(emergingList.map((r) => r.name))}` : ''}.`,
    notes,
    ...(about.length ? { about } : {}),
    actions: [
      ...((hotspots[0] ?? emergingList[0])
        ? [{ label: `${(hotspots[0] ?? emergingList[0])!.name} (hotspot)`, command: `${placeText(memberByCode.get((hotspots[0] ?? emergingList[0])!.code)!, q.index)} ${t}` }]
        : []),
      ...(hotspots[0] && hotspots[0].code === first.code ? [] : [{ label: `${first.name}`, command: `${placeText(memberByCode.get(first.code)!, q.index)} ${t}` }]),
      { label: `${within.name} by type`, command: `${placeText(within, q.index)} ${t} by type` },
      {
        label: 'Compare top two',
        command: `compare ${ranked
          .slice(0, 2)
          .map((r) => placeText(memberByCode.get(r.code)!, q.index))
          .join(' ')} ${t}`,
      },
      // The same ranking as a ward map: the district's wards, or every ward when the county's districts are ranked.
      ...(members.some((a) => a.type === 'ward') || within.type === 'force'
        ? [
            {
              label: 'Show on a map',
              command: `map ${t} ${within.type === 'force' ? 'county' : placeText(emphasised ? memberByCode.get(emphasised)! : within, q.index)}${q.parsed.period ? ` ${q.parsed.period.text}` : ''}`,
            },
          ]
        : []),
    ],
    data: {
      area: { code: within.code, name: within.name, type: within.type },
      measure: { key: m.key, label: m.label, source: eff.source },
      latestMonth: latest,
      period: { label: period.label, from: period.from, to: period.to },
      figures,
      ranking: ranked.map((r) => ({
        code: r.code,
        name: r.name,
        rank: r.rank,
        rate: sup.isHidden(`r:${r.code}`) ? null : r.rate,
        smoothedRate: sup.isHidden(`s:${r.code}`) ? null : r.smoothedRate,
        count: hiddenCount(r.code) ? null : r.count,
        suppressed: hiddenCount(r.code),
        hotspot: hotAt.get(r.code)?.hotspot ?? false,
        emerging: emergingAt.has(r.code),
      })),
      hotspots: noRates
        ? null
        : {
            period: period.label,
            test: 'exact one-sided Poisson test against the population share of the parent, Benjamini-Hochberg false discovery rate across the siblings',
            fdr: settings.fdr,
            minCount: settings.minCount,
            areas: hot.map((h) => ({ code: h.code, name: h.name, ...hotspotData(h, !hiddenCount(h.code) && parentShown) })),
            emerging: {
              month: nowMonth,
              previous: settings.previous,
              previousChecked: emerging[0]?.previousChecked ?? 0,
              // monthly counts are not otherwise in this reply: their numbers only where small numbers may be seen
              areas: emerging.map((e) => ({ code: e.code, name: e.name, emerging: e.emerging, previousHotspotMonths: e.previousHotspotPeriods, ...hotspotData(e, cleared) })),
            },
          },
      reference: parentRate === null || !parentShown ? null : { name: within.name, rate: parentRate, count: parentCount },
      suppressedIds: [...sup.hidden],
      disclosure: { mode },
      notes,
    },
  };
}

/** "Market", "Market and Abbey", "Market, Abbey and Castle" */
function listWords(names: string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

const command: Command = {
  name: 'top',
  summary: 'wards (or districts) ranked by rate per 1,000, count beside, hotspots flagged',
  usage: ['top asb cambridge', 'top burglary cambridge', 'top shoplifting ye sep'],
  examples: (p) => [`top ${p.topics[0]} ${p.district}`, `top ${p.topics[1] ?? p.topics[0]} ${p.yearEnd}`, ...(p.county ? [`top ${p.topics[2] ?? p.topics[0]} districts`] : [])],
  run: top,
};
export default command;
