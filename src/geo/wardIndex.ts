// Point-in-polygon ward lookup: a Flatbush R-tree over polygon bounding boxes narrows the candidates,
// then the crossing test decides. The test is turf's booleanPointInPolygon (point-in-polygon-hao: Hao et
// al., "Optimal Reliable Point-in-Polygon Test and Differential Coding Boolean Operations on Polygons",
// Symmetry 2018, with the robust orientation predicate of Shewchuk 1997), step for step, so every point
// lands where turf puts it (a point on an edge is inside; each polygon of a multipolygon on its own);
// but it runs over the wards' coordinates copied once into flat typed arrays, not over GeoJSON arrays of
// arrays, and allocates nothing per point.
import Flatbush from 'flatbush';
import { orient2d } from 'robust-predicates';
import type { Feature, MultiPolygon, Polygon } from 'geojson';
import { polygonProblem } from './validate.ts';

export interface WardPolygon {
  code: string;
  feature: Feature<Polygon | MultiPolygon>;
}

/** Ward code property names seen in ONS boundary files, newest vintage first. */
const CODE_PROPERTIES = ['WD25CD', 'WD24CD', 'WD23CD', 'WD22CD', 'WD21CD', 'code'];

export function wardCodeOf(feature: Feature): string | undefined {
  const props = (feature.properties ?? {}) as Record<string, unknown>;
  for (const p of CODE_PROPERTIES) if (typeof props[p] === 'string') return props[p] as string;
  return undefined;
}

function bbox(feature: Feature<Polygon | MultiPolygon>): [number, number, number, number] {
  let minX = Infinity,
    minY = Infinity,
    maxX = -Infinity,
    maxY = -Infinity;
  const rings = feature.geometry.type === 'Polygon' ? feature.geometry.coordinates : feature.geometry.coordinates.flat();
  for (const ring of rings) {
    for (const [x, y] of ring as number[][]) {
      if (x! < minX) minX = x!;
      if (y! < minY) minY = y!;
      if (x! > maxX) maxX = x!;
      if (y! > maxY) maxY = y!;
    }
  }
  return [minX, minY, maxX, maxY];
}

/** Crossing count of one polygon (its rings from ring `r0` to `r1`) for the point; -1 when on its boundary (hao's 0). */
function crossings(xy: Float64Array, ringStart: Int32Array, r0: number, r1: number, x: number, y: number): number {
  let k = 0;
  for (let r = r0; r < r1; r++) {
    const from = ringStart[r]!,
      last = ringStart[r + 1]! - 2; // the closing vertex repeats the first
    let u1 = xy[from]! - x,
      v1 = xy[from + 1]! - y;
    for (let i = from; i < last; i += 2) {
      const u2 = xy[i + 2]! - x,
        v2 = xy[i + 3]! - y;
      if (v1 === 0 && v2 === 0) {
        if ((u2 <= 0 && u1 >= 0) || (u1 <= 0 && u2 >= 0)) return -1;
      } else if ((v2 >= 0 && v1 <= 0) || (v2 <= 0 && v1 >= 0)) {
        const f = orient2d(u1, u2, v1, v2, 0, 0);
        if (f === 0) return -1;
        if ((f > 0 && v2 > 0 && v1 <= 0) || (f < 0 && v2 <= 0 && v1 > 0)) k++;
      }
      u1 = u2;
      v1 = v2;
    }
  }
  return k;
}

export class WardIndex {
  private readonly index: Flatbush | null;
  /** Every ward's coordinates as x, y pairs, ring after ring. */
  private readonly xy: Float64Array;
  /** Where each ring starts in `xy` (one more entry: the end). */
  private readonly ringStart: Int32Array;
  /** Where each polygon's rings start in `ringStart` (one more entry: the end). */
  private readonly polygonRing: Int32Array;
  /** Where each ward's polygons start in `polygonRing` (one more entry: the end). */
  private readonly wardPolygon: Int32Array;
  /** A feature's own bbox member, when it has one (turf honours it: outside it is outside). */
  private readonly ownBbox: Array<number[] | undefined>;

  constructor(readonly wards: readonly WardPolygon[]) {
    let coords = 0,
      rings = 0,
      polygons = 0;
    const polygonsOf = (w: WardPolygon) => (w.feature.geometry.type === 'Polygon' ? [w.feature.geometry.coordinates] : w.feature.geometry.coordinates);
    for (const w of wards) {
      for (const polygon of polygonsOf(w)) {
        polygons++;
        for (const ring of polygon) {
          rings++;
          coords += ring.length;
        }
      }
    }
    this.xy = new Float64Array(2 * coords);
    this.ringStart = new Int32Array(rings + 1);
    this.polygonRing = new Int32Array(polygons + 1);
    this.wardPolygon = new Int32Array(wards.length + 1);
    this.ownBbox = wards.map((w) => w.feature.bbox);
    let c = 0,
      r = 0,
      p = 0;
    wards.forEach((w, i) => {
      this.wardPolygon[i] = p;
      for (const polygon of polygonsOf(w)) {
        this.polygonRing[p++] = r;
        for (const ring of polygon) {
          this.ringStart[r++] = c;
          for (const pt of ring) {
            this.xy[c++] = pt[0]!;
            this.xy[c++] = pt[1]!;
          }
        }
      }
    });
    this.ringStart[r] = c;
    this.polygonRing[p] = r;
    this.wardPolygon[wards.length] = p;
    if (wards.length === 0) {
      this.index = null;
      return;
    }
    this.index = new Flatbush(wards.length);
    for (const w of wards) this.index.add(...bbox(w.feature));
    this.index.finish();
  }

  /** True when the ward (by position) holds the point, as turf's booleanPointInPolygon decides. */
  contains(ward: number, x: number, y: number): boolean {
    const own = this.ownBbox[ward];
    if (own && !(own[0]! <= x && own[1]! <= y && own[2]! >= x && own[3]! >= y)) return false;
    for (let p = this.wardPolygon[ward]!; p < this.wardPolygon[ward + 1]!; p++) {
      const k = crossings(this.xy, this.ringStart, this.polygonRing[p]!, this.polygonRing[p + 1]!, x, y);
      if (k === -1 || k % 2 === 1) return true;
    }
    return false;
  }

  /** The position (in `wards`) of the ward containing the point (WGS84 longitude, latitude), or -1. */
  locateIndex(longitude: number, latitude: number): number {
    if (!this.index) return -1;
    const candidates = this.index.search(longitude, latitude, longitude, latitude);
    for (const i of candidates) if (this.contains(i, longitude, latitude)) return i;
    return -1;
  }

  /** The ward containing the point (WGS84 longitude, latitude), or null. */
  locate(longitude: number, latitude: number): string | null {
    const i = this.locateIndex(longitude, latitude);
    return i < 0 ? null : this.wards[i]!.code;
  }

  /**
   * An index of the features that are valid ward polygons. A feature that is not (broken coordinates
   * stored before ingest checked them) is left out, and its code added to `skipped`, so that placing
   * points never throws: its points fall back to LSOA best fit.
   */
  static fromFeatures(features: Feature[], skipped: string[] = []): WardIndex {
    const wards: WardPolygon[] = [];
    for (const f of features) {
      const code = wardCodeOf(f);
      if (!code) continue;
      if (polygonProblem(f.geometry, { crossings: false })) {
        skipped.push(code);
        continue;
      }
      wards.push({ code, feature: f as Feature<Polygon | MultiPolygon> });
    }
    return new WardIndex(wards);
  }
}
