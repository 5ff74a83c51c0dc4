// In-memory aggregation of one source-month: counts per area and measure, ward counts split by method.
import type { Month } from '../core/periods.ts';
import type { AreaType, DataSource, MonthlyCount } from '../store/types.ts';

export type Placement = 'polygon' | 'lsoa' | 'partner';

interface Cell {
  areaType: AreaType;
  areaCode: string;
  measure: string;
  count: number;
  byPolygon: number;
  byLsoa: number;
  byPartner: number;
}

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

export class Tally {
  private readonly cells = new Map<string, Cell>();

  add(areaType: AreaType, areaCode: string, measure: string, n: number, placement?: Placement): void {
    const key = `${areaCode}\t${measure}`;
    let cell = this.cells.get(key);
    if (!cell) {
      cell = { areaType, areaCode, measure, count: 0, byPolygon: 0, byLsoa: 0, byPartner: 0 };
      this.cells.set(key, cell);
    }
    cell.count += n;
    if (placement === 'polygon') cell.byPolygon += n;
    else if (placement === 'lsoa') cell.byLsoa += n;
    else if (placement === 'partner') cell.byPartner += n;
  }

  /** Adds every cell of `other` (several files of the same source and month). */
  merge(other: Tally): void {
    for (const c of other.cells.values()) {
      this.add(c.areaType, c.areaCode, c.measure, c.count);
      const mine = this.cells.get(`${c.areaCode}\t${c.measure}`)!;
      mine.byPolygon += c.byPolygon;
      mine.byLsoa += c.byLsoa;
      mine.byPartner += c.byPartner;
    }
  }

  clear(): void {
    this.cells.clear();
  }

  has(areaType: AreaType, measure: string): boolean {
    for (const c of this.cells.values()) if (c.areaType === areaType && c.measure === measure) return true;
    return false;
  }

  /** The measures with at least one cell. */
  measures(): Set<string> {
    return new Set([...this.cells.values()].map((c) => c.measure));
  }

  get size(): number {
    return this.cells.size;
  }

  toCounts(source: DataSource, month: Month, synthetic: boolean): MonthlyCount[] {
    const out: MonthlyCount[] = [];
    for (const c of this.cells.values()) {
      if (c.count === 0) continue;
      const row: MonthlyCount = { source, month, areaType: c.areaType, areaCode: c.areaCode, measure: c.measure, count: c.count, synthetic };
      if (c.areaType === 'ward') {
        row.byPolygon = c.byPolygon;
        row.byLsoa = c.byLsoa;
        row.byPartner = c.byPartner;
      }
      out.push(row);
    }
    out.sort((a, b) => (a.areaCode < b.areaCode ? -1 : a.areaCode > b.areaCode ? 1 : a.measure < b.measure ? -1 : a.measure > b.measure ? 1 : 0));
    return out;
  }
}
