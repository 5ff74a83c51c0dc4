// Planar geometry for the synthetic national geography: a Voronoi partition of a rectangle (d3-delaunay)
// whose shared edges are exactly shared, then densified so a ward has about as many vertices as a real
// generalised ONS ward boundary (about 47, round2.md section 6.1).
//
// Exactness: d3 computes each cell's clipped polygon on its own, so a vertex two cells share can differ in
// its last bits (clip points are computed per cell). Every vertex is therefore snapped to one canonical
// vertex (within 1 mm), each edge is densified once, from its lower-numbered end, and the other cell walks
// the same points backwards: neighbouring rings then hold bit-identical coordinates.
import { Delaunay } from 'd3-delaunay';
import { Random } from '../random.ts';

export type Ring = Array<[number, number]>;

/** Canonical vertices: a vertex within `eps` of one already held is that vertex. */
export class VertexSnap {
  readonly xs: number[] = [];
  readonly ys: number[] = [];
  private readonly grid = new Map<string, number>();
  constructor(private readonly eps: number) {}

  id(x: number, y: number): number {
    const gx = Math.round(x / this.eps),
      gy = Math.round(y / this.eps);
    for (let dx = -1; dx <= 1; dx++)
      for (let dy = -1; dy <= 1; dy++) {
        const hit = this.grid.get(`${gx + dx},${gy + dy}`);
        if (hit !== undefined && Math.abs(this.xs[hit]! - x) <= this.eps && Math.abs(this.ys[hit]! - y) <= this.eps) return hit;
      }
    const id = this.xs.length;
    this.xs.push(x);
    this.ys.push(y);
    this.grid.set(`${gx},${gy}`, id);
    return id;
  }
}

/** Twice the signed area (shoelace): positive for a counter-clockwise ring (y up). */
export function signedArea2(ring: ReadonlyArray<readonly [number, number]>): number {
  let s = 0;
  for (let i = 0, n = ring.length, j = n - 1; i < n; j = i++) s += ring[j]![0] * ring[i]![1] - ring[i]![0] * ring[j]![1];
  return s;
}

