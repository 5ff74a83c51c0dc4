// Place names for the synthetic country: seeded, unique, made of syllables that spell no crime type,
// period or command word (so a question about a place never reads as a topic, and no name is a real
// ONS area's by design).
import { Random } from '../random.ts';

const HEADS = [
  'ash',
  'bal',
  'bram',
  'brent',
  'cal',
  'cor',
  'dun',
  'el',
  'fen',
  'gar',
  'hal',
  'kel',
  'lang',
  'mar',
  'nor',
  'ock',
  'pen',
  'quen',
  'ros',
  'sal',
  'tam',
  'ul',
  'ver',
  'wen',
  'yar',
  'hob',
  'lin',
  'mel',
  'bix',
  'thorn',
  'wil',
  'ked',
];
const MIDDLES = ['', 'in', 'er', 'ow', 'an', 'el', 'is', 'ot', 'am', 'ur', 'ed', 'ith'];
const TAILS = [
  'by',
  'ford',
  'ham',
  'ley',
  'ton',
  'wick',
  'field',
  'bury',
  'stead',
  'worth',
  'mere',
  'dale',
  'combe',
  'thorpe',
  'hurst',
  'well',
  'den',
  'holme',
  'cott',
  'minster',
  'stow',
  'grove',
];
const STREETS = ['Road', 'Street', 'Lane', 'Close', 'Avenue', 'Way', 'Drive', 'Gardens', 'Crescent', 'Place'];

/** Every name the syllables make (HEADS x MIDDLES x TAILS: 8,448), capitalised. */
function allNames(): string[] {
  const out: string[] = [];
  for (const h of HEADS) for (const m of MIDDLES) for (const t of TAILS) out.push(h[0]!.toUpperCase() + h.slice(1) + m + t);
  return out;
}

/** `n` distinct names in a seeded order (more than the syllables make get a " North"/" South"... qualifier). */
export function uniqueNames(rng: Random, n: number): string[] {
  const names = allNames();
  for (let i = names.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [names[i], names[j]] = [names[j]!, names[i]!];
  }
  const out = names.slice(0, n);
  const qualifiers = ['North', 'South', 'East', 'West', 'Central', 'Upper', 'Lower'];
  for (let q = 0; out.length < n; q++) {
    const base = names[out.length % names.length]!;
    out.push(`${base} ${qualifiers[Math.floor(out.length / names.length) % qualifiers.length]!}`);
    if (q > 10 * n) break;
  }
  return out;
}

/** A street for a snap point's "On or near ..." (police.uk's Location field). */
export function streetName(rng: Random, names: readonly string[]): string {
  return `${rng.pick(names)} ${rng.pick(STREETS)}`;
}
