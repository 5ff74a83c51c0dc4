// `/crime brief [partnership or area]`: the chair's pre-meeting brief as a short card with the PDF attached
// (drawn for this channel: its partnership, clearance and measures), for the partnership's next meeting.
// `/crime brief summary`: the monthly summary as it is posted when a month lands.
import type { Command, CommandContext } from '../src/core/dispatch.ts';
import { dayInZone } from '../src/core/periods.ts';
import { errorReply, type Reply } from '../src/core/reply.ts';
import { buildBrief, nextMeeting } from '../src/brief/brief.ts';
import { briefCard, partnershipNamed } from '../src/brief/card.ts';
import { buildMonthlySummary } from '../src/brief/summary.ts';

export async function brief(args: string, ctx: CommandContext): Promise<Reply> {
  const words = args.trim().split(/\s+/).filter(Boolean);
  const wantSummary = words[0]?.toLowerCase() === 'summary';
  const rest = (wantSummary ? words.slice(1) : words).join(' ');
  const areas = await ctx.store.areasByCode([...new Set(ctx.config.partnerships.flatMap((p) => p.areas))]);
  const named = partnershipNamed(ctx.config.partnerships, ctx.partnership, rest, new Map([...areas].map(([code, a]) => [code, a.name])));
  if (named === 'unknown')
    return errorReply('Which partnership?', `I don't know a partnership or area called "${rest}". Try \`${ctx.prefix} brief\` for ${ctx.partnership.name}.`, [
      { label: 'This partnership', command: 'brief' },
    ]);
  if (named === 'outside')
    return errorReply('Outside this partnership', `"${rest}" is outside ${ctx.partnership.name}'s area, so this channel cannot see its brief.`, [
      { label: 'This partnership', command: 'brief' },
    ]);
  const target: CommandContext = named ? { ...ctx, partnership: named } : ctx;
  if (wantSummary) return buildMonthlySummary(target);
  const today = dayInZone(ctx.now, ctx.config.timezone);
  const meetingDate = nextMeeting(target.partnership.meetingDates, today);
  const model = await buildBrief(target, { meetingDate });
  return briefCard(model, ctx.channel.name);
}

const command: Command = {
  name: 'brief',
  summary: "the chair's brief for the next meeting as a PDF (scanning table, priorities, ward changes, map, alerts), or `brief summary` for the monthly summary",
  usage: ['brief', 'brief summary', 'brief cambridge'],
  // A second district's name picks that district's partnership (from a countywide channel); in a
  // one-district channel `brief <its district>` is the same as `brief`, so it is not offered.
  examples: (p) => ['brief', 'brief summary', ...(p.district2 ? [`brief ${p.district2}`] : [])],
  run: brief,
};
export default command;
