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

export class Tally {
  /** cell key (area id x MEASURE_SLOTS + measure id) -> slot in the arrays below */
  private readonly slots = new Map<number, number>();
  private keys: number[] = [];
  private types: AreaType[] = [];
  private count: number[] = [];
  private byPolygon: number[] = [];
  private byLsoa: number[] = [];
  private byPartner: number[] = [];

  add(areaType: AreaType, areaCode: string, measure: string, n: number, placement?: Placement): void {
    this.addById(areaType, areaId(areaCode), measureId(measure), n, placement ? PLACEMENT_CODE[placement] : PLACEMENT_NONE);
  }

  /** add() with interned ids (areaId(), measureId()) and a placement code (0 none, 1 polygon, 2 LSOA, 3 partner). */
  addById(areaType: AreaType, area: number, measure: number, n: number, placement = 0): void {
    const key = area * MEASURE_SLOTS + measure;
    let slot = this.slots.get(key);
    if (slot === undefined) {
      slot = this.keys.length;
      this.slots.set(key, slot);
      this.keys.push(key);
      this.types.push(areaType);
      this.count.push(0);
      this.byPolygon.push(0);
      this.byLsoa.push(0);
      this.byPartner.push(0);
    }
    this.count[slot]! += n;
    if (placement === PLACEMENT_POLYGON) this.byPolygon[slot]! += n;
    else if (placement === PLACEMENT_LSOA) this.byLsoa[slot]! += n;
    else if (placement === PLACEMENT_PARTNER) this.byPartner[slot]! += n;
  }

  /** Adds every cell of `other` (several files of the same source and month). */
  merge(other: Tally): void {
    for (let i = 0; i < other.keys.length; i++) {
      const key = other.keys[i]!;
      let slot = this.slots.get(key);
      if (slot === undefined) {
        slot = this.keys.length;
        this.slots.set(key, slot);
        this.keys.push(key);
        this.types.push(other.types[i]!);
        this.count.push(0);
        this.byPolygon.push(0);
        this.byLsoa.push(0);
        this.byPartner.push(0);
      }
      this.count[slot]! += other.count[i]!;
      this.byPolygon[slot]! += other.byPolygon[i]!;
      this.byLsoa[slot]! += other.byLsoa[i]!;
      this.byPartner[slot]! += other.byPartner[i]!;
    }
  }

  clear(): void {
    this.slots.clear();
    this.keys = [];
    this.types = [];
    this.count = [];
    this.byPolygon = [];
    this.byLsoa = [];
    this.byPartner = [];
  }

  has(areaType: AreaType, measure: string): boolean {
    const m = measureIds.get(measure);
    if (m === undefined) return false;
    for (let i = 0; i < this.keys.length; i++) if (this.types[i] === areaType && this.keys[i]! % MEASURE_SLOTS === m) return true;
    return false;
  }

  /** The measures with at least one cell. */
  measures(): Set<string> {
    const out = new Set<string>();
    for (const k of this.keys) out.add(measureNames[k % MEASURE_SLOTS]!);
    return out;
  }

  get size(): number {
    return this.keys.length;
  }

  /** The cells as stored rows, ordered by area code then measure. */
  toCounts(source: DataSource, month: Month, synthetic: boolean): MonthlyCount[] {
    // Sort by ranks: each distinct code and measure is compared as a string once, then the cells as numbers.
    const areaIds = new Set<number>();
    const mIds = new Set<number>();
    for (const k of this.keys) {
      areaIds.add(Math.floor(k / MEASURE_SLOTS));
      mIds.add(k % MEASURE_SLOTS);
    }
    const byString = (list: number[], names: string[]) => list.sort((a, b) => (names[a]! < names[b]! ? -1 : names[a]! > names[b]! ? 1 : 0));
    const areaRank = new Map<number, number>();
    byString([...areaIds], codes).forEach((id, i) => areaRank.set(id, i));
    const measureRank = new Map<number, number>();
    byString([...mIds], measureNames).forEach((id, i) => measureRank.set(id, i));
    const n = this.keys.length;
    // rank key x 2^21 + slot fits a double exactly (area ranks < 2^17, measures < 2^10, slots < 2^21).
    const SLOT = 2 ** 21;
    const order = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const k = this.keys[i]!;
      order[i] = (areaRank.get(Math.floor(k / MEASURE_SLOTS))! * MEASURE_SLOTS + measureRank.get(k % MEASURE_SLOTS)!) * SLOT + i;
    }
    if (n >= SLOT || areaRank.size * MEASURE_SLOTS >= 2 ** 31) throw new Error('Tally: too many cells to order');
    order.sort();
    const out: MonthlyCount[] = [];
    for (let j = 0; j < n; j++) {
      const i = order[j]! % SLOT;
      const count = this.count[i]!;
      if (count === 0) continue;
      const k = this.keys[i]!;
      const areaType = this.types[i]!;
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
