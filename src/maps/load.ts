// The one way maps get their geometry: the store's drawing boundaries for the wards asked for
// (simplified at ingest; the full boundary where no drawing copy was made), simplified here if they
// are not yet, projected and prepared. Memoised by the boundaries' own text, so a re-ingested
// boundary is never drawn from a stale copy, and a warm map does no geometry work at all.
import { createHash } from 'node:crypto';
import type { Feature } from 'geojson';
import type { Store } from '../store/types.ts';
import { prepareGeometry, type MapGeometry } from './geometry.ts';
import { isDrawingCopy, simplifyFeatures } from '../geo/simplify.ts';

const MEMO_SIZE = 32;
const memo = new Map<string, MapGeometry>();

/** Ward geometry for drawing, from boundary texts keyed by ward code (what `store.drawingBoundaries` gives). */
export function geometryFromBoundaries(boundaries: Map<string, string>): MapGeometry {
  const codes = [...boundaries.keys()].sort();
  const hash = createHash('sha1');
  for (const c of codes) hash.update(c).update('\0').update(boundaries.get(c)!).update('\0');
  const key = hash.digest('hex');
  const hit = memo.get(key);
  if (hit) {
    memo.delete(key);
    memo.set(key, hit); // most recently used last
    return hit;
  }
  const features = new Map<string, Feature>();
  const raw: Array<[string, Feature]> = [];
  for (const c of codes) {
    const parsed = JSON.parse(boundaries.get(c)!) as Feature | Feature['geometry'];
    const f: Feature = parsed && (parsed as Feature).type === 'Feature' ? (parsed as Feature) : { type: 'Feature', properties: {}, geometry: parsed as Feature['geometry'] };
    if (isDrawingCopy(f)) features.set(c, f);
    else raw.push([c, f]);
  }
  // Those not simplified yet are simplified together, so the edges they share stay shared.
  if (raw.length) {
    const simplified = simplifyFeatures(raw.map(([, f]) => f));
    raw.forEach(([c], i) => features.set(c, simplified[i]!));
  }
  const geometry = prepareGeometry(features);
  memo.set(key, geometry);
  while (memo.size > MEMO_SIZE) memo.delete(memo.keys().next().value!);
  return geometry;
}

/** Forgets every prepared geometry (for benchmarks of the cold path). */
export function clearMapGeometryCache(): void {
  memo.clear();
}

/** Loads, simplifies (if needed), projects and prepares the boundaries of `wardCodes`. */
export async function loadMapGeometry(store: Pick<Store, 'drawingBoundaries'>, wardCodes: readonly string[]): Promise<MapGeometry> {
  const boundaries = await store.drawingBoundaries([...new Set(wardCodes)].sort());
  return geometryFromBoundaries(boundaries);
}
