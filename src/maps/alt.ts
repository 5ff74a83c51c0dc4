// The text alternative of a ward map: what a reader takes from the picture, in words. The highest and
// lowest wards, the classes, where the hotspots are and whether they touch ("the three hotspots are
// adjacent, in the centre of Cambridge", from shared boundaries), the emerging ones, the hidden ones
// and the asked-about ward. Needs only the request (positions and adjacency travel in it).
import type { MapRequest, MapWard } from '../core/reply.ts';
import { formatMapValue } from './classify.ts';

const NUMBER_WORDS = ['no', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];
const words = (n: number) => NUMBER_WORDS[n] ?? String(n);

function list(names: string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** "the north-west", "the centre", from a position as fractions of the area (0 = west / north). */
export function whereWords(at: [number, number]): string {
  const [x, y] = at;
  const ns = y < 1 / 3 ? 'north' : y > 2 / 3 ? 'south' : '';
  const ew = x < 1 / 3 ? 'west' : x > 2 / 3 ? 'east' : '';
  if (!ns && !ew) return 'the centre';
  return `the ${ns && ew ? `${ns}-${ew}` : ns || ew}`;
}

/** Groups of wards joined by shared boundaries (connected components), largest first. */
export function adjacentGroups(codes: string[], pairs: ReadonlyArray<[string, string]>): string[][] {
  const parent = new Map(codes.map((c) => [c, c]));
  const find = (c: string): string => {
    let r = c;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(c, r);
    return r;
  };
  for (const [a, b] of pairs) if (parent.has(a) && parent.has(b)) parent.set(find(a), find(b));
  const groups = new Map<string, string[]>();
  for (const c of codes) {
    const r = find(c);
    groups.set(r, [...(groups.get(r) ?? []), c]);
  }
  return [...groups.values()].sort((a, b) => b.length - a.length);
}

function meanAt(wards: MapWard[]): [number, number] | null {
  const at = wards.map((w) => w.at).filter((a): a is [number, number] => !!a);
  if (!at.length) return null;
  return [at.reduce((s, a) => s + a[0], 0) / at.length, at.reduce((s, a) => s + a[1], 0) / at.length];
}

/**
 * Where a group of wards is: on a map of several districts, the districts they are in ("in
 * Peterborough", "in Fenland and Huntingdonshire"); on a district's map, the compass ("in the
 * centre of Cambridge").
 */
export function groupWhere(req: MapRequest, wards: MapWard[]): string {
  if ((req.districts?.length ?? 0) > 1 && wards.every((w) => w.district)) {
    const counts = new Map<string, number>();
    for (const w of wards) counts.set(w.district!, (counts.get(w.district!) ?? 0) + 1);
    const names = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([code]) => req.districts!.find((d) => d.code === code)?.name ?? code);
    return `in ${list(names)}`;
  }
  const at = meanAt(wards);
  return at ? `in ${whereWords(at)} of ${req.areaName}` : '';
}

export interface GroupWordsOptions {
  /** Groups described one by one; the rest are counted (default 5). */
  maxGroups?: number;
  /** Names given in one group; the rest are counted (default: all). */
  maxNames?: number;
  /** 'alt': "the three hotspots are adjacent, in the centre of Cambridge: A, B and C"; 'summary': "A, B and C (adjacent, in the centre of Cambridge)". */
  style: 'alt' | 'summary';
  /** What the wards are, for the one-group sentence: "hotspots". */
  what: string;
}

/** Flagged wards in words, grouped by shared boundaries (largest group first), with where each group is. */
export function describeGroups(req: MapRequest, flagged: MapWard[], options: GroupWordsOptions): string {
  const byCode = new Map(flagged.map((w) => [w.code, w]));
  const groups = adjacentGroups(
    flagged.map((w) => w.code),
    req.adjacency ?? [],
  );
  const maxGroups = options.maxGroups ?? 5;
  const names = (ws: MapWard[]) => {
    const max = options.maxNames ?? Infinity;
    return ws.length <= max
      ? list(ws.map((w) => w.name))
      : `${ws
          .slice(0, max)
          .map((w) => w.name)
          .join(', ')} and ${ws.length - max} more`;
  };
  const parts = groups.slice(0, maxGroups).map((g) => {
    const ws = g.map((c) => byCode.get(c)!);
    const where = groupWhere(req, ws);
    if (options.style === 'summary')
      return g.length === 1 ? `${ws[0]!.name}${where ? ` (${where})` : ''}` : `${names(ws)} (${words(g.length)}, adjacent${where ? `, ${where}` : ''})`;
    if (g.length === 1) return `${ws[0]!.name}${where ? `, ${where}` : ''}`;
    return groups.length === 1
      ? `the ${words(g.length)} ${options.what} are adjacent${where ? `, ${where}` : ''}: ${names(ws)}`
      : `${names(ws)}, adjacent${where ? `, ${where}` : ''}`;
  });
  const left = groups.slice(maxGroups).flat();
  if (left.length)
    parts.push(options.style === 'summary' ? `and ${left.length} more (see the table)` : `and ${words(left.length)} more (${list(left.map((c) => byCode.get(c)!.name))})`);
  return parts.join('; ');
}

