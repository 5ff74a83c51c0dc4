// `wardwatch synth --scale national`: a deterministic synthetic England and Wales for benchmarks, made
// without the internet (the method of round2.md section 6.3, a seeded Voronoi generator):
//
//   - LSOA seeds clustered like population: towns (sizes Zipf-like) plus a rural background;
//   - ward seeds drawn from (jittered) LSOA seeds, so ward density follows population;
//   - wards = Voronoi(ward seeds), shared edges densified to real vertex counts (about 47 a ward);
//     LSOAs = Voronoi(LSOA seeds); the best-fit lookup is the ward containing each LSOA's seed (the ONS
//     rule, population-weighted centroids), so LSOAs do not nest in wards, as in reality;
//   - districts group wards around district seeds, forces group districts;
//   - codes use an X prefix (X01 LSOA, X05 ward, X06 district) that ONS never issues, so they cannot be
//     mistaken for real ones; ingest takes them only with `syntheticGeography: true` in the config;
//   - 60 months of police.uk-shaped street CSVs, one per force and month, whose points lie inside their
//     ward (with a margin), and a ward-level partnership extract per month.
//
// Everything is written under `outDir` (a temporary folder: nothing here is committed).
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addMonths, monthRange, type Month } from '../../core/periods.ts';
import { POLICE_UK_HEADER } from '../../ingest/policeUk.ts';
import { taxonomy } from '../../taxonomy/index.ts';
import { SEASONALITY, SYNTH_DISPERSION, TREND } from '../history.ts';
import { splitPartnership, type WardMeasureCounts } from '../partnership.ts';
import { Random } from '../random.ts';
import { densify, depthInCell, signedArea2, voronoiPartition, type Ring } from './geometry.ts';
import { streetName, uniqueNames } from './names.ts';

export interface NationalScale {
  lsoas: number;
  wards: number;
  districts: number;
  forces: number;
  months: number;
  /** police.uk rows a month, all forces together (a real national month is 450,000-500,000). */
  rowsPerMonth: number;
  towns: number;
}

/** National: the sizes of round2.md section 6 (35,672 LSOAs, 7,536 wards, 318-330 districts, 42 forces with data). */
export const NATIONAL_SCALES = {
  national: { lsoas: 35_700, wards: 7_500, districts: 330, forces: 42, months: 60, rowsPerMonth: 480_000, towns: 60 },
  /** For development: a region (about an eighth), two years. */
  quick: { lsoas: 4_500, wards: 950, districts: 42, forces: 6, months: 24, rowsPerMonth: 60_000, towns: 10 },
  /** For the test suite: small enough to generate and check in a few seconds. */
  test: { lsoas: 1_200, wards: 250, districts: 12, forces: 3, months: 3, rowsPerMonth: 5_000, towns: 4 },
} as const satisfies Record<string, NationalScale>;
export type NationalScaleName = keyof typeof NATIONAL_SCALES;

/** The last synthetic month; the run is the `months` before and including it (all long past, so never "the future"). */
export const NATIONAL_LAST_MONTH: Month = '2025-12';

/** Share of police.uk rows by crime type, about the national mix of January 2024 (316,440 rows of 40 forces). */
export const MEASURE_SHARE: Record<string, number> = {
  'anti-social-behaviour': 0.122,
  'bicycle-theft': 0.012,
  burglary: 0.055,
  'criminal-damage-arson': 0.085,
  drugs: 0.033,
  'other-crime': 0.027,
  'other-theft': 0.075,
  'possession-of-weapons': 0.012,
  'public-order': 0.088,
  robbery: 0.014,
  shoplifting: 0.076,
  'theft-from-the-person': 0.016,
  'vehicle-crime': 0.062,
  'violent-crime': 0.323,
};
/** Rows police.uk publishes without a location ("No Location"), per force file. */
export const NO_LOCATION_SHARE = 0.012;
const OUTCOMES = ['Investigation complete; no suspect identified', 'Unable to prosecute suspect', 'Under investigation', 'Local resolution', 'Offender given a caution'];
/** Equirectangular placement of the km plane in longitude and latitude (an affine map: cells keep their shape and orientation). */
const LON0 = -4.9;
const LAT0 = 50.2;
const KM_PER_DEG_LAT = 110.574;
const KM_PER_DEG_LON = 111.32 * Math.cos((52.7 * Math.PI) / 180);

