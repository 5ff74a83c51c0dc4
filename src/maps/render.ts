// A MapRequest drawn on @napi-rs/canvas: the wards in British National Grid (north up, one scale
// for both axes), filled by class; hidden wards hatched; ward borders thin grey, district outlines dark
// grey; hotspots with a thick inner outline, emerging hotspots a dashed one and a triangle; the
// asked-about ward outlined black on a white casing with a boxed label; the top few wards labelled
// where their labels fit without overlapping (boxes checked against each other, the markers and the
// map's edge); a scale bar; the legend at the right; title above; notes, the boundary attribution and
// the data source below. Synchronous and deterministic: the same request and geometry give the same bytes.
import '../charts/native-memory.ts';
import { createCanvas, type Canvas, type SKRSContext2D } from '@napi-rs/canvas';
import type { MapRequest, MapWard } from '../core/reply.ts';
import { fitText } from '../charts/frame.ts';
import { font, registerChartFont } from '../charts/fonts.ts';
import { formatMapValue } from './classify.ts';
import { pointInWard, type FlatRing, type MapGeometry } from './geometry.ts';
import { mapToPalettePng, mapToRgbPng } from './png.ts';
import { classColours, DEFAULT_ATTRIBUTION, MAP_STYLE } from './style.ts';

registerChartFont();

export type MapSize = 'full' | 'compact';

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

interface Frame {
  width: number;
  scale: number;
  legendWidth: number;
  maxMapHeight: number;
  minMapHeight: number;
  maxNotes: number;
  maxLabels: number;
  indexed: boolean;
}

const FRAMES: Record<MapSize, Frame> = {
  full: { width: 1000, scale: 1, legendWidth: 250, maxMapHeight: 780, minMapHeight: 460, maxNotes: 2, maxLabels: 8, indexed: false },
  compact: { width: 640, scale: 0.7, legendWidth: 178, maxMapHeight: 470, minMapHeight: 300, maxNotes: 1, maxLabels: 4, indexed: true },
};

/** A length at the frame's scale (at least 1 px). */
const px = (f: Frame, size: number) => Math.max(1, Math.round(size * f.scale));
/** A type size at the frame's scale (at least 8 px, like the charts). */
const fpx = (f: Frame, size: number) => Math.max(8, Math.round(size * f.scale));

/** A placed label: its box on the image, the ward, and where its leader line starts (if it has one). */
export interface PlacedLabel {
  code: string;
  box: Box;
  lines: string[];
  /** How many of `lines` are the name (the rest is the value). */
  nameLines: number;
  /** The emerging-hotspot triangle drawn in the label, before the name. */
  marker: Box | null;
  leaderFrom: [number, number] | null;
  emphasised: boolean;
}

/** Everything the drawing decides, exposed so tests can check it against the pixels. */
export interface MapLayout {
  width: number;
  height: number;
  frame: Frame;
  /** Where the wards are drawn. */
  mapBox: Box;
  legendBox: Box;
  /** BNG metres to image pixels. */
  toPixel(x: number, y: number): [number, number];
  /** Image pixels to BNG metres. */
  toGrid(x: number, y: number): [number, number];
  /** Metres per pixel. */
  metresPerPixel: number;
  labels: PlacedLabel[];
  /** Triangles marking emerging hotspots, as boxes. */
  markers: Array<{ code: string; box: Box }>;
  scaleBar: { box: Box; metres: number; pixels: number };
  /** Wards of the request that have geometry, and those that have none (drawn nowhere: the text says so). */
  drawn: string[];
  missing: string[];
  colours: string[];
}

const intersects = (a: Box, b: Box, pad = 0) => a.x < b.x + b.width + pad && b.x < a.x + a.width + pad && a.y < b.y + b.height + pad && b.y < a.y + a.height + pad;
const inside = (a: Box, b: Box) => a.x >= b.x && a.y >= b.y && a.x + a.width <= b.x + b.width && a.y + a.height <= b.y + b.height;

