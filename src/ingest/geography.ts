// Geography: the ONS lookups, ward boundaries and populations, and the GeoContext that places rows.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Feature } from 'geojson';
import type { Config } from '../config/schema.ts';
import { InputError } from '../core/errors.ts';
import { polygonProblem } from '../geo/validate.ts';
import { PointCache } from '../geo/pointCache.ts';
import { WardIndex, wardCodeOf } from '../geo/wardIndex.ts';
import type { Area, AreaType, Population, Store } from '../store/types.ts';
import { readCsv, type CsvReadResult } from './csv.ts';
import { boundReason, CODE_EXPECTED, DISTRICT_CODE, ingestChecks, LSOA_CODE, SYNTHETIC_CODE, SYNTHETIC_REFUSED, WARD_CODE, WHOLE, type IngestChecks } from './validate.ts';

export const GSS_CODE = /^[EWSN]\d{8}$/;

/** The force area the store's force-level counts belong to. */
export interface ForceArea {
  code: string;
  name: string;
  /** Districts in the force area; null = every district in the loaded geography. */
  districts: string[] | null;
}

/**
 * The force area from the config (code = its police.uk force slug, e.g. "cambridgeshire"), or, with no
 * config, a force area named "force" covering every district in the loaded geography.
 */
export function forceAreaOf(config: Config | null | undefined): ForceArea {
  if (!config) return { code: 'force', name: 'Force area', districts: null };
  // `policeUkForce: all` (a national deployment: every force's files) names no force: the area's code comes from its name.
  const force = config.forceArea.policeUkForce === 'all' ? undefined : config.forceArea.policeUkForce;
  const slug =
    force ??
    config.forceArea.name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '');
  // `districts: all`: every district in the loaded geography.
  return { code: slug, name: config.forceArea.name, districts: config.forceArea.districts ? [...config.forceArea.districts] : null };
}

/** Where a pending area was read: its file and line, and the columns giving its parent and district. */
export interface AreaOrigin {
  file: string;
  line: number;
  parentField: string;
  districtField?: string;
}

/** Geography read from files in this invocation, not yet written to the store. */
export class PendingGeography {
  readonly areas = new Map<string, Area>();
  /** Where each ward and LSOA in `areas` was read (for refusals that name the file and line). */
  readonly origins = new Map<string, AreaOrigin>();
  readonly lsoa11 = new Map<string, { lsoa21: string; change: string }>();
  readonly boundaries = new Map<string, string>();
  /** The file that gave each boundary. */
  readonly boundaryFiles = new Map<string, string>();
  readonly populations = new Map<string, Population>();
  /** Accept the synthetic geography's X-prefixed codes (set from the config's `syntheticGeography`). */
  syntheticCodes = false;

  get empty(): boolean {
    return this.areas.size + this.lsoa11.size + this.boundaries.size + this.populations.size === 0;
  }
}

function columnIndex(header: string[], pattern: RegExp): number {
  return header.findIndex((h) => pattern.test(h));
}

const CODE_PATTERN = { lsoa: LSOA_CODE, ward: WARD_CODE, district: DISTRICT_CODE } as const;

/** An ONS code of the given area type (GSS prefix and 6 digits), or an InputError naming the field. */
function code(file: string, line: number, field: string, value: string, type: 'lsoa' | 'ward' | 'district', synthetic = false): string {
  const v = value.trim();
  if (!CODE_PATTERN[type].test(v)) {
    if (SYNTHETIC_CODE[type].test(v)) {
      if (synthetic) return v;
      throw new InputError(file, line, field, SYNTHETIC_REFUSED, value);
    }
    throw new InputError(file, line, field, CODE_EXPECTED[type], value);
  }
  return v;
}

/** A header-only geography file is refused: it is not a release of anything. */
function atLeastOneRow(file: string, rows: number, what: string): void {
  if (rows === 0) throw new InputError(file, 2, null, `at least one data row (${what})`, 'only a header row');
}

