// Is a GeoJSON geometry a valid WGS84 polygon? Checked when a boundary file is ingested (so a broken one
// is refused there, naming the feature and the position) and again when stored boundaries are indexed
// (so a bad one already in a store is skipped with a note, never a crash in a later police.uk ingest).
//
// A polygon is valid here when it is a Polygon or MultiPolygon whose every ring is an array of at least 4
// positions, each [longitude, latitude] of finite numbers within -180..180 and -90..90, closed (the last
// position equals the first), enclosing some area, and no two edges of a polygon (its shell and holes)
// cross each other. Edges that only touch (at a vertex, or along a shared stretch) are not refused: ONS
// generalised boundaries have them, and point-in-polygon copes. The crossing test indexes the edges in a
// Flatbush R-tree, so it costs about n log n in the number of vertices.
import Flatbush from 'flatbush';

export interface GeometryProblem {
  /** Path inside the feature, e.g. `geometry.coordinates[0][12]`. */
  path: string;
  expected: string;
  found: string;
}

const show = (v: unknown): string => {
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s;
  } catch {
    return String(v);
  }
};

/**
 * The first problem with `geometry` as a WGS84 Polygon/MultiPolygon, or null when it is valid.
 * `crossings: false` skips the crossing-edges test (what indexing stored boundaries needs: a crossing
 * misplaces points near it but cannot crash anything).
 */
export function polygonProblem(geometry: unknown, options: { crossings?: boolean } = {}): GeometryProblem | null {
  if (!geometry || typeof geometry !== 'object') return { path: 'geometry', expected: 'a Polygon or MultiPolygon geometry', found: show(geometry) };
  const g = geometry as { type?: unknown; coordinates?: unknown };
  if (g.type !== 'Polygon' && g.type !== 'MultiPolygon') return { path: 'geometry.type', expected: 'Polygon or MultiPolygon', found: String(g.type) };
  if (!Array.isArray(g.coordinates) || g.coordinates.length === 0) {
    return {
      path: 'geometry.coordinates',
      expected: g.type === 'Polygon' ? 'an array of rings (the outer ring, then any holes)' : 'an array of polygons',
      found: show(g.coordinates),
    };
  }
  const polygons =
    g.type === 'Polygon'
      ? [{ rings: g.coordinates as unknown[], at: 'geometry.coordinates' }]
      : (g.coordinates as unknown[]).map((p, i) => ({ rings: p as unknown[], at: `geometry.coordinates[${i}]` }));
  for (const { rings, at } of polygons) {
    if (!Array.isArray(rings) || rings.length === 0) return { path: at, expected: 'an array of rings (the outer ring, then any holes)', found: show(rings) };
    for (let r = 0; r < rings.length; r++) {
      const problem = ringProblem(rings[r], `${at}[${r}]`);
      if (problem) return problem;
    }
    if (options.crossings !== false) {
      const crossing = crossingProblem(rings as number[][][], at);
      if (crossing) return crossing;
    }
  }
  return null;
}

function ringProblem(ring: unknown, at: string): GeometryProblem | null {
  if (!Array.isArray(ring)) return { path: at, expected: 'a ring: an array of [longitude, latitude] positions', found: show(ring) };
  if (ring.length < 4) return { path: at, expected: 'a ring of at least 4 positions (3 corners and the first again)', found: `${ring.length} positions` };
  for (let i = 0; i < ring.length; i++) {
    const p = ring[i] as unknown;
    if (!Array.isArray(p) || p.length < 2) return { path: `${at}[${i}]`, expected: 'a position [longitude, latitude]', found: show(p) };
    const [x, y] = p as unknown[];
    if (typeof x !== 'number' || !Number.isFinite(x) || x < -180 || x > 180) {
      return {
        path: `${at}[${i}][0]`,
        expected: 'a longitude in WGS84 degrees (-180 to 180): a boundary in another projection, such as British National Grid metres, must be converted first',
        found: show(x),
      };
    }
    if (typeof y !== 'number' || !Number.isFinite(y) || y < -90 || y > 90) {
      return { path: `${at}[${i}][1]`, expected: 'a latitude in WGS84 degrees (-90 to 90)', found: show(y) };
    }
  }
  const first = ring[0] as number[],
    last = ring[ring.length - 1] as number[];
  if (first[0] !== last[0] || first[1] !== last[1])
    return { path: `${at}[${ring.length - 1}]`, expected: `a closed ring (the last position equal to the first, ${show(first)})`, found: show(last) };
  let area = 0;
  for (let i = 0; i + 1 < ring.length; i++) {
    const a = ring[i] as number[],
      b = ring[i + 1] as number[];
    area += a[0]! * b[1]! - b[0]! * a[1]!;
  }
  if (area === 0) return { path: at, expected: 'a ring enclosing some area', found: 'all its positions on one line' };
  return null;
}

