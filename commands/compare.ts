// `/crime compare <place> <place> [topic] [period]`: two areas side by side: the month, the year
// ending with its change, the rate per 1,000 and the rank, and a chart of both monthly rates.
import type { Command, CommandContext } from '../src/core/dispatch.ts';
import { monthName, shortMonthName } from '../src/core/periods.ts';
import { errorReply, type Reply } from '../src/core/reply.ts';
import { computeAreaFigures, inSentence, isEstimatedPopulation, placeName, type AreaFigures } from '../src/figures/area.ts';
import { ratePer1000 } from '../src/figures/compute.ts';
import { formatRate } from '../src/figures/wording.ts';
import { dataFor, placeText, readQuestion, topicText } from '../src/resolve/question.ts';
import { sourceLine } from './ask.ts';
import { disclosureFor } from '../src/figures/disclosure.ts';
import { inPartnership } from '../src/resolve/places.ts';

export async function compare(args: string, ctx: CommandContext): Promise<Reply> {
  const read = await readQuestion(args, ctx, { command: 'compare', places: { min: 2, max: 2 }, mergeAlways: false });
  if (!read.ok) return read.reply;
  const { q } = read;
  const [a, b] = q.areas as [(typeof q.areas)[0], (typeof q.areas)[0]];
  if (a.code === b.code) return errorReply('Same place twice', `Both places are ${placeName(a)}. Name two different places.`);
  const results: AreaFigures[] = [];
  const disclosure = await disclosureFor(ctx);
  for (const area of [a, b]) {
    const data = await dataFor(ctx, area, q);
    if (!data.ok) return data.reply;
    results.push(
      await computeAreaFigures({
        disclosure,
        scope: (x) => inPartnership(x, ctx.partnership, q.index),
        store: ctx.store,
        taxonomy: ctx.taxonomy,
        area,
        measure: data.eff,
        period: data.period,
        latest: data.latest,
        rules: {
          noCalcBase: ctx.config.figures.noCalcBase,
          reportingYearEnd: ctx.partnership.reportingYearEnd,
          smallNumberThreshold: ctx.partnership.smallNumberThreshold,
          clearedForSmallNumbers: ctx.channel.clearance.smallNumbers,
          seriesMonths: ctx.config.figures.chartMonths,
        },
      }),
    );
  }
  const [fa, fb] = results as [AreaFigures, AreaFigures];
  if (fa.measure.key !== fb.measure.key)
    return errorReply('Not comparable', `The data shows ${fa.measure.label} for ${a.name} but ${fb.measure.label} for ${b.name}; ask for a topic both have.`);
  const m = ctx.taxonomy.require(fa.measure.key);
  const fig = (f: AreaFigures, id: string) => f.figures.find((x) => x.id === id);
  const ids = ['month', 'year-ending', 'rate', 'rank', 'period', 'share-of-parent'];
  const rows = ids.filter((id) => fig(fa, id) || fig(fb, id)).map((id) => [fig(fa, id)?.label ?? fig(fb, id)!.label, fig(fa, id)?.display ?? '-', fig(fb, id)?.display ?? '-']);

  // The ratio is divided from the unrounded rates (1.67, not 1.66 from 4.2 and 2.52 shown).
  const unrounded = (f: AreaFigures) => (fig(f, 'rate')?.value == null ? null : ratePer1000(fig(f, 'year-ending')?.value ?? null, f.population?.population));
  const rateA = unrounded(fa);
  const rateB = unrounded(fb);
  const useRate = fa.population !== null && fb.population !== null;
  const figures: Reply['figures'] = [];
  // The year ending is in the table and the summary: the figures are the two rates and their ratio.
  for (const [f, area] of [
    [fa, a],
    [fb, b],
  ] as const) {
    const r = fig(f, 'rate');
    if (r) figures.push({ ...r, id: `rate:${area.code}`, label: `${area.name}: ${r.label}` });
  }
  let ratio = '';
  if (rateA && rateB) {
    // Said one way everywhere: the higher rate over the lower, "Abbey 1.7 × Romsey" beside "Abbey's rate is 1.7 times Romsey's".
    const x = rateA / rateB;
    const [hi, lo, times] = x >= 1 ? [a, b, x] : [b, a, 1 / x];
    const timesText = times.toFixed(1);
    ratio = timesText === '1.0' ? `${a.name} and ${b.name} have about the same rate.` : `${hi.name}'s rate is ${timesText} times ${lo.name}'s.`;
    figures.push({
      id: 'rate-ratio',
      label: 'Rate ratio',
      value: Math.round(x * 100) / 100,
      display: timesText === '1.0' ? 'about the same' : `${hi.name} ${timesText} × ${lo.name}`,
      period: fig(fa, 'rate')!.period,
      wording: ratio,
    });
  }
  const perK = (f: AreaFigures) => (c: number | null) => (c === null || !f.population ? null : (c / f.population.population) * 1000);
  const notes = [...new Set([...fa.notes, ...fb.notes])].filter((n) => !n.startsWith('Ward counts for'));
  return {
    kind: 'answer',
    title: `${placeName(a)} and ${placeName(b)}: ${m.label}`,
    summary: [
      ...q.notes,
      `In the ${fa.reference === fb.reference ? `year ending ${monthName(fa.reference)}` : 'latest year'}: ${fig(fa, 'year-ending')?.display ?? 'n/a'} in ${a.name}, ${fig(fb, 'year-ending')?.display ?? 'n/a'} in ${b.name}.`,
      ratio,
    ]
      .filter(Boolean)
      .join(' '),
    figures: figures.slice(0, 6),
    table: { columns: ['', a.name, b.name], rows },
    chart: {
      kind: 'compare',
      title: `${a.name} and ${b.name}: ${m.label}`,
      subtitle: `${useRate ? `Monthly ${inSentence(m.label)} per 1,000 residents` : `Monthly ${inSentence(m.label)}`}, ${fa.series.length ? `${shortMonthName(fa.series[0]!.month)} to ${shortMonthName(fa.series[fa.series.length - 1]!.month)}` : 'no months'}${useRate && isEstimatedPopulation(fa.population) ? ' (estimated populations)' : ''}`,
      measureLabel: m.label,
      unit: useRate ? 'rate per 1,000' : 'count',
      lines: [fa, fb].map((f, i) => ({
        name: (i ? b : a).name,
        points: f.series.map((p) => ({ month: p.month, value: useRate ? perK(f)(p.count) : p.count, synthetic: p.synthetic })),
      })),
      source: sourceLine(fa.measure.source, useRate ? fa.population : null),
    },
    chartAlt: `Line chart of monthly ${inSentence(m.label)} ${useRate ? 'per 1,000 residents ' : ''}in ${a.name} and ${b.name}.`,
    notes,
    actions: [
      { label: a.name, command: `${placeText(a, q.index)} ${topicText(m)}` },
      { label: b.name, command: `${placeText(b, q.index)} ${topicText(m)}` },
      { label: 'ASB', command: `compare ${placeText(a, q.index)} ${placeText(b, q.index)} asb` },
    ],
    data: {
      areas: [fa.area, fb.area],
      area: fa.area,
      measure: fa.measure,
      latestMonth: fa.latestMonth,
      figures: { [a.code]: fa.figures, [b.code]: fb.figures },
      series: { [a.code]: fa.series, [b.code]: fb.series },
      periods: { [a.code]: fa.periods, [b.code]: fb.periods },
      rates: { [a.code]: rateA === null ? null : formatRate(rateA), [b.code]: rateB === null ? null : formatRate(rateB) },
      suppressed: { [a.code]: fa.suppressed, [b.code]: fb.suppressed },
      notes,
    },
  };
}

const command: Command = {
  name: 'compare',
  summary: 'two places side by side',
  usage: ['compare market abbey', 'compare market cambridge asb', 'compare romsey petersfield burglary ye sep'],
  examples: (p) => [
    `compare ${p.ward} ${p.ward2}`,
    p.district2 ? `compare ${p.district} ${p.district2} ${p.topics[0]}` : `compare ${p.ward} ${p.district} ${p.topics[0]}`,
    `compare ${p.ward} ${p.ward2} ${p.topics[1] ?? p.topics[0]} ${p.yearEnd}`,
  ],
  run: compare,
};
export default command;