/**
 * A ward or LSOA read again in this invocation (another row or file) must keep its parent: wards nest
 * exactly in districts, and an LSOA has one best-fit ward. The first reading is kept (and where it was read).
 */
function sameParent(pending: PendingGeography, file: string, line: number, area: Area, field: string, districtField?: string): void {
  const held = pending.areas.get(area.code);
  if (held && held.type === area.type) {
    const o = pending.origins.get(area.code);
    const where = o ? (o.file === file ? `line ${o.line}` : `${o.file}:${o.line}`) : 'another file';
    if (held.parentCode !== area.parentCode) {
      const what = area.type === 'ward' ? 'district' : 'best-fit ward';
      throw new InputError(
        file,
        line,
        field,
        `${area.code}'s ${what} as on ${where} (${held.parentCode}): ${area.type === 'ward' ? 'a ward lies in one district' : 'an LSOA has one best-fit ward'}`,
        area.parentCode ?? '',
      );
    }
    if (districtField && (held.districtCode ?? null) !== (area.districtCode ?? null)) {
      throw new InputError(file, line, districtField, `${area.code}'s district as on ${where} (${held.districtCode})`, area.districtCode ?? '');
    }
    return;
  }
  pending.areas.set(area.code, area);
  pending.origins.set(area.code, { file, line, parentField: field, ...(districtField ? { districtField } : {}) });
}

/** ONS LSOA21 -> ward -> district best-fit lookup (LSOA21CD, LSOA21NM, WDyyCD, WDyyNM, LADyyCD, LADyyNM). */
export async function readLsoaWardLookup(path: string, pending: PendingGeography, onBytes?: (n: number, t: number) => void): Promise<CsvReadResult & { rows: number }> {
  const file = basename(path);
  let rows = 0;
  const lsoaLine = new Map<string, number>();
  const result = await readCsv(
    path,
    (header) => {
      rows = 0; // (called again from scratch if the file is re-read with the full CSV parser)
      const ix = {
        lsoa: columnIndex(header, /^LSOA21CD$/i),
        lsoaName: columnIndex(header, /^LSOA21NM$/i),
        ward: columnIndex(header, /^WD\d\dCD$/i),
        wardName: columnIndex(header, /^WD\d\dNM$/i),
        lad: columnIndex(header, /^LAD\d\dCD$/i),
        ladName: columnIndex(header, /^LAD\d\dNM$/i),
      };
      const names = { lsoa: header[ix.lsoa]!, ward: header[ix.ward]!, lad: header[ix.lad]! };
      lsoaLine.clear();
      return (f, line) => {
        rows++;
        const lsoa = code(file, line, names.lsoa, f[ix.lsoa]!, 'lsoa', pending.syntheticCodes);
        const ward = code(file, line, names.ward, f[ix.ward]!, 'ward', pending.syntheticCodes);
        const lad = code(file, line, names.lad, f[ix.lad]!, 'district', pending.syntheticCodes);
        const earlier = lsoaLine.get(lsoa);
        if (earlier !== undefined) throw new InputError(file, line, names.lsoa, `each LSOA once (${lsoa} is already on line ${earlier})`, f[ix.lsoa]!);
        lsoaLine.set(lsoa, line);
        pending.areas.set(lad, { code: lad, name: f[ix.ladName]!.trim(), type: 'district', parentCode: null });
        sameParent(pending, file, line, { code: ward, name: f[ix.wardName]!.trim(), type: 'ward', parentCode: lad }, names.lad);
        sameParent(pending, file, line, { code: lsoa, name: f[ix.lsoaName]!.trim(), type: 'lsoa', parentCode: ward, districtCode: lad }, names.ward, names.lad);
      };
    },
    { onBytes },
  );
  atLeastOneRow(file, rows, 'one LSOA per row');
  return { ...result, rows };
}