/** Ray casting: true when (x, y) is inside the closed or open ring. */
export function inRing(x: number, y: number, ring: ReadonlyArray<readonly [number, number]>): boolean {
  let inside = false;
  for (let i = 0, n = ring.length, j = n - 1; i < n; j = i++) {
    const [xi, yi] = ring[i]!,
      [xj, yj] = ring[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

export interface Partition {
  delaunay: Delaunay<[number, number]>;
  /** Each cell as canonical vertex ids, counter-clockwise, not closed (first != last). */
  cells: number[][];
  snap: VertexSnap;
}

/** The Voronoi cells of `xs, ys` clipped to [0, width] x [0, height], as canonical vertex ids. */
export function voronoiPartition(xs: Float64Array, ys: Float64Array, width: number, height: number): Partition {
  const n = xs.length;
  const coords = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    coords[2 * i] = xs[i]!;
    coords[2 * i + 1] = ys[i]!;
  }
  const delaunay = new Delaunay<[number, number]>(coords);
  const voronoi = delaunay.voronoi([0, 0, width, height]);
  const snap = new VertexSnap(1e-6 * Math.max(width, height));
  const cells: number[][] = [];
  for (let i = 0; i < n; i++) {
    const poly = voronoi.cellPolygon(i);
    if (!poly) throw new Error(`synthetic geography: seed ${i} has no Voronoi cell (a duplicate seed)`);
    const ids: number[] = [];
    for (let k = 0; k < poly.length - 1; k++) {
      const id = snap.id(poly[k]![0], poly[k]![1]);
      if (ids.length === 0 || ids[ids.length - 1] !== id) ids.push(id);
    }
    while (ids.length > 1 && ids[0] === ids[ids.length - 1]) ids.pop();
    const ring: Ring = ids.map((id) => [snap.xs[id]!, snap.ys[id]!]);
    if (signedArea2(ring) < 0) ids.reverse();
    cells.push(ids);
  }
  return { delaunay, cells, snap };
}

export interface DensifyOptions {
  /** Aimed-for distance between vertices along an edge. */
  spacing: number;
  /** Largest sideways offset of an inner vertex, as a share of the edge's length (tapered to 0 at its ends). */
  wiggle: number;
  /** Largest sideways offset for an edge of these two cells (keeps points placed inside a cell inside it). */
  maxOffset: (cellA: number, cellB: number) => number;
  width: number;
  height: number;
  seed: number;
}

/**
 * Rings with every edge densified: inner vertices spaced about `spacing` apart and pushed sideways by a
 * seeded, tapered offset (none on the rectangle's own sides, which stay straight, so the cells' areas
 * still sum to the rectangle's). The edge between two cells is made once and shared, point for point.
 */
export function densify(part: Partition, options: DensifyOptions): Ring[] {
  const { snap, cells } = part;
  const edgeOwner = new Map<string, number[]>();
  for (let c = 0; c < cells.length; c++) {
    const ids = cells[c]!;
    for (let k = 0; k < ids.length; k++) {
      const a = ids[k]!,
        b = ids[(k + 1) % ids.length]!;
      const key = a < b ? `${a},${b}` : `${b},${a}`;
      const owners = edgeOwner.get(key);
      if (owners) owners.push(c);
      else edgeOwner.set(key, [c]);
    }
  }
  const eps = 1e-6 * Math.max(options.width, options.height);
  const onFrame = (id: number) => {
    const x = snap.xs[id]!,
      y = snap.ys[id]!;
    return { l: x <= eps, r: x >= options.width - eps, b: y <= eps, t: y >= options.height - eps };
  };
  const made = new Map<string, Array<[number, number]>>();
  const inner = (lo: number, hi: number): Array<[number, number]> => {
    const key = `${lo},${hi}`;
    const held = made.get(key);
    if (held) return held;
    const x0 = snap.xs[lo]!,
      y0 = snap.ys[lo]!,
      x1 = snap.xs[hi]!,
      y1 = snap.ys[hi]!;
    const len = Math.hypot(x1 - x0, y1 - y0);
    const steps = Math.max(1, Math.round(len / options.spacing));
    const fa = onFrame(lo),
      fb = onFrame(hi);
    const frame = (fa.l && fb.l) || (fa.r && fb.r) || (fa.b && fb.b) || (fa.t && fb.t);
    const owners = edgeOwner.get(key) ?? [];
    const amplitude = frame ? 0 : Math.min(options.wiggle * len, owners.length === 2 ? options.maxOffset(owners[0]!, owners[1]!) : 0);
    // The edge's own stream: the same edge gets the same points whatever order the cells are visited in.
    const rng = new Random((options.seed ^ Math.imul(lo + 1, 0x9e3779b1) ^ Math.imul(hi + 7, 0x85ebca6b)) >>> 0);
    const nx = -(y1 - y0) / (len || 1),
      ny = (x1 - x0) / (len || 1);
    const out: Array<[number, number]> = [];
    for (let s = 1; s < steps; s++) {
      const t = s / steps;
      const off = amplitude * Math.sin(Math.PI * t) * (2 * rng.next() - 1);
      out.push([x0 + (x1 - x0) * t + nx * off, y0 + (y1 - y0) * t + ny * off]);
    }
    made.set(key, out);
    return out;
  };
  return cells.map((ids) => {
    const ring: Ring = [];
    for (let k = 0; k < ids.length; k++) {
      const a = ids[k]!,
        b = ids[(k + 1) % ids.length]!;
      ring.push([snap.xs[a]!, snap.ys[a]!]);
      const pts = a < b ? inner(a, b) : [...inner(b, a)].reverse();
      for (const p of pts) ring.push(p);
    }
    return ring;
  });
}

/**
 * The distance from (x, y) to the nearest bisector between seed `i` and its Delaunay neighbours, i.e. how
 * far inside cell i (before densifying) the point is; negative when the point is in another cell.
 */
export function depthInCell(delaunay: Delaunay<[number, number]>, xs: Float64Array, ys: Float64Array, i: number, x: number, y: number): number {
  const di = (x - xs[i]!) ** 2 + (y - ys[i]!) ** 2;
  let depth = Infinity;
  for (const j of delaunay.neighbors(i)) {
    const dj = (x - xs[j]!) ** 2 + (y - ys[j]!) ** 2;
    const sep = Math.hypot(xs[j]! - xs[i]!, ys[j]! - ys[i]!);
    depth = Math.min(depth, (dj - di) / (2 * sep));
  }
  return depth;
}
