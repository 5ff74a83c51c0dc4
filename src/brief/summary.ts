// The monthly summary a partnership's channels get when a month lands: the month's headline (all crime
// and ASB, on last month and on the same month last year), the year-ending picture, the three largest
// rises and falls among measures (on a minimum base), the priorities with their trend, active alerts and
// one chart, in the seeds' words ("Shoplifting saw a decrease of 10% (-270 offences)"). Platform-neutral.
import type { CommandContext } from '../core/dispatch.ts';
import { addMonths, monthName, type Month } from '../core/periods.ts';
import type { Figure, Reply } from '../core/reply.ts';
import { formatCount } from '../figures/wording.ts';
import { alertsSince } from './alerts.ts';
import { OGL_LINE } from './brief.ts';
import { largestChanges, periodOut, sawSentence, sharedFigures, type MeasureRow } from './figures.ts';

export async function buildMonthlySummary(ctx: CommandContext, options: { month?: Month } = {}): Promise<Reply> {
  const { partnership, store, channel, taxonomy } = ctx;
  const rules = partnership.brief;
  const shared = await sharedFigures(ctx, options.month ? { month: options.month } : {});
  const { periods, rows, frame } = shared;
  const month = periods.month;
  const rowOf = new Map(rows.map((r) => [r.key, r]));
  const { rises, falls } = largestChanges(rows, rules.minBase);
  const alerts = await alertsSince(store, { partnership: partnership.id, since: addMonths(month, -2), channel, taxonomy, threshold: partnership.smallNumberThreshold });
  const active = alerts.items.filter((a) => a.open);

  const yeSentence = (r: MeasureRow | undefined): string | null => {
    if (!r || r.current === null) return null;
    if (!r.change) return `${r.label}: ${r.currentText} in the ${periods.current.label}.`;
    return `${sawSentence(r)} in the ${periods.current.label} (${formatCount(r.previous!)} to ${formatCount(r.current)}).`;
  };
  const summary = [...shared.headline.map((h) => h.sentence), yeSentence(rowOf.get('all-crime')), yeSentence(rowOf.get('anti-social-behaviour'))].filter((s): s is string => !!s);

  const figures: Figure[] = [];
  for (const h of shared.headline) {
    figures.push({
      id: `month:${h.key}`,
      label: `${h.label}, ${monthName(month)}`,
      value: h.month.value,
      display: h.month.text,
      period: monthName(month),
      wording: h.sentence,
      ...(h.month.value === null ? { suppressed: true } : {}),
    });
  }
  for (const key of ['all-crime', 'anti-social-behaviour']) {
    const r = rowOf.get(key);
    if (!r) continue;
    figures.push({
      id: `year-ending:${key}`,
      label: `${r.label}, ${periods.current.label}`,
      value: r.current,
      display: `${r.currentText}${r.change ? ` ${r.changeText}` : ''}`,
      period: periods.current.label,
      wording: yeSentence(r) ?? '',
      ...(r.current === null ? { suppressed: true } : {}),
    });
  }

  const priorities = partnership.priorityMeasures.map((k) => rowOf.get(k)).filter((r): r is MeasureRow => !!r);
  const notes: string[] = [];
  notes.push(rises.length ? `Largest rises: ${rises.map((r) => `${sawSentence(r)}`).join('; ')}.` : 'Largest rises: none on a base large enough to judge.');
  notes.push(falls.length ? `Largest falls: ${falls.map((r) => `${sawSentence(r)}`).join('; ')}.` : 'Largest falls: none on a base large enough to judge.');
  notes.push(
    `Rises and falls are ranked by percentage among measures with at least ${rules.minBase} in the ${periods.previous.label}, so a change from 2 to 4 is never the largest.`,
  );
  notes.push(
    alerts.available
      ? active.length
        ? `Active alerts: ${active.map((a) => `${a.areaName} ${a.measureLabel.toLowerCase()} (since ${monthName(a.sinceMonth)}${a.acknowledged ? `, acknowledged by ${a.acknowledged}` : ''})`).join('; ')}.`
        : 'Active alerts: none.'
      : 'Active alerts: alert history is not available in this deployment.',
  );
  notes.push(`Flags: ${shared.flagRules.slice(0, 4).join(' ')}`);
  if (shared.notShown.length) notes.push(`Not shown in this channel: ${shared.notShown.join(', ')} (sensitive measures or outside its measures).`);
  if (shared.syntheticMonths.length)
    notes.push('SYNTHETIC DATA: some months used are generated history for demonstration, not real data; comparisons with them are illustrative only.');
  if (shared.estimatedPopulation) notes.push('Rates per 1,000 use ESTIMATED populations.');
  if (shared.suppression.note) notes.push(shared.suppression.note);
  notes.push(`Source: police.uk street-level crime and ASB for ${frame.name}, latest month ${monthName(frame.coverage.latest ?? month)}. ${OGL_LINE}`);

  const all = rowOf.get('all-crime');
  const chart: Reply['chart'] = all
    ? {
        kind: 'trend',
        title: `${frame.name}: ${all.label}`,
        subtitle: `Monthly offences to ${monthName(month)}, with the 12-month rolling average`,
        areaName: frame.name,
        measureLabel: all.label,
        series: all.series,
        rollingAverage: true,
        months: ctx.config.figures.chartMonths,
        rollingWindow: 12,
        estimated: all.series.every((p) => p.synthetic),
        source: 'Source: police.uk, Open Government Licence',
      }
    : undefined;

  return {
    kind: 'answer',
    title: `Monthly summary: ${monthName(month)}, ${partnership.name}`,
    summary: summary.join(' '),
    figures,
    table: {
      columns: ['Priority', periodOut(periods.current, partnership.reportingYearEnd).short, `Change on ${periodOut(periods.previous, partnership.reportingYearEnd).short}`, 'Flag'],
      rows: priorities.map((r) => [r.label, r.currentText, r.changeText, r.flagText]),
    },
    ...(chart ? { chart, chartAlt: `Line chart of monthly ${all!.label.toLowerCase()} in ${frame.name} to ${monthName(month)}.` } : {}),
    notes,
    actions: [
      { label: "Chair's brief (PDF)", command: 'brief' },
      { label: `${frame.name} ${monthName(month).split(' ')[0]}`, command: frame.name.toLowerCase() },
      { label: 'Top ASB wards', command: `top asb ${frame.districts.length === 1 ? frame.name.toLowerCase() : ''}`.trim() },
    ],
    data: {
      partnership: partnership.id,
      channel: channel.name,
      month,
      period: periods.current,
      previousPeriod: periods.previous,
      headline: shared.headline,
      rows: rows.map(({ series: _s, ...r }) => r),
      rises: rises.map((r) => ({ key: r.key, sentence: sawSentence(r) })),
      falls: falls.map((r) => ({ key: r.key, sentence: sawSentence(r) })),
      priorities: priorities.map((r) => ({ key: r.key, flag: r.flag, change: r.changeText })),
      alerts: { available: alerts.available, active: active.length },
      suppression: shared.suppression,
      notShown: shared.notShown,
    },
  };
}