/** A ward list (WDyyCD, WDyyNM, LADyyCD, LADyyNM, ...): wards and districts without LSOAs. */
export async function readWardList(path: string, pending: PendingGeography): Promise<CsvReadResult & { rows: number }> {
  const file = basename(path);
  let rows = 0;
  const wardLine = new Map<string, number>();
  const result = await readCsv(path, (header) => {
    rows = 0;
    wardLine.clear();
    const ward = columnIndex(header, /^WD\d\dCD$/i),
      wardName = columnIndex(header, /^WD\d\dNM$/i);
    const lad = columnIndex(header, /^LAD\d\dCD$/i),
      ladName = columnIndex(header, /^LAD\d\dNM$/i);
    return (f, line) => {
      rows++;
      const w = code(file, line, header[ward]!, f[ward]!, 'ward', pending.syntheticCodes);
      const d = code(file, line, header[lad]!, f[lad]!, 'district', pending.syntheticCodes);
      const earlier = wardLine.get(w);
      if (earlier !== undefined) throw new InputError(file, line, header[ward]!, `each ward once (${w} is already on line ${earlier})`, f[ward]!);
      wardLine.set(w, line);
      if (!pending.areas.has(d)) pending.areas.set(d, { code: d, name: f[ladName]!.trim(), type: 'district', parentCode: null });
      sameParent(pending, file, line, { code: w, name: f[wardName]!.trim(), type: 'ward', parentCode: d }, header[lad]!);
    };
  });
  atLeastOneRow(file, rows, 'one ward per row');
  return { ...result, rows };
}

/** ONS LSOA11 -> LSOA21 lookup (LSOA11CD, CHGIND, LSOA21CD, ...). Splits keep the first 2021 child. */
export async function readLsoa11Lookup(path: string, pending: PendingGeography): Promise<CsvReadResult & { rows: number }> {
  const file = basename(path);
  let rows = 0;
  const pairLine = new Map<string, number>();
  const result = await readCsv(path, (header) => {
    rows = 0;
    pairLine.clear();
    const l11 = columnIndex(header, /^LSOA11CD$/i),
      l21 = columnIndex(header, /^LSOA21CD$/i),
      chg = columnIndex(header, /^CHGIND$/i);
    return (f, line) => {
      rows++;
      const a = code(file, line, header[l11]!, f[l11]!, 'lsoa', pending.syntheticCodes);
      const b = code(file, line, header[l21]!, f[l21]!, 'lsoa', pending.syntheticCodes);
      const change = f[chg]!.trim();
      if (!/^[USMX]$/.test(change)) throw new InputError(file, line, header[chg]!, 'U, S, M or X', change);
      // An LSOA 2011 that split is on several rows, one per 2021 child; the same pair twice is a duplicate.
      const pair = `${a}\t${b}`;
      const earlier = pairLine.get(pair);
      if (earlier !== undefined)
        throw new InputError(file, line, header[l21]!, `each ${header[l11]} -> ${header[l21]} pair once (${a} -> ${b} is already on line ${earlier})`, f[l21]!);
      pairLine.set(pair, line);
      if (!pending.lsoa11.has(a)) pending.lsoa11.set(a, { lsoa21: b, change });
    };
  });
  atLeastOneRow(file, rows, 'one LSOA 2011 -> LSOA 2021 pair per row');
  return { ...result, rows };
}

/**
 * Populations CSV: area_code,population,year,source. Every area code must be in the geography (`typeOf`
 * gives its type); a population must be at least 1 and at most the plausible bound for its area type
 * (`checks.maxPopulation`: MAX_POPULATION in validate.ts, the force area's scaled with its districts).
 */
