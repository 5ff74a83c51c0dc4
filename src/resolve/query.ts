// Reads what a user typed after /crime into places, a topic, a period and flags, whatever the order:
// a dynamic programme over the tokens picks the reading that explains the most words, preferring
// whole place names, then topics and periods, then the start of a place name. Words left over are
// tried as misspellings ("did you mean"), and what still matches nothing is reported back.
import type { Area } from '../store/types.ts';
import type { Measure, Taxonomy } from '../taxonomy/index.ts';
import { periodAt, type PeriodSpec } from './period.ts';
import { fuzzyPlace, lookupPlace, PLACE_WORDS, type PlaceIndex, type PlaceMatch } from './places.ts';
import { fuzzyTopic, lookupTopic, topicIndex } from './topic.ts';

/** Words that carry no meaning in a question. */
const FILLER = new Set([
  'in',
  'for',
  'the',
  'of',
  'at',
  'on',
  'show',
  'me',
  'about',
  'what',
  'whats',
  'is',
  'are',
  'how',
  'many',
  'and',
  'vs',
  'versus',
  'v',
  'with',
  'please',
  'figures',
  'stats',
  'statistics',
  'data',
  'numbers',
  'to',
  'a',
  'an',
  'give',
  'tell',
  'compared',
  // The default answer is the trend (a 24-month chart): "market burglary trend" asks for just that.
  'trend',
  'trends',
  'chart',
  'graph',
  'over',
  'time',
  ...PLACE_WORDS,
]);

const FLAGS: Array<{ words: string[]; flag: Flag }> = [
  { words: ['by', 'crime', 'type'], flag: 'by-type' },
  { words: ['by', 'type'], flag: 'by-type' },
  { words: ['by', 'category'], flag: 'by-type' },
  { words: ['by', 'subgroup'], flag: 'by-type' },
  { words: ['breakdown'], flag: 'by-type' },
  { words: ['by', 'ward'], flag: 'by-ward' },
  { words: ['wards'], flag: 'by-ward' },
  { words: ['by', 'district'], flag: 'by-district' },
  { words: ['districts'], flag: 'by-district' },
];

export type Flag = 'by-type' | 'by-ward' | 'by-district';

export interface TopicMatch {
  measure: Measure;
  text: string;
  how: 'exact' | 'fuzzy';
}

export interface ParsedQuery {
  tokens: string[];
  places: PlaceMatch[];
  topics: TopicMatch[];
  period: { spec: PeriodSpec; text: string } | null;
  flags: Set<Flag>;
  /** words that matched nothing, as typed (after normalising) */
  unknown: string[];
  /** A month word read as a place of the channel's own partnership ("march" in Fenland is the town), as typed. */
  monthReadAsPlace: string | null;
}

export interface ParseOptions {
  /** Whether an area is in the channel's partnership: a month word that names one is read as the place. */
  inScope?: (a: Area) => boolean;
}

type Segment =
  | { type: 'place'; from: number; to: number; match: PlaceMatch }
  | { type: 'topic'; from: number; to: number; measure: Measure }
  | { type: 'period'; from: number; to: number; spec: PeriodSpec }
  | { type: 'flag'; from: number; to: number; flag: Flag }
  | { type: 'filler'; from: number; to: number }
  | { type: 'unknown'; from: number; to: number };

const MAX_PLACE_WORDS = 8;
const SEGMENT_PENALTY = 0.5;

function score(s: Segment): number {
  const n = s.to - s.from;
  switch (s.type) {
    // A start of a name that fits one place is good evidence, more so the more words it has; one that
    // fits several is weak, so "chatteris north" reads as Chatteris North & Manea, not as the two
    // Chatteris wards and North ward.
    // A later word of names ("chesterton") is weaker still: any topic or period reading beats it.
    case 'place':
      return (s.match.how === 'word' ? 2 : s.match.how !== 'prefix' ? 10 : s.match.candidates.length > 1 ? 3 : 8) * n + 2;
    // A topic of several words is worth more than the same words read as several one-word topics, so
    // a measure's own label ("asb nuisance") beats "asb" + "nuisance".
    case 'topic':
      return 12 * n - 1;
    case 'period':
      return 10 * n;
    case 'flag':
      return 10 * n;
    case 'filler':
      return 1;
    case 'unknown':
      return 0;
  }
}

