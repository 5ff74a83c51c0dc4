// Tokenising what people type after /crime, and the edit distance used for "did you mean".
import { normaliseWords } from '../taxonomy/index.ts';

/** Words people use for places that the area names spell out. */
const ALIASES: Record<string, string> = {
  cambs: 'cambridgeshire',
  hunts: 'huntingdonshire',
  pboro: 'peterborough',
  saint: 'st',
};

/**
 * Lower-case tokens with apostrophes dropped, '&' read as 'and', and year labels kept whole:
 * "King's Hedges & 2024/25" -> ["kings", "hedges", "and", "2024/25"].
 */
export function tokenise(text: string): string[] {
  const labelled = text.replace(/\b(\d{4})\s*[/-]\s*(\d{2})\b/g, ' yl$1x$2 ');
  return normaliseWords(labelled)
    .split(' ')
    .filter(Boolean)
    .map((t) => {
      const m = /^yl(\d{4})x(\d{2})$/.exec(t);
      return m ? `${m[1]}/${m[2]}` : (ALIASES[t] ?? t);
    });
}

/**
 * Optimal string alignment distance (Damerau-Levenshtein restricted to adjacent transpositions,
 * each substring edited once): "markte" -> "market" is 1. Stops early above `max`.
 */
export function editDistance(a: string, b: string, max = Infinity): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const n = b.length;
  let prev2 = new Array<number>(n + 1).fill(0);
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  let cur = new Array<number>(n + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = cur[0];
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2]! + 1);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[n]!;
}

/** How many edits a word of this length may have and still be a "did you mean". */
export function allowedEdits(length: number): number {
  return length <= 3 ? 0 : length <= 5 ? 1 : length <= 10 ? 2 : 3;
}

/** The closest candidates within the allowed edits, best first (all those tied at the best distance). */
export function closest<T>(query: string, candidates: Iterable<{ key: string; value: T }>): { distance: number; matches: Array<{ key: string; value: T }> } | null {
  const max = allowedEdits(query.length);
  if (max === 0) return null;
  let best = max + 1;
  let matches: Array<{ key: string; value: T }> = [];
  for (const c of candidates) {
    const d = editDistance(query, c.key, best);
    if (d < best) {
      best = d;
      matches = [c];
    } else if (d === best && d <= max) matches.push(c);
  }
  return best <= max ? { distance: best, matches } : null;
}
