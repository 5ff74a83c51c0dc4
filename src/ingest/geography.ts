// Geography: the ONS lookups, ward boundaries and populations, and the GeoContext that places rows.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Feature } from 'geojson';
import type { Config } from '../config/schema.ts';
import { InputError } from '../core/errors.ts';
import { WardIndex, wardCodeOf } from '../geo/wardIndex.ts';
import type { Area, AreaType, Population, Store } from '../store/types.ts';
import { readCsv, type CsvReadResult } from './csv.ts';

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
  const slug = config.forceArea.policeUkForce ?? config.forceArea.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  return { code: slug, name: config.forceArea.name, districts: [...config.forceArea.districts] };
}

/** Geography read from files in this invocation, not yet written to the store. */
export class PendingGeography {
  readonly areas = new Map<string, Area>();
  readonly lsoa11 = new Map<string, { lsoa21: string; change: string }>();
  readonly boundaries = new Map<string, string>();
  readonly populations = new Map<string, Population>();

  get empty(): boolean {
    return this.areas.size + this.lsoa11.size + this.boundaries.size + this.populations.size === 0;
  }
}

function columnIndex(header: string[], pattern: RegExp): number {
  return header.findIndex((h) => pattern.test(h));
}

function code(file: string, line: number, field: string, value: string, what = 'an ONS area code such as E01017983'): string {
  const v = value.trim();
  if (!GSS_CODE.test(v)) throw new InputError(file, line, field, what, value);
  return v;
}

/** ONS LSOA21 -> ward -> district best-fit lookup (LSOA21CD, LSOA21NM, WDyyCD, WDyyNM, LADyyCD, LADyyNM). */
export async function readLsoaWardLookup(path: string, pending: PendingGeography, onBytes?: (n: number, t: number) => void): Promise<CsvReadResult & { rows: number }> {
  const file = basename(path);
  let rows = 0;
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
      return (f, line) => {
        rows++;
        const lsoa = code(file, line, names.lsoa, f[ix.lsoa]!);
        const ward = code(file, line, names.ward, f[ix.ward]!, 'a ward code such as E05013057');
        const lad = code(file, line, names.lad, f[ix.lad]!, 'a district code such as E07000008');
        pending.areas.set(lad, { code: lad, name: f[ix.ladName]!.trim(), type: 'district', parentCode: null });
        pending.areas.set(ward, { code: ward, name: f[ix.wardName]!.trim(), type: 'ward', parentCode: lad });
        pending.areas.set(lsoa, { code: lsoa, name: f[ix.lsoaName]!.trim(), type: 'lsoa', parentCode: ward, districtCode: lad });
      };
    },
    { onBytes },
  );
  return { ...result, rows };
}

/** A ward list (WDyyCD, WDyyNM, LADyyCD, LADyyNM, ...): wards and districts without LSOAs. */
export async function readWardList(path: string, pending: PendingGeography): Promise<CsvReadResult & { rows: number }> {
  const file = basename(path);
  let rows = 0;
  const result = await readCsv(path, (header) => {
    rows = 0;
    const ward = columnIndex(header, /^WD\d\dCD$/i), wardName = columnIndex(header, /^WD\d\dNM$/i);
    const lad = columnIndex(header, /^LAD\d\dCD$/i), ladName = columnIndex(header, /^LAD\d\dNM$/i);
    return (f, line) => {
      rows++;
      const w = code(file, line, header[ward]!, f[ward]!, 'a ward code such as E05013057');
      const d = code(file, line, header[lad]!, f[lad]!, 'a district code such as E07000008');
      if (!pending.areas.has(d)) pending.areas.set(d, { code: d, name: f[ladName]!.trim(), type: 'district', parentCode: null });
      if (!pending.areas.has(w)) pending.areas.set(w, { code: w, name: f[wardName]!.trim(), type: 'ward', parentCode: d });
    };
  });
  return { ...result, rows };
}

/** ONS LSOA11 -> LSOA21 lookup (LSOA11CD, CHGIND, LSOA21CD, ...). Splits keep the first 2021 child. */
export async function readLsoa11Lookup(path: string, pending: PendingGeography): Promise<CsvReadResult & { rows: number }> {
  const file = basename(path);
  let rows = 0;
  const result = await readCsv(path, (header) => {
    rows = 0;
    const l11 = columnIndex(header, /^LSOA11CD$/i), l21 = columnIndex(header, /^LSOA21CD$/i), chg = columnIndex(header, /^CHGIND$/i);
    return (f, line) => {
      rows++;
      const a = code(file, line, header[l11]!, f[l11]!);
      const b = code(file, line, header[l21]!, f[l21]!);
      const change = f[chg]!.trim();
      if (!/^[USMX]$/.test(change)) throw new InputError(file, line, header[chg]!, 'U, S, M or X', change);
      if (!pending.lsoa11.has(a)) pending.lsoa11.set(a, { lsoa21: b, change });
    };
  });
  return { ...result, rows };
}