export async function readPopulations(
  path: string,
  pending: PendingGeography,
  typeOf: (code: string) => AreaType | undefined,
  checks: Pick<IngestChecks, 'maxPopulation' | 'forceDistricts'> = ingestChecks(null),
): Promise<CsvReadResult & { rows: number }> {
  const file = basename(path);
  let rows = 0;
  const firstLine = new Map<string, number>();
  const result = await readCsv(path, () => {
    rows = 0;
    firstLine.clear();
    return (f, line) => {
      rows++;
      const areaCode = f[0]!.trim();
      const type = typeOf(areaCode);
      if (type === undefined) throw new InputError(file, line, 'area_code', 'an area code in the loaded geography (load the ONS lookup first)', areaCode);
      const earlier = firstLine.get(areaCode);
      if (earlier !== undefined) throw new InputError(file, line, 'area_code', `each area once (${areaCode} is already on line ${earlier})`, areaCode);
      firstLine.set(areaCode, line);
      const population = f[1]!.trim();
      if (!WHOLE.test(population)) throw new InputError(file, line, 'population', 'a whole number of residents, in digits (no separators, decimals or exponents)', population);
      const residents = Number(population);
      if (residents < 1) throw new InputError(file, line, 'population', 'at least 1 resident (every rate divides by the population)', population);
      const max = checks.maxPopulation[type];
      if (residents > max) {
        throw new InputError(
          file,
          line,
          'population',
          `at most ${max.toLocaleString('en-GB')} residents for a ${type} (${boundReason(type, checks, 'maxPopulation')})`,
          population,
        );
      }
      const year = f[2]!.trim();
      if (!/^(19|20)\d\d$/.test(year)) throw new InputError(file, line, 'year', 'a year such as 2021', year);
      const source = f[3]!.trim();
      if (!source) throw new InputError(file, line, 'source', 'a description of where the figure comes from', '');
      pending.populations.set(areaCode, { areaCode, population: residents, year: Number(year), source });
    };
  });
  atLeastOneRow(file, rows, 'one area per row');
  return { ...result, rows };
}

export type GeoJsonKind = 'ward-boundaries' | 'other-boundaries';

/** Reads a boundary GeoJSON. Ward features (WDyyCD) are kept; other boundaries (LSOA) are reported and skipped. */
export function readBoundaries(path: string, pending: PendingGeography, isWard: (code: string) => boolean): { kind: GeoJsonKind; features: number; text: string } {
  const file = basename(path);
  const text = readFileSync(path, 'utf8');
  let doc: { type?: string; features?: Feature[] };
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, '')) as typeof doc; // a byte order mark is not JSON
  } catch (err) {
    throw new InputError(file, null, null, 'GeoJSON (a FeatureCollection)', (err as Error).message);
  }
  if (!doc || doc.type !== 'FeatureCollection' || !Array.isArray(doc.features)) throw new InputError(file, null, 'type', 'a GeoJSON FeatureCollection', String(doc?.type));
  if (doc.features.length === 0) throw new InputError(file, null, 'features', 'at least one feature', 'an empty FeatureCollection');
  const first = doc.features[0];
  if (!first || typeof first !== 'object' || !wardCodeOf(first)) return { kind: 'other-boundaries', features: doc.features.length, text };
  const index = new Map<string, number>();
  const read = new Map<string, string>();
  doc.features.forEach((f, i) => {
    if (!f || typeof f !== 'object') throw new InputError(file, null, `features[${i}]`, 'a GeoJSON Feature', JSON.stringify(f));
    const c = wardCodeOf(f);
    const prop = Object.keys(f.properties ?? {}).find((k) => /^WD\d\dCD$/i.test(k)) ?? 'code';
    if (!c) throw new InputError(file, null, `features[${i}].properties.${prop}`, 'a ward code', '');
    if (!isWard(c)) throw new InputError(file, null, `features[${i}].properties.${prop}`, 'a ward code in the loaded ONS lookup (load the lookup first)', c);
    const earlier = index.get(c);
    if (earlier !== undefined) throw new InputError(file, null, `features[${i}].properties.${prop}`, `each ward once (${c} is already features[${earlier}])`, c);
    index.set(c, i);
    const problem = polygonProblem(f.geometry);
    if (problem) throw new InputError(file, null, `features[${i}].${problem.path}`, `${problem.expected} (ward ${c})`, problem.found);
    const json = JSON.stringify(f);
    const other = pending.boundaryFiles.get(c);
    if (other !== undefined && other !== file && pending.boundaries.get(c) !== json) {
      throw new InputError(file, null, `features[${i}].properties.${prop}`, `each ward's boundary in one file (${other} also gives ${c}, differently)`, c);
    }
    read.set(c, json);
  });
  for (const [c, json] of read) {
    pending.boundaries.set(c, json);
    pending.boundaryFiles.set(c, file);
  }
  return { kind: 'ward-boundaries', features: doc.features.length, text };
}