/** Sign of the turn a -> b -> c, with products too small to be sure of treated as 0 (collinear). */
function orient(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): number {
  const l = (bx - ax) * (cy - ay);
  const r = (by - ay) * (cx - ax);
  const d = l - r;
  if (Math.abs(d) <= 1e-9 * (Math.abs(l) + Math.abs(r))) return 0;
  return d > 0 ? 1 : -1;
}

/** The first pair of edges of one polygon (shell and holes together) that properly cross, or null. */
function crossingProblem(rings: number[][][], at: string): GeometryProblem | null {
  let edges = 0;
  for (const ring of rings) edges += ring.length - 1;
  if (edges < 4) return null;
  const ringOf = new Int32Array(edges),
    indexInRing = new Int32Array(edges);
  const ax = new Float64Array(edges),
    ay = new Float64Array(edges),
    bx = new Float64Array(edges),
    by = new Float64Array(edges);
  const tree = new Flatbush(edges);
  let e = 0;
  rings.forEach((ring, r) => {
    for (let i = 0; i + 1 < ring.length; i++, e++) {
      const a = ring[i]!,
        b = ring[i + 1]!;
      ringOf[e] = r;
      indexInRing[e] = i;
      ax[e] = a[0]!;
      ay[e] = a[1]!;
      bx[e] = b[0]!;
      by[e] = b[1]!;
      tree.add(Math.min(a[0]!, b[0]!), Math.min(a[1]!, b[1]!), Math.max(a[0]!, b[0]!), Math.max(a[1]!, b[1]!));
    }
  });
  tree.finish();
  for (let i = 0; i < edges; i++) {
    if (ax[i] === bx[i] && ay[i] === by[i]) continue; // a repeated position: no edge
    const hits = tree.search(Math.min(ax[i]!, bx[i]!), Math.min(ay[i]!, by[i]!), Math.max(ax[i]!, bx[i]!), Math.max(ay[i]!, by[i]!));
    for (const j of hits) {
      if (j <= i) continue;
      const o1 = orient(ax[i]!, ay[i]!, bx[i]!, by[i]!, ax[j]!, ay[j]!);
      const o2 = orient(ax[i]!, ay[i]!, bx[i]!, by[i]!, bx[j]!, by[j]!);
      if (o1 === 0 || o2 === 0 || o1 === o2) continue;
      const o3 = orient(ax[j]!, ay[j]!, bx[j]!, by[j]!, ax[i]!, ay[i]!);
      const o4 = orient(ax[j]!, ay[j]!, bx[j]!, by[j]!, bx[i]!, by[i]!);
      if (o3 === 0 || o4 === 0 || o3 === o4) continue;
      const where = (k: number) => `${at}[${ringOf[k]}][${indexInRing[k]}]`;
      return {
        path: where(j),
        expected: `edges that do not cross (a ring crossing itself or another ring of its polygon: this edge crosses the edge from ${where(i)})`,
        found: `${show([ax[j], ay[j]])} -> ${show([bx[j], by[j]])} crossing ${show([ax[i], ay[i]])} -> ${show([bx[i], by[i]])}`,
      };
    }
  }
  return null;
}
