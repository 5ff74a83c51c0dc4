// In-memory aggregation of one source-month: counts per area and measure, ward counts split by method.
import type { Month } from '../core/periods.ts';
import type { AreaType, DataSource, MonthlyCount } from '../store/types.ts';

export type Placement = 'polygon' | 'lsoa' | 'partner';

/** Placement statistics for one file (the release log's columns). */
export interface PlacementStats {
  rowsRead: number;
  placedByPolygon: number;
  placedByLsoa: number;
  placedByPartner: number;
  outOfArea: number;
  unplaced: number;
}

export function emptyStats(): PlacementStats {
  return { rowsRead: 0, placedByPolygon: 0, placedByLsoa: 0, placedByPartner: 0, outOfArea: 0, unplaced: 0 };
}

export function resetStats(s: PlacementStats): void {
  Object.assign(s, emptyStats());
}

export function addStats(a: PlacementStats, b: PlacementStats): PlacementStats {
  return {
    rowsRead: a.rowsRead + b.rowsRead,
    placedByPolygon: a.placedByPolygon + b.placedByPolygon,
    placedByLsoa: a.placedByLsoa + b.placedByLsoa,
    placedByPartner: a.placedByPartner + b.placedByPartner,
    outOfArea: a.outOfArea + b.outOfArea,
    unplaced: a.unplaced + b.unplaced,
  };
}

// Area codes and measures are interned once per process (a national month has about 45,000 areas and
// 290,000 cells): cells are keyed by number, not by a "code\tmeasure" string built for every add.
const codeIds = new Map<string, number>();
const codes: string[] = [];
const measureIds = new Map<string, number>();
const measureNames: string[] = [];
/** Measures per area in a cell key (the taxonomy has a few dozen). */
const MEASURE_SLOTS = 1024;

/** The interned id of an area code (for addById on a hot path). */
export function areaId(code: string): number {
  let id = codeIds.get(code);
  if (id === undefined) {
    id = codes.length;
    codes.push(code);
    codeIds.set(code, id);
  }
  return id;
}

/** The interned id of a measure key. */
export function measureId(measure: string): number {
  let id = measureIds.get(measure);
  if (id === undefined) {
    id = measureNames.length;
    if (id >= MEASURE_SLOTS) throw new Error(`Tally: more than ${MEASURE_SLOTS} measures`);
    measureNames.push(measure);
    measureIds.set(measure, id);
  }
  return id;
}

const PLACEMENT_NONE = 0,
  PLACEMENT_POLYGON = 1,
  PLACEMENT_LSOA = 2,
  PLACEMENT_PARTNER = 3;
const PLACEMENT_CODE = { polygon: PLACEMENT_POLYGON, lsoa: PLACEMENT_LSOA, partner: PLACEMENT_PARTNER } as const;

const AREA_TYPES: readonly AreaType[] = ['force', 'district', 'ward', 'lsoa'];
const AREA_TYPE_CODE: Record<AreaType, number> = { force: 0, district: 1, ward: 2, lsoa: 3 };
const EMPTY = -1;

/**
 * Cells in an open-addressing hash table over typed arrays (linear probing on a multiplicative hash of
 * the numeric cell key): a national month adds about a million times and merges 40-odd files, and a
 * Map<number, number> with boxed arrays beside it spent a third of that in hashing and garbage collection.
 */
export class Tally {
  /** cell key (area id x MEASURE_SLOTS + measure id) per table position, EMPTY when free */
  private table = new Int32Array(1024).fill(EMPTY);
  /** the cell's slot in the arrays below, per table position */
  private tableSlot = new Int32Array(1024);
  private keys = new Int32Array(512);
  private types = new Uint8Array(512);
  private count = new Float64Array(512);
  private byPolygon = new Float64Array(512);
  private byLsoa = new Float64Array(512);
  private byPartner = new Float64Array(512);
  private n = 0;

  add(areaType: AreaType, areaCode: string, measure: string, n: number, placement?: Placement): void {
    this.addById(areaType, areaId(areaCode), measureId(measure), n, placement ? PLACEMENT_CODE[placement] : PLACEMENT_NONE);
  }

  /** add() with interned ids (areaId(), measureId()) and a placement code (0 none, 1 polygon, 2 LSOA, 3 partner). */
  addById(areaType: AreaType, area: number, measure: number, n: number, placement = 0): void {
    const slot = this.slotOf(area * MEASURE_SLOTS + measure, AREA_TYPE_CODE[areaType]);
    this.count[slot]! += n;
    if (placement === PLACEMENT_POLYGON) this.byPolygon[slot]! += n;
    else if (placement === PLACEMENT_LSOA) this.byLsoa[slot]! += n;
    else if (placement === PLACEMENT_PARTNER) this.byPartner[slot]! += n;
  }

  /** The slot of a cell, made (with the area type of its first add) when new. */
  private slotOf(key: number, type: number): number {
    if (key > 0x7fffffff) throw new Error('Tally: too many areas');
    let mask = this.table.length - 1;
    let h = (Math.imul(key, 0x9e3779b1) >>> 0) & mask;
    for (;;) {
      const k = this.table[h]!;
      if (k === key) return this.tableSlot[h]!;
      if (k === EMPTY) break;
      h = (h + 1) & mask;
    }
    const slot = this.n++;
    if (slot === this.keys.length) this.growCells();
    this.keys[slot] = key;
    this.types[slot] = type;
    if (2 * this.n > this.table.length) {
      this.growTable();
      mask = this.table.length - 1;
      h = (Math.imul(key, 0x9e3779b1) >>> 0) & mask;
      while (this.table[h] !== EMPTY) h = (h + 1) & mask;
    }
    this.table[h] = key;
    this.tableSlot[h] = slot;
    return slot;
  }