/**
 * Everything the row placement needs, from the store plus this invocation's pending geography. Made by
 * `await GeoContext.load(...)`: placing rows is synchronous (per row, inside the CSV reader), so the store
 * is read before it; the store's boundaries are read by `await loadBoundaries()`, which only placing points needs.
 */
/** The ward index the last GeoContext built, by a hash of the boundaries it was built from. */
let lastIndex: { key: string; index: WardIndex; broken: string[] } | null = null;
let lastIndexExpiry: ReturnType<typeof setTimeout> | undefined;

export class GeoContext {
  readonly force: ForceArea;
  /** Districts in the force area. */
  readonly districts: Set<string>;
  readonly areaTypes = new Map<string, AreaType>();
  readonly lsoaWard = new Map<string, string>();
  readonly lsoaDistrict = new Map<string, string>();
  readonly wardDistrict = new Map<string, string>();
  readonly lsoa11 = new Map<string, string>();
  private index: WardIndex | null = null;
  /** The store's boundaries, from loadBoundaries() until they are indexed. */
  private storeBoundaries: Array<{ areaCode: string; geojson: string }> | null = null;
  private boundariesRead: Promise<void> | null = null;
  private readonly store: Store;
  private readonly pending: PendingGeography;
  private readonly pointCache = new PointCache();
  /** Interned area ids (tally.ts) of wardIndex's wards and of their districts (-2: none), by position; filled by placing. */
  wardIds: Int32Array | null = null;
  wardDistrictIds: Int32Array | null = null;
  /** Stored ward boundaries left out of the index because they are not valid polygons. */
  private readonly broken: string[] = [];

  /**
   * Reads the store's areas and LSOA 2011 lookup, and adds the pending geography over them. `storeAreas`:
   * the store's areas when the caller has just read them (a national store has 45,000: 0.1 s to read again).
   */
  static async load(store: Store, pending: PendingGeography, force: ForceArea, storeAreas?: Area[]): Promise<GeoContext> {
    const [areas, lsoa11] = await Promise.all([storeAreas ?? store.areas(), store.lsoa11Lookup()]);
    return new GeoContext(store, pending, force, areas, lsoa11);
  }

  private constructor(store: Store, pending: PendingGeography, force: ForceArea, storeAreas: Area[], storeLsoa11: Map<string, string>) {
    this.force = force;
    const all = new Map<string, Area>();
    for (const a of storeAreas) all.set(a.code, a);
    for (const a of pending.areas.values()) all.set(a.code, a);
    for (const a of all.values()) {
      this.areaTypes.set(a.code, a.type);
      if (a.type === 'lsoa') {
        if (a.parentCode) this.lsoaWard.set(a.code, a.parentCode);
        if (a.districtCode) this.lsoaDistrict.set(a.code, a.districtCode);
      } else if (a.type === 'ward' && a.parentCode) this.wardDistrict.set(a.code, a.parentCode);
    }
    this.areaTypes.set(force.code, 'force');
    const districtCodes = [...all.values()].filter((a) => a.type === 'district').map((a) => a.code);
    this.districts = new Set(force.districts ?? districtCodes);
    for (const [k, v] of storeLsoa11) this.lsoa11.set(k, v);
    for (const [k, v] of pending.lsoa11) this.lsoa11.set(k, v.lsoa21);
    this.store = store;
    this.pending = pending;
  }

  /** Reads the store's ward boundaries (once), before any point is placed with `locate()`. */
  async loadBoundaries(): Promise<void> {
    if (this.index) return;
    this.boundariesRead ??= this.store.boundaries().then((rows) => {
      this.storeBoundaries = rows;
    });
    await this.boundariesRead;
  }

