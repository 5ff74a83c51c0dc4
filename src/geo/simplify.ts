// Ward boundaries simplified for drawing: Visvalingam-Whyatt on shared arcs, so that two wards that
// share an edge still share it exactly after simplification (no slivers, no gaps).
//
// - The boundaries are cut into arcs at junctions: a vertex is a junction where its neighbours along
//   the rings are not exactly two (three wards meet there, a ward meets the outside, or a ring
//   touches itself). A ring with no junction (an island, or a ward wholly inside another) is one
//   closed arc, anchored at its lowest vertex, which both rings that hold it agree on.
// - Each arc is simplified once, with its end points fixed, and every ring that runs along it (in
//   either direction) gets the same points back.
// - Visvalingam & Whyatt (1993), "Line generalisation by repeated elimination of points",
//   Cartographic Journal 30(1):46-51: repeatedly drop the point whose triangle with its two
//   neighbours has the smallest area, while that area is under the threshold (in square metres,
//   measured on a local equirectangular plane; each area is at least the last one eliminated, the
//   authors' rule so a point is never dropped before one it protected).
// - Every arc keeps at least one interior point (a closed arc two), so no ring collapses.
// Pure: the same text in gives the same text out. Coordinates are rounded to 6 decimal places of a
// degree (about 0.1 m), after simplification, the same way for every ring, so shared points stay equal.
import type { Feature, FeatureCollection, Geometry, MultiPolygon, Polygon, Position } from 'geojson';

/** The property a simplified feature carries, so a loader can tell a drawing copy from a full boundary. */
export const DRAWING_PROPERTY = 'wardwatchDrawing';

/**
 * Effective area threshold (square metres): a triangle of about 45 m by 45 m, some 4 pixels at the
 * scale of a district map (15 m a pixel for Cambridge) and a fraction of one at county scale. ONS's
 * generalised (20 m) boundaries lose a few per cent of their points; full-resolution ones most.
 */
export const DEFAULT_MIN_AREA_M2 = 1000;

export interface DrawingMark {
  method: 'visvalingam-whyatt, shared arcs';
  minAreaM2: number;
  version: 1;
}

export interface SimplifyOptions {
  /** Visvalingam effective-area threshold in square metres (default 1000). */
  minAreaM2?: number;
}

type Ring = Position[];

/** Whether a feature (parsed GeoJSON) is already a drawing copy. */
export function isDrawingCopy(feature: { properties?: Record<string, unknown> | null } | null | undefined): boolean {
  const mark = feature?.properties?.[DRAWING_PROPERTY] as DrawingMark | undefined;
  return !!mark && typeof mark === 'object' && mark.version === 1;
}

/**
 * A boundary simplified for drawing. Takes a GeoJSON FeatureCollection (arcs shared between its
 * features are simplified once, so shared edges stay shared), a Feature, or a bare Polygon or
 * MultiPolygon, as text, and gives back the same kind of object as text. Features come back with
 * `properties.wardwatchDrawing` set. Other features and geometries pass through unchanged.
 */
export function simplifyForDrawing(geojson: string, options: SimplifyOptions = {}): string {
  const doc = JSON.parse(geojson.replace(/^\uFEFF/, '')) as FeatureCollection | Feature | Geometry;
  const minArea = options.minAreaM2 ?? DEFAULT_MIN_AREA_M2;
  if (doc.type === 'FeatureCollection') return JSON.stringify({ ...doc, features: simplifyFeatures(doc.features, { minAreaM2: minArea }) });
  if (doc.type === 'Feature') return JSON.stringify(simplifyFeatures([doc], { minAreaM2: minArea })[0]);
  if (doc.type === 'Polygon' || doc.type === 'MultiPolygon') {
    const out = simplifyFeatures([{ type: 'Feature', properties: {}, geometry: doc }], { minAreaM2: minArea })[0]!;
    return JSON.stringify(out.geometry);
  }
  return JSON.stringify(doc);
}

