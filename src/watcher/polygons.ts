// The polygons the police.uk watcher asks for: one per ward, each guaranteed to contain the whole ward.
//
// A simplified outline (the map's drawing copy) can cut a corner off a ward and lose the crimes snapped
// there. So each ward is asked for by an enclosing convex polygon instead: its convex hull (Andrew's
// monotone chain), reduced to at most `maxVertices` corners by replacing an edge with the meeting point
// of its two neighbouring edges (each step only grows the polygon), then pushed a few metres outward.
// Neighbouring requests overlap: the crimes two of them return are de-duplicated, and each crime is
// placed in its ward by ingest's exact point-in-polygon test, so the overlap costs requests, not counts.
import type { Feature, MultiPolygon, Polygon, Position } from 'geojson';

/** [longitude, latitude] in WGS84 degrees. */
export type LngLat = [number, number];

/** Below the API's practical limits: a POST body has no URL-length cap, but big polygons are slow. */
export const DEFAULT_MAX_VERTICES = 100;
/** About 20 m (in latitude; a little less in longitude at 52 degrees north): beyond rounding to 6 decimals. */
const OUTWARD_DEGREES = 0.0002;

const cross = (o: LngLat, a: LngLat, b: LngLat) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);

/** Every vertex of a Polygon or MultiPolygon feature (holes included: they lie inside the hull anyway). */
export function verticesOf(feature: Feature<Polygon | MultiPolygon>): LngLat[] {
  const polys: Position[][][] = feature.geometry.type === 'Polygon' ? [feature.geometry.coordinates] : feature.geometry.coordinates;
  const out: LngLat[] = [];
  for (const rings of polys) for (const ring of rings) for (const p of ring) out.push([p[0]!, p[1]!]);
  return out;
}

