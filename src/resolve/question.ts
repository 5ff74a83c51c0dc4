// Turns the words after a command into areas, a measure and a period for this channel, or into a
// helpful reply: choices for an ambiguous place, "did you mean" for a misspelling, "outside your
// partnership", "not cleared for this measure", "I don't know that word". Shared by ask/top/compare.
import { forceDistrictsFrom } from '../config/force-area.ts';
import type { CommandContext } from '../core/dispatch.ts';
import { errorReply, type Action, type Reply } from '../core/reply.ts';
import type { Area } from '../store/types.ts';
import type { Measure } from '../taxonomy/index.ts';
import { measureAllowed } from '../figures/suppression.ts';
import { inPartnership, placeIndex, placeKey, preferInPartnership, widerMatches, type PlaceIndex, type PlaceMatch } from './places.ts';
import { mergeQualifiers, parseQuery, type Flag, type ParsedQuery } from './query.ts';
import { resolvePeriod, type PeriodSpec, type ResolvedPeriod } from './period.ts';
import { coverage, measureFor, type Coverage } from '../figures/data.ts';
import { nearTopicNote, type EffectiveMeasure } from './topic.ts';
import type { Month } from '../core/periods.ts';
import { tokenise } from './text.ts';

export interface Question {
  parsed: ParsedQuery;
  index: PlaceIndex;
  areas: Area[];
  /** the measure asked for (default: all crime) */
  measure: Measure;
  topicGiven: boolean;
  period: PeriodSpec | undefined;
  flags: Set<Flag>;
  /** "I took 'markte' to mean Market ward." */
  notes: string[];
  /** Follow-ups the reading itself suggests ("Did you mean the month?"), for the command to add to its own. */
  actions: Action[];
}

export type QuestionResult = { ok: true; q: Question } | { ok: false; reply: Reply };

const EXAMPLE_TOPICS = ['asb', 'burglary', 'dwelling burglary', 'shoplifting', 'violence', 'vehicle crime', 'drugs', 'bike theft'];

/** How to type an area so it parses back to exactly that area. */
export function placeText(area: Area, index: PlaceIndex): string {
  const key = placeKey(tokenise(area.name));
  return (index.exact.get(key)?.length ?? 0) === 1 ? area.name.toLowerCase() : area.code;
}

/** How to type a measure. */
export function topicText(m: Measure): string {
  return m.key.replace(/-/g, ' ');
}

function areaWithDistrict(a: Area, index: PlaceIndex): string {
  const parent = a.parentCode ? index.byCode.get(a.parentCode.toLowerCase()) : undefined;
  return a.type === 'ward' ? `${a.name} ward${parent ? `, ${parent.name}` : ''}` : a.name;
}

export interface QuestionOptions {
  command: string; // '' for ask, 'top', 'compare'
  places: { min: number; max: number };
  /** merge "market cambridge" into Market ward (ask) or keep two places (compare) */
  mergeAlways: boolean;
}

/** The most words a question may have. */
export const MAX_WORDS = 40;

