// Count packs (migration 11): the counts of one source, month, measure and area type in one blob, so a
// bulk series read (countSeries over every ward nationally) reads about 1,500 blobs instead of 8.5 million
// rows. A pack is `entries` pairs of big-endian int32: (area ordinal, count). Big-endian because that is
// what PostgreSQL's int4send gives, so its backfill is one SQL statement per month and both stores hold
// the same bytes. Area ordinals (table area_ordinals) number each (area code, area type) once, for good.
import type { AreaType, MonthlyCount } from './types.ts';

export const PACK_ENTRY_BYTES = 8;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

export interface CountPack {
  measure: string;
  areaType: AreaType;
  entries: number;
  cells: Buffer;
}

/** Ordinals by area type, then area code. */
export type OrdinalIndex = Map<string, Map<string, number>>;

export function ordinalOf(index: OrdinalIndex, areaType: string, areaCode: string): number | undefined {
  return index.get(areaType)?.get(areaCode);
}

/** Adds an ordinal; false when the area had one already. */
export function addOrdinal(index: OrdinalIndex, areaType: string, areaCode: string, ordinal: number): boolean {
  let byCode = index.get(areaType);
  if (!byCode) index.set(areaType, (byCode = new Map()));
  if (byCode.has(areaCode)) return false;
  byCode.set(areaCode, ordinal);
  return true;
}

/** An area's ordinal, or undefined when it has none yet. */
export type OrdinalLookup = (areaType: string, areaCode: string) => number | undefined;

/** The (area code, area type) pairs of `counts` without an ordinal yet, each once. */
export function missingOrdinals(ordinal: OrdinalLookup, counts: readonly MonthlyCount[]): Array<{ areaCode: string; areaType: AreaType }> {
  const out: Array<{ areaCode: string; areaType: AreaType }> = [];
  const seen: OrdinalIndex = new Map();
  let lastCode = '';
  let lastType = '';
  for (const c of counts) {
    // a month's counts come area by area: the same area as the row before is known already
    if (c.areaCode === lastCode && c.areaType === lastType) continue;
    lastCode = c.areaCode;
    lastType = c.areaType;
    if (ordinal(c.areaType, c.areaCode) !== undefined || ordinalOf(seen, c.areaType, c.areaCode) !== undefined) continue;
    addOrdinal(seen, c.areaType, c.areaCode, 0);
    out.push({ areaCode: c.areaCode, areaType: c.areaType });
  }
  return out;
}

/** One month's counts (one source) as packs, one per measure and area type, entries in the order given. */
export function buildPacks(counts: readonly MonthlyCount[], ordinal: OrdinalLookup): CountPack[] {
  // two passes: count each pack's entries, then write them into buffers of the right size
  const groups = new Map<string, Map<string, Group>>();
  const groupOf = new Array<Group>(counts.length);
  const ordinals = new Int32Array(counts.length);
  const packs: CountPack[] = [];
  let lastCode = '';
  let lastType = '';
  let lastOrdinal = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    let byType = groups.get(c.measure);
    if (!byType) groups.set(c.measure, (byType = new Map()));
    let g = byType.get(c.areaType);
    if (!g) {
      g = { pack: { measure: c.measure, areaType: c.areaType, entries: 0, cells: Buffer.alloc(0) }, at: 0 };
      byType.set(c.areaType, g);
      packs.push(g.pack);
    }
    g.pack.entries++;
    groupOf[i] = g;
    if (c.areaCode !== lastCode || c.areaType !== lastType) {
      const o = ordinal(c.areaType, c.areaCode);
      if (o === undefined) throw new Error(`count packs: no ordinal for ${c.areaType} ${c.areaCode}`);
      lastCode = c.areaCode;
      lastType = c.areaType;
      lastOrdinal = o;
    }
    ordinals[i] = lastOrdinal;
  }
  for (const p of packs) p.cells = Buffer.allocUnsafe(p.entries * PACK_ENTRY_BYTES);
  for (let i = 0; i < counts.length; i++) {
    const n = counts[i]!.count;
    if (!Number.isInteger(n) || n < INT32_MIN || n > INT32_MAX) {
      const c = counts[i]!;
      throw new RangeError(`count packs hold 32-bit integers: ${c.areaCode} ${c.measure} ${c.month} is ${n}`);
    }
    const g = groupOf[i]!;
    g.pack.cells.writeInt32BE(ordinals[i]!, g.at);
    g.pack.cells.writeInt32BE(n, g.at + 4);
    g.at += PACK_ENTRY_BYTES;
  }
  return packs;
}

interface Group {
  pack: CountPack;
  at: number;
}

/**
 * Puts a pack's counts in a series' values: the entry of an area the query asked for (areaAt[ordinal] is
 * its index in the query, -1 or beyond the array when not asked for) goes to values[(a * M + m) * T + t].
 * Returns the entries placed (stored rows read).
 */
export function placePack(values: Float64Array, cells: Uint8Array, areaAt: Int32Array, m: number, t: number, M: number, T: number): number {
  const view = new DataView(cells.buffer, cells.byteOffset, cells.byteLength);
  const end = cells.byteLength - (cells.byteLength % PACK_ENTRY_BYTES);
  const known = areaAt.length;
  let placed = 0;
  for (let o = 0; o < end; o += PACK_ENTRY_BYTES) {
    const ordinal = view.getInt32(o);
    if (ordinal < 0 || ordinal >= known) continue;
    const a = areaAt[ordinal]!;
    if (a < 0) continue;
    values[(a * M + m) * T + t] = view.getInt32(o + 4);
    placed++;
  }
  return placed;
}

/** areaAt for placePack: each ordinal's index in the query's area list, -1 for the rest. */
export function queryAreaIndex(rows: ReadonlyArray<{ ordinal: number; areaCode: string }>, areaIndex: ReadonlyMap<string, number>): Int32Array {
  let max = -1;
  for (const r of rows) if (r.ordinal > max) max = r.ordinal;
  const areaAt = new Int32Array(max + 1).fill(-1);
  for (const r of rows) {
    const a = areaIndex.get(r.areaCode);
    if (a !== undefined) areaAt[r.ordinal] = a;
  }
  return areaAt;
}
