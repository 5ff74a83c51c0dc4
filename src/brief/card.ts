// The brief in chat: a short card with the headline and the PDF attached (Slack uploads it; Teams and the
// local page link to it). The attachment names what to draw, so any replica can draw it when it posts.
import type { Partnership } from '../config/schema.ts';
import { compareMonths, monthsBetween, type Month } from '../core/periods.ts';
import type { Figure, Reply, ReplyAttachment } from '../core/reply.ts';
import { syntheticShare } from '../figures/wording.ts';
import type { BriefModel } from './brief.ts';

/** How much of a period stands on synthetic months, as the figures say it beside the value ("8 of 12 months synthetic; year before too"). */
function syntheticLabel(model: BriefModel): string {
  const within = (p: { from: Month; to: Month }) => {
    const all = model.coverage.syntheticMonths.filter((m) => compareMonths(m, p.from) >= 0 && compareMonths(m, p.to) <= 0).length;
    return all ? syntheticShare(all, monthsBetween(p.from, p.to) + 1) : '';
  };
  const cur = within(model.periods.current);
  const prev = within(model.periods.previous);
  if (!cur) return prev ? `year before ${prev === 'synthetic' ? 'all synthetic' : prev}` : '';
  return prev && cur !== 'synthetic' ? `${cur}; year before ${prev === 'synthetic' ? 'too' : prev}` : cur;
}

export function briefAttachment(model: BriefModel, channel: string): ReplyAttachment {
  return {
    kind: 'brief-pdf',
    partnership: model.partnership.id,
    channel,
    month: model.month,
    meetingDate: model.meeting?.date ?? null,
    filename: `${model.partnership.id}-brief-${model.meeting?.date ?? model.month}.pdf`,
    title: `Chair's brief: ${model.partnership.name}${model.meeting ? `, ${model.meeting.words}` : ''}`,
  };
}

export function briefCard(model: BriefModel, channel: string, options: { late?: string | null } = {}): Reply {
  const figures: Figure[] = [];
  const synthetic = syntheticLabel(model);
  for (const key of ['all-crime', 'anti-social-behaviour']) {
    const r = model.scanning.find((x) => x.key === key);
    if (!r) continue;
    figures.push({
      id: `year-ending:${key}`,
      label: `${r.label}, ${model.periods.current.short}`,
      value: r.current,
      display: `${r.currentText}${r.change ? ` ${r.changeText}` : ''}`,
      period: model.periods.current.label,
      wording: `${r.label}: ${r.currentText} in the ${model.periods.current.label}${r.change ? ` ${r.changeText} on the year before` : ''}.`,
      ...(synthetic ? { synthetic } : {}),
    });
  }
  const flagged = (f: string) => model.priorities.filter((p) => p.row?.flag === f || (f === 'rising' && p.row?.trend === 'rising' && p.row.flag === 'unusual')).map((p) => p.label);
  const rising = flagged('rising');
  const unusual = flagged('unusual');
  figures.push({
    id: 'priorities',
    label: 'Priorities rising',
    value: rising.length,
    display: rising.length ? rising.join(', ') : 'none',
    period: model.periods.current.label,
    wording: rising.length ? `Rising: ${rising.join(', ')}.` : 'No priority measure is rising.',
  });
  if (unusual.length)
    figures.push({
      id: 'unusual',
      label: `Unusual in ${model.coverage.dataTo}`,
      value: unusual.length,
      display: unusual.join(', '),
      period: model.coverage.dataTo,
      wording: `Unusual: ${unusual.join(', ')}.`,
    });
  const attachment = briefAttachment(model, channel);
  return {
    kind: 'brief',
    title: attachment.title,
    summary: [options.late ?? '', ...model.headline.slice(-2)].filter(Boolean).join(' '),
    figures,
    // What the chair needs beside the headline: what is in the PDF, whether the data is behind or
    // synthetic, and the licence. The reporting-year and publication-calendar lines are the PDF's.
    notes: [
      `The PDF has the rest: scanning table, priorities, ward changes, map, hotspots, alerts since the last meeting and charts, drawn for #${channel}'s clearance.`,
      ...model.coverage.words.slice(1).filter((w) => !/^Reporting years end|^Not yet published/.test(w)),
      ...(model.coverage.syntheticMonths.length ? [`Synthetic data: ${model.coverage.syntheticMonths.length} of the months used are generated for demonstration, not real.`] : []),
      model.licence[0]!,
    ],
    actions: [
      { label: 'Monthly summary', command: 'brief summary' },
      { label: `${model.areaName} this month`, command: model.areaName.toLowerCase() },
    ],
    attachment,
    data: { partnership: model.partnership.id, month: model.month, meetingDate: model.meeting?.date ?? null, periods: model.periods, headline: model.headline },
  };
}

/** The partnership whose brief `text` names, among those the channel's partnership covers; null = the channel's own. */
export function partnershipNamed(all: readonly Partnership[], own: Partnership, text: string, areaNames: Map<string, string>): Partnership | 'outside' | 'unknown' | null {
  const t = text.trim().toLowerCase().replace(/[’']/g, '');
  if (!t) return null;
  const norm = (s: string) => s.toLowerCase().replace(/[’']/g, '');
  const hit =
    all.find((p) => p.id === t || norm(p.name) === t) ??
    all.find((p) => p.areas.length === 1 && norm(areaNames.get(p.areas[0]!) ?? '') === t) ??
    all.find((p) => norm(p.name).startsWith(t) || (p.areas.length === 1 && norm(areaNames.get(p.areas[0]!) ?? '').startsWith(t)));
  if (!hit) return 'unknown';
  return hit.areas.every((a) => own.areas.includes(a)) ? hit : 'outside';
}
