// Topics: taxonomy synonyms as typed, close misspellings, and what to show when the data cannot
// answer the measure asked for ("dwelling burglary" with only police.uk data -> all burglary, said so).
import type { Measure, Taxonomy } from '../taxonomy/index.ts';
import { closest } from './text.ts';

export interface TopicIndex {
  byPhrase: Map<string, Measure>;
  maxWords: number;
  keys: Array<{ key: string; value: Measure }>;
}

const cache = new WeakMap<Taxonomy, TopicIndex>();

/**
 * Words people use for something neither police.uk nor the partnership extract counts as such: the
 * nearest measure of the taxonomy, and the sentence that says what is shown instead.
 */
const NEAR_TOPICS: Array<{ phrases: string[]; key: string; note: string }> = [
  {
    phrases: ['knife crime', 'knife crimes', 'knife', 'knives', 'knife offences'],
    key: 'possession-of-weapons',
    note: 'Knife crime is not counted as such in police.uk or the partnership extract: showing possession of weapons, which includes carrying a knife but not other offences where a knife was used.',
  },
];

/** What to say when a topic was typed as a near word ("knife crime"), or null. */
export function nearTopicNote(phrase: string): string | null {
  return NEAR_TOPICS.find((n) => n.phrases.includes(phrase))?.note ?? null;
}

export function topicIndex(tax: Taxonomy): TopicIndex {
  let idx = cache.get(tax);
  if (!idx) {
    const phrases = [
      ...tax.phrases(),
      ...NEAR_TOPICS.flatMap((n) => {
        const measure = tax.get(n.key);
        return measure ? n.phrases.map((phrase) => ({ phrase, measure })) : [];
      }),
    ];
    idx = {
      byPhrase: new Map(phrases.map((p) => [p.phrase, p.measure])),
      maxWords: Math.max(...phrases.map((p) => p.phrase.split(' ').length)),
      keys: phrases.map((p) => ({ key: p.phrase, value: p.measure })),
    };
    cache.set(tax, idx);
  }
  return idx;
}

export function lookupTopic(idx: TopicIndex, tokens: string[]): Measure | undefined {
  return idx.byPhrase.get(tokens.join(' '));
}

/** A close misspelling of a topic phrase ("burglery" -> Burglary); null when none or when it is a tie between measures. */
export function fuzzyTopic(idx: TopicIndex, tokens: string[]): { measure: Measure; phrase: string; distance: number } | null {
  const text = tokens.join(' ');
  const found = closest(text, idx.keys);
  if (!found) return null;
  const measures = [...new Set(found.matches.map((m) => m.value))];
  if (measures.length !== 1) return null;
  return { measure: measures[0]!, phrase: found.matches[0]!.key, distance: found.distance };
}

export interface EffectiveMeasure {
  /** what was asked for */
  requested: Measure;
  /** what the figures show */
  measure: Measure;
  /** which data the figures come from */
  source: 'police.uk' | 'partnership' | 'mixed';
  /** the leaf measures summed, each with its source */
  parts: Array<{ key: string; source: 'police.uk' | 'partnership' }>;
  /** said whenever the figures are not exactly what was asked */
  notes: string[];
}

/**
 * What to compute for a measure given whether the partnership extract is loaded:
 * a partnership measure without the extract falls back to its police.uk parent, with a note; a
 * composite sums its members (or its police.uk members, with the taxonomy's note).
 */
export function effectiveMeasure(tax: Taxonomy, requested: Measure, hasPartnershipData: (key: string) => boolean): EffectiveMeasure | { unavailable: string; nearest?: Measure } {
  const notes: string[] = [];
  let measure = requested;
  if (measure.source === 'partnership' && !hasPartnershipData(measure.key)) {
    const parent = measure.parent ? tax.get(measure.parent) : undefined;
    if (!parent || parent.source !== 'police.uk') {
      return { unavailable: `${requested.label} comes only from the partnership's own extract, which is not loaded, and police.uk has no equivalent.` };
    }
    // A sensitive measure is a small part of its police.uk parent (sexual offences within violence and
    // sexual offences): the parent's figures would answer a different question, so say so instead.
    if (measure.sensitive) {
      return {
        unavailable: `Figures for ${inWords(requested.label)} come only from the partnership's own extract, which has none loaded for this area. police.uk counts them only inside ${inWords(parent.label)}, which is mostly other offences, so that is not shown in their place.`,
        nearest: parent,
      };
    }
    notes.push(
      `Showing all ${parent.label.toLowerCase()}: police.uk does not split ${parent.label.toLowerCase()} into ${requested.label.toLowerCase()}, and the partnership extract with that split is not loaded.`,
    );
    measure = parent;
  }
  const parts: EffectiveMeasure['parts'] = [];
  const expand = (m: Measure, depth: number): void => {
    if (depth > 6) return;
    if (m.source !== 'composite') {
      if (m.source === 'partnership' && !hasPartnershipData(m.key)) return;
      parts.push({ key: m.key, source: m.source });
      return;
    }
    const { list, full } = compositeMembers(tax, m, hasPartnershipData, depth);
    if (!full && m.policeUkNote) notes.push(`${m.label}: ${m.policeUkNote}`);
    for (const k of list) {
      const child = tax.get(k);
      if (child) expand(child, depth + 1);
    }
  };
  expand(measure, 0);
  const sources = new Set(parts.map((p) => p.source));
  const source = sources.size > 1 ? 'mixed' : sources.has('partnership') ? 'partnership' : 'police.uk';
  return { requested, measure, source, parts, notes };
}

/** The members a composite is summed from: all of them when the data has each, else its police.uk members. */
export function compositeMembers(tax: Taxonomy, m: Measure, hasPartnershipData: (key: string) => boolean, depth = 0): { list: string[]; full: boolean } {
  const members = m.members ?? [];
  const full = members.every((k) => canExpand(tax, k, hasPartnershipData, depth + 1));
  return { list: full ? members : (m.policeUkMembers ?? members), full };
}

function canExpand(tax: Taxonomy, key: string, has: (key: string) => boolean, depth: number): boolean {
  const m = tax.get(key);
  if (!m || depth > 6) return false;
  if (m.source === 'police.uk') return true;
  if (m.source === 'partnership') return has(m.key);
  return (m.members ?? []).every((k) => canExpand(tax, k, has, depth + 1));
}

function inWords(label: string): string {
  return /^[A-Z]{2}/.test(label) ? label : label.charAt(0).toLowerCase() + label.slice(1);
}