function wrap(ctx: SKRSContext2D, text: string, width: number): string[] {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    const next = line ? `${line} ${w}` : w;
    if (line && ctx.measureText(next).width > width) {
      lines.push(line);
      line = w;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

interface LegendItem {
  kind: 'heading' | 'note' | 'class' | 'hatch' | 'secondary' | 'nodata' | 'hotspot' | 'emerging' | 'emphasis' | 'district' | 'plain';
  text: string;
  colour?: string;
}

function legendItems(req: MapRequest): LegendItem[] {
  const colours = classColours(req.classes.length);
  const unitWords = req.unit === 'count' ? `${req.measureLabel}: count` : `${req.measureLabel} per 1,000 residents`;
  const items: LegendItem[] = [
    { kind: 'heading', text: unitWords },
    {
      kind: 'note',
      text: `${req.period.charAt(0).toUpperCase()}${req.period.slice(1)}; ${req.classes.length} ${req.classes.length === 1 ? 'class' : 'classes'}, ${req.method === 'jenks' ? 'natural breaks (Jenks)' : 'quantiles'}`,
    },
  ];
  for (let i = req.classes.length - 1; i >= 0; i--) {
    const c = req.classes[i]!;
    items.push({ kind: 'class', text: `${c.label}  (${c.count} ${c.count === 1 ? 'ward' : 'wards'})`, colour: colours[i]! });
  }
  const has = (f: (w: MapWard) => boolean) => req.wards.some(f);
  if (has((w) => w.hidden === 'small-number')) items.push({ kind: 'hatch', text: req.legend?.small ?? 'Small number (not shown)' });
  if (has((w) => w.hidden === 'secondary')) items.push({ kind: 'secondary', text: req.legend?.secondary ?? 'Not shown, so a small number cannot be worked out' });
  if (has((w) => !w.hidden && w.class === null)) items.push({ kind: 'nodata', text: req.legend?.noData ?? 'No figure' });
  if (has((w) => !!w.hotspot)) items.push({ kind: 'hotspot', text: req.legend?.hotspot ?? 'Hotspot' });
  else if (req.legend?.hotspot) items.push({ kind: 'plain', text: `No hotspots (${lowerFirst(req.legend.hotspot.replace(/^Hotspots?,?\s*/i, ''))})` });
  if (has((w) => !!w.emerging)) items.push({ kind: 'emerging', text: req.legend?.emerging ?? 'Emerging hotspot' });
  const em = req.wards.find((w) => w.emphasised);
  if (em) items.push({ kind: 'emphasis', text: `${em.name}: the ward asked about` });
  if ((req.districts?.length ?? 0) > 1) items.push({ kind: 'district', text: 'District boundary' });
  return items;
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

interface LegendLine {
  item: LegendItem;
  lines: string[];
  height: number;
}

function measureLegend(ctx: SKRSContext2D, f: Frame, items: LegendItem[], width: number): LegendLine[] {
  const sw = px(f, 24),
    gap = px(f, 8);
  return items.map((item) => {
    const heading = item.kind === 'heading';
    const size = heading ? fpx(f, 13.5) : fpx(f, 12);
    ctx.font = font(size, heading ? 'bold' : 'normal');
    const indent = heading || item.kind === 'note' || item.kind === 'plain' ? 0 : sw + gap;
    const lines = wrap(ctx, item.text, width - indent);
    const lineH = Math.round(size * 1.3);
    const minH = indent ? px(f, 16) : 0;
    return { item, lines, height: Math.max(minH, lines.length * lineH) + (heading ? px(f, 2) : item.kind === 'note' ? px(f, 8) : px(f, 6)) };
  });
}

/** Lays the map out: sizes, the projection onto the image, labels and markers. */
export function layoutMap(req: MapRequest, geometry: MapGeometry, size: MapSize = 'full'): MapLayout {
  const f = FRAMES[size];
  const m = Math.round(16 * f.scale);
  const scratch = createCanvas(10, 10).getContext('2d');
  const drawn = req.wards.filter((w) => geometry.wards.has(w.code)).map((w) => w.code);
  const missing = req.wards.filter((w) => !geometry.wards.has(w.code)).map((w) => w.code);
  const bbox = drawn.reduce<[number, number, number, number]>(
    (b, c) => {
      const wb = geometry.wards.get(c)!.bbox;
      return [Math.min(b[0], wb[0]), Math.min(b[1], wb[1]), Math.max(b[2], wb[2]), Math.max(b[3], wb[3])];
    },
    [Infinity, Infinity, -Infinity, -Infinity],
  );
  if (!drawn.length) bbox.splice(0, 4, 0, 0, 1, 1);
  const bw = Math.max(1, bbox[2] - bbox[0]),
    bh = Math.max(1, bbox[3] - bbox[1]);

  const header = headerHeight(f, req);
  const strip = px(f, 30); // scale bar below the map
  const legendW = Math.round(f.legendWidth * (size === 'full' ? 1 : 1));
  const mapW = f.width - 2 * m - legendW - m;
  const legend = measureLegend(scratch, f, legendItems(req), legendW);
  const legendH = legend.reduce((s, l) => s + l.height, 0);
  let mapH = Math.round(mapW * (bh / bw));
  mapH = Math.max(f.minMapHeight, Math.min(f.maxMapHeight, mapH), legendH - strip);
  const footer = footerLines(req, f).length * Math.round(fpx(f, 11.5) * 1.4) + Math.round(m * 0.8);
  const height = header + mapH + strip + footer + px(f, 4);
  const mapBox: Box = { x: m, y: header, width: mapW, height: mapH };
  const pad = px(f, 10);
  const s = Math.min((mapW - 2 * pad) / bw, (mapH - 2 * pad) / bh);
  const ox = mapBox.x + (mapW - bw * s) / 2,
    oy = mapBox.y + (mapH - bh * s) / 2;
  const toPixel = (x: number, y: number): [number, number] => [ox + (x - bbox[0]) * s, oy + (bbox[3] - y) * s];
  const toGrid = (x: number, y: number): [number, number] => [bbox[0] + (x - ox) / s, bbox[3] - (y - oy) / s];

  // Scale bar: a round length near a fifth of the map's width, in the strip under the map.
  const metresPerPixel = 1 / s;
  const target = mapW * 0.22 * metresPerPixel;
  const nice = [100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 25000, 50000, 100000];
  const metres = nice.reduce((best, n) => (Math.abs(Math.log(n / target)) < Math.abs(Math.log(best / target)) ? n : best), nice[0]!);
  const barPx = metres * s;
  const scaleBar = { box: { x: mapBox.x, y: mapBox.y + mapH + px(f, 4), width: barPx + px(f, 120), height: strip - px(f, 4) }, metres, pixels: barPx };

  // Emerging hotspots: a triangle at the ward's interior point, or, for a ward that is labelled,
  // in its label before the name. Unlabelled ones are placed first, so labels keep clear of them.
  const markers: MapLayout['markers'] = [];
  const tri = px(f, 12);
  const poleMarker = (code: string): Box => {
    const [x, y] = toPixel(...geometry.wards.get(code)!.pole);
    return { x: x - tri / 2, y: y - tri / 2, width: tri, height: tri };
  };
  const named = new Set(req.wards.filter((w) => w.label !== undefined).map((w) => w.code));
  for (const w of req.wards) if (w.emerging && geometry.wards.has(w.code) && !named.has(w.code)) markers.push({ code: w.code, box: poleMarker(w.code) });
  const labels = placeLabels(
    req,
    geometry,
    f,
    mapBox,
    toPixel,
    toGrid,
    markers.map((mk) => mk.box),
    scratch,
  );
  for (const l of labels) if (l.marker) markers.push({ code: l.code, box: l.marker });
  // an emerging ward whose label could not be placed still gets its triangle
  for (const w of req.wards)
    if (w.emerging && geometry.wards.has(w.code) && named.has(w.code) && !labels.some((l) => l.code === w.code)) markers.push({ code: w.code, box: poleMarker(w.code) });
  return {
    width: f.width,
    height,
    frame: f,
    mapBox,
    legendBox: { x: mapBox.x + mapW + m, y: header, width: legendW, height: legendH },
    toPixel,
    toGrid,
    metresPerPixel,
    labels,
    markers,
    scaleBar,
    drawn,
    missing,
    colours: classColours(req.classes.length),
  };
}

function headerHeight(f: Frame, req: MapRequest): number {
  const m = Math.round(16 * f.scale);
  return m + Math.round(fpx(f, 20) * 1.35) + (req.subtitle ? Math.round(fpx(f, 14) * 1.5) : 0) + px(f, 8);
}

function footerLines(req: MapRequest, f: Frame): string[] {
  return [...(req.notes ?? []).slice(0, f.maxNotes), req.attribution ?? DEFAULT_ATTRIBUTION, req.source];
}

function labelText(w: MapWard, req: MapRequest): string[] {
  if (w.hidden) return [w.name, 'not shown'];
  if (w.value === null) return [w.name];
  return [w.name, formatMapValue(w.value, req.unit)];
}

/** Metres per pixel of a toGrid function. */
function toGridScale(toGrid: (x: number, y: number) => [number, number]): number {
  return toGrid(1, 0)[0] - toGrid(0, 0)[0];
}

/** Whether segment a-b crosses (or touches) a box. Liang-Barsky clipping. */
function segmentHitsBox(ax: number, ay: number, bx: number, by: number, box: Box): boolean {
  let t0 = 0,
    t1 = 1;
  const dx = bx - ax,
    dy = by - ay;
  const clip = (p: number, q: number) => {
    if (p === 0) return q >= 0;
    const r = q / p;
    if (p < 0) {
      if (r > t1) return false;
      if (r > t0) t0 = r;
    } else {
      if (r < t0) return false;
      if (r < t1) t1 = r;
    }
    return true;
  };
  return clip(-dx, ax - box.x) && clip(dx, box.x + box.width - ax) && clip(-dy, ay - box.y) && clip(dy, box.y + box.height - ay);
}

/** The point of a box nearest to (x, y): where a leader line meets its label. */
function nearestOnBox(x: number, y: number, box: Box): [number, number] {
  return [Math.max(box.x, Math.min(box.x + box.width, x)), Math.max(box.y, Math.min(box.y + box.height, y))];
}

/**
 * Labels for the wards the request asks to name (the asked-about ward first, then by priority, as
 * many as the size allows), each on its ward's interior point if it fits there, else nearby (inside
 * the ward if possible, else outside with a leader line). A label never overlaps another label, a
 * marker, a leader line or the map's edge; one that cannot be placed is left out (the text
 * alternative still names it). Candidates are tried in a fixed order, so placement is deterministic.
 */
function placeLabels(
  req: MapRequest,
  geometry: MapGeometry,
  f: Frame,
  mapBox: Box,
  toPixel: (x: number, y: number) => [number, number],
  toGrid: (x: number, y: number) => [number, number],
  obstacles: Box[],
  ctx: SKRSContext2D,
): PlacedLabel[] {
  const wanted = req.wards.filter((w) => w.label !== undefined && geometry.wards.has(w.code)).sort((a, b) => a.label! - b.label! || (a.code < b.code ? -1 : 1));
  const emphasised = wanted.filter((w) => w.emphasised);
  const rest = wanted.filter((w) => !w.emphasised).slice(0, Math.max(0, f.maxLabels - emphasised.length));
  const chosenWards = [...emphasised, ...rest];
  const poles = new Map(chosenWards.map((w) => [w.code, toPixel(...geometry.wards.get(w.code)!.pole)]));
  const placed: PlacedLabel[] = [];
  const leaders: Array<[number, number, number, number]> = [];
  const nameSize = fpx(f, 12.5),
    valueSize = fpx(f, 11.5);
  const maxNameWidth = Math.round(150 * f.scale);
  for (const w of chosenWards) {
    const [name, value] = labelText(w, req);
    // a long name goes on two lines, split at the space nearest its middle
    ctx.font = font(nameSize, 'bold');
    let nameLines = [name!];
    if (ctx.measureText(name!).width > maxNameWidth && name!.includes(' ')) {
      const spaces = [...name!.matchAll(/ /g)].map((mm) => mm.index!);
      const mid = name!.length / 2;
      const at = spaces.reduce((b, i) => (Math.abs(i - mid) < Math.abs(b - mid) ? i : b), spaces[0]!);
      nameLines = [name!.slice(0, at), name!.slice(at + 1)];
    }
    const lines = [...nameLines, ...(value ? [value] : [])];
    const nameW = Math.max(...nameLines.map((l) => ctx.measureText(l).width));
    ctx.font = font(valueSize);
    const valueW = value ? ctx.measureText(value).width : 0;
    const padX = w.emphasised ? px(f, 5) : px(f, 2),
      padY = w.emphasised ? px(f, 3) : px(f, 1);
    const triW = w.emerging ? px(f, 12) + px(f, 4) : 0;
    const bw = Math.ceil(Math.max(nameW + triW, valueW)) + 2 * padX;
    const bh = Math.ceil(nameSize * 1.2 * nameLines.length + (value ? valueSize * 1.2 : 0)) + 2 * padY;
    const shape = geometry.wards.get(w.code)!;
    const [cx, cy] = poles.get(w.code)!;
    const dx = bw / 2 + px(f, 6),
      dy = bh / 2 + px(f, 6);
    const offsets: Array<[number, number]> = [[0, 0]];
    for (const r of [1, 2, 3, 4]) {
      for (const [ux, uy] of [
        [0, -1],
        [0, 1],
        [1, 0],
        [-1, 0],
        [1, -1],
        [-1, -1],
        [1, 1],
        [-1, 1],
      ] as const)
        offsets.push([ux * dx * (r === 1 ? 1 : r * 0.8), uy * dy * r]);
    }
    const boxInWard = (box: Box) =>
      [
        [box.x, box.y],
        [box.x + box.width, box.y],
        [box.x, box.y + box.height],
        [box.x + box.width, box.y + box.height],
      ].every(([x, y]) => pointInWard(...toGrid(x!, y!), shape));
    const ok = (box: Box, strict: boolean) => {
      if (!inside(box, mapBox)) return false;
      if (placed.some((p) => intersects(p.box, box, px(f, 2)))) return false;
      if (obstacles.some((o) => intersects(o, box, px(f, 1)))) return false;
      if (leaders.some(([ax, ay, bx, by]) => segmentHitsBox(ax, ay, bx, by, box))) return false;
      // strict: keep clear of the other named wards' interior points, so their labels can sit there
      if (strict)
        for (const [code, [qx, qy]] of poles)
          if (code !== w.code && qx >= box.x - 3 && qx <= box.x + box.width + 3 && qy >= box.y - 3 && qy <= box.y + box.height + 3) return false;
      return true;
    };
    const leaderOk = (box: Box) => {
      const [tx, ty] = nearestOnBox(cx, cy, box);
      if (Math.hypot(tx - cx, ty - cy) > 3 * bh + 20) return false;
      return (
        !placed.some((p) => segmentHitsBox(cx, cy, tx, ty, p.box)) &&
        !obstacles.some((o) => segmentHitsBox(cx, cy, tx, ty, o) && !(o.x <= cx && cx <= o.x + o.width && o.y <= cy && cy <= o.y + o.height))
      );
    };
    // A ward smaller than its label is labelled beside it, with a leader line, so its colour shows;
    // a larger one inside itself where the label fits.
    const wardPx = shape.area / toGridScale(toGrid) ** 2;
    const order = wardPx < 1.5 * bw * bh ? [false, true] : [true, false];
    // Tiers, best first: clear of the other named wards' interior points (so their labels can sit
    // there) with the whole box inside the ward; clear of them with the box's middle inside; then
    // anywhere free. Within a tier, inside the ward before outside it (small wards the other way).
    const tiers = [
      { strict: true, whole: true },
      { strict: true, whole: false },
      { strict: false, whole: false },
    ];
    let chosen: { box: Box; leader: boolean } | null = null;
    for (const { strict, whole } of tiers) {
      for (const wantInside of order) {
        if (whole && !wantInside) continue;
        for (const [ox, oy] of offsets) {
          const box = { x: Math.round(cx + ox - bw / 2), y: Math.round(cy + oy - bh / 2), width: bw, height: bh };
          if (!ok(box, strict)) continue;
          const centreInside = pointInWard(...toGrid(box.x + bw / 2, box.y + bh / 2), shape);
          if (wantInside !== centreInside) continue;
          if (whole && !boxInWard(box)) continue;
          if (!centreInside && !leaderOk(box)) continue;
          chosen = { box, leader: !centreInside };
          break;
        }
        if (chosen) break;
      }
      if (chosen) break;
    }
    if (!chosen) continue;
    const tri = px(f, 12);
    const marker = w.emerging ? { x: chosen.box.x + padX, y: chosen.box.y + padY + Math.round((nameSize * 1.2 - tri) / 2), width: tri, height: tri } : null;
    placed.push({ code: w.code, box: chosen.box, lines, nameLines: nameLines.length, marker, leaderFrom: chosen.leader ? [cx, cy] : null, emphasised: !!w.emphasised });
    if (chosen.leader) {
      const [tx, ty] = nearestOnBox(cx, cy, chosen.box);
      leaders.push([cx, cy, tx, ty]);
      obstacles.push({ x: cx - 3, y: cy - 3, width: 6, height: 6 });
    }
  }
  return placed;
}

function tracePath(ctx: SKRSContext2D, polygons: FlatRing[][], toPixel: (x: number, y: number) => [number, number]): void {
  ctx.beginPath();
  for (const poly of polygons) {
    for (const r of poly) {
      for (let i = 0; i < r.length; i += 2) {
        const [x, y] = toPixel(r[i]!, r[i + 1]!);
        if (i === 0) ctx.moveTo(x, y);
        else ctx.lineTo(x, y);
      }
      ctx.closePath();
    }
  }
}

function traceArc(ctx: SKRSContext2D, coords: Float64Array, toPixel: (x: number, y: number) => [number, number]): void {
  for (let i = 0; i < coords.length; i += 2) {
    const [x, y] = toPixel(coords[i]!, coords[i + 1]!);
    if (i === 0) ctx.moveTo(x, y);
    else ctx.lineTo(x, y);
  }
}

function hatch(ctx: SKRSContext2D, f: Frame) {
  const spacing = Math.max(5, Math.round(7 * f.scale));
  const tile = createCanvas(spacing, spacing);
  const t = tile.getContext('2d');
  t.fillStyle = MAP_STYLE.hatchBase;
  t.fillRect(0, 0, spacing, spacing);
  t.strokeStyle = MAP_STYLE.hatchStripe;
  t.lineWidth = Math.max(1.2, 1.8 * f.scale);
  t.beginPath();
  for (const o of [-spacing, 0, spacing]) {
    t.moveTo(o, spacing);
    t.lineTo(o + spacing, 0);
  }
  t.stroke();
  const p = ctx.createPattern(tile, 'repeat');
  if (!p) throw new Error('maps: could not make the hatch pattern');
  return p;
}

function drawTriangle(ctx: SKRSContext2D, box: Box): void {
  ctx.beginPath();
  ctx.moveTo(box.x + box.width / 2, box.y);
  ctx.lineTo(box.x + box.width, box.y + box.height);
  ctx.lineTo(box.x, box.y + box.height);
  ctx.closePath();
  ctx.fillStyle = MAP_STYLE.hotspot;
  ctx.fill();
  ctx.lineWidth = 1.5;
  ctx.strokeStyle = '#ffffff';
  ctx.stroke();
}

/** The map drawn on a canvas, with its layout. */
export function drawMap(req: MapRequest, geometry: MapGeometry, size: MapSize = 'full'): { canvas: Canvas; layout: MapLayout } {
  const layout = layoutMap(req, geometry, size);
  const f = layout.frame;
  const { toPixel } = layout;
  const canvas = createCanvas(layout.width, layout.height);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = MAP_STYLE.background;
  ctx.fillRect(0, 0, layout.width, layout.height);
  const colours = layout.colours;
  const pattern = hatch(ctx, f);
  const byCode = new Map(req.wards.map((w) => [w.code, w]));
  const ordered = req.wards.filter((w) => geometry.wards.has(w.code));

  // Fills. A hidden ward gets the hatch, whatever else the request says about it.
  ctx.save();
  ctx.beginPath();
  ctx.rect(layout.mapBox.x, layout.mapBox.y, layout.mapBox.width, layout.mapBox.height);
  ctx.clip();
  for (const w of ordered) {
    tracePath(ctx, geometry.wards.get(w.code)!.polygons, toPixel);
    ctx.fillStyle = w.hidden ? pattern : w.class !== null && colours[w.class] ? colours[w.class]! : MAP_STYLE.noData;
    ctx.fill('evenodd');
  }
  // Ward borders (thin grey), then district outlines over them.
  const districtOf = (code: string | null) => (code ? (byCode.get(code)?.district ?? null) : null);
  ctx.lineJoin = 'round';
  ctx.lineCap = 'round';
  ctx.strokeStyle = MAP_STYLE.wardBorder;
  ctx.lineWidth = Math.max(0.7, 0.9 * f.scale);
  ctx.beginPath();
  for (const a of geometry.arcs) if (a.right && byCode.has(a.left) && byCode.has(a.right)) traceArc(ctx, a.coords, toPixel);
  ctx.stroke();
  ctx.strokeStyle = MAP_STYLE.districtBorder;
  ctx.lineWidth = Math.max(1.2, 1.7 * f.scale);
  ctx.beginPath();
  for (const a of geometry.arcs) {
    const l = byCode.has(a.left),
      r = a.right !== null && byCode.has(a.right);
    if (l !== r || (l && r && districtOf(a.left) !== districtOf(a.right))) traceArc(ctx, a.coords, toPixel);
  }
  ctx.stroke();

  // Hotspots: a thick outline inside the ward (clipped to it, so neighbouring hotspots stay apart).
  const inner = (code: string, colour: string, width: number, dash: number[]) => {
    const shape = geometry.wards.get(code)!;
    ctx.save();
    tracePath(ctx, shape.polygons, toPixel);
    ctx.clip('evenodd');
    tracePath(ctx, shape.polygons, toPixel);
    ctx.setLineDash(dash);
    ctx.lineCap = dash.length ? 'butt' : 'round';
    ctx.strokeStyle = colour;
    ctx.lineWidth = width * 2;
    ctx.stroke();
    ctx.restore();
  };
  // (thinner in a small ward, so its own colour still shows)
  const outlineWidth = (code: string, full: number) => Math.max(1.5, Math.min(full, (geometry.wards.get(code)!.poleDistance / layout.metresPerPixel) * 0.3));
  for (const w of ordered) {
    if (w.hotspot) inner(w.code, MAP_STYLE.hotspot, outlineWidth(w.code, 3.5 * f.scale), []);
    else if (w.emerging) inner(w.code, MAP_STYLE.hotspot, outlineWidth(w.code, 3 * f.scale), [px(f, 8), px(f, 5)]);
  }
  // The asked-about ward: a black band just outside its boundary, on a white casing, so it reads
  // apart from a hotspot's outline inside the ward and from the district outline.
  for (const w of ordered) {
    if (!w.emphasised) continue;
    const shape = geometry.wards.get(w.code)!;
    ctx.save();
    ctx.beginPath();
    ctx.rect(0, 0, layout.width, layout.height);
    for (const poly of shape.polygons)
      for (const r of poly) {
        for (let i = 0; i < r.length; i += 2) {
          const [x, y] = toPixel(r[i]!, r[i + 1]!);
          if (i === 0) ctx.moveTo(x, y);
          else ctx.lineTo(x, y);
        }
        ctx.closePath();
      }
    ctx.clip('evenodd');
    tracePath(ctx, shape.polygons, toPixel);
    ctx.setLineDash([]);
    ctx.strokeStyle = '#ffffff';
    ctx.lineWidth = px(f, 5) * 2;
    ctx.stroke();
    ctx.strokeStyle = MAP_STYLE.emphasis;
    ctx.lineWidth = px(f, 3) * 2;
    ctx.stroke();
    ctx.restore();
  }
  ctx.restore();

  // Labels.
  const nameSize = fpx(f, 12.5),
    valueSize = fpx(f, 11.5);
  for (const l of layout.labels) {
    const { box } = l;
    if (l.leaderFrom) {
      const [lx, ly] = l.leaderFrom;
      const tx = Math.max(box.x, Math.min(box.x + box.width, lx)),
        ty = Math.max(box.y, Math.min(box.y + box.height, ly));
      ctx.strokeStyle = '#ffffff';
      ctx.lineWidth = 3;
      ctx.beginPath();
      ctx.moveTo(lx, ly);
      ctx.lineTo(tx, ty);
      ctx.stroke();
      ctx.strokeStyle = MAP_STYLE.ink;
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(lx, ly);
      ctx.lineTo(tx, ty);
      ctx.stroke();
      ctx.fillStyle = MAP_STYLE.ink;
      ctx.beginPath();
      ctx.arc(lx, ly, 2.2, 0, Math.PI * 2);
      ctx.fill();
    }
    if (l.emphasised) {
      ctx.fillStyle = '#ffffff';
      ctx.fillRect(box.x, box.y, box.width, box.height);
      ctx.strokeStyle = MAP_STYLE.emphasis;
      ctx.lineWidth = 1.5;
      ctx.strokeRect(box.x + 0.75, box.y + 0.75, box.width - 1.5, box.height - 1.5);
    }
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    const shift = l.marker ? (l.marker.width + px(f, 4)) / 2 : 0;
    let y = box.y + (l.emphasised ? px(f, 3) : px(f, 1)) + 1;
    l.lines.forEach((text, i) => {
      const isName = i < l.nameLines;
      const cx = box.x + box.width / 2 + (isName ? shift : 0);
      const sz = isName ? nameSize : valueSize;
      ctx.font = font(sz, isName ? 'bold' : 'normal');
      if (!l.emphasised) {
        ctx.lineJoin = 'round';
        ctx.strokeStyle = '#ffffff';
        ctx.lineWidth = Math.max(2.5, 3.5 * f.scale);
        ctx.strokeText(text, cx, y);
      }
      ctx.fillStyle = MAP_STYLE.ink;
      ctx.fillText(text, cx, y);
      y += Math.round(sz * 1.2);
    });
  }
  for (const mk of layout.markers) drawTriangle(ctx, mk.box);

  drawScaleBar(ctx, layout);
  drawLegend(ctx, req, layout);
  drawFrame(ctx, req, layout);
  return { canvas, layout };
}

function drawScaleBar(ctx: SKRSContext2D, layout: MapLayout): void {
  const f = layout.frame;
  const { box, metres, pixels } = layout.scaleBar;
  const x0 = Math.round(layout.mapBox.x + px(f, 10)),
    y0 = box.y + px(f, 4),
    h = px(f, 5);
  const half = pixels / 2;
  ctx.save();
  ctx.strokeStyle = MAP_STYLE.ink;
  ctx.lineWidth = 1;
  ctx.fillStyle = MAP_STYLE.ink;
  ctx.fillRect(x0, y0, half, h);
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(x0 + half, y0, half, h);
  ctx.strokeRect(x0 + 0.5, y0 + 0.5, pixels - 1, h - 1);
  ctx.font = font(fpx(f, 11));
  ctx.fillStyle = MAP_STYLE.ink;
  ctx.textBaseline = 'top';
  ctx.textAlign = 'center';
  const km = (m: number) => (m >= 1000 ? `${m / 1000}` : `${m} m`);
  ctx.fillText('0', x0, y0 + h + 2);
  ctx.fillText(km(metres / 2), x0 + half, y0 + h + 2);
  ctx.textAlign = 'left';
  ctx.fillText(metres >= 1000 ? `${km(metres)} km` : km(metres), x0 + pixels + px(f, 4), y0 - 2);
  // the grid's name and a north arrow, at the right
  const nx = Math.round(layout.mapBox.x + layout.mapBox.width - px(f, 8));
  const ah = px(f, 14);
  ctx.beginPath();
  ctx.moveTo(nx, y0 - px(f, 3));
  ctx.lineTo(nx + px(f, 5), y0 - px(f, 3) + ah);
  ctx.lineTo(nx, y0 - px(f, 3) + ah * 0.7);
  ctx.lineTo(nx - px(f, 5), y0 - px(f, 3) + ah);
  ctx.closePath();
  ctx.fill();
  ctx.font = font(fpx(f, 11), 'bold');
  ctx.textAlign = 'right';
  ctx.fillText('N', nx - px(f, 8), y0 - px(f, 2));
  ctx.font = font(fpx(f, 11));
  ctx.fillStyle = MAP_STYLE.muted;
  ctx.fillText('British National Grid', nx - px(f, 24), y0 - px(f, 2));
  ctx.restore();
}

function drawLegend(ctx: SKRSContext2D, req: MapRequest, layout: MapLayout): void {
  const f = layout.frame;
  const { x, width } = layout.legendBox;
  let y = layout.legendBox.y;
  const sw = px(f, 24),
    sh = px(f, 15),
    gap = px(f, 8);
  const pattern = hatch(ctx, f);
  ctx.save();
  ctx.textBaseline = 'top';
  ctx.textAlign = 'left';
  for (const { item, lines, height } of measureLegend(ctx, f, legendItems(req), width)) {
    const heading = item.kind === 'heading';
    const size = heading ? fpx(f, 13.5) : fpx(f, 12);
    const lineH = Math.round(size * 1.3);
    const indent = heading || item.kind === 'note' || item.kind === 'plain' ? 0 : sw + gap;
    const sy = y + Math.max(0, Math.round((Math.min(lines.length, 1) * lineH - sh) / 2));
    const swatch = (fill: string | CanvasPatternLike, stroke?: { colour: string; width: number; dash?: number[] }) => {
      ctx.fillStyle = fill as string;
      ctx.fillRect(x, sy, sw, sh);
      ctx.setLineDash(stroke?.dash ?? []);
      ctx.strokeStyle = stroke?.colour ?? '#9a9a9a';
      ctx.lineWidth = stroke?.width ?? 1;
      const inset = (stroke?.width ?? 1) / 2;
      ctx.strokeRect(x + inset, sy + inset, sw - 2 * inset, sh - 2 * inset);
      ctx.setLineDash([]);
    };
    switch (item.kind) {
      case 'class':
        swatch(item.colour!);
        break;
      case 'hatch':
      case 'secondary':
        swatch(pattern as unknown as string);
        break;
      case 'nodata':
        swatch(MAP_STYLE.noData);
        break;
      case 'hotspot':
        swatch('#ffffff', { colour: MAP_STYLE.hotspot, width: px(f, 3.5) });
        break;
      case 'emerging':
        // the dashed outline only where some emerging hotspot is not a hotspot for the period too
        if (req.wards.some((w) => w.emerging && !w.hotspot)) swatch('#ffffff', { colour: MAP_STYLE.hotspot, width: px(f, 3), dash: [px(f, 6), px(f, 3)] });
        drawTriangle(ctx, { x: x + sw / 2 - px(f, 6), y: sy + sh / 2 - px(f, 6), width: px(f, 12), height: px(f, 12) });
        break;
      case 'emphasis':
        swatch('#ffffff', { colour: MAP_STYLE.emphasis, width: px(f, 2.5) });
        break;
      case 'district':
        ctx.strokeStyle = MAP_STYLE.districtBorder;
        ctx.lineWidth = Math.max(1.2, 1.7 * f.scale);
        ctx.beginPath();
        ctx.moveTo(x, sy + sh / 2);
        ctx.lineTo(x + sw, sy + sh / 2);
        ctx.stroke();
        break;
      default:
        break;
    }
    ctx.font = font(size, heading ? 'bold' : 'normal');
    ctx.fillStyle = item.kind === 'note' || item.kind === 'plain' ? MAP_STYLE.muted : MAP_STYLE.ink;
    lines.forEach((line, i) => ctx.fillText(line, x + indent, y + i * lineH));
    y += height;
  }
  ctx.restore();
}

type CanvasPatternLike = ReturnType<SKRSContext2D['createPattern']>;

function drawFrame(ctx: SKRSContext2D, req: MapRequest, layout: MapLayout): void {
  const f = layout.frame;
  const m = Math.round(16 * f.scale);
  ctx.save();
  ctx.textBaseline = 'top';
  ctx.textAlign = 'left';
  const title = fitText(ctx, req.title, layout.width - 2 * m, fpx(f, 20), fpx(f, 13), 'bold');
  ctx.font = font(title.size, 'bold');
  ctx.fillStyle = MAP_STYLE.ink;
  ctx.fillText(title.text, m, m);
  if (req.subtitle) {
    const sub = fitText(ctx, req.subtitle, layout.width - 2 * m, fpx(f, 14), fpx(f, 10), 'normal');
    ctx.font = font(sub.size);
    ctx.fillStyle = MAP_STYLE.muted;
    ctx.fillText(sub.text, m, m + Math.round(fpx(f, 20) * 1.35));
  }
  const lines = footerLines(req, f);
  const lineH = Math.round(fpx(f, 11.5) * 1.4);
  let y = layout.height - Math.round(m * 0.6) - lines.length * lineH;
  for (const line of lines) {
    const fitted = fitText(ctx, line, layout.width - 2 * m, fpx(f, 11.5), fpx(f, 8), 'normal');
    ctx.font = font(fitted.size);
    ctx.fillStyle = MAP_STYLE.muted;
    ctx.fillText(fitted.text, m, y);
    y += lineH;
  }
  ctx.restore();
}

/** The map as a PNG: full (1000 px wide, RGBA) or compact (640 px wide, 16-colour). */
export function renderMapPng(req: MapRequest, geometry: MapGeometry, options: { size?: MapSize } = {}): Buffer {
  const size = options.size ?? 'full';
  const { canvas } = drawMap(req, geometry, size);
  return FRAMES[size].indexed ? mapToPalettePng(canvas) : mapToRgbPng(canvas);
}
