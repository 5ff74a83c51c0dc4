// Ward boundaries made ready to draw: projected to British National Grid metres, with each ward's
// interior point (pole of inaccessibility), its area, and the shared edges between wards (for the
// district outlines and for "these hotspots are adjacent"). Built once per set of boundaries and
// memoised by the loader (src/maps/load.ts); renderers only read it.
import type { Feature, MultiPolygon, Polygon } from 'geojson';
import { toBng } from './bng.ts';

/** One ring as flat [x0, y0, x1, y1, ...] in BNG metres, closed (last point = first). */
export type FlatRing = Float64Array;

export interface WardShape {
  code: string;
  /** Polygons, each an outer ring then holes. */
  polygons: FlatRing[][];
  bbox: [number, number, number, number];
  /** A point well inside the ward (pole of inaccessibility of its largest part) and its distance to the edge, metres. */
  pole: [number, number];
  poleDistance: number;
  /** Area in square metres. */
  area: number;
}

/** A run of boundary between two wards (or a ward and the outside: `right` null), as flat BNG coordinates. */
export interface BoundaryArc {
  coords: Float64Array;
  left: string;
  right: string | null;
}

export interface MapGeometry {
  wards: Map<string, WardShape>;
  arcs: BoundaryArc[];
  /** Ward codes that share at least one edge, both ways. */
  adjacent: Map<string, Set<string>>;
  bbox: [number, number, number, number];
}

/** Projects features (WGS84 GeoJSON, one per ward code) and builds the shared-edge topology. */
export function prepareGeometry(features: Map<string, Feature>): MapGeometry {
  const wards = new Map<string, WardShape>();
  // Vertex keys by exact WGS84 coordinates: simplified boundaries share points exactly.
  const edgeOwners = new Map<string, string[]>();
  const ringsByWard = new Map<string, Array<{ keys: string[]; flat: Float64Array }>>();
  const bbox: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  const projected = new Map<string, [number, number]>();
  const project = (lon: number, lat: number, k: string): [number, number] => {
    let p = projected.get(k);
    if (!p) {
      p = toBng(lon, lat);
      projected.set(k, p);
    }
    return p;
  };
  for (const [code, f] of [...features].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    const g = f.geometry as Polygon | MultiPolygon | null;
    if (!g || (g.type !== 'Polygon' && g.type !== 'MultiPolygon')) continue;
    const polys = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
    const wb: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
    const list: Array<{ keys: string[]; flat: Float64Array }> = [];
    const polygons = polys.map((poly) =>
      poly.map((ring) => {
        const flat = new Float64Array(ring.length * 2);
        const keys: string[] = [];
        ring.forEach((pos, i) => {
          const k = `${pos[0]},${pos[1]}`;
          const [x, y] = project(pos[0]!, pos[1]!, k);
          flat[2 * i] = x;
          flat[2 * i + 1] = y;
          keys.push(k);
          if (x < wb[0]) wb[0] = x;
          if (y < wb[1]) wb[1] = y;
          if (x > wb[2]) wb[2] = x;
          if (y > wb[3]) wb[3] = y;
        });
        list.push({ keys, flat });
        for (let i = 0; i + 1 < keys.length; i++) {
          if (keys[i] === keys[i + 1]) continue;
          const e = edgeKey(keys[i]!, keys[i + 1]!);
          // every occurrence: an edge a ward holds twice (two parts of a MultiPolygon side by side) is inside it
          const owners = edgeOwners.get(e);
          if (!owners) edgeOwners.set(e, [code]);
          else owners.push(code);
        }
        return flat;
      }),
    );
    ringsByWard.set(code, list);
    let area = 0;
    let best = polygons[0]!,
      bestArea = -Infinity;
    for (const poly of polygons) {
      let a = Math.abs(ringArea(poly[0]!));
      for (const hole of poly.slice(1)) a -= Math.abs(ringArea(hole));
      area += a;
      if (a > bestArea) {
        bestArea = a;
        best = poly;
      }
    }
    const { point, distance } = poleOfInaccessibility(best, Math.max(1, Math.sqrt(Math.max(bestArea, 1)) / 200));
    wards.set(code, { code, polygons, bbox: wb, pole: point, poleDistance: distance, area });
    bbox[0] = Math.min(bbox[0], wb[0]);
    bbox[1] = Math.min(bbox[1], wb[1]);
    bbox[2] = Math.max(bbox[2], wb[2]);
    bbox[3] = Math.max(bbox[3], wb[3]);
  }

  const adjacent = new Map<string, Set<string>>([...wards.keys()].map((c) => [c, new Set<string>()]));
  for (const owners of edgeOwners.values()) {
    for (const a of owners) for (const b of owners) if (a !== b) adjacent.get(a)!.add(b);
  }
  // the other side of each edge of a ward: another ward, the ward itself (an edge inside it), or outside
  const sideOf = (code: string, e: string): string | null => {
    const owners = edgeOwners.get(e) ?? [];
    return owners.find((o) => o !== code) ?? (owners.length > 1 ? code : null);
  };

  // Arcs: runs of consecutive edges of a ring with the same ward on the other side. Each shared
  // run is kept once (from the ward whose code sorts first); runs along the outside are kept too;
  // runs with the ward itself on both sides are not boundaries and are left out.
  const arcs: BoundaryArc[] = [];
  for (const [code, list] of ringsByWard) {
    for (const { keys, flat } of list) {
      const n = keys.length - 1; // edges
      if (n < 1) continue;
      const other = (i: number): string | null => sideOf(code, edgeKey(keys[i]!, keys[i + 1]!));
      const sides = Array.from({ length: n }, (_, i) => other(i));
      // start where the neighbour changes, so a run is not split at the ring's first point
      let start = 0;
      for (let i = 0; i < n; i++)
        if (sides[i] !== sides[(i + n - 1) % n]) {
          start = i;
          break;
        }
      let runStart = start;
      for (let s = 1; s <= n; s++) {
        const i = (start + s) % n;
        if (s === n || sides[i] !== sides[runStart]) {
          const right = sides[runStart]!;
          if (right === null || code < right) {
            // (right === code: inside the ward, not drawn)
            const len = (i - runStart + n) % n || n;
            const coords = new Float64Array((len + 1) * 2);
            for (let j = 0; j <= len; j++) {
              const v = (runStart + j) % n;
              coords[2 * j] = flat[2 * v]!;
              coords[2 * j + 1] = flat[2 * v + 1]!;
            }
            arcs.push({ coords, left: code, right });
          }
          runStart = i;
        }
      }
    }
  }
  return { wards, arcs, adjacent, bbox };
}

function edgeKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

/** Signed area of a closed flat ring (shoelace). */
export function ringArea(r: FlatRing): number {
  let s = 0;
  for (let i = 0; i + 3 < r.length; i += 2) s += r[i]! * r[i + 3]! - r[i + 2]! * r[i + 1]!;
  return s / 2;
}

/** Whether a point lies inside a polygon (outer ring and holes), even-odd. */
export function pointInPolygon(x: number, y: number, poly: FlatRing[]): boolean {
  let inside = false;
  for (const r of poly) {
    for (let i = 0, j = r.length - 2; i < r.length; j = i, i += 2) {
      const xi = r[i]!,
        yi = r[i + 1]!,
        xj = r[j]!,
        yj = r[j + 1]!;
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}

/** Whether a point lies inside any polygon of a ward. */
export function pointInWard(x: number, y: number, w: WardShape): boolean {
  if (x < w.bbox[0] || x > w.bbox[2] || y < w.bbox[1] || y > w.bbox[3]) return false;
  return w.polygons.some((p) => pointInPolygon(x, y, p));
}

function segmentDistance2(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  let dx = bx - ax,
    dy = by - ay;
  let x = ax,
    y = ay;
  if (dx !== 0 || dy !== 0) {
    const t = ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy);
    if (t > 1) {
      x = bx;
      y = by;
    } else if (t > 0) {
      x += dx * t;
      y += dy * t;
    }
  }
  dx = px - x;
  dy = py - y;
  return dx * dx + dy * dy;
}

/** Signed distance from a point to a polygon's edges: positive inside. */
export function signedDistance(x: number, y: number, poly: FlatRing[]): number {
  let min = Infinity;
  for (const r of poly) for (let i = 0; i + 3 < r.length; i += 2) min = Math.min(min, segmentDistance2(x, y, r[i]!, r[i + 1]!, r[i + 2]!, r[i + 3]!));
  return (pointInPolygon(x, y, poly) ? 1 : -1) * Math.sqrt(min);
}

/**
 * Pole of inaccessibility: the interior point farthest from the edge, to within `precision` metres.
 * The quadtree search of Agafonkin's polylabel (Mapbox, 2016): cells are split best-first by the
 * most their centre's distance could grow within them, until no cell can beat the best by `precision`.
 */
export function poleOfInaccessibility(poly: FlatRing[], precision: number): { point: [number, number]; distance: number } {
  const outer = poly[0]!;
  let minX = Infinity,
    minY = Infinity,
    maxX = -Infinity,
    maxY = -Infinity;
  for (let i = 0; i < outer.length; i += 2) {
    minX = Math.min(minX, outer[i]!);
    maxX = Math.max(maxX, outer[i]!);
    minY = Math.min(minY, outer[i + 1]!);
    maxY = Math.max(maxY, outer[i + 1]!);
  }
  const w = maxX - minX,
    h = maxY - minY;
  const size = Math.min(w, h);
  if (size === 0) return { point: [minX, minY], distance: 0 };
  type Cell = { x: number; y: number; h: number; d: number; max: number };
  const cell = (x: number, y: number, half: number): Cell => {
    const d = signedDistance(x, y, poly);
    return { x, y, h: half, d, max: d + half * Math.SQRT2 };
  };
  const queue: Cell[] = [];
  const push = (c: Cell) => {
    queue.push(c);
    let i = queue.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (queue[p]!.max >= queue[i]!.max) break;
      [queue[p], queue[i]] = [queue[i]!, queue[p]!];
      i = p;
    }
  };
  const pop = (): Cell => {
    const top = queue[0]!;
    const last = queue.pop()!;
    if (queue.length) {
      queue[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1,
          r = l + 1;
        let m = i;
        if (l < queue.length && queue[l]!.max > queue[m]!.max) m = l;
        if (r < queue.length && queue[r]!.max > queue[m]!.max) m = r;
        if (m === i) break;
        [queue[m], queue[i]] = [queue[i]!, queue[m]!];
        i = m;
      }
    }
    return top;
  };
  const half = size / 2;
  for (let x = minX; x < maxX; x += size) for (let y = minY; y < maxY; y += size) push(cell(x + half, y + half, half));
  // start from the centroid and the bounding box centre, whichever is farther inside
  let best = centroidCell(outer, cell);
  const boxCentre = cell(minX + w / 2, minY + h / 2, 0);
  if (boxCentre.d > best.d) best = boxCentre;
  let guard = 0;
  while (queue.length && guard++ < 20000) {
    const c = pop();
    if (c.d > best.d) best = c;
    if (c.max - best.d <= precision) continue;
    const q = c.h / 2;
    push(cell(c.x - q, c.y - q, q));
    push(cell(c.x + q, c.y - q, q));
    push(cell(c.x - q, c.y + q, q));
    push(cell(c.x + q, c.y + q, q));
  }
  return { point: [best.x, best.y], distance: best.d };
}