  private growCells(): void {
    const size = this.keys.length * 2;
    const grow = <T extends Int32Array | Uint8Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.keys = grow(this.keys, (n) => new Int32Array(n));
    this.types = grow(this.types, (n) => new Uint8Array(n));
    this.count = grow(this.count, (n) => new Float64Array(n));
    this.byPolygon = grow(this.byPolygon, (n) => new Float64Array(n));
    this.byLsoa = grow(this.byLsoa, (n) => new Float64Array(n));
    this.byPartner = grow(this.byPartner, (n) => new Float64Array(n));
  }

  private growTable(): void {
    this.rehash(this.table.length * 2);
  }

  /** A table of `size` positions (a power of two) over the cells held. */
  private rehash(size: number): void {
    const mask = size - 1;
    this.table = new Int32Array(size).fill(EMPTY);
    this.tableSlot = new Int32Array(size);
    for (let slot = 0; slot < this.n; slot++) {
      const key = this.keys[slot]!;
      let h = (Math.imul(key, 0x9e3779b1) >>> 0) & mask;
      while (this.table[h] !== EMPTY) h = (h + 1) & mask;
      this.table[h] = key;
      this.tableSlot[h] = slot;
    }
  }

  /** Makes room for `cells` cells in all (before merging many tallies: one allocation, not a doubling at a time). */
  reserve(cells: number): void {
    while (this.keys.length < cells) this.growCells();
    let size = this.table.length;
    while (size < 2 * cells) size *= 2;
    if (size > this.table.length) this.rehash(size);
  }

  /** Adds every cell of `other` (several files of the same source and month). */
  merge(other: Tally): void {
    for (let i = 0; i < other.n; i++) {
      const slot = this.slotOf(other.keys[i]!, other.types[i]!);
      this.count[slot]! += other.count[i]!;
      this.byPolygon[slot]! += other.byPolygon[i]!;
      this.byLsoa[slot]! += other.byLsoa[i]!;
      this.byPartner[slot]! += other.byPartner[i]!;
    }
  }

  clear(): void {
    this.table = new Int32Array(1024).fill(EMPTY);
    this.tableSlot = new Int32Array(1024);
    this.keys = new Int32Array(512);
    this.types = new Uint8Array(512);
    this.count = new Float64Array(512);
    this.byPolygon = new Float64Array(512);
    this.byLsoa = new Float64Array(512);
    this.byPartner = new Float64Array(512);
    this.n = 0;
  }

  has(areaType: AreaType, measure: string): boolean {
    const m = measureIds.get(measure);
    if (m === undefined) return false;
    const t = AREA_TYPE_CODE[areaType];
    for (let i = 0; i < this.n; i++) if (this.types[i] === t && this.keys[i]! % MEASURE_SLOTS === m) return true;
    return false;
  }

  /** The measures with at least one cell. */
  measures(): Set<string> {
    const out = new Set<string>();
    for (let i = 0; i < this.n; i++) out.add(measureNames[this.keys[i]! % MEASURE_SLOTS]!);
    return out;
  }

  get size(): number {
    return this.n;
  }

  /** The cells as stored rows, ordered by area code then measure. */
  toCounts(source: DataSource, month: Month, synthetic: boolean): MonthlyCount[] {
    // Sort by ranks: each distinct code and measure is compared as a string once, then the cells as numbers.
    const n = this.n;
    const areaRank = new Int32Array(codes.length).fill(-1);
    const measureRank = new Int32Array(measureNames.length).fill(-1);
    const areaList: number[] = [];
    const measureList: number[] = [];
    for (let i = 0; i < n; i++) {
      const k = this.keys[i]!;
      const a = Math.floor(k / MEASURE_SLOTS),
        m = k % MEASURE_SLOTS;
      if (areaRank[a] === -1) {
        areaRank[a] = 0;
        areaList.push(a);
      }
      if (measureRank[m] === -1) {
        measureRank[m] = 0;
        measureList.push(m);
      }
    }
    const byString = (list: number[], names: string[]) => list.sort((a, b) => (names[a]! < names[b]! ? -1 : names[a]! > names[b]! ? 1 : 0));
    byString(areaList, codes).forEach((id, i) => (areaRank[id] = i));
    byString(measureList, measureNames).forEach((id, i) => (measureRank[id] = i));
    // rank key x 2^21 + slot fits a double exactly (area ranks < 2^17, measures < 2^10, slots < 2^21).
    const SLOT = 2 ** 21;
    if (n >= SLOT || areaList.length * MEASURE_SLOTS >= 2 ** 31) throw new Error('Tally: too many cells to order');
    const order = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const k = this.keys[i]!;
      order[i] = (areaRank[Math.floor(k / MEASURE_SLOTS)]! * MEASURE_SLOTS + measureRank[k % MEASURE_SLOTS]!) * SLOT + i;
    }
    order.sort();
    const out: MonthlyCount[] = [];
    for (let j = 0; j < n; j++) {
      const i = order[j]! % SLOT;
      const count = this.count[i]!;
      if (count === 0) continue;
      const k = this.keys[i]!;
      const areaType = AREA_TYPES[this.types[i]!]!;
      const row: MonthlyCount = { source, month, areaType, areaCode: codes[Math.floor(k / MEASURE_SLOTS)]!, measure: measureNames[k % MEASURE_SLOTS]!, count, synthetic };
      if (areaType === 'ward') {
        row.byPolygon = this.byPolygon[i]!;
        row.byLsoa = this.byLsoa[i]!;
        row.byPartner = this.byPartner[i]!;
      }
      out.push(row);
    }
    return out;
  }
}