/** Simplifies features together (shared arcs once); polygon features come back marked, others unchanged. */
export function simplifyFeatures(features: Feature[], options: SimplifyOptions = {}): Feature[] {
  const minArea = options.minAreaM2 ?? DEFAULT_MIN_AREA_M2;
  // Every ring of every polygon, without repeated consecutive points and without the closing point.
  const rings: Ring[] = [];
  const shapes = features.map((f) => {
    const g = f.geometry;
    if (!g || (g.type !== 'Polygon' && g.type !== 'MultiPolygon')) return null;
    const polys = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
    return polys.map((poly) =>
      poly.map((ring) => {
        rings.push(openRing(ring));
        return rings.length - 1;
      }),
    );
  });

  // Neighbours of every vertex, over all rings.
  const key = (p: Position) => `${p[0]},${p[1]}`;
  const neighbours = new Map<string, Set<string>>();
  const ringKeys = rings.map((r) => r.map(key));
  for (const ks of ringKeys) {
    const n = ks.length;
    for (let i = 0; i < n; i++) {
      let set = neighbours.get(ks[i]!);
      if (!set) neighbours.set(ks[i]!, (set = new Set()));
      set.add(ks[(i + n - 1) % n]!);
      set.add(ks[(i + 1) % n]!);
    }
  }
  const isJunction = (k: string) => neighbours.get(k)!.size !== 2;
  const lat0 = rings.length && rings[0]!.length ? rings[0]![0]![1]! : 52;
  const kx = 111320 * Math.cos((lat0 * Math.PI) / 180),
    ky = 110574;

  const done = new Map<string, Position[]>(); // canonical arc key -> simplified points (canonical direction)
  const simplifiedRings = rings.map((ring, ri) => {
    const ks = ringKeys[ri]!;
    const n = ring.length;
    if (n < 3) return closeRing(ring);
    // Start the ring at a junction, or (no junction) at its lowest vertex.
    let start = -1;
    for (let i = 0; i < n; i++)
      if (isJunction(ks[i]!)) {
        start = i;
        break;
      }
    const anchored = start >= 0;
    if (!anchored) {
      start = 0;
      for (let i = 1; i < n; i++) if (lowerPoint(ring[i]!, ring[start]!)) start = i;
    }
    // Cut into arcs (each runs from one junction to the next, both included).
    const arcs: number[][] = [];
    let current: number[] = [start];
    for (let s = 1; s <= n; s++) {
      const i = (start + s) % n;
      current.push(i);
      if (s === n || (anchored && isJunction(ks[i]!))) {
        arcs.push(current);
        current = [i];
      }
    }
    const out: Position[] = [];
    for (const arc of arcs) {
      const forward = arc.map((i) => ks[i]!);
      const reversed = [...forward].reverse();
      const isForward = compareKeys(forward, reversed) <= 0;
      const canonicalKey = (isForward ? forward : reversed).join(';');
      let pts = done.get(canonicalKey);
      if (!pts) {
        const canonical = (isForward ? arc : [...arc].reverse()).map((i) => ring[i]!);
        pts = visvalingam(canonical, minArea, forward[0] === forward[forward.length - 1] ? 2 : 1, kx, ky).map(round6);
        done.set(canonicalKey, pts);
      }
      const mine = isForward ? pts : [...pts].reverse();
      for (let j = out.length ? 1 : 0; j < mine.length; j++) out.push(mine[j]!);
    }
    // `out` ends where it started (the last arc ends at the start vertex): a closed ring.
    if (out.length < 4) return closeRing(ring.map(round6));
    return out;
  });

  return features.map((f, fi) => {
    const shape = shapes[fi];
    if (!shape) return f;
    const g = f.geometry as Polygon | MultiPolygon;
    const polys = shape.map((poly) => poly.map((ri) => simplifiedRings[ri]!));
    const geometry: Polygon | MultiPolygon = g.type === 'Polygon' ? { type: 'Polygon', coordinates: polys[0]! } : { type: 'MultiPolygon', coordinates: polys };
    const mark: DrawingMark = { method: 'visvalingam-whyatt, shared arcs', minAreaM2: minArea, version: 1 };
    return { ...f, properties: { ...(f.properties ?? {}), [DRAWING_PROPERTY]: mark }, geometry };
  });
}