export function mapAltText(req: MapRequest): string[] {
  const rate = req.unit !== 'count';
  const out: string[] = [];
  out.push(`Map: ${req.title}`);
  const shown = req.wards.filter((w) => !w.hidden && w.value !== null);
  const method = req.method === 'jenks' ? 'natural breaks' : 'quantiles';
  out.push(
    `The ${req.wards.length} wards of ${req.areaName} shaded by ${req.measureLabel.toLowerCase()} ${rate ? 'per 1,000 residents' : '(counts)'}, ${req.period}, in ${req.classes.length} ${req.classes.length === 1 ? 'class' : 'classes'} by ${method}, darker for higher: ${req.classes.map((c) => `${c.label} (${c.count})`).join(', ')}`,
  );
  if (shown.length) {
    const sorted = [...shown].sort((a, b) => b.value! - a.value! || a.name.localeCompare(b.name));
    const n = Math.min(3, Math.max(1, Math.floor(sorted.length / 2)));
    const fmt = (w: MapWard) => `${w.name} ${formatMapValue(w.value!, req.unit)}`;
    const low = sorted.slice(-Math.min(2, sorted.length - n)).reverse();
    out.push(`Highest: ${list(sorted.slice(0, n).map(fmt))}${low.length ? `; lowest: ${list(low.map(fmt))}` : ''}`);
  }
  const hot = req.wards.filter((w) => w.hotspot);
  if (hot.length)
    out.push(
      `${hot.length === 1 ? 'One hotspot' : `${words(hot.length).replace(/^./, (c) => c.toUpperCase())} hotspots`}${req.legend?.hotspot ? ` (${req.legend.hotspot.replace(/^Hotspots?,?\s*/i, '')})` : ''}: ${describeGroups(req, hot, { style: 'alt', what: 'hotspots' })}`,
    );
  else if (req.legend?.hotspot) out.push('No ward is a hotspot');
  const emerging = req.wards.filter((w) => w.emerging);
  if (emerging.length)
    out.push(
      `Emerging ${emerging.length === 1 ? 'hotspot' : 'hotspots'}${req.legend?.emerging ? ` (${req.legend.emerging.replace(/^Emerging hotspots?,?\s*/i, '')})` : ''}: ${describeGroups(req, emerging, { style: 'alt', what: 'emerging hotspots' })}`,
    );
  const small = req.wards.filter((w) => w.hidden === 'small-number').map((w) => w.name);
  const secondary = req.wards.filter((w) => w.hidden === 'secondary').map((w) => w.name);
  if (small.length) out.push(`Hatched, not shown (${(req.legend?.small ?? 'small numbers').replace(/\s*\(not shown\)$/, '').toLowerCase()}): ${list(small)}`);
  if (secondary.length) out.push(`Hatched, not shown so that a small number cannot be worked out: ${list(secondary)}`);
  const nodata = req.wards.filter((w) => !w.hidden && w.value === null).map((w) => w.name);
  if (nodata.length) out.push(`No figure: ${list(nodata)}`);
  const em = req.wards.find((w) => w.emphasised);
  if (em) {
    if (em.hidden || em.value === null) out.push(`${em.name}, the ward asked about, is outlined; its figure is not shown`);
    else {
      const rank = shown.filter((w) => w.value! > em.value!).length + 1;
      out.push(
        `${em.name}, the ward asked about, is outlined: ${formatMapValue(em.value, req.unit)}, ${rank === 1 ? 'the highest' : `${ordinal(rank)} highest`} of ${shown.length}${em.class !== null ? `, in class ${em.class + 1} of ${req.classes.length}` : ''}`,
      );
    }
  }
  for (const n of req.notes ?? []) out.push(n);
  out.push(req.source);
  return out;
}

function ordinal(n: number): string {
  const mod100 = n % 100;
  const suffix = mod100 >= 11 && mod100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}