  /** The in-area ward polygons, indexed on first use (only placing points needs them). */
  get wardIndex(): WardIndex {
    if (!this.index) {
      if (!this.storeBoundaries) throw new Error('GeoContext: await loadBoundaries() before placing points');
      const features = new Map<string, string>();
      for (const b of this.storeBoundaries) features.set(b.areaCode, b.geojson);
      for (const [k, v] of this.pending.boundaries) features.set(k, v);
      const inArea: Array<[string, string]> = [];
      const hash = createHash('sha1');
      for (const [wardCode, json] of features) {
        const d = this.wardDistrict.get(wardCode);
        if (!d || !this.districts.has(d)) continue;
        inArea.push([wardCode, json]);
        hash.update(wardCode).update('\0').update(json).update('\0');
      }
      // The same in-area boundaries as the last ingest in this process (a national first load is 60
      // ingests, one a month): the index built then serves (parsing, checking and indexing 7,500 ward
      // polygons took 0.2 to 0.5 s an ingest).
      const key = hash.digest('hex');
      if (lastIndex?.key === key) {
        this.index = lastIndex.index;
        this.broken.push(...lastIndex.broken);
      } else {
        const parsed: Feature[] = [];
        for (const [wardCode, json] of inArea) {
          try {
            parsed.push(JSON.parse(json) as Feature);
          } catch {
            this.broken.push(wardCode); // not JSON at all: left out like any other broken boundary
          }
        }
        this.index = WardIndex.fromFeatures(parsed, this.broken);
        lastIndex = { key, index: this.index, broken: [...this.broken] };
        // Kept for the next ingest of a load, not for ever (a national index is a few hundred MB of polygons).
        clearTimeout(lastIndexExpiry);
        lastIndexExpiry = setTimeout(() => (lastIndex = null), 60_000);
        lastIndexExpiry.unref();
      }
      this.storeBoundaries = null;
    }
    return this.index;
  }

  get hasGeography(): boolean {
    return this.lsoaWard.size > 0;
  }

  /** What a file's summary should say about stored boundaries left out of the index (or undefined). */
  brokenBoundaryNote(): string | undefined {
    if (this.broken.length === 0) return undefined;
    const list = this.broken.slice(0, 5).join(', ') + (this.broken.length > 5 ? `, and ${this.broken.length - 5} more` : '');
    return `the stored boundaries of ${this.broken.length} ward${this.broken.length === 1 ? '' : 's'} (${list}) are not valid polygons: their points were placed by LSOA best fit; ingest a good boundary file for them`;
  }

  /**
   * The position (in wardIndex.wards) of the in-area ward containing the point, or -1: each distinct
   * point is located once per ingest (police.uk reuses snap points), cached by its coordinates.
   */
  wardAt(longitude: number, latitude: number): number {
    let ward = this.pointCache.get(longitude, latitude);
    if (ward === undefined) {
      ward = this.wardIndex.locateIndex(longitude, latitude) + 1; // stored + 1: -1 (in no ward) as 0
      this.pointCache.set(longitude, latitude, ward);
    }
    return ward - 1;
  }

  /** The code of the in-area ward containing the point, or null (see wardAt). */
  locate(longitude: number, latitude: number): string | null {
    const i = this.wardAt(longitude, latitude);
    return i < 0 ? null : this.wardIndex.wards[i]!.code;
  }

  /** forceAreas() when the pending geography holds no areas: the force area itself. */
  static forceAreaOnly(force: ForceArea): Area[] {
    return [{ code: force.code, name: force.name, type: 'force', parentCode: null }];
  }

  /** Areas to upsert for the force area itself and its districts' parent links. */
  forceAreas(pending: PendingGeography): Area[] {
    const out: Area[] = GeoContext.forceAreaOnly(this.force);
    for (const a of pending.areas.values()) {
      if (a.type === 'district') out.push({ ...a, parentCode: this.districts.has(a.code) ? this.force.code : null });
    }
    return out;
  }
}
