// Places by name or ONS code: ignoring case, apostrophes, "ward", "city", "district", and '&' vs
// 'and'; a unique start of a name ("cherry" -> Cherry Hinton); close misspellings as "did you mean";
// names shared by several areas are listed, preferring the channel's partnership.
import type { Partnership } from '../config/schema.ts';
import type { Area, Store } from '../store/types.ts';
import { closest, tokenise } from './text.ts';

/** Words that describe the kind of place and are ignored when matching its name. */
export const PLACE_WORDS = new Set(['ward', 'wards', 'city', 'district', 'council', 'borough', 'area', 'town', 'division']);

const GSS = /^[ewsn]\d{8}$/;

/** Short joining words: never a place on their own, as the start of a name ("the" -> The Mordens) or a word inside one. */
const JOINING_WORDS = new Set(['the', 'and', 'of', 'in', 'on', 'at', 'a', 'an', 'with', 'upon', 'st', 'by']);

/** Words that name the whole force area ("top violence county", "map asb county"). */
export const FORCE_WORDS = ['county', 'countywide', 'force', 'force area'];

export function placeKey(tokens: string[]): string {
  return tokens.filter((t) => !PLACE_WORDS.has(t)).join(' ');
}

export interface PlaceIndex {
  areas: Area[];
  byCode: Map<string, Area>;
  /** normalised name -> areas with that name */
  exact: Map<string, Area[]>;
  /** every leading run of whole words of a name (shorter than the name) -> areas */
  prefixes: Map<string, Area[]>;
  /** every later word of a name ("chesterton" in East Chesterton) -> areas */
  words: Map<string, Area[]>;
  keys: Array<{ key: string; value: Area }>;
}

export function buildPlaceIndex(areas: Area[]): PlaceIndex {
  const index: PlaceIndex = { areas, byCode: new Map(), exact: new Map(), prefixes: new Map(), words: new Map(), keys: [] };
  const push = (map: Map<string, Area[]>, key: string, a: Area) => {
    const list = map.get(key);
    if (list) {
      if (!list.includes(a)) list.push(a);
    } else map.set(key, [a]);
  };
  for (const a of areas) {
    if (a.type === 'lsoa') continue;
    index.byCode.set(a.code.toLowerCase(), a);
    const tokens = tokenise(a.name);
    const key = placeKey(tokens);
    if (!key) continue;
    push(index.exact, key, a);
    index.keys.push({ key, value: a });
    const words = key.split(' ');
    for (let n = 1; n < words.length; n++) {
      const prefix = words.slice(0, n).join(' ');
      if (!JOINING_WORDS.has(prefix)) push(index.prefixes, prefix, a);
    }
    for (const w of words.slice(1)) if (w.length >= 4 && !JOINING_WORDS.has(w)) push(index.words, w, a);
    if (a.type === 'force') for (const w of FORCE_WORDS) push(index.exact, w, a);
  }
  return index;
}

// The index being built is cached too, so questions arriving together share one read of the areas.
const cache = new WeakMap<Store, { index: Promise<PlaceIndex>; at: number }>();
const CACHE_MS = 60_000;

/** The place index for a store: wards, districts and the force area, rebuilt at most once a minute. */
export function placeIndex(store: Store, now = Date.now()): Promise<PlaceIndex> {
  const hit = cache.get(store);
  if (hit && now - hit.at < CACHE_MS) return hit.index;
  const entry = {
    index: Promise.all([store.areas('force'), store.areas('district'), store.areas('ward')]).then(([force, districts, wards]) =>
      buildPlaceIndex([...force, ...districts, ...wards]),
    ),
    at: now,
  };
  cache.set(store, entry);
  // A failed read is not kept for a minute: the next question tries again.
  entry.index.catch(() => {
    if (cache.get(store) === entry) cache.delete(store);
  });
  return entry.index;
}

export interface PlaceMatch {
  /** 'word': a later word of names ("chesterton"), weaker evidence than the start of a name. */
  how: 'code' | 'exact' | 'prefix' | 'word' | 'fuzzy';
  /** what the user typed for it */
  text: string;
  candidates: Area[];
  /** fuzzy matches: the edit distance */
  distance?: number;
}

/** Exact name, code, or the start of names, for a run of tokens; null when none. */
export function lookupPlace(index: PlaceIndex, tokens: string[]): PlaceMatch | null {
  const text = tokens.join(' ');
  if (tokens.length === 1 && GSS.test(tokens[0]!)) {
    const a = index.byCode.get(tokens[0]!);
    return a ? { how: 'code', text, candidates: [a] } : null;
  }
  const key = placeKey(tokens);
  if (!key) return null;
  const exact = index.exact.get(key);
  if (exact) return { how: 'exact', text, candidates: exact };
  const prefix = index.prefixes.get(key);
  if (prefix) return { how: 'prefix', text, candidates: prefix };
  const word = index.words.get(key);
  if (word) return { how: 'word', text, candidates: word };
  return null;
}

/** Areas whose names start with, or contain as a later word, what `match` was typed as (for "east": East Chesterton). */
export function widerMatches(index: PlaceIndex, match: PlaceMatch): Area[] {
  const key = placeKey(match.text.split(' '));
  return [...new Set([...(index.prefixes.get(key) ?? []), ...(index.words.get(key) ?? [])])].filter((a) => !match.candidates.includes(a));
}

/** Close misspellings of a place name: "markte" -> Market. */
export function fuzzyPlace(index: PlaceIndex, tokens: string[]): PlaceMatch | null {
  const key = placeKey(tokens);
  if (!key || GSS.test(key)) return null;
  const found = closest(key, index.keys);
  if (!found) return null;
  const candidates = [...new Set(found.matches.map((m) => m.value))];
  return { how: 'fuzzy', text: tokens.join(' '), candidates, distance: found.distance };
}

/** Whether an area lies inside a partnership: its own code, its district, or (an LSOA) its district. */
export function inPartnership(area: Area, partnership: Pick<Partnership, 'areas'>, index?: PlaceIndex): boolean {
  if (partnership.areas.includes(area.code)) return true;
  if (area.districtCode && partnership.areas.includes(area.districtCode)) return true;
  if (area.type === 'ward' && area.parentCode && partnership.areas.includes(area.parentCode)) return true;
  if (area.type === 'force' && index) {
    const districts = index.areas.filter((a) => a.type === 'district' && a.parentCode === area.code);
    return districts.length > 0 && districts.every((d) => partnership.areas.includes(d.code));
  }
  return false;
}

/** Orders candidates: the channel's partnership first, districts before wards, then by name. */
export function preferInPartnership(candidates: Area[], partnership: Pick<Partnership, 'areas'>): Area[] {
  const typeOrder = { force: 0, district: 1, ward: 2, lsoa: 3 } as const;
  return [...candidates].sort(
    (a, b) => Number(inPartnership(b, partnership)) - Number(inPartnership(a, partnership)) || typeOrder[a.type] - typeOrder[b.type] || a.name.localeCompare(b.name),
  );
}