/** Populations CSV: area_code,population,year,source. Every area code must be in the geography. */
export async function readPopulations(path: string, pending: PendingGeography, known: (code: string) => boolean): Promise<CsvReadResult & { rows: number }> {
  const file = basename(path);
  let rows = 0;
  const firstLine = new Map<string, number>();
  const result = await readCsv(path, () => {
    rows = 0;
    firstLine.clear();
    return (f, line) => {
    rows++;
    const areaCode = f[0]!.trim();
    if (!known(areaCode)) throw new InputError(file, line, 'area_code', 'an area code in the loaded geography (load the ONS lookup first)', areaCode);
    const earlier = firstLine.get(areaCode);
    if (earlier !== undefined) throw new InputError(file, line, 'area_code', `each area once (${areaCode} is already on line ${earlier})`, areaCode);
    firstLine.set(areaCode, line);
    const population = f[1]!.trim();
    if (!/^\d+$/.test(population)) throw new InputError(file, line, 'population', 'a whole number of residents', population);
    const year = f[2]!.trim();
    if (!/^(19|20)\d\d$/.test(year)) throw new InputError(file, line, 'year', 'a year such as 2021', year);
    const source = f[3]!.trim();
    if (!source) throw new InputError(file, line, 'source', 'a description of where the figure comes from', '');
    pending.populations.set(areaCode, { areaCode, population: Number(population), year: Number(year), source });
    };
  });
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
  if (doc.type !== 'FeatureCollection' || !Array.isArray(doc.features)) throw new InputError(file, null, 'type', 'a GeoJSON FeatureCollection', String(doc.type));
  const first = doc.features[0];
  if (!first || !wardCodeOf(first)) return { kind: 'other-boundaries', features: doc.features.length, text };
  doc.features.forEach((f, i) => {
    const c = wardCodeOf(f);
    const prop = Object.keys(f.properties ?? {}).find((k) => /^WD\d\dCD$/i.test(k)) ?? 'code';
    if (!c) throw new InputError(file, null, `features[${i}].properties.${prop}`, 'a ward code', '');
    if (!isWard(c)) throw new InputError(file, null, `features[${i}].properties.${prop}`, 'a ward code in the loaded ONS lookup (load the lookup first)', c);
    const t = f.geometry?.type;
    if (t !== 'Polygon' && t !== 'MultiPolygon') throw new InputError(file, null, `features[${i}].geometry.type`, 'Polygon or MultiPolygon', String(t));
    pending.boundaries.set(c, JSON.stringify(f));
  });
  return { kind: 'ward-boundaries', features: doc.features.length, text };
}

/**
 * Everything the row placement needs, from the store plus this invocation's pending geography. Made by
 * `await GeoContext.load(...)`: placing rows is synchronous (per row, inside the CSV reader), so the store
 * is read before it; the store's boundaries are read by `await loadBoundaries()`, which only placing points needs.
 */
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
  private readonly pointCache = new Map<string, string | null>();

  /** Reads the store's areas and LSOA 2011 lookup, and adds the pending geography over them. */
  static async load(store: Store, pending: PendingGeography, force: ForceArea): Promise<GeoContext> {
    const [areas, lsoa11] = await Promise.all([store.areas(), store.lsoa11Lookup()]);
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
      const inArea: Feature[] = [];
      for (const [wardCode, json] of features) {
        const d = this.wardDistrict.get(wardCode);
        if (d && this.districts.has(d)) inArea.push(JSON.parse(json) as Feature);
      }
      this.index = WardIndex.fromFeatures(inArea);
      this.storeBoundaries = null;
    }
    return this.index;
  }

  get hasGeography(): boolean {
    return this.lsoaWard.size > 0;
  }

  /** The in-area ward containing the point, cached by the point's text (police.uk reuses snap points). */
  locate(key: string, longitude: number, latitude: number): string | null {
    let ward = this.pointCache.get(key);
    if (ward === undefined) {
      ward = this.wardIndex.locate(longitude, latitude);
      // Bounded: a national file has a few hundred thousand distinct snap points at most.
      if (this.pointCache.size >= 400_000) this.pointCache.clear();
      this.pointCache.set(key, ward);
    }
    return ward;
  }

  /** Areas to upsert for the force area itself and its districts' parent links. */
  forceAreas(pending: PendingGeography): Area[] {
    const out: Area[] = [{ code: this.force.code, name: this.force.name, type: 'force', parentCode: null }];
    for (const a of pending.areas.values()) {
      if (a.type === 'district') out.push({ ...a, parentCode: this.districts.has(a.code) ? this.force.code : null });
    }
    return out;
  }
}
