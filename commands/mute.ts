// `/crime mute <what> [for N days|weeks | until YYYY-MM-DD] because <reason>`: holds back this channel's
// alerts for an area, a measure, a rule, or everything, until the window ends; then what it held back
// is posted once (src/alerting/mutes.ts). `/crime mute list` shows this channel's mutes. Unmute with
// `/crime unmute <id>` (commands/unmute.ts).
import { describeMute, storeMuteWindow, untilWords, whoAsked } from '../src/alerting/mutes.ts';
import type { Command, CommandContext } from '../src/core/dispatch.ts';
import { addDays, dayInZone, isDay, zonedInstant } from '../src/core/periods.ts';
import { errorReply, type Reply } from '../src/core/reply.ts';
import { examplePlaces } from '../src/resolve/examples.ts';
import { readQuestion } from '../src/resolve/question.ts';

const MAX_DAYS = 92;
/** The examples an error ends with, written from this channel's own places so each one works here. */
async function usage(ctx: CommandContext): Promise<string> {
  const places = await examplePlaces(ctx).catch(() => null);
  const [first, second] = places ? (command.examples?.(places) ?? command.usage) : command.usage;
  return `e.g. \`${ctx.prefix} ${first}\`, \`${ctx.prefix} ${second}\``;
}

export interface MuteRequest {
  words: string;
  rule: string | null;
  until: string;
  reason: string;
}

/** Splits "market burglary for 2 weeks because X" into what, the end and the reason. */
export function parseMute(text: string, now: Date, timezone: string): MuteRequest | { error: string } {
  let rest = text.trim();
  let reason = '';
  const because = /\s*\b(?:because(?:\s+of)?|reason:?)\s+(.+)$/i.exec(rest);
  if (because) {
    reason = because[1]!.trim();
    rest = rest.slice(0, because.index).trim();
  }
  let until: string | null = null;
  const today = dayInZone(now, timezone);
  const forMatch = /\bfor\s+(\d{1,3})\s*(day|days|week|weeks|wk|wks|d|w)\b/i.exec(rest);
  const untilMatch = /\buntil\s+(\d{4}-\d{2}-\d{2})\b/i.exec(rest);
  if (forMatch) {
    const n = Number(forMatch[1]);
    const days = /^w/i.test(forMatch[2]!) ? n * 7 : n;
    if (days < 1 || days > MAX_DAYS) return { error: `A mute lasts from 1 day to ${MAX_DAYS} days; found ${days}.` };
    until = zonedInstant(addDays(today, days), '00:00', timezone).toISOString();
    rest = (rest.slice(0, forMatch.index) + rest.slice(forMatch.index + forMatch[0].length)).trim();
  } else if (untilMatch) {
    const day = untilMatch[1]!;
    if (!isDay(day)) return { error: `"${day}" is not a date.` };
    if (day < today) return { error: `${day} has already passed.` };
    if (day > addDays(today, MAX_DAYS)) return { error: `A mute lasts at most ${MAX_DAYS} days (until ${addDays(today, MAX_DAYS)}).` };
    until = zonedInstant(addDays(day, 1), '00:00', timezone).toISOString();
    rest = (rest.slice(0, untilMatch.index) + rest.slice(untilMatch.index + untilMatch[0].length)).trim();
  }
  if (!until) return { error: `Say how long: "for 2 weeks", "for 10 days" or "until 2024-08-31" (at most ${MAX_DAYS} days).` };
  if (!reason) return { error: `Say why, after "because": the reason is shown in the digest while the mute lasts.` };
  let rule: string | null = null;
  const ruleMatch = /\brule\s+([a-z0-9][a-z0-9-]*)\b/i.exec(rest);
  if (ruleMatch) {
    rule = ruleMatch[1]!.toLowerCase();
    rest = (rest.slice(0, ruleMatch.index) + rest.slice(ruleMatch.index + ruleMatch[0].length)).trim();
  }
  if (/^(all|everything|every alert|alerts)$/i.test(rest)) rest = '';
  return { words: rest, rule, until, reason: reason.slice(0, 200) };
}