export async function readQuestion(args: string, ctx: CommandContext, opts: QuestionOptions): Promise<QuestionResult> {
  const index = await placeIndex(ctx.store);
  // Reading tries every run of words as a place, topic or misspelling: a pasted page would take
  // seconds (2,000 words took 30 s) and block every other question. No real question is this long.
  const tokens = tokenise(args);
  if (tokens.length > MAX_WORDS) {
    return {
      ok: false,
      reply: errorReply(
        'That is too long to read',
        `A question is a place, a topic and a period in a few words (at most ${MAX_WORDS}), e.g. "market ward burglary ye sep". Try \`${ctx.prefix} help\`.`,
        [{ label: 'Help', command: 'help' }],
      ),
    };
  }
  const inScope = (a: Area) => inPartnership(a, ctx.partnership, index);
  const parsed = parseQuery(tokens, index, ctx.taxonomy, tokenise, { inScope });
  const notes: string[] = [];
  const extraActions: Action[] = [];
  const prefix = opts.command ? `${opts.command} ` : '';
  const topicWords = parsed.topics[0] ? ` ${parsed.topics[0].text}` : '';
  const periodWords = parsed.period ? ` ${parsed.period.text}` : '';
  // The month a month word names, asked of the partnership's own area ("mar" is never a place).
  const monthAction = (word: string): Action => {
    const own = ctx.partnership.areas.length === 1 ? index.byCode.get(ctx.partnership.areas[0]!.toLowerCase()) : undefined;
    return { label: 'Did you mean the month?', command: `${prefix}${own ? placeText(own, index) : ''}${topicWords} ${word.slice(0, 3)}`.replace(/\s+/g, ' ').trim() };
  };

  // Topic
  const topic = parsed.topics[0];
  const measure = topic?.measure ?? ctx.taxonomy.require('all-crime');
  if (topic?.how === 'fuzzy') notes.push(`I read "${topic.text}" as ${measure.label.toLowerCase()}.`);
  const near = topic ? nearTopicNote(topic.text) : null;
  if (near) notes.push(near);

  // Places
  const matches = mergeQualifiers(parsed.places, opts.mergeAlways);
  if (parsed.unknown.length) {
    const words = shorten(parsed.unknown.join(' '));
    const what = matches.length >= opts.places.min ? 'topic or period' : 'place';
    return {
      ok: false,
      reply: errorReply(
        `I don't know "${words}"`,
        what === 'place'
          ? `I couldn't find a place called "${words}". Try a ward or district name or an ONS code (e.g. "market ward", "E05013057"), or \`${ctx.prefix} help\`.`
          : `I couldn't match "${words}" to a topic or period. Topics include ${EXAMPLE_TOPICS.map((t) => `"${t}"`).join(', ')}; periods: "last month", "april", "ye sep", "2024/25", "fytd".`,
        justPlace(matches, ctx, index)
          ? [{ label: `Just ${justPlace(matches, ctx, index)!.name}`, command: `${prefix}${placeText(justPlace(matches, ctx, index)!, index)}${topicWords}` }]
          : [{ label: 'Help', command: 'help' }],
      ),
    };
  }
  const areas: Area[] = [];
  for (const match of matches.slice(0, opts.places.max)) {
    const r = pickArea(match, ctx, index, (a) => `${prefix}${[...areas.map((x) => placeText(x, index)), placeText(a, index)].join(' ')}${topicWords}${periodWords}`);
    if (!r.ok) {
      // "march" in Fenland: which of the town's wards, or the month after all.
      if (parsed.monthReadAsPlace && r.reply.kind === 'choices') {
        r.reply.summary = `${r.reply.summary} (A place in this partnership comes before a month: for the month, add the year, "${parsed.monthReadAsPlace} 2024".)`;
        r.reply.actions = [...r.reply.actions.slice(0, 4), monthAction(parsed.monthReadAsPlace)];
      }
      return r;
    }
    if (r.note) notes.push(r.note);
    areas.push(r.area);
  }
  if (matches.length > opts.places.max)
    notes.push(`I used ${areas.map((a) => a.name).join(' and ')} and left out ${listShort(matches.slice(opts.places.max).map((m) => `"${shorten(m.text)}"`))}.`);
  if (areas.length < opts.places.min) {
    // No place: the partnership's own area when it has exactly one, or the force area when it covers all of it
    // ("top asb districts" on the countywide board ranks the districts).
    const force = index.areas.find((a) => a.type === 'force');
    const own =
      ctx.partnership.areas.length === 1 ? index.byCode.get(ctx.partnership.areas[0]!.toLowerCase()) : force && inPartnership(force, ctx.partnership, index) ? force : undefined;
    if (opts.places.min === 1 && areas.length === 0 && own) areas.push(own);
    else {
      return {
        ok: false,
        reply: errorReply(
          opts.places.min === 2 ? 'Compare which two places?' : 'Which place?',
          opts.places.min === 2
            ? `Name two wards or districts, e.g. \`${ctx.prefix} compare market abbey\` or \`${ctx.prefix} compare cambridge fenland asb\`.`
            : `Name a ward or district, e.g. \`${ctx.prefix} market ward\`${topicWords ? ` or \`${ctx.prefix} market${topicWords}\`` : ''}.`,
          [{ label: 'Help', command: 'help' }],
        ),
      };
    }
  }

  // Channel scope
  for (const a of areas) {
    if (!inPartnership(a, ctx.partnership, index)) {
      const own = ctx.partnership.areas.map((c) => index.byCode.get(c.toLowerCase())).filter((x): x is Area => !!x);
      return {
        ok: false,
        reply: errorReply(
          'Outside this partnership',
          `${areaWithDistrict(a, index)} is outside ${ctx.partnership.name}'s area, so this channel cannot see its figures. This channel covers ${own.map((o) => o.name).join(', ') || 'its partnership areas'}.`,
          own.slice(0, 3).map((o) => ({ label: o.name, command: `${prefix}${placeText(o, index)}${topicWords}` })),
        ),
      };
    }
  }

  // Clearance for the measure
  if (!measureAllowed(measure, ctx.channel, (k) => ctx.taxonomy.get(k)?.parent)) {
    return {
      ok: false,
      reply: errorReply(
        'Not available in this channel',
        measure.sensitive
          ? `${measure.label} is a sensitive measure, shown only in channels cleared for it. Ask your partnership analyst.`
          : `This channel is set up for ${ctx.channel.measures.join(', ')} only.`,
        sensitiveParent(measure, ctx, areas, index),
      ),
    };
  }
  // "march" read as the town (the rule above): say so, and offer the month.
  if (parsed.monthReadAsPlace) {
    const month = parsed.monthReadAsPlace;
    const place = areas.find((a) => a.name.toLowerCase().startsWith(month)) ?? areas[0];
    notes.push(`I read "${month}" as ${place ? placeName(place) : 'the place'}: a place in this partnership comes before a month. For the month, add the year ("${month} 2024").`);
    extraActions.push(monthAction(month));
  }
  return { ok: true, q: { parsed, index, areas, measure, topicGiven: !!topic, period: parsed.period?.spec, flags: parsed.flags, notes, actions: extraActions } };
}

