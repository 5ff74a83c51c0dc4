// The brief in chat: a short card with the headline and the PDF attached (Slack uploads it; Teams and the
// local page link to it). The attachment names what to draw, so any replica can draw it when it posts.
import type { Partnership } from '../config/schema.ts';
import type { Figure, Reply, ReplyAttachment } from '../core/reply.ts';
import type { BriefModel } from './brief.ts';

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
  for (const key of ['all-crime', 'anti-social-behaviour']) {
    const r = model.scanning.find((x) => x.key === key);
    if (!r) continue;
    figures.push({
      id: `year-ending:${key}`,
      label: `${r.label}, ${model.periods.current.short}`,
      value: r.current,
      display: `${r.currentText}${r.change ? ` ${r.changeText}` : ''}`,
      period: model.periods.current.label,
      wording: `${r.label}: ${r.currentText} in the ${model.periods.current.label}${r.change ? ` ${r.changeText} on the ${model.periods.previous.label}` : ''}.`,
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
    wording: rising.length ? `Priorities rising: ${rising.join(', ')}.` : 'No priority measure is rising.',
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
    notes: [
      `The full brief is attached as a PDF: scanning table, priorities, notable ward changes, ward map, hotspots, alerts since the last meeting, caveats and charts. Figures to ${model.coverage.dataTo}; drawn for #${channel}'s clearance.`,
      ...model.coverage.words.slice(1),
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