async function listMutes(ctx: CommandContext): Promise<Reply> {
  const mutes = (await ctx.store.alertMutes({ activeAt: ctx.now.toISOString() })).filter((m) => m.channel === ctx.channel.name);
  const configured = ctx.config.mutes.filter((m) => !m.channel || m.channel === ctx.channel.name).length;
  const areas = await ctx.store.areasByCode(mutes.map((m) => m.areaCode).filter((c): c is string => !!c));
  return {
    kind: 'alerts',
    title: mutes.length ? `${mutes.length} mute${mutes.length === 1 ? '' : 's'} in this channel` : 'Nothing muted from chat here',
    summary: mutes.length
      ? mutes
          .map(
            (m) =>
              `#${m.id}: ${describeMute(storeMuteWindow(m), { area: areas.get(m.areaCode ?? '')?.name, measure: m.measure ? ctx.taxonomy.get(m.measure)?.label.toLowerCase() : undefined }, ctx.config.timezone)}.`,
          )
          .join('\n')
      : `Hold back alerts with e.g. \`${ctx.prefix} mute <place or topic> for 2 weeks because <reason>\`.`,
    figures: [],
    notes: configured
      ? [`${configured}${mutes.length ? ' more' : ''} mute window${configured === 1 ? '' : 's'} in the configuration file ${configured === 1 ? 'applies' : 'apply'} here.`]
      : [],
    actions: mutes.map((m) => ({ label: `Unmute #${m.id}`, command: `unmute ${m.id}` })),
    ephemeral: true,
  };
}

const command: Command = {
  name: 'mute',
  summary: 'hold back alerts here (an area, a measure, a rule) until a date; posted once when it ends',
  usage: ['mute market burglary for 2 weeks because of the operation there', 'mute list'],
  examples: (p) => [
    `mute ${p.ward} ${p.topics[0]} for 2 weeks because of the operation there`,
    `mute ${p.topics[1] ?? p.topics[0]} for 30 days because of the festival`,
    'mute list',
  ],
  async run(args, ctx) {
    if (/^\s*(list)?\s*$/i.test(args)) return listMutes(ctx);
    const req = parseMute(args, ctx.now, ctx.config.timezone);
    if ('error' in req) return errorReply('How long, and why?', `${req.error} ${await usage(ctx)}.`);
    let areaCode: string | null = null;
    let measure: string | null = null;
    let areaName: string | undefined;
    if (req.words) {
      const read = await readQuestion(req.words, ctx, { command: 'mute', places: { min: 0, max: 1 }, mergeAlways: true });
      if (!read.ok) return read.reply;
      if (read.q.parsed.places.length && read.q.areas[0]) {
        areaCode = read.q.areas[0].code;
        areaName = read.q.areas[0].name;
      }
      if (read.q.topicGiven) measure = read.q.measure.key;
      if (!areaCode && !measure) return errorReply('Mute what?', `Name an area, a measure, \`rule <id>\` or \`all\`. ${await usage(ctx)}.`);
    }
    const mute = await ctx.store.addAlertMute({
      channel: ctx.channel.name,
      areaCode,
      measure,
      rule: req.rule,
      from: ctx.now.toISOString(),
      until: req.until,
      reason: req.reason,
      by: whoAsked(ctx),
    });
    const what = describeMute(storeMuteWindow(mute), { area: areaName, measure: measure ? ctx.taxonomy.get(measure)?.label.toLowerCase() : undefined }, ctx.config.timezone);
    const cut = what.indexOf(' until ');
    const [subject, until] = cut >= 0 ? [what.slice(0, cut), what.slice(cut + ' until '.length)] : [what, untilWords(mute.until, ctx.config.timezone)];
    return {
      kind: 'alerts',
      title: `Muted here: ${subject}`,
      summary: `Alerts for ${subject} are held back here until ${until}. Anything still open then is posted here once: nothing is dropped.`,
      figures: [],
      notes: [`Mute #${mute.id}: \`${ctx.prefix} unmute ${mute.id}\` ends it sooner.`],
      actions: [{ label: `Unmute #${mute.id}`, command: `unmute ${mute.id}` }],
      data: { mute },
    };
  },
};
export default command;