function centroidCell<T>(r: FlatRing, cell: (x: number, y: number, h: number) => T): T {
  let area = 0,
    x = 0,
    y = 0;
  for (let i = 0; i + 3 < r.length; i += 2) {
    const f = r[i]! * r[i + 3]! - r[i + 2]! * r[i + 1]!;
    x += (r[i]! + r[i + 2]!) * f;
    y += (r[i + 1]! + r[i + 3]!) * f;
    area += f * 3;
  }
  return area === 0 ? cell(r[0]!, r[1]!, 0) : cell(x / area, y / area, 0);
}

/**
 * Where each ward lies in the area, as fractions of its bounding box (0 = west / north, 1 = east /
 * south), from its interior point: for the text alternative ("in the north-east").
 */
export function relativePositions(geometry: MapGeometry, codes: readonly string[]): Map<string, [number, number]> {
  const shapes = codes.map((c) => geometry.wards.get(c)).filter((w): w is WardShape => !!w);
  const box = shapes.reduce<[number, number, number, number]>(
    (b, w) => [Math.min(b[0], w.bbox[0]), Math.min(b[1], w.bbox[1]), Math.max(b[2], w.bbox[2]), Math.max(b[3], w.bbox[3])],
    [Infinity, Infinity, -Infinity, -Infinity],
  );
  const out = new Map<string, [number, number]>();
  const w = Math.max(1, box[2] - box[0]),
    h = Math.max(1, box[3] - box[1]);
  for (const s of shapes) out.set(s.code, [round2((s.pole[0] - box[0]) / w), round2((box[3] - s.pole[1]) / h)]);
  return out;
}

/** Pairs of the given wards that share a boundary, each pair once, in code order. */
export function adjacentPairs(geometry: MapGeometry, codes: readonly string[]): Array<[string, string]> {
  const set = new Set(codes);
  const out: Array<[string, string]> = [];
  for (const a of [...set].sort()) for (const b of geometry.adjacent.get(a) ?? []) if (set.has(b) && a < b) out.push([a, b]);
  return out.sort((p, q) => (p[0] + p[1] < q[0] + q[1] ? -1 : 1));
}

const round2 = (v: number) => Math.round(v * 100) / 100;