export function parseQuery(text: string | string[], places: PlaceIndex, tax: Taxonomy, tokenise: (t: string) => string[], parseOptions: ParseOptions = {}): ParsedQuery {
  const tokens = Array.isArray(text) ? text : tokenise(text);
  const topics = topicIndex(tax);
  const n = tokens.length;
  const monthAsPlace = new Set<number>();
  // best[i]: the best reading of tokens[i..]
  const best: Array<{ score: number; segments: Segment[] }> = new Array(n + 1);
  best[n] = { score: 0, segments: [] };
  for (let i = n - 1; i >= 0; i--) {
    const options: Segment[] = [{ type: 'unknown', from: i, to: i + 1 }];
    if (FILLER.has(tokens[i]!)) options.push({ type: 'filler', from: i, to: i + 1 });
    for (let j = i + 1; j <= Math.min(n, i + MAX_PLACE_WORDS); j++) {
      const span = tokens.slice(i, j);
      const place = lookupPlace(places, span);
      if (place) options.push({ type: 'place', from: i, to: j, match: place });
      if (j - i <= topics.maxWords) {
        const measure = lookupTopic(topics, span);
        if (measure) options.push({ type: 'topic', from: i, to: j, measure });
      }
    }
    const period = periodAt(tokens, i);
    // The rule: a place in the channel's own partnership beats a bare month word ("march" in Fenland
    // is March, the town; in Cambridge it is the month). "march 2024" stays a month.
    const monthWord = period?.spec.kind === 'month' && period.length === 1;
    const placeHere = monthWord ? lookupPlace(places, [tokens[i]!]) : null;
    const localPlace = !!placeHere && !!parseOptions.inScope && placeHere.candidates.some(parseOptions.inScope);
    if (period && !localPlace) options.push({ type: 'period', from: i, to: i + period.length, spec: period.spec });
    if (localPlace) monthAsPlace.add(i);
    for (const f of FLAGS) if (f.words.every((w, k) => tokens[i + k] === w)) options.push({ type: 'flag', from: i, to: i + f.words.length, flag: f.flag });
    let pick: { score: number; segments: Segment[] } | undefined;
    for (const seg of options) {
      const rest = best[seg.to]!;
      const total = score(seg) - SEGMENT_PENALTY + rest.score;
      if (!pick || total > pick.score) pick = { score: total, segments: [seg, ...rest.segments] };
    }
    best[i] = pick!;
  }

  const parsed: ParsedQuery = { tokens, places: [], topics: [], period: null, flags: new Set(), unknown: [], monthReadAsPlace: null };
  const segments = best[0]!.segments;
  for (const seg of segments) if (seg.type === 'place' && seg.to - seg.from === 1 && monthAsPlace.has(seg.from)) parsed.monthReadAsPlace = tokens[seg.from]!;
  // Runs of unknown words: try them as misspelt places or topics, longest spans first.
  const out: Array<Segment | { type: 'fuzzy-place'; match: PlaceMatch } | { type: 'fuzzy-topic'; measure: Measure; text: string }> = [];
  for (let k = 0; k < segments.length; k++) {
    const seg = segments[k]!;
    if (seg.type !== 'unknown') {
      out.push(seg);
      continue;
    }
    let end = k;
    while (end + 1 < segments.length && segments[end + 1]!.type === 'unknown') end++;
    const run = tokens.slice(seg.from, segments[end]!.to);
    k = end;
    let a = 0;
    while (a < run.length) {
      let matched = false;
      for (let b = run.length; b > a && !matched; b--) {
        const span = run.slice(a, b);
        const place = fuzzyPlace(places, span);
        const topic = fuzzyTopic(topics, span);
        if (topic && (!place || topic.distance < (place.distance ?? Infinity))) {
          out.push({ type: 'fuzzy-topic', measure: topic.measure, text: span.join(' ') });
          matched = true;
        } else if (place) {
          out.push({ type: 'fuzzy-place', match: place });
          matched = true;
        }
        if (matched) a = b;
      }
      if (!matched) {
        if (!FILLER.has(run[a]!)) parsed.unknown.push(run[a]!);
        a++;
      }
    }
  }
  for (const seg of out) {
    switch (seg.type) {
      case 'place':
        parsed.places.push(seg.match);
        break;
      case 'fuzzy-place':
        parsed.places.push(seg.match);
        break;
      case 'topic':
        parsed.topics.push({ measure: seg.measure, text: tokens.slice(seg.from, seg.to).join(' '), how: 'exact' });
        break;
      case 'fuzzy-topic':
        parsed.topics.push({ measure: seg.measure, text: seg.text, how: 'fuzzy' });
        break;
      case 'period':
        parsed.period ??= { spec: seg.spec, text: tokens.slice(seg.from, seg.to).join(' ') };
        break;
      case 'flag':
        parsed.flags.add(seg.flag);
        break;
      default:
        break;
    }
  }
  return parsed;
}

/**
 * "abbey cambridge": a place followed by a district that contains one of its candidates narrows it
 * to that candidate. With `always`, a single candidate followed by its own district also merges
 * ("market cambridge" = Market ward); otherwise only ambiguous places are narrowed.
 */
export function mergeQualifiers(places: PlaceMatch[], always: boolean): PlaceMatch[] {
  const out: PlaceMatch[] = [];
  for (let k = 0; k < places.length; k++) {
    const cur = places[k]!;
    const next = places[k + 1];
    const district = next?.candidates.length === 1 && next.candidates[0]!.type === 'district' ? next.candidates[0]! : undefined;
    if (district && (always || cur.candidates.length > 1)) {
      const inside = cur.candidates.filter((a) => a.parentCode === district.code || a.districtCode === district.code);
      if (inside.length && inside.length < cur.candidates.length + (always ? 1 : 0) && !cur.candidates.includes(district)) {
        out.push({ ...cur, text: `${cur.text} ${next!.text}`, candidates: inside });
        k++;
        continue;
      }
    }
    out.push(cur);
  }
  return out;
}