/** For a sensitive measure refused: its police.uk parent, where the channel may see that, as the one follow-up. */
function sensitiveParent(measure: Measure, ctx: CommandContext, areas: Area[], index: PlaceIndex): Action[] {
  const parent = measure.sensitive && measure.parent ? ctx.taxonomy.get(measure.parent) : undefined;
  if (!parent || !areas[0] || !measureAllowed(parent, ctx.channel, (k) => ctx.taxonomy.get(k)?.parent)) return [];
  return [{ label: parent.label, command: `${placeText(areas[0], index)} ${topicText(parent)}` }];
}

function placeName(a: Area): string {
  return a.type === 'ward' ? `${a.name} ward` : a.name;
}

/** The first place read, when it is one place in this channel's partnership (for a "Just Market" button). */
function justPlace(matches: PlaceMatch[], ctx: CommandContext, index: PlaceIndex): Area | null {
  const inScope = matches[0]?.candidates.filter((a) => inPartnership(a, ctx.partnership, index)) ?? [];
  return inScope.length === 1 ? inScope[0]! : null;
}

function pickArea(
  match: PlaceMatch,
  ctx: CommandContext,
  index: PlaceIndex,
  commandFor: (a: Area) => string,
): { ok: true; area: Area; note?: string } | { ok: false; reply: Reply } {
  const scoped = (a: Area) => inPartnership(a, ctx.partnership, index);
  let ordered = preferInPartnership(match.candidates, ctx.partnership);
  let inScope = ordered.filter(scoped);
  // "east" names Peterborough's East ward exactly; in a Cambridge channel, East Chesterton is meant.
  let outsideNamed: Area[] = [];
  if (!inScope.length && match.how !== 'code') {
    const wider = widerMatches(index, match).filter(scoped);
    if (wider.length) {
      outsideNamed = ordered;
      ordered = preferInPartnership(wider, ctx.partnership);
      inScope = ordered;
    }
  }
  const outside = [...outsideNamed, ...ordered.filter((a) => !scoped(a))];
  const outsideText = outside.length ? ` ${namesByDistrict(outside, index)} ${outside.length === 1 ? 'is' : 'are'} outside this partnership.` : '';
  // No match in this channel's partnership: say which partnership those places are in, and offer only
  // places this channel can see.
  if (!inScope.length) {
    const own = ctx.partnership.areas.map((c) => index.byCode.get(c.toLowerCase())).filter((x): x is Area => !!x);
    const named = namesByDistrict(outside, index);
    return {
      ok: false,
      reply: errorReply(
        'Outside this partnership',
        `${named} ${outside.length === 1 ? 'is' : 'are'} outside ${ctx.partnership.name}'s area, so this channel cannot see ${outside.length === 1 ? 'its' : 'their'} figures. This channel covers ${own.map((o) => o.name).join(', ') || 'its partnership areas'}.`,
        own.slice(0, 3).map((o) => ({ label: o.name, command: commandFor(o) })),
      ),
    };
  }
  const choices = (title: string, summary: string): { ok: false; reply: Reply } => {
    const actions: Action[] = inScope.slice(0, 10).map((a) => ({ label: areaWithDistrict(a, index), command: commandFor(a) }));
    return {
      ok: false,
      reply: {
        kind: 'choices',
        title,
        summary: `${summary}${outsideText}`,
        figures: [],
        table: { columns: ['Place', 'Type', 'Code', 'Type this'], rows: inScope.slice(0, 20).map((a) => [areaWithDistrict(a, index), a.type, a.code, commandFor(a)]) },
        notes: inScope.length > 20 ? [`${inScope.length - 20} more not shown: add the district name to narrow it.`] : [],
        actions,
        ephemeral: true,
        data: { choices: [...inScope, ...outside].map((a) => ({ code: a.code, name: a.name, type: a.type, parent: a.parentCode, inPartnership: scoped(a) })) },
      },
    };
  };
  if (match.how === 'fuzzy') {
    if (inScope.length === 1) return { ok: true, area: inScope[0]!, note: `I read "${match.text}" as ${areaWithDistrict(inScope[0]!, index)}.` };
    return choices(`Did you mean one of these?`, `I couldn't find "${match.text}" exactly. Did you mean:`);
  }
  if (inScope.length === 1 && !outside.length) return { ok: true, area: inScope[0]! };
  // Several areas: the channel's own partnership decides when only one of them is in it.
  if (inScope.length === 1 && ctx.partnership.areas.length < forceDistrictsFrom(ctx.config, index.areas).codes.length)
    return { ok: true, area: inScope[0]!, note: `Showing ${areaWithDistrict(inScope[0]!, index)}:${outsideText}` };
  if (inScope.length === 1) return { ok: true, area: inScope[0]! };
  const typed = match.text;
  return choices(`Which ${capitalise(typed)}?`, `"${typed}" matches ${inScope.length} places in this partnership. Which one do you mean?`);
}

