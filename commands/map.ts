// `/crime map <topic> [district, partnership or county] [period]`: a choropleth of every ward of the
// area, coloured by the rate per 1,000 residents (the count where there are no populations) over the
// year ending (or the period asked for), in 5 classes by natural breaks; hotspots and emerging
// hotspots outlined, as `top` finds them; hidden wards hatched in a channel not cleared for small
// numbers; the asked-about ward (`map burglary market`) emphasised on its district's map.
import type { Command, CommandContext } from '../src/core/dispatch.ts';
import { addMonths, compareMonths, monthName, monthRange, yearEnding, type Month } from '../src/core/periods.ts';
import { errorReply, type Action, type MapRequest, type Reply } from '../src/core/reply.ts';
import { inSentence, isEstimatedPopulation } from '../src/figures/area.ts';
import { seriesByArea } from '../src/figures/data.ts';
import { DEFAULT_HOTSPOT_SETTINGS, monthlyEmergingHotspots, periodHotspots } from '../src/figures/ranking.ts';
import { totalFor, valueAt } from '../src/figures/series.ts';
import { rulesFor, suppress, suppressedText, type Cell } from '../src/figures/suppression.ts';
import { disclosureFor } from '../src/figures/disclosure.ts';
import { perturbedNote } from '../src/figures/area.ts';
import { formatCount, formatRate, noun, ordinal } from '../src/figures/wording.ts';
import { describeGroups, mapAltText } from '../src/maps/alt.ts';
import { formatMapValue } from '../src/maps/classify.ts';
import { loadMapGeometry } from '../src/maps/load.ts';
import { buildMapRequest, type MapWardInput } from '../src/maps/request.ts';
import { inPartnership } from '../src/resolve/places.ts';
import { dataFor, placeText, readQuestion, topicText } from '../src/resolve/question.ts';
import type { Area, Population } from '../src/store/types.ts';
import { sourceLine } from './ask.ts';