export const lonOf = (x: number) => Math.round((LON0 + x / KM_PER_DEG_LON) * 1e6) / 1e6;
export const latOf = (y: number) => Math.round((LAT0 + y / KM_PER_DEG_LAT) * 1e6) / 1e6;

const code = (prefix: string, i: number) => `${prefix}${String(i + 1).padStart(6, '0')}`;
const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

export interface NationalOptions {
  scale: NationalScaleName | NationalScale;
  seed: number;
  outDir: string;
  /** Months of street files to write (default: the scale's); the geography is the same. */
  months?: number;
  /** sha256 of every file written, into SHA256SUMS (default true). */
  checksums?: boolean;
  onProgress?: (done: number, total: number, label: string) => void;
}

export interface NationalGeography {
  width: number;
  height: number;
  lsoa: { code: string[]; name: string[]; x: Float64Array; y: Float64Array; ward: Int32Array; population: Int32Array; ring: Ring[] };
  ward: { code: string[]; name: string[]; x: Float64Array; y: Float64Array; district: Int32Array; ring: Ring[]; margin: Float64Array; weight: Float64Array };
  district: { code: string[]; name: string[]; force: Int32Array };
  force: { name: string[]; slug: string[] };
}

export interface NationalResult {
  outDir: string;
  geographyDir: string;
  policeUkDir: string;
  partnershipDir: string;
  configFile: string;
  months: Month[];
  files: string[];
  policeUkRows: number;
  partnershipRows: number;
  bytes: number;
  /** sha256 over the SHA256SUMS text (one line per file): the whole output's fingerprint. */
  checksum: string | null;
  stats: {
    lsoas: number;
    wards: number;
    districts: number;
    forces: number;
    wardsWithoutLsoa: number;
    maxLsoasPerWard: number;
    meanVerticesPerWard: number;
    largestDistrict: { code: string; name: string; wards: number };
  };
  geography: NationalGeography;
  /** Each month's snap points in ward order (for checks): x, y in km, the ward and the LSOA. */
  snapPoints: { x: Float64Array; y: Float64Array; ward: Int32Array; lsoa: Int32Array };
}