/** The convex hull, counter-clockwise, without a repeated first point (Andrew's monotone chain, 1979). */
export function convexHull(points: readonly LngLat[]): LngLat[] {
  const pts = [...new Map(points.map((p) => [`${p[0]},${p[1]}`, p])).values()].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (pts.length < 3) return pts;
  const lower: LngLat[] = [];
  for (const p of pts) {
    while (lower.length >= 2 && cross(lower.at(-2)!, lower.at(-1)!, p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: LngLat[] = [];
  for (let i = pts.length - 1; i >= 0; i--) {
    const p = pts[i]!;
    while (upper.length >= 2 && cross(upper.at(-2)!, upper.at(-1)!, p) <= 0) upper.pop();
    upper.push(p);
  }
  return [...lower.slice(0, -1), ...upper.slice(0, -1)];
}

/** Where the lines a1->a2 and b1->b2 meet, with the parameters along each (null when parallel). */
function meet(a1: LngLat, a2: LngLat, b1: LngLat, b2: LngLat): { p: LngLat; t: number; u: number } | null {
  const dx = a2[0] - a1[0],
    dy = a2[1] - a1[1],
    ex = b2[0] - b1[0],
    ey = b2[1] - b1[1];
  const den = dx * ey - dy * ex;
  if (Math.abs(den) < 1e-18) return null;
  const t = ((b1[0] - a1[0]) * ey - (b1[1] - a1[1]) * ex) / den;
  const u = ((b1[0] - a1[0]) * dy - (b1[1] - a1[1]) * dx) / den;
  return { p: [a1[0] + t * dx, a1[1] + t * dy], t, u };
}

/**
 * A convex polygon (counter-clockwise) with at most `max` vertices that contains `hull`: repeatedly the
 * edge whose removal adds the least area is replaced by the point where its neighbouring edges meet.
 */
export function enclosingPolygon(hull: readonly LngLat[], max: number): LngLat[] {
  let poly = [...hull];
  while (poly.length > Math.max(4, max)) {
    const n = poly.length;
    let best: { i: number; q: LngLat; added: number } | null = null;
    for (let i = 0; i < n; i++) {
      const prev = poly[(i - 1 + n) % n]!,
        a = poly[i]!,
        b = poly[(i + 1) % n]!,
        next = poly[(i + 2) % n]!;
      // Extend prev->a forwards and next->b backwards: they must meet beyond a and beyond b.
      const m = meet(prev, a, next, b);
      if (!m || m.t <= 1 || m.u <= 1) continue;
      const added = Math.abs(cross(a, m.p, b)) / 2;
      if (!best || added < best.added) best = { i, q: m.p, added };
    }
    if (!best) break; // (never for a convex polygon of 5 or more vertices)
    const { i, q } = best;
    const j = (i + 1) % n;
    poly = poly.flatMap((p, k) => (k === i ? [q] : k === j ? [] : [p]));
  }
  return poly;
}

/** Each vertex moved `degrees` further from the centroid: the result contains the convex polygon. */
export function pushOutward(poly: readonly LngLat[], degrees = OUTWARD_DEGREES): LngLat[] {
  const cx = poly.reduce((s, p) => s + p[0], 0) / poly.length;
  const cy = poly.reduce((s, p) => s + p[1], 0) / poly.length;
  return poly.map(([x, y]) => {
    const d = Math.hypot(x - cx, y - cy) || 1;
    return [x + ((x - cx) / d) * degrees, y + ((y - cy) / d) * degrees];
  });
}

/** The polygon the watcher asks the API for, for one ward. */
export function requestPolygon(feature: Feature<Polygon | MultiPolygon>, maxVertices = DEFAULT_MAX_VERTICES): LngLat[] {
  const hull = convexHull(verticesOf(feature));
  if (hull.length < 3) throw new Error('a ward boundary with fewer than 3 distinct points');
  return pushOutward(enclosingPolygon(hull, maxVertices));
}

/** Clips a convex polygon to an axis-aligned rectangle (Sutherland and Hodgman, 1974). */
export function clipToBox(poly: readonly LngLat[], box: { minX: number; minY: number; maxX: number; maxY: number }): LngLat[] {
  const edges: Array<[(p: LngLat) => boolean, (a: LngLat, b: LngLat) => LngLat]> = [
    [(p) => p[0] >= box.minX, (a, b) => at(a, b, 0, box.minX)],
    [(p) => p[0] <= box.maxX, (a, b) => at(a, b, 0, box.maxX)],
    [(p) => p[1] >= box.minY, (a, b) => at(a, b, 1, box.minY)],
    [(p) => p[1] <= box.maxY, (a, b) => at(a, b, 1, box.maxY)],
  ];
  let out = [...poly];
  for (const [inside, cut] of edges) {
    const input = out;
    out = [];
    for (let i = 0; i < input.length; i++) {
      const cur = input[i]!,
        prev = input[(i - 1 + input.length) % input.length]!;
      if (inside(cur)) {
        if (!inside(prev)) out.push(cut(prev, cur));
        out.push(cur);
      } else if (inside(prev)) out.push(cut(prev, cur));
    }
    if (out.length === 0) return [];
  }
  return out;
}

function at(a: LngLat, b: LngLat, axis: 0 | 1, value: number): LngLat {
  const t = (value - a[axis]) / (b[axis] - a[axis]);
  return [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
}

/**
 * Four pieces covering a convex polygon: its bounding box's quadrants, each a little larger than a
 * quarter (so a crime snapped onto a dividing line is inside a piece), clipped to the polygon.
 */
export function splitPolygon(poly: readonly LngLat[]): LngLat[][] {
  const xs = poly.map((p) => p[0]),
    ys = poly.map((p) => p[1]);
  const minX = Math.min(...xs),
    maxX = Math.max(...xs),
    minY = Math.min(...ys),
    maxY = Math.max(...ys);
  const mx = (minX + maxX) / 2,
    my = (minY + maxY) / 2;
  const e = 1e-5; // about a metre
  const boxes = [
    { minX, minY, maxX: mx + e, maxY: my + e },
    { minX: mx - e, minY, maxX, maxY: my + e },
    { minX, minY: my - e, maxX: mx + e, maxY },
    { minX: mx - e, minY: my - e, maxX, maxY },
  ];
  return boxes.map((b) => clipToBox(poly, b)).filter((p) => p.length >= 3);
}

/** The API's `poly` parameter: "lat,lng:lat,lng:..." (the first and last point need not match). */
export function polyParameter(poly: readonly LngLat[]): string {
  return poly.map(([lng, lat]) => `${lat.toFixed(6)},${lng.toFixed(6)}`).join(':');
}