/** Words that ask for the channel's partnership or the whole county rather than a named place. */
const SCOPE_WORDS: Record<string, 'partnership' | 'county'> = { partnership: 'partnership', csp: 'partnership', county: 'county', countywide: 'county', force: 'county' };

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function listWords(names: string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

export async function map(args: string, ctx: CommandContext): Promise<Reply> {
  const words = args.trim().split(/\s+/).filter(Boolean);
  const scope = words.map((w) => SCOPE_WORDS[w.toLowerCase()]).find(Boolean);
  const rest = words.filter((w) => !SCOPE_WORDS[w.toLowerCase()]).join(' ');
  const read = await readQuestion(rest, ctx, { command: 'map', places: { min: 0, max: 1 }, mergeAlways: true });
  if (!read.ok) return read.reply;
  const { q } = read;
  const index = q.index;

  // The area mapped: a ward's district (the ward emphasised), a district, the county, or the
  // channel's partnership.
  const force = index.areas.find((a) => a.type === 'force');
  const allDistricts = index.areas.filter((a) => a.type === 'district');
  const forceDistricts = force ? allDistricts.filter((d) => d.parentCode === force.code) : allDistricts;
  let districts: Area[];
  let within: Area | null = null; // the area the figures are read for
  let areaName: string;
  let emphasised: Area | undefined;
  const asked = q.areas[0];
  if (asked) {
    if (asked.type === 'ward') {
      emphasised = asked;
      const parent = asked.parentCode ? (index.byCode.get(asked.parentCode.toLowerCase()) ?? (await ctx.store.area(asked.parentCode))) : undefined;
      if (!parent) return errorReply('No district for that ward', `${asked.name} has no district in the loaded geography.`);
      districts = [parent];
    } else if (asked.type === 'force') districts = forceDistricts;
    else districts = [asked];
    within = asked.type === 'ward' ? districts[0]! : asked;
    areaName = within.name;
  } else if (scope === 'county') {
    if (!force) return errorReply('No county area', 'No force area is loaded, so there is no county map.');
    if (!inPartnership(force, ctx.partnership, index)) {
      return errorReply(
        'Outside this partnership',
        `The county map covers all of ${force.name}, which is wider than ${ctx.partnership.name}'s area, so this channel cannot see it.`,
        [{ label: 'Map this partnership', command: `map ${topicText(q.measure)}` }],
      );
    }
    districts = forceDistricts;
    within = force;
    areaName = force.name;
  } else {
    districts = ctx.partnership.areas.map((c) => index.byCode.get(c.toLowerCase())).filter((a): a is Area => !!a && a.type === 'district');
    if (!districts.length) return errorReply('Which area?', 'Name a district, e.g. `/crime map burglary cambridge`, or `county`.', [{ label: 'Help', command: 'help' }]);
    const isForce = force && forceDistricts.length > 0 && forceDistricts.every((d) => districts.some((x) => x.code === d.code));
    within = districts.length === 1 ? districts[0]! : isForce ? force : null;
    areaName = within?.name ?? ctx.partnership.name;
  }
  const data = await dataFor(ctx, within ?? districts[0]!, q);
  if (!data.ok) return data.reply;
  const { eff, cov, latest, period: askedPeriod } = data;
  const m = eff.measure;
  const what = inSentence(m.label);

  // Wards of the districts, in district then name order.
  const wardsOf = await Promise.all(districts.map((d) => ctx.store.children(d.code)));
  const wards = wardsOf.flatMap((list) => list.filter((a) => a.type === 'ward').sort((a, b) => a.name.localeCompare(b.name)));
  if (wards.length < 2) return errorReply('Nothing to map', `${areaName} has no wards in the loaded geography.`);

  // The period: as `top`, a month maps over the year ending it when the data covers that year.
  const wholeYear = yearEnding(askedPeriod.reference);
  const held = new Set(cov.months);
  const yearCovered = monthRange(wholeYear.from, wholeYear.to).every((mo) => held.has(mo));
  const period = askedPeriod.focus.kind !== 'month' ? askedPeriod.focus : yearCovered ? wholeYear : askedPeriod.focus;
  const settings = { ...DEFAULT_HOTSPOT_SETTINGS, minCount: Math.max(DEFAULT_HOTSPOT_SETTINGS.minCount, ctx.partnership.smallNumberThreshold) };
  const nowMonth = period.to;
  const firstNeeded: Month = [period.from, addMonths(nowMonth, -settings.previous)].sort(compareMonths)[0]!;
  const codes = wards.map((w) => w.code);
  const disclosure = await disclosureFor(ctx);
  const mode = disclosure.mode(eff);
  const [{ series, coverage: cov2 }, populations, geometry] = await Promise.all([
    seriesByArea(ctx.store, eff, codes, { from: firstNeeded, to: period.to }, disclosure),
    ctx.store.populations([...codes, ...(within ? [within.code] : [])]),
    loadMapGeometry(ctx.store, codes),
  ]);
  const drawn = codes.filter((c) => geometry.wards.has(c));
  if (!drawn.length)
    return errorReply(
      'No ward boundaries',
      `No ward boundaries are loaded for ${areaName}, so there is nothing to draw. Load the ONS ward boundary GeoJSON with \`wardwatch ingest\`.`,
      [{ label: `Top ${m.label.toLowerCase()}`, command: `top ${topicText(eff.requested)} ${within ? placeText(within, index) : ''}`.trim() }],
    );

  const populationOf = (code: string) => populations.get(code)?.population ?? null;
  const items = wards.map((a) => ({
    code: a.code,
    name: a.name,
    district: a.parentCode ?? undefined,
    count: totalFor(series.get(a.code)!, period).value,
    population: populationOf(a.code),
  }));
  const noRates = items.every((it) => it.population === null);
  const unit: MapRequest['unit'] = noRates ? 'count' : 'rate per 1,000';

  // Suppression, as `top`: each ward's count, its rate, and the wards' total as the sum of them.
  const threshold = ctx.partnership.smallNumberThreshold;
  const cleared = mode === 'exact';
  const total = items.every((it) => it.count !== null) ? items.reduce((s, it) => s + it.count!, 0) : null;
  const cells: Cell[] = [
    { id: 'total', value: total, kind: 'count', priority: 2 },
    ...items.flatMap((it): Cell[] => [
      { id: `c:${it.code}`, value: it.count, kind: 'count' },
      { id: `r:${it.code}`, value: 1, kind: 'derived', dependsOn: [`c:${it.code}`] },
    ]),
  ];
  const sup = suppress(cells, [{ total: 'total', parts: items.map((it) => `c:${it.code}`) }], rulesFor(mode, threshold));
  const hiddenWhy = (code: string): MapWardInput['hidden'] => (sup.primary.has(`c:${code}`) ? 'small-number' : sup.isHidden(`c:${code}`) ? 'secondary' : undefined);

  // Hotspots over the period and emerging hotspots in its last month, as `top` tests them (against
  // the wards of the area together). A hotspot needs at least the threshold's count, so a hidden
  // count is never flagged.
  const periodWords = `the ${period.label}`;
  const hot = noRates ? [] : periodHotspots(items, areaName, periodWords, settings);
  const emergingMonths = monthRange(addMonths(nowMonth, -settings.previous), nowMonth).filter((mo) => compareMonths(mo, firstNeeded) >= 0);
  const emerging = noRates
    ? []
    : monthlyEmergingHotspots(
        emergingMonths.map((mo) => ({
          month: mo,
          items: wards.map((a) => ({ code: a.code, name: a.name, count: valueAt(series.get(a.code)!, mo), population: populationOf(a.code) })),
        })),
        areaName,
        monthName,
        settings,
      );
  const hotSet = new Set(hot.filter((h) => h.hotspot).map((h) => h.code));
  const emergingSet = new Set(emerging.filter((e) => e.emerging).map((e) => e.code));
  const emergingChecked = (emerging[0]?.previousChecked ?? 0) === settings.previous;

  const areaPop: Population | undefined = within ? populations.get(within.code) : undefined;
  const estimated = isEstimatedPopulation(areaPop ?? null) || wards.some((a) => isEstimatedPopulation(populations.get(a.code) ?? null));
  const anySynthetic = [...cov2.synthetic].some((mo) => mo >= firstNeeded && mo <= period.to);
  const small = suppressedText(threshold);
  const missing = wards.filter((a) => !geometry.wards.has(a.code));
  const multiDistrict = districts.length > 1;
  const mapNotes = [
    ...(anySynthetic ? ['SYNTHETIC DATA: some months are generated history, not real data.'] : []),
    ...(estimated ? ['Rates use ESTIMATED populations.'] : []),
    ...(missing.length ? [`Not drawn (no boundary loaded): ${listWords(missing.map((a) => a.name))}.`] : []),
  ];
  const source = sourceLine(
    eff.source === 'mixed' ? 'composite' : eff.source,
    noRates
      ? null
      : estimated
        ? { source: 'ESTIMATE', year: areaPop?.year ?? populations.values().next().value?.year ?? 0 }
        : (areaPop ?? populations.values().next().value ?? null),
  );
  const request = buildMapRequest(
    {
      title: `${areaName}: ${what} ${noRates ? 'by ward' : 'per 1,000 residents by ward'}`,
      subtitle: `${cap(period.label)}; ${wards.length} wards${multiDistrict ? ` in ${districts.length} districts` : ''}${hotSet.size || emergingSet.size ? '; hotspots outlined' : ''}${emphasised ? `; ${emphasised.name} outlined in black` : ''}`,
      areaName,
      measureLabel: m.label,
      period: period.label,
      unit,
      wards: items.map((it) => ({
        ...it,
        district: it.district,
        ...(hiddenWhy(it.code) ? { hidden: hiddenWhy(it.code) } : {}),
        ...(hotSet.has(it.code) ? { hotspot: true } : {}),
        ...(emergingSet.has(it.code) ? { emerging: true } : {}),
        ...(emphasised?.code === it.code ? { emphasised: true } : {}),
      })),
      districts: districts.map((d) => ({ code: d.code, name: d.name })),
      legend: {
        small: `${cap(small)} ${noun(m)} (not shown)`,
        secondary: 'Not shown, so that a small number cannot be worked out',
        noData: noRates ? 'No figure' : 'No population: no rate',
        ...(noRates ? {} : { hotspot: `Hotspot, ${period.label}` }),
        ...(emergingChecked ? { emerging: `Emerging hotspot, ${monthName(nowMonth)}` } : {}),
      },
      notes: mapNotes,
      source,
    },
    geometry,
  );

  // Figures and words.
  const mw = request.wards;
  const shown = mw.filter((w) => !w.hidden && w.value !== null).sort((a, b) => b.value! - a.value! || a.name.localeCompare(b.name));
  const valueWords = (v: number) => (noRates ? `${formatCount(v)} ${noun(m, v)}` : `${formatMapValue(v, unit)} per 1,000`);
  const figures: Reply['figures'] = [];
  const highest = shown[0],
    lowest = shown[shown.length - 1];
  const among = sup.hidden.size ? `the ${shown.length} ${areaName} wards with figures shown` : `${areaName}'s ${wards.length} wards`;
  if (highest)
    figures.push({
      id: 'highest',
      label: 'Highest',
      value: highest.value,
      display: `${highest.name}: ${valueWords(highest.value!)}`,
      period: period.label,
      wording: `${highest.name} has the highest ${noRates ? 'count' : 'rate'} of ${what} of ${among} (${valueWords(highest.value!)}, ${period.label}).`,
    });
  if (lowest && lowest !== highest)
    figures.push({
      id: 'lowest',
      label: 'Lowest',
      value: lowest.value,
      display: `${lowest.name}: ${valueWords(lowest.value!)}`,
      period: period.label,
      wording: `${lowest.name} has the lowest (${valueWords(lowest.value!)}).`,
    });
  const hotWards = mw.filter((w) => w.hotspot);
  const emWards = mw.filter((w) => w.emerging);
  // "Abbey, Market and Petersfield (three, adjacent, in the centre of Cambridge); Castle (in the north-west of Cambridge)"
  const groupWords = (flagged: typeof mw): string => describeGroups(request, flagged, { style: 'summary', what: 'hotspots', maxGroups: 4, maxNames: 5 });
  if (!noRates) {
    figures.push({
      id: 'hotspots',
      label: 'Hotspots',
      value: hotWards.length,
      display: hotWards.length ? `${hotWards.length} of ${wards.length}` : 'none',
      period: period.label,
      wording: hotWards.length
        ? `${hotWards.length === 1 ? 'One hotspot' : `${hotWards.length} hotspots`}: ${groupWords(hotWards)}.`
        : `No ward of ${areaName} stands out as a hotspot.`,
    });
    if (emergingChecked)
      figures.push({
        id: 'emerging-hotspots',
        label: `Emerging in ${monthName(nowMonth)}`,
        value: emWards.length,
        display: emWards.length ? listWords(emWards.map((w) => w.name)) : 'none',
        period: monthName(nowMonth),
        wording: emWards.length
          ? `${groupWords(emWards)} ${emWards.length === 1 ? 'is a new hotspot' : 'are new hotspots'} in ${monthName(nowMonth)}.`
          : `No new hotspot in ${monthName(nowMonth)}.`,
      });
  }
  if (total !== null && !sup.isHidden('total')) {
    const pop = items.every((it) => it.population !== null) ? items.reduce((s, it) => s + it.population!, 0) : null;
    figures.push({
      id: 'area',
      label: `${areaName}`,
      value: pop ? Math.round((total / pop) * 10000) / 10 : total,
      display: pop ? `${formatRate((total / pop) * 1000)} per 1,000` : formatCount(total),
      period: period.label,
      wording: `${areaName} as a whole: ${formatCount(total)} ${noun(m)}${pop ? `, ${formatRate((total / pop) * 1000)} per 1,000 residents` : ''}.`,
    });
  }
  const em = emphasised ? mw.find((w) => w.code === emphasised!.code) : undefined;
  if (em) {
    const rank = em.value !== null && !em.hidden ? shown.findIndex((w) => w.code === em.code) + 1 : 0;
    figures.push({
      id: 'emphasised',
      label: em.name,
      value: em.hidden ? null : em.value,
      display: em.hidden ? (em.hidden === 'small-number' ? small : 'not shown') : em.value === null ? 'no figure' : valueWords(em.value),
      period: period.label,
      wording:
        em.hidden || em.value === null
          ? `${em.name}'s figure is not shown${em.hidden === 'small-number' ? ` (${small} ${noun(m)})` : ''}.`
          : `${em.name} is ${rank === 1 ? 'the highest' : `${ordinal(rank)} highest`} of ${shown.length}${em.class !== null ? `, in the ${em.class === request.classes.length - 1 ? 'darkest' : em.class === 0 ? 'lightest' : `${ordinal(em.class + 1)}`} of ${request.classes.length} shades` : ''}${em.hotspot ? ', and a hotspot' : ''}.`,
    });
  }

  // The table: shown wards by value, hidden ones after them in name order (their order says nothing).
  const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
  const hiddenRows = mw.filter((w) => w.hidden).sort(byName);
  const noValue = mw.filter((w) => !w.hidden && w.value === null).sort(byName);
  const countOf = new Map(items.map((it) => [it.code, it.count]));
  const districtName = new Map(districts.map((d) => [d.code, d.name]));
  const rows = [...shown, ...hiddenRows, ...noValue].map((w) => [
    w.name + (w.emphasised ? ' <' : ''),
    ...(multiDistrict ? [districtName.get(w.district ?? '') ?? ''] : []),
    ...(noRates ? [] : [w.hidden ? 'not shown' : w.value === null ? 'no population' : formatMapValue(w.value, unit)]),
    w.hidden === 'small-number' ? small : w.hidden ? 'not shown' : countOf.get(w.code) === null ? 'n/a' : formatCount(countOf.get(w.code)!),
    w.class === null ? '-' : `${w.class + 1} of ${request.classes.length}`,
    [w.hotspot ? 'hotspot' : '', w.emerging ? `emerging (${monthName(nowMonth)})` : ''].filter(Boolean).join(', '),
  ]);

  const notes = [
    `Source: ${source.replace('Source: ', '').replace(/; populations: estimate$/, '')}; ${period.label}.`,
    ...eff.notes,
    ...(askedPeriod.focus.kind === 'month' && !yearCovered ? [`The data does not cover the whole ${wholeYear.label}, so the map shows ${period.label} alone.`] : []),
    ...(noRates ? ['No populations are loaded, so the map shades counts and tests no hotspots.'] : []),
    ...(estimated ? ['Rates use estimated populations, not official ward figures.'] : []),
    ...(anySynthetic ? ['Synthetic data: some months in this period are generated for demonstration, not real.'] : []),
    ...(sup.hidden.size
      ? [
          `Wards with ${small} ${noun(m)} are hatched and their figures not shown${sup.secondary.size ? '; some others are hidden too, so the hidden counts cannot be worked out from the total' : ''}.`,
        ]
      : []),
    ...(mode === 'perturbed' ? [perturbedNote(threshold)] : []),
    ...(missing.length ? [`No boundary is loaded for ${listWords(missing.map((a) => a.name))}: ${missing.length === 1 ? 'it is' : 'they are'} not drawn.`] : []),
    'Boundaries: Source: Office for National Statistics licensed under the Open Government Licence v.3.0. Contains OS data © Crown copyright and database right.',
  ];
  const about = [
    `Shades: the wards shown in ${request.classes.length} groups ${request.method === 'jenks' ? 'by natural breaks (Jenks: the grouping with the least variation within groups)' : 'of about equal size (quantiles)'}, of the ${noRates ? 'count' : 'rate per 1,000 residents as recorded'}.`,
    ...(noRates
      ? []
      : [
          `Hotspot: a ward whose count in the ${period.label} is higher than its share of ${areaName}'s population would give, by more than chance would explain (an exact Poisson test; with ${wards.length} wards tested at once, about 1 in ${Math.round(1 / settings.fdr)} of those flagged could still be chance, the Benjamini-Hochberg false discovery rate of ${Math.round(settings.fdr * 100)}%). A hotspot needs at least ${settings.minCount} ${noun(m)}. Emerging: a hotspot in ${monthName(nowMonth)} alone that was not one in any of the previous ${settings.previous} months.`,
        ]),
  ];
  const t = topicText(eff.requested);
  const areaText = within ? placeText(within, index) : scope === 'partnership' ? 'partnership' : '';
  const flaggedFirst = hotWards[0] ?? emWards[0];
  const actions: Action[] = [
    ...(within && within.type !== 'force' ? [{ label: `Ranking of ${areaName} wards`, command: `top ${t} ${areaText}` }] : []),
    ...(em ? [{ label: `${em.name} ${m.label.toLowerCase()}`, command: `${placeText(emphasised!, index)} ${t}` }] : []),
    ...(flaggedFirst && flaggedFirst.code !== em?.code
      ? [
          {
            label: `${flaggedFirst.name} (hotspot)`,
            command: `${placeText(
              wards.find((a) => a.code === flaggedFirst.code)!,
              index,
            )} ${t}`,
          },
        ]
      : []),
    ...(within && within.type !== 'force' ? [{ label: `${areaName} trend`, command: `${areaText} ${t}` }] : []),
  ];
  const alt = mapAltText(request)
    .map((s) => (/[.!?]$/.test(s.trim()) ? s.trim() : `${s.trim()}.`))
    .join(' ');
  return {
    kind: 'answer',
    title: `${areaName}: ${what} by ward${noRates ? '' : ' (rate per 1,000)'}`,
    summary: [
      ...q.notes,
      figures.find((f) => f.id === 'highest')?.wording ?? '',
      figures.find((f) => f.id === 'hotspots')?.wording ?? '',
      emWards.length ? (figures.find((f) => f.id === 'emerging-hotspots')?.wording ?? '') : '',
    ]
      .filter(Boolean)
      .join(' '),
    about,
    figures: figures.slice(0, 6),
    table: { columns: ['Ward', ...(multiDistrict ? ['District'] : []), ...(noRates ? [] : ['Rate per 1,000']), 'Count', 'Class', 'Hotspot'], rows },
    chart: request,
    chartAlt: alt,
    notes,
    actions: actions.slice(0, 5),
    data: {
      area: { name: areaName, code: within?.code ?? null, type: within?.type ?? 'partnership', districts: districts.map((d) => d.code) },
      measure: { key: m.key, label: m.label, source: eff.source },
      latestMonth: latest,
      period: { label: period.label, from: period.from, to: period.to },
      unit,
      classes: request.classes,
      wards: mw.map((w) => ({
        code: w.code,
        name: w.name,
        district: w.district ?? null,
        value: w.value,
        class: w.class,
        count: w.hidden ? null : (countOf.get(w.code) ?? null),
        hidden: w.hidden ?? null,
        hotspot: !!w.hotspot,
        emerging: !!w.emerging,
        emphasised: !!w.emphasised,
        drawn: geometry.wards.has(w.code),
      })),
      adjacency: request.adjacency ?? [],
      hotspots: noRates
        ? null
        : {
            period: period.label,
            fdr: settings.fdr,
            minCount: settings.minCount,
            wards: hotWards.map((w) => w.code),
            emerging: { month: nowMonth, checked: emergingChecked, wards: emWards.map((w) => w.code) },
          },
      smallNumbers: { threshold, cleared },
      disclosure: { mode },
      suppressedIds: [...sup.hidden],
      figures,
      notes,
    },
  };
}

const command: Command = {
  name: 'map',
  summary: 'a map of every ward of a district (or the partnership, or the county) by rate per 1,000, hotspots outlined',
  usage: ['map burglary cambridge', 'map asb cambridge', 'map burglary market', 'map violence county', 'map shoplifting partnership ye sep'],
  examples: (p) => [
    `map ${p.topics[0]} ${p.district}`,
    `map ${p.topics[1] ?? p.topics[0]} ${p.ward}`,
    p.county ? `map ${p.topics[0]} county` : `map ${p.topics[0]} partnership ${p.yearEnd}`,
  ],
  run: map,
};
export default command;
