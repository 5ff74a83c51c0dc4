// The text alternative for every chart: what a screen reader says and what Slack/Teams show when
// the image cannot be. It gives the numbers a reader would take from the picture.
import { shortMonthName } from '../core/periods.ts';
import type { ChartRequest } from '../core/reply.ts';
import { briefPanels } from './brief.ts';
import { compareModel } from './compare.ts';
import { changeSentence, formatCount, formatRate, formatValue } from './format.ts';
import { listMonths, listWords, lowerFirst, monthSpan } from './months.ts';
import { rankBars } from './ranking.ts';
import { trendModel } from './trend.ts';
import { yearEndingRoles } from './year-ending.ts';
import { mapAltText } from '../maps/alt.ts';

function sentence(text: string): string {
  const t = text.trim();
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

export function chartAltText(request: ChartRequest): string {
  const parts = altParts(request);
  return parts.map(sentence).join(' ');
}

function altParts(req: ChartRequest): string[] {
  switch (req.kind) {
    case 'trend': {
      const m = trendModel(req);
      const months = m.points.map((p) => p.month);
      const out = [
        `Line chart: ${req.title}`,
        m.rollingTotals
          ? `Rolling 12-month totals of ${lowerFirst(req.measureLabel)} for ${req.areaName} (each point the 12 months ending that month), ${monthSpan(months)}`
          : `Monthly ${lowerFirst(req.measureLabel)} counts for ${req.areaName}, ${monthSpan(months)}`,
      ];
      if (m.latest >= 0) {
        const p = m.points[m.latest]!;
        let s = `${m.rollingTotals ? '12 months to' : 'Latest month'} ${shortMonthName(p.month)}: ${formatCount(p.count!)}`;
        if (p.expected != null && p.upperbound != null)
          s += ` (expected ${formatRate(p.expected)}, upper bound ${formatRate(p.upperbound)}${p.alarm ? ', above the upper bound: an alarm' : ''})`;
        if (m.latest >= 1 && m.points[m.latest - 1]!.count != null && !m.rollingTotals) s += `, ${changeSentence(m.points[m.latest - 1]!.count, p.count)} on the month before`;
        out.push(s);
        const yearAgo = m.latest - 12 >= 0 ? m.points[m.latest - 12] : undefined;
        if (yearAgo?.count != null) out.push(`A year earlier, ${shortMonthName(yearAgo.month)}: ${formatCount(yearAgo.count)}`);
      }
      if (m.rolling) {
        let last = -1;
        m.rolling.forEach((v, i) => {
          if (v != null) last = i;
        });
        if (last >= 0) {
          let s = `${m.window}-month rolling average ${formatRate(m.rolling[last]!)} in ${shortMonthName(m.points[last]!.month)}`;
          const before = last - 12 >= 0 ? m.rolling[last - 12] : null;
          if (before != null) s += `, from ${formatRate(before)} a year before`;
          out.push(s);
        }
      }
      const counted = m.points.filter((p) => p.count != null);
      if (counted.length > 1) {
        const hi = counted.reduce((a, b) => (b.count! > a.count! ? b : a));
        const lo = counted.reduce((a, b) => (b.count! < a.count! ? b : a));
        out.push(`Highest ${shortMonthName(hi.month)} (${formatCount(hi.count!)}); lowest ${shortMonthName(lo.month)} (${formatCount(lo.count!)})`);
      }
      const named = (ix: number[]) => listMonths(ix.map((i) => m.points[i]!.month));
      if (m.alarms.length) out.push(`Alarm months (above the detector's upper bound): ${named(m.alarms)}`);
      if (m.suppressed.length) out.push(`Not shown, small numbers suppressed: ${named(m.suppressed)}`);
      if (m.allSynthetic) out.push('All figures are synthetic, not recorded data');
      else if (m.synthetic.length) out.push(`Estimated, not recorded: ${named(m.synthetic)}`);
      else if (req.estimated) out.push('The figures are estimates');
      out.push(req.source);
      return out;
    }
    case 'ranking': {
      const bars = rankBars(req.bars);
      const list = bars.map((b) => {
        const tags = [b.count === null ? 'count suppressed' : `${formatCount(b.count)}`, b.hotspot ? 'hotspot' : '', b.emphasised ? 'the area asked about' : ''].filter(Boolean);
        return `${b.name} ${formatRate(b.rate)} (${tags.join(', ')})`;
      });
      const out = [`Bar chart: ${req.title}`, `${bars.length} areas by ${lowerFirst(req.measureLabel)} rate per 1,000 residents, ${req.period}, highest first: ${list.join('; ')}`];
      if (req.reference) {
        const above = bars.filter((b) => b.rate > req.reference!.rate).length;
        out.push(`${req.reference.label}: ${formatRate(req.reference.rate)} per 1,000; ${above} of ${bars.length} areas are above it`);
      }
      const em = bars.findIndex((b) => b.emphasised);
      if (em >= 0) out.push(`${bars[em]!.name} ranks ${em + 1} of ${bars.length}`);
      out.push(req.source);
      return out;
    }
    case 'year-ending': {
      const roles = yearEndingRoles(req);
      const cur = req.periods[roles.current]!;
      const out = [`Bar chart: ${req.title}`, `${req.measureLabel ?? 'Counts'} for ${listWords(req.periods)}`];
      for (const g of req.groups) {
        const v = g.values[roles.current];
        let s = `${g.label}: ${v == null ? 'no figure' : formatCount(v)} in ${cur}`;
        if (roles.previous !== null) {
          const pv = g.values[roles.previous];
          s += `, ${changeSentence(pv, v, req.noCalcBase)} on ${req.periods[roles.previous]} (${pv == null ? 'no figure' : formatCount(pv)})`;
        }
        if (roles.base !== null) {
          const bv = g.values[roles.base];
          s += `; ${changeSentence(bv, v, req.noCalcBase)} on ${req.periods[roles.base]} (${bv == null ? 'no figure' : formatCount(bv)})`;
        }
        out.push(s);
      }
      out.push(req.source);
      return out;
    }
    case 'compare': {
      const model = compareModel(req);
      const unit = req.unit === 'count' ? 'count' : 'rate';
      const out = [
        `Line chart: ${req.title}`,
        `${req.measureLabel} ${unit === 'rate' ? 'per 1,000 residents' : 'counts'} by month, ${monthSpan(model.months)}, for ${listWords(req.lines.map((l) => l.name))}`,
      ];
      const lasts: Array<{ name: string; value: number; month: string }> = [];
      req.lines.forEach((l, i) => {
        const pts = model.months.map((m, j) => ({ m, v: model.values[i]![j] ?? null })).filter((p) => p.v !== null) as Array<{ m: string; v: number }>;
        if (!pts.length) {
          out.push(`${l.name}: no figures`);
          return;
        }
        const first = pts[0]!,
          last = pts[pts.length - 1]!;
        const hi = pts.reduce((a, b) => (b.v > a.v ? b : a));
        out.push(
          `${l.name}: ${formatValue(first.v, unit)} in ${shortMonthName(first.m)}, ${formatValue(last.v, unit)} in ${shortMonthName(last.m)}, highest ${formatValue(hi.v, unit)} in ${shortMonthName(hi.m)}`,
        );
        lasts.push({ name: l.name, value: last.v, month: last.m });
      });
      if (lasts.length === 2 && lasts[0]!.month === lasts[1]!.month && lasts[1]!.value > 0) {
        const ratio = lasts[0]!.value / lasts[1]!.value;
        out.push(`In ${shortMonthName(lasts[0]!.month)}, ${lasts[0]!.name}'s ${unit} is ${ratio.toFixed(1)} times ${lasts[1]!.name}'s`);
      }
      if (unit === 'count') out.push('Counts, not rates: areas of different sizes do not compare fairly');
      out.push(req.source);
      return out;
    }
    case 'map':
      return mapAltText(req);
    case 'brief': {
      const panels = briefPanels(req);
      return [
        `${req.title}: ${panels.length} chart${panels.length === 1 ? '' : 's'}`,
        ...panels.map(
          (p, i) =>
            `(${i + 1}) ${altParts({ ...p, source: '' })
              .filter(Boolean)
              .map(sentence)
              .join(' ')}`,
        ),
        req.source,
      ];
    }
  }
}
