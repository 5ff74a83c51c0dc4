// Point-in-polygon ward lookup: a Flatbush R-tree over polygon bounding boxes narrows the candidates,
// then turf's booleanPointInPolygon decides (holes and multipolygons handled by turf, not by us).
import { booleanPointInPolygon } from '@turf/boolean-point-in-polygon';
import Flatbush from 'flatbush';
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

export class WardIndex {
  private readonly index: Flatbush | null;
  private readonly hits: number[] = [];

  constructor(readonly wards: readonly WardPolygon[]) {
    if (wards.length === 0) {
      this.index = null;
      return;
    }
    this.index = new Flatbush(wards.length);
    for (const w of wards) this.index.add(...bbox(w.feature));
    this.index.finish();
  }

  /** The ward containing the point (WGS84 longitude, latitude), or null. */
  locate(longitude: number, latitude: number): string | null {
    if (!this.index) return null;
    const candidates = this.index.search(longitude, latitude, longitude, latitude);
    for (const i of candidates) {
      const ward = this.wards[i]!;
      if (booleanPointInPolygon([longitude, latitude], ward.feature)) return ward.code;
    }
    return null;
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