function openRing(ring: Position[]): Ring {
  const out: Ring = [];
  for (const p of ring) {
    const last = out[out.length - 1];
    if (!last || last[0] !== p[0] || last[1] !== p[1]) out.push([p[0]!, p[1]!]);
  }
  while (out.length > 1 && out[0]![0] === out[out.length - 1]![0] && out[0]![1] === out[out.length - 1]![1]) out.pop();
  return out;
}

function closeRing(ring: Ring): Position[] {
  return ring.length ? [...ring, ring[0]!] : ring;
}

function lowerPoint(a: Position, b: Position): boolean {
  return a[0]! < b[0]! || (a[0] === b[0] && a[1]! < b[1]!);
}

function compareKeys(a: string[], b: string[]): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i]! < b[i]!) return -1;
    if (a[i]! > b[i]!) return 1;
  }
  return 0;
}

function round6(p: Position): Position {
  return [Math.round(p[0]! * 1e6) / 1e6, Math.round(p[1]! * 1e6) / 1e6];
}

/**
 * Visvalingam-Whyatt on one arc (end points fixed), keeping at least `minKeep` interior points.
 * Areas in square metres, with longitude and latitude scaled by kx, ky.
 */
export function visvalingam(points: Position[], minArea: number, minKeep: number, kx: number, ky: number): Position[] {
  const n = points.length;
  if (n <= 2 + minKeep) return points;
  const x = points.map((p) => p[0]! * kx),
    y = points.map((p) => p[1]! * ky);
  const prev = new Int32Array(n),
    next = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    prev[i] = i - 1;
    next[i] = i + 1;
  }
  const area = new Float64Array(n);
  const tri = (i: number) => Math.abs((x[prev[i]!]! - x[i]!) * (y[next[i]!]! - y[i]!) - (x[next[i]!]! - x[i]!) * (y[prev[i]!]! - y[i]!)) / 2;
  // A binary min-heap of interior points by area (ties by index, so the result is deterministic).
  const heap: number[] = [];
  const pos = new Int32Array(n).fill(-1);
  const less = (a: number, b: number) => area[a]! < area[b]! || (area[a] === area[b] && a < b);
  const swap = (i: number, j: number) => {
    const t = heap[i]!;
    heap[i] = heap[j]!;
    heap[j] = t;
    pos[heap[i]!] = i;
    pos[heap[j]!] = j;
  };
  const up = (i: number) => {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(heap[i]!, heap[p]!)) break;
      swap(i, p);
      i = p;
    }
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1,
        r = l + 1;
      let m = i;
      if (l < heap.length && less(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && less(heap[r]!, heap[m]!)) m = r;
      if (m === i) break;
      swap(i, m);
      i = m;
    }
  };
  for (let i = 1; i < n - 1; i++) {
    area[i] = tri(i);
    heap.push(i);
    pos[i] = heap.length - 1;
    up(heap.length - 1);
  }
  let remaining = n - 2;
  let last = 0;
  const removed = new Uint8Array(n);
  while (heap.length && remaining > minKeep) {
    const i = heap[0]!;
    const a = Math.max(area[i]!, last);
    if (a >= minArea) break;
    last = a;
    // pop
    swap(0, heap.length - 1);
    heap.pop();
    pos[i] = -1;
    if (heap.length) down(0);
    removed[i] = 1;
    remaining--;
    const p = prev[i]!,
      q = next[i]!;
    next[p] = q;
    prev[q] = p;
    for (const j of [p, q]) {
      if (j <= 0 || j >= n - 1 || pos[j] === -1) continue;
      area[j] = Math.max(tri(j), last);
      up(pos[j]!);
      down(pos[j]!);
    }
  }
  return points.filter((_, i) => !removed[i]);
}