/** The seeds, cells, lookups and snap points (no files). Deterministic for (scale, seed). */
export function buildNationalGeography(scale: NationalScale, seed: number): { geo: NationalGeography; snap: NationalResult['snapPoints']; wardSnap: Int32Array } {
  const rng = new Random(seed);
  // Area scales with the LSOA count, so densities match the national ones (600 x 550 km for 35,700).
  const f = Math.sqrt(scale.lsoas / 35_700);
  const width = 600 * f,
    height = 550 * f;

  // 1. LSOA seeds: 65% in towns (normal spread growing with the town's size), 35% rural.
  const towns = Array.from({ length: scale.towns }, (_, i) => ({
    x: width * (0.08 + 0.84 * rng.next()),
    y: height * (0.08 + 0.84 * rng.next()),
    size: 1 / Math.pow(i + 1, 0.9),
  }));
  const sizeSum = towns.reduce((s, t) => s + t.size, 0);
  const lx = new Float64Array(scale.lsoas),
    ly = new Float64Array(scale.lsoas);
  const taken = new Set<string>();
  for (let i = 0; i < scale.lsoas; i++) {
    for (;;) {
      let x: number, y: number;
      if (rng.next() < 0.65) {
        let u = rng.next() * sizeSum;
        let t = towns[0]!;
        for (const town of towns) {
          u -= town.size;
          t = town;
          if (u <= 0) break;
        }
        const spread = 4 + 22 * Math.sqrt(t.size) * f;
        x = t.x + rng.normal() * spread;
        y = t.y + rng.normal() * spread;
      } else {
        x = rng.next() * width;
        y = rng.next() * height;
      }
      if (x <= 0.05 || y <= 0.05 || x >= width - 0.05 || y >= height - 0.05) continue;
      const key = `${Math.round(x * 1000)},${Math.round(y * 1000)}`;
      if (taken.has(key)) continue;
      taken.add(key);
      lx[i] = x;
      ly[i] = y;
      break;
    }
  }

  // 2. Ward seeds: drawn from LSOA seeds (without replacement), jittered by up to a fraction of the local spacing.
  const order = Array.from({ length: scale.lsoas }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const lsoaPart = voronoiPartition(lx, ly, width, height);
  const wx = new Float64Array(scale.wards),
    wy = new Float64Array(scale.wards);
  for (let w = 0; w < scale.wards; w++) {
    const i = order[w]!;
    let nearest = Infinity;
    for (const j of lsoaPart.delaunay.neighbors(i)) nearest = Math.min(nearest, Math.hypot(lx[j]! - lx[i]!, ly[j]! - ly[i]!));
    // The jitter moves some ward seeds off their LSOA far enough that a ward receives no LSOA under best
    // fit, as about 1.5% of real wards do (round2.md section 6.1).
    const r = 0.85 * (Number.isFinite(nearest) ? nearest : 1);
    wx[w] = Math.min(width - 0.01, Math.max(0.01, lx[i]! + rng.normal() * r));
    wy[w] = Math.min(height - 0.01, Math.max(0.01, ly[i]! + rng.normal() * r));
  }
  const wardPart = voronoiPartition(wx, wy, width, height);

  // 3. Districts: seeds drawn from ward seeds; each ward joins the nearest. Forces: the same over districts.
  const nearestOf = (px: Float64Array, py: Float64Array, sx: number[], sy: number[], out: Int32Array) => {
    for (let i = 0; i < px.length; i++) {
      let best = 0,
        bd = Infinity;
      for (let k = 0; k < sx.length; k++) {
        const d = (px[i]! - sx[k]!) ** 2 + (py[i]! - sy[k]!) ** 2;
        if (d < bd) {
          bd = d;
          best = k;
        }
      }
      out[i] = best;
    }
  };
  const wardOrder = Array.from({ length: scale.wards }, (_, i) => i);
  for (let i = wardOrder.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [wardOrder[i], wardOrder[j]] = [wardOrder[j]!, wardOrder[i]!];
  }
  const dsx = wardOrder.slice(0, scale.districts).map((w) => wx[w]!);
  const dsy = wardOrder.slice(0, scale.districts).map((w) => wy[w]!);
  const wardDistrict = new Int32Array(scale.wards);
  nearestOf(wx, wy, dsx, dsy, wardDistrict);
  const districtForce = new Int32Array(scale.districts);
  nearestOf(Float64Array.from(dsx), Float64Array.from(dsy), dsx.slice(0, scale.forces), dsy.slice(0, scale.forces), districtForce);
  // Every district and force holds something (a district seed is its own ward's nearest; a force seed its own district's).

  // 4. Best fit: the ward whose cell holds each LSOA seed (its nearest ward seed).
  const lsoaWard = new Int32Array(scale.lsoas);
  let hint = 0;
  for (let i = 0; i < scale.lsoas; i++) lsoaWard[i] = hint = wardPart.delaunay.find(lx[i]!, ly[i]!, hint);

  // 5. Populations: LSOAs are built for 1,000-3,000 residents (mean about 1,700).
  const population = new Int32Array(scale.lsoas);
  for (let i = 0; i < scale.lsoas; i++) population[i] = Math.round(Math.min(3_400, Math.max(1_000, 1_700 + 380 * rng.normal())));

  // 6. Crime weight of a ward: its best-fit residents, more in towns, plus a floor (wards with no LSOA still have crime).
  const townDistance = (x: number, y: number) => Math.min(...towns.map((t) => Math.hypot(t.x - x, t.y - y) / (4 + 22 * Math.sqrt(t.size) * f)));
  const weight = new Float64Array(scale.wards);
  for (let i = 0; i < scale.lsoas; i++) weight[lsoaWard[i]!]! += population[i]! * (townDistance(lx[i]!, ly[i]!) < 1.5 ? 1.6 : 0.8) * Math.exp(0.45 * rng.normal());
  for (let w = 0; w < scale.wards; w++) weight[w]! += 400;

  // 7. How far inside its cell a point must be (and half of it bounds the edges' sideways wiggle).
  const margin = new Float64Array(scale.wards);
  for (let w = 0; w < scale.wards; w++) {
    let nearest = Infinity;
    for (const j of wardPart.delaunay.neighbors(w)) nearest = Math.min(nearest, Math.hypot(wx[j]! - wx[w]!, wy[j]! - wy[w]!));
    margin[w] = Math.min(0.2, 0.15 * (Number.isFinite(nearest) ? nearest : 1));
  }
  const meanEdge = Math.sqrt((width * height) / scale.wards) * 0.62;
  const wardRings = densify(wardPart, {
    spacing: meanEdge / 8.3,
    wiggle: 0.05,
    maxOffset: (a, b) => 0.5 * Math.min(margin[a]!, margin[b]!),
    width,
    height,
    seed: seed ^ 0x5eed,
  });
  const lsoaRings: Ring[] = lsoaPart.cells.map((ids) => ids.map((id) => [lsoaPart.snap.xs[id]!, lsoaPart.snap.ys[id]!] as [number, number]));

  // 8. Snap points (police.uk maps every crime to one of a set of points): per ward, in proportion to its
  // weight, uniformly in its cell at least `margin` inside it; each point's LSOA is the LSOA cell holding it.
  const meanWeight = weight.reduce((a, b) => a + b, 0) / scale.wards;
  const sx: number[] = [],
    sy: number[] = [],
    sw: number[] = [],
    sl: number[] = [];
  const wardSnap = new Int32Array(scale.wards + 1);
  hint = 0;
  for (let w = 0; w < scale.wards; w++) {
    wardSnap[w] = sx.length;
    const ring = wardRings[w]!;
    let minX = Infinity,
      minY = Infinity,
      maxX = -Infinity,
      maxY = -Infinity;
    for (const [x, y] of ring) {
      minX = Math.min(minX, x);
      maxX = Math.max(maxX, x);
      minY = Math.min(minY, y);
      maxY = Math.max(maxY, y);
    }
    const wanted = Math.max(4, Math.min(160, Math.round((24 * weight[w]!) / meanWeight)));
    let got = 0;
    for (let attempt = 0; got < wanted && attempt < wanted * 60; attempt++) {
      const x = minX + (maxX - minX) * rng.next(),
        y = minY + (maxY - minY) * rng.next();
      if (depthInCell(wardPart.delaunay, wx, wy, w, x, y) < margin[w]!) continue;
      if (x < margin[w]! || y < margin[w]! || x > width - margin[w]! || y > height - margin[w]!) continue;
      sx.push(x);
      sy.push(y);
      sw.push(w);
      sl.push((hint = lsoaPart.delaunay.find(x, y, hint)));
      got++;
    }
    if (got === 0) {
      // A sliver of a cell: its seed itself is the deepest point there is.
      sx.push(wx[w]!);
      sy.push(wy[w]!);
      sw.push(w);
      sl.push((hint = lsoaPart.delaunay.find(wx[w]!, wy[w]!, hint)));
    }
  }
  wardSnap[scale.wards] = sx.length;

  const names = uniqueNames(rng, scale.wards + scale.districts + scale.forces);
  const districtNames = names.slice(scale.wards, scale.wards + scale.districts);
  const forceNames = names.slice(scale.wards + scale.districts).map((n) => `${n} Police`);
  const lsoaSerial = new Map<number, number>();
  const lsoaNames: string[] = [];
  for (let i = 0; i < scale.lsoas; i++) {
    const d = wardDistrict[lsoaWard[i]!]!;
    const k = (lsoaSerial.get(d) ?? 0) + 1;
    lsoaSerial.set(d, k);
    lsoaNames.push(`${districtNames[d]} ${String(Math.ceil(k / 3)).padStart(3, '0')}${'ABC'[(k - 1) % 3]}`);
  }
  const geo: NationalGeography = {
    width,
    height,
    lsoa: { code: Array.from({ length: scale.lsoas }, (_, i) => code('X01', i)), name: lsoaNames, x: lx, y: ly, ward: lsoaWard, population, ring: lsoaRings },
    ward: {
      code: Array.from({ length: scale.wards }, (_, i) => code('X05', i)),
      name: names.slice(0, scale.wards),
      x: wx,
      y: wy,
      district: wardDistrict,
      ring: wardRings,
      margin,
      weight,
    },
    district: { code: Array.from({ length: scale.districts }, (_, i) => code('X06', i)), name: districtNames, force: districtForce },
    force: { name: forceNames, slug: forceNames.map(slug) },
  };
  return { geo, snap: { x: Float64Array.from(sx), y: Float64Array.from(sy), ward: Int32Array.from(sw), lsoa: Int32Array.from(sl) }, wardSnap };
}

const closed = (ring: Ring): number[][] => [...ring.map(([x, y]) => [lonOf(x), latOf(y)]), [lonOf(ring[0]![0]), latOf(ring[0]![1])]];

/** Writes the geography, the street CSVs and the partnership extracts. */
export function writeNationalSynth(options: NationalOptions): NationalResult {
  const scale: NationalScale = typeof options.scale === 'string' ? NATIONAL_SCALES[options.scale] : options.scale;
  const monthsWanted = options.months ?? scale.months;
  const progress = options.onProgress ?? (() => {});
  const steps = monthsWanted + 2;
  progress(0, steps, 'geography');
  const { geo, snap, wardSnap } = buildNationalGeography(scale, options.seed);
  const geographyDir = join(options.outDir, 'geography');
  const policeUkDir = join(options.outDir, 'police-uk');
  const partnershipDir = join(options.outDir, 'partnership');
  for (const d of [geographyDir, policeUkDir, partnershipDir]) mkdirSync(d, { recursive: true });
  const files: string[] = [];
  const sums: string[] = [];
  let bytes = 0;
  const write = (path: string, text: string) => {
    writeFileSync(path, text);
    files.push(path);
    bytes += Buffer.byteLength(text);
    if (options.checksums !== false) sums.push(`${createHash('sha256').update(text).digest('hex')}  ${path.slice(options.outDir.length + 1)}`);
  };

  // Lookups, ward list, boundaries (one file per district, as ONS and drkane/geo-lookups publish them), populations.
  const W = geo.ward,
    L = geo.lsoa,
    D = geo.district;
  const lookup = ['LSOA21CD,LSOA21NM,WD24CD,WD24NM,LAD24CD,LAD24NM'];
  for (let i = 0; i < L.code.length; i++) {
    const w = L.ward[i]!;
    lookup.push(`${L.code[i]},${L.name[i]},${W.code[w]},${W.name[w]},${D.code[W.district[w]!]},${D.name[W.district[w]!]}`);
  }
  write(join(geographyDir, 'lsoa21_ward24_lad24_synthetic_ew.csv'), lookup.join('\n') + '\n');
  const lsoasOfWard = new Int32Array(W.code.length);
  for (let i = 0; i < L.code.length; i++) lsoasOfWard[L.ward[i]!]!++;
  const wardList = ['WD24CD,WD24NM,LAD24CD,LAD24NM,LSOAS'];
  for (let w = 0; w < W.code.length; w++) wardList.push(`${W.code[w]},${W.name[w]},${D.code[W.district[w]!]},${D.name[W.district[w]!]},${lsoasOfWard[w]}`);
  write(join(geographyDir, 'wards24_synthetic_ew.csv'), wardList.join('\n') + '\n');
  const wardsOf: number[][] = D.code.map(() => []);
  for (let w = 0; w < W.code.length; w++) wardsOf[W.district[w]!]!.push(w);
  let vertices = 0;
  for (let d = 0; d < D.code.length; d++) {
    const features = wardsOf[d]!.map((w) => {
      vertices += W.ring[w]!.length;
      return {
        type: 'Feature',
        properties: { WD24CD: W.code[w], WD24NM: W.name[w], LAD24CD: D.code[d], LAD24NM: D.name[d] },
        geometry: { type: 'Polygon', coordinates: [closed(W.ring[w]!)] },
      };
    });
    write(join(geographyDir, `wards-${D.code[d]}-${slug(D.name[d]!)}.geojson`), JSON.stringify({ type: 'FeatureCollection', features }));
  }
  const lsoaFeatures = L.code.map((c, i) => ({
    type: 'Feature',
    properties: { LSOA21CD: c, LSOA21NM: L.name[i] },
    geometry: { type: 'Polygon', coordinates: [closed(L.ring[i]!)] },
  }));
  write(join(geographyDir, 'lsoa21-boundaries-synthetic.geojson'), JSON.stringify({ type: 'FeatureCollection', features: lsoaFeatures }));
  const wardPop = new Float64Array(W.code.length);
  for (let i = 0; i < L.code.length; i++) wardPop[L.ward[i]!]! += L.population[i]!;
  const districtPop = new Float64Array(D.code.length);
  for (let w = 0; w < W.code.length; w++) districtPop[W.district[w]!]! += wardPop[w]!;
  const pops = ['area_code,population,year,source'];
  const source = 'synthetic (wardwatch synth --scale national): LSOAs of 1000-3400 residents; wards and districts summed by best fit';
  for (let i = 0; i < L.code.length; i++) pops.push(`${L.code[i]},${L.population[i]},2021,${source}`);
  // A ward with no LSOA under best fit has no residents by this rule: no figure rather than a zero (ingest refuses 0).
  for (let w = 0; w < W.code.length; w++) if (wardPop[w]! > 0) pops.push(`${W.code[w]},${wardPop[w]},2021,${source}`);
  for (let d = 0; d < D.code.length; d++) pops.push(`${D.code[d]},${districtPop[d]},2021,${source}`);
  write(join(geographyDir, 'populations-synthetic-census2021.csv'), pops.join('\n') + '\n');
  progress(1, steps, 'geography written');

  // Street files: per ward and crime type a negative binomial count (as `wardwatch synth`), each row at one of the ward's snap points.
  const measures = taxonomy().policeUkMeasures();
  const weightSum = W.weight.reduce((a, b) => a + b, 0);
  const located = scale.rowsPerMonth * (1 - NO_LOCATION_SHARE);
  const streets = uniqueNames(new Random(options.seed ^ 0x57ee7), 400);
  const streetRng = new Random(options.seed ^ 0x10ca7e);
  const pointText: string[] = [];
  for (let p = 0; p < snap.x.length; p++) {
    const l = snap.lsoa[p]!;
    pointText.push(`${lonOf(snap.x[p]!).toFixed(6)},${latOf(snap.y[p]!).toFixed(6)},On or near ${streetName(streetRng, streets)},${L.code[l]},${L.name[l]}`);
  }
  const months = monthRange(addMonths(NATIONAL_LAST_MONTH, -(monthsWanted - 1)), NATIONAL_LAST_MONTH);
  const forceWards: number[][] = geo.force.name.map(() => []);
  for (let w = 0; w < W.code.length; w++) forceWards[D.force[W.district[w]!]!]!.push(w);
  let policeUkRows = 0,
    partnershipRows = 0;
  const midIndex = months.length / 2;
  for (let mi = 0; mi < months.length; mi++) {
    const month = months[mi]!;
    const calendar = Number(month.slice(5)) - 1;
    const rng = new Random((options.seed ^ Math.imul(mi + 1, 0x9e3779b1)) >>> 0);
    const wardCounts: WardMeasureCounts = new Map();
    for (let force = 0; force < geo.force.name.length; force++) {
      const name = geo.force.name[force]!;
      const lines: string[] = [POLICE_UK_HEADER.join(',')];
      const row = (m: (typeof measures)[number], location: string) => {
        const asb = m.kind === 'asb';
        lines.push(`${asb ? '' : rng.hex64()},${month},${name},${name},${location},${m.policeUkName},${asb ? '' : rng.pick(OUTCOMES)},`);
      };
      let forceWeight = 0;
      for (const w of forceWards[force]!) {
        forceWeight += W.weight[w]!;
        const counts: Record<string, number> = {};
        for (const m of measures) {
          const mean = (located * W.weight[w]! * MEASURE_SHARE[m.key]!) / weightSum;
          const factor = (SEASONALITY[m.key]?.[calendar] ?? 1) * Math.pow(1 + (TREND[m.key] ?? 0), (mi - midIndex) / 12);
          const n = rng.negativeBinomial(mean * factor, SYNTH_DISPERSION);
          if (!n) continue;
          counts[m.key] = n;
          const first = wardSnap[w]!,
            span = wardSnap[w + 1]! - first;
          for (let k = 0; k < n; k++) row(m, pointText[first + rng.int(span)]!);
        }
        wardCounts.set(W.code[w]!, counts);
      }
      const noLocation = rng.poisson((scale.rowsPerMonth * NO_LOCATION_SHARE * forceWeight) / weightSum);
      for (let k = 0; k < noLocation; k++) {
        let u = rng.next();
        let m = measures[measures.length - 1]!;
        for (const c of measures) {
          u -= MEASURE_SHARE[c.key]!;
          if (u <= 0) {
            m = c;
            break;
          }
        }
        row(m, ',,No Location,,');
      }
      policeUkRows += lines.length - 1;
      write(join(policeUkDir, `synthetic-${month}-${geo.force.slug[force]}-street.csv`), lines.join('\r\n') + '\r\n');
    }
    const rows = splitPartnership(rng, month, wardCounts);
    partnershipRows += rows.length;
    write(
      join(partnershipDir, `synthetic-partnership-${month}.csv`),
      ['month,area_type,area_code,measure,count', ...rows.map((r) => `${month},ward,${r.ward},${r.measure},${r.count}`)].join('\n') + '\n',
    );
    progress(mi + 2, steps, `${month} (${policeUkRows.toLocaleString('en-GB')} street rows so far)`);
  }

  const configFile = join(options.outDir, 'wardwatch.config.yaml');
  writeFileSync(configFile, nationalConfig(geo));
  // The shipped alert rules beside it: the config's `alertRules` (default alerts/) is relative to the config file.
  copyShippedAlertRules(join(options.outDir, 'alerts'));
  let checksum: string | null = null;
  if (options.checksums !== false) {
    const text = sums.join('\n') + '\n';
    writeFileSync(join(options.outDir, 'SHA256SUMS'), text);
    checksum = createHash('sha256').update(text).digest('hex');
  }
  progress(steps, steps, 'done');
  const sizes = wardsOf.map((ws) => ws.length);
  const largest = sizes.indexOf(Math.max(...sizes));
  return {
    outDir: options.outDir,
    geographyDir,
    policeUkDir,
    partnershipDir,
    configFile,
    months,
    files,
    policeUkRows,
    partnershipRows,
    bytes,
    checksum,
    stats: {
      lsoas: L.code.length,
      wards: W.code.length,
      districts: D.code.length,
      forces: geo.force.name.length,
      wardsWithoutLsoa: lsoasOfWard.filter((n) => n === 0).length,
      maxLsoasPerWard: Math.max(...lsoasOfWard),
      meanVerticesPerWard: Math.round((vertices / W.code.length) * 10) / 10,
      largestDistrict: { code: D.code[largest]!, name: D.name[largest]!, wards: sizes[largest]! },
    },
    geography: geo,
    snapPoints: snap,
  };
}

/**
 * The national deployment as configuration only: every force and district, one partnership per
 * district plus a national board, local channels for the board and the ten largest districts.
 */
export function nationalConfig(geo: NationalGeography): string {
  const D = geo.district;
  const wards = D.code.map(() => 0);
  for (let w = 0; w < geo.ward.code.length; w++) wards[geo.ward.district[w]!]!++;
  const biggest = D.code
    .map((_, d) => d)
    .sort((a, b) => wards[b]! - wards[a]! || a - b)
    .slice(0, 10);
  const id = (d: number) => `d-${D.code[d]!.toLowerCase()}`;
  const lines = [
    '# A synthetic England and Wales (wardwatch synth --scale national): benchmarks only.',
    'forceArea:',
    '  name: England and Wales',
    '  policeUkForce: all',
    '  districts: all',
    '# X-prefixed codes are synthetic: accepted only with this switch.',
    'syntheticGeography: true',
    'partnerships:',
    '  - id: national',
    '    name: National board (synthetic)',
    `    areas: [${D.code.join(', ')}]`,
    '    priorityMeasures: [all-crime, violent-crime, anti-social-behaviour]',
    ...D.code.flatMap((c, d) => [`  - id: ${id(d)}`, `    name: ${D.name[d]} Community Safety Partnership`, `    areas: [${c}]`]),
    'channels:',
    '  - name: national-board',
    '    platform: local',
    '    partnership: national',
    '    clearance: { smallNumbers: true, sensitive: true }',
    ...biggest.flatMap((d) => [`  - name: ${id(d)}-csp`, '    platform: local', `    partnership: ${id(d)}`, '    clearance: { smallNumbers: true, sensitive: true }']),
    '',
  ];
  return lines.join('\n');
}

/** The repository's alert rules (alerts/*.yaml), copied so a generated deployment folder is complete. */
const SHIPPED_ALERT_RULES = fileURLToPath(new URL('../../../alerts/', import.meta.url));
function copyShippedAlertRules(to: string): void {
  mkdirSync(to, { recursive: true });
  for (const f of readdirSync(SHIPPED_ALERT_RULES)) if (f.endsWith('.yaml') || f.endsWith('.yml')) copyFileSync(join(SHIPPED_ALERT_RULES, f), join(to, f));
}

/** The area of a ring in the km plane (for checks). */
export const ringArea = (ring: Ring) => Math.abs(signedArea2(ring)) / 2;