/** "St Ives East, St Ives South and St Ives West wards (Huntingdonshire)", "East ward (Peterborough)". */
function namesByDistrict(areas: Area[], index: PlaceIndex): string {
  const groups = new Map<string, Area[]>();
  for (const a of areas) {
    const key = a.type === 'ward' ? (a.parentCode ?? '') : `~${a.type}`;
    groups.set(key, [...(groups.get(key) ?? []), a]);
  }
  const parts = [...groups.entries()].map(([key, list]) => {
    const names = andList(list.map((a) => a.name));
    if (key.startsWith('~')) return names;
    const district = index.byCode.get(key.toLowerCase())?.name;
    return `${names} ward${list.length > 1 ? 's' : ''}${district ? ` (${district})` : ''}`;
  });
  return andList(parts.length > 3 ? [...parts.slice(0, 3), `${parts.length - 3} more`] : parts);
}

function andList(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Typed text quoted back in a reply, cut to a readable length (a pasted essay is not echoed whole). */
function shorten(text: string, max = 60): string {
  return text.length <= max ? text : `${text.slice(0, max - 3).trimEnd()}...`;
}

/** At most a few items, then how many more. */
export function listShort(items: string[], max = 5): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

export type AreaData = { ok: true; eff: EffectiveMeasure; cov: Coverage; latest: Month; period: ResolvedPeriod } | { ok: false; reply: Reply };

/**
 * The data a question about `area` stands on: the measure the store can give for it (police.uk
 * fallback and all), the months held, and the period asked for. Each failure is the reply a command
 * returns; `actions` adds command-specific buttons to the failures that have one.
 */
export async function dataFor(
  ctx: CommandContext,
  area: Area,
  q: Question,
  options: { noDataHint?: string; unavailableActions?: Action[]; periodActions?: (eff: EffectiveMeasure) => Action[] } = {},
): Promise<AreaData> {
  const eff = await measureFor(ctx.store, ctx.taxonomy, area, q.measure);
  if ('unavailable' in eff) {
    const parent = q.measure.sensitive && q.measure.parent ? ctx.taxonomy.get(q.measure.parent) : undefined;
    const nearest: Action[] = parent ? [{ label: parent.label, command: `${placeText(area, q.index)} ${topicText(parent)}` }] : [];
    return { ok: false, reply: errorReply(`No figures for ${q.measure.label.toLowerCase()}`, eff.unavailable, [...nearest, ...(options.unavailableActions ?? [])]) };
  }
  const cov = await coverage(ctx.store, [...new Set(eff.parts.map((p) => p.source))]);
  if (!cov.latest) return { ok: false, reply: errorReply('No data yet', `No monthly data has been loaded.${options.noDataHint ? ` ${options.noDataHint}` : ''}`) };
  const pr = resolvePeriod(q.period, cov.latest, ctx.partnership.reportingYearEnd, cov.first ?? undefined);
  if (!pr.ok) return { ok: false, reply: errorReply('No data for that period', pr.message, options.periodActions?.(eff) ?? []) };
  return { ok: true, eff, cov, latest: cov.latest, period: pr.period };
}
