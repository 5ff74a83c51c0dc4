// `ingest`: files or folders in, one all-or-nothing store transaction out.
//
// 1. detect every file's kind from its header row (or GeoJSON body);
// 2. read the geography files (lookups, boundaries, populations) into memory;
// 3. read and aggregate every month file against the store's geography plus the new geography;
// 4. write everything in one transaction. Any error before or during step 4 leaves the store as it was.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { loadConfig, configPath } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { InputError, UserError } from '../core/errors.ts';
import type { Month } from '../core/periods.ts';
import type { Area, DataSource, Release, Store } from '../store/types.ts';
import { firstLine, splitHeaderLine } from './csv.ts';
import {
  forceAreaOf,
  GeoContext,
  PendingGeography,
  readBoundaries,
  readLsoa11Lookup,
  readLsoaWardLookup,
  readPopulations,
  readWardList,
} from './geography.ts';
import { parsePartnershipAggregated, parsePartnershipRecords, PARTNERSHIP_AGGREGATED_HEADER, PARTNERSHIP_RECORDS_HEADER } from './partnership.ts';
import { parsePoliceUkFile, POLICE_UK_HEADER, type ParsedMonthFile } from './policeUk.ts';
import { addStats, emptyStats, Tally, type PlacementStats } from './tally.ts';

export type FileKind =
  | 'lsoa-ward-lookup'
  | 'ward-list'
  | 'lsoa11-lookup'
  | 'boundaries'
  | 'populations'
  | 'police-uk'
  | 'partnership-aggregated'
  | 'partnership-records';

/** Geography first, so month files in the same invocation are placed with it. */
const KIND_ORDER: Record<FileKind, number> = {
  'lsoa-ward-lookup': 0,
  'ward-list': 1,
  'lsoa11-lookup': 2,
  boundaries: 3,
  populations: 4,
  'police-uk': 5,
  'partnership-aggregated': 6,
  'partnership-records': 7,
};

export const KIND_LABEL: Record<FileKind, string> = {
  'lsoa-ward-lookup': 'ONS LSOA21 -> ward -> district lookup',
  'ward-list': 'ward list',
  'lsoa11-lookup': 'ONS LSOA11 -> LSOA21 lookup',
  boundaries: 'boundary GeoJSON',
  populations: 'populations',
  'police-uk': 'police.uk street CSV',
  'partnership-aggregated': 'partnership extract (aggregated)',
  'partnership-records': 'partnership extract (record-level)',
};

const EXPECTED_HEADERS =
  'a known header row: police.uk street CSV (12 columns: Crime ID,Month,...,Context); ' +
  `partnership extract (${PARTNERSHIP_AGGREGATED_HEADER.join(',')}) or (${PARTNERSHIP_RECORDS_HEADER.join(',')}); ` +
  'ONS lookup (LSOA21CD,LSOA21NM,WDyyCD,WDyyNM,LADyyCD,LADyyNM or LSOA11CD,...,CHGIND,LSOA21CD,...); ' +
  'populations (area_code,population,year,source)';

const same = (a: readonly string[], b: readonly string[], fold = false) =>
  a.length === b.length && a.every((x, i) => (fold ? x.toLowerCase() === b[i]!.toLowerCase() : x === b[i]));

export function kindOfHeader(header: string[]): FileKind | null {
  if (same(header, POLICE_UK_HEADER)) return 'police-uk';
  if (same(header, PARTNERSHIP_AGGREGATED_HEADER, true)) return 'partnership-aggregated';
  if (same(header, PARTNERSHIP_RECORDS_HEADER, true)) return 'partnership-records';
  if (same(header, ['area_code', 'population', 'year', 'source'], true)) return 'populations';
  const has = (re: RegExp) => header.some((h) => re.test(h));
  if (has(/^LSOA11CD$/i) && has(/^LSOA21CD$/i) && has(/^CHGIND$/i)) return 'lsoa11-lookup';
  if (has(/^LSOA21CD$/i) && has(/^LSOA21NM$/i) && has(/^WD\d\dCD$/i) && has(/^WD\d\dNM$/i) && has(/^LAD\d\dCD$/i) && has(/^LAD\d\dNM$/i)) return 'lsoa-ward-lookup';
  if (!has(/^LSOA\d\dCD$/i) && has(/^WD\d\dCD$/i) && has(/^WD\d\dNM$/i) && has(/^LAD\d\dCD$/i) && has(/^LAD\d\dNM$/i)) return 'ward-list';
  return null;
}

export async function detectKind(path: string): Promise<FileKind> {
  const ext = extname(path).toLowerCase();
  if (ext === '.geojson' || ext === '.json') return 'boundaries';
  const line = await firstLine(path);
  if (line.trimStart().startsWith('{')) return 'boundaries';
  const kind = kindOfHeader(splitHeaderLine(line));
  if (!kind) throw new InputError(basename(path), 1, null, EXPECTED_HEADERS, line);
  return kind;
}

/** Files named by `paths`; folders are walked (sorted), keeping .csv/.geojson/.json but not *.template.csv. */
export function expandPaths(paths: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(csv|geojson|json)$/i.test(name) && !/\.template\.csv$/i.test(name)) out.push(p);
    }
  };
  for (const raw of paths) {
    const p = resolve(raw);
    if (!existsSync(p)) throw new UserError(`${raw}: no such file or folder`);
    if (statSync(p).isDirectory()) walk(p);
    else out.push(p);
  }
  return [...new Set(out)];
}

export interface IngestProgress {
  file: string;
  /** 1-based position of the file among all files in the invocation. */
  index: number;
  files: number;
  bytesRead: number;
  bytesTotal: number;
  phase: 'read' | 'write';
}

export interface IngestOptions {
  /** The config whose force area is used; undefined = load it if a config file exists; null = none. */
  config?: Config | null;
  onProgress?: (p: IngestProgress) => void;
}

export type Outcome = 'loaded' | 'revised' | 'unchanged' | 'skipped: real data exists' | 'geography' | 'skipped';

export interface FileSummary extends PlacementStats {
  file: string;
  path: string;
  kind: FileKind;
  month: Month | null;
  synthetic: boolean;
  outcome: Outcome;
  note?: string;
  release?: Release;
}

export interface IngestResult {
  files: FileSummary[];
  seconds: number;
  rowsRead: number;
}

/** The config at $WARDWATCH_CONFIG or ./wardwatch.config.yaml, or null when there is none. */
export function defaultConfig(): Config | null {
  const file = configPath();
  return existsSync(file) ? loadConfig(file).config : null;
}

/** One line per file: rows read, by polygon, by LSOA, out of area, unplaced. */
export function summaryLine(s: FileSummary): string {
  const n = (x: number) => x.toLocaleString('en-GB');
  const head = `${s.file}: ${KIND_LABEL[s.kind]}${s.month ? ` ${s.month}` : ''}${s.synthetic ? ' (synthetic)' : ''}: ${s.outcome}`;
  if (s.kind === 'partnership-aggregated') {
    // Aggregated rows carry counts: report what the counts were placed as, not rows.
    const lsoa = s.placedByLsoa ? `, ${n(s.placedByLsoa)} to wards by LSOA best-fit` : '';
    return `${head}; ${n(s.rowsRead)} rows read; counts: ${n(s.placedByPartner)} in wards as supplied${lsoa}, ${n(s.outOfArea)} out of area${s.note ? `; ${s.note}` : ''}`;
  }
  if (s.kind === 'police-uk' || s.kind === 'partnership-records') {
    const partner = s.placedByPartner ? `, ${n(s.placedByPartner)} partner-supplied ward` : '';
    return `${head}; ${n(s.rowsRead)} rows read, ${n(s.placedByPolygon)} by polygon, ${n(s.placedByLsoa)} by LSOA${partner}, ${n(s.outOfArea)} out of area, ${n(s.unplaced)} unplaced${s.note ? `; ${s.note}` : ''}`;
  }
  return `${head}; ${n(s.rowsRead)} rows read${s.note ? `; ${s.note}` : ''}`;
}

/** Ingests files and folders into the store, all or nothing. Throws InputError/UserError on bad input. */
export async function ingestPaths(store: Store, paths: string[], options: IngestOptions = {}): Promise<IngestResult> {
  const started = performance.now();
  const config = options.config === undefined ? defaultConfig() : options.config;
  const files = expandPaths(paths);
  if (files.length === 0) throw new UserError(`no data files (.csv, .geojson) found in ${paths.join(', ')}`);
  const kinds = new Map<string, FileKind>();
  for (const f of files) kinds.set(f, await detectKind(f));
  files.sort((a, b) => KIND_ORDER[kinds.get(a)!] - KIND_ORDER[kinds.get(b)!]);

  const progress = (file: string, index: number, bytesRead: number, bytesTotal: number, phase: IngestProgress['phase'] = 'read') =>
    options.onProgress?.({ file: basename(file), index, files: files.length, bytesRead, bytesTotal, phase });

  // Geography: read into memory; written in the final transaction.
  const pending = new PendingGeography();
  const summaries: FileSummary[] = [];
  const geoReleases: Array<Omit<Release, 'id' | 'ingestedAt' | 'revision'>> = [];
  const storeAreas = new Map((await store.areas()).map((a) => [a.code, a]));
  const force = forceAreaOf(config);
  const geoSummary = (path: string, kind: FileKind, rows: number, checksum: string, note?: string, source: 'geography' | 'population' = 'geography') => {
    summaries.push({ ...emptyStats(), rowsRead: rows, file: basename(path), path, kind, month: null, synthetic: false, outcome: 'geography', ...(note ? { note } : {}) });
    geoReleases.push({ ...emptyStats(), rowsRead: rows, source, fileName: basename(path), month: null, checksum, synthetic: false });
  };
  let index = 0;
  for (const path of files) {
    const kind = kinds.get(path)!;
    index++;
    const onBytes = (n: number, t: number) => progress(path, index, n, t);
    if (kind === 'lsoa-ward-lookup') {
      const r = await readLsoaWardLookup(path, pending, onBytes);
      geoSummary(path, kind, r.rows, r.checksum);
    } else if (kind === 'ward-list') {
      const r = await readWardList(path, pending);
      geoSummary(path, kind, r.rows, r.checksum);
    } else if (kind === 'lsoa11-lookup') {
      const r = await readLsoa11Lookup(path, pending);
      geoSummary(path, kind, r.rows, r.checksum);
    } else if (kind === 'boundaries') {
      const isWard = (c: string) => pending.areas.get(c)?.type === 'ward' || storeAreas.get(c)?.type === 'ward';
      const r = readBoundaries(path, pending, isWard);
      const checksum = createHash('sha256').update(r.text).digest('hex');
      if (r.kind === 'ward-boundaries') geoSummary(path, kind, r.features, checksum, `${r.features} ward polygons`);
      else summaries.push({ ...emptyStats(), file: basename(path), path, kind, month: null, synthetic: false, outcome: 'skipped', note: `${r.features} features with no ward code (only ward boundaries are used)` });
    } else if (kind === 'populations') {
      const known = (c: string) => c === force.code || pending.areas.has(c) || storeAreas.has(c);
      const r = await readPopulations(path, pending, known);
      geoSummary(path, kind, r.rows, r.checksum, undefined, 'population');
    }
  }

  // Month files: placed against the store's geography plus the pending geography.
  const monthFiles = files.filter((f) => KIND_ORDER[kinds.get(f)!] >= KIND_ORDER['police-uk']);
  const parsed: ParsedMonthFile[] = [];
  if (monthFiles.length) {
    const geo = await GeoContext.load(store, pending, force);
    if (!geo.hasGeography) {
      throw new UserError('no geography loaded: ingest the ONS LSOA21 -> ward -> district lookup (and ward boundaries) first, or in the same command, e.g. `wardwatch ingest fixtures/geography <files>`');
    }
    const seen = new Map<string, string>();
    for (const path of monthFiles) {
      index = files.indexOf(path) + 1;
      const kind = kinds.get(path)!;
      const onBytes = (n: number, t: number) => progress(path, index, n, t);
      const p =
        kind === 'police-uk' ? await parsePoliceUkFile(path, geo, onBytes)
        : kind === 'partnership-aggregated' ? await parsePartnershipAggregated(path, geo, onBytes)
        : await parsePartnershipRecords(path, geo, onBytes);
      const same = seen.get(p.checksum);
      if (same !== undefined) {
        // The same file named twice (or a byte-identical copy): loaded once, and still given its summary line.
        summaries.push({ ...p.stats, file: p.fileName, path, kind, month: p.month, synthetic: p.synthetic, outcome: 'skipped', note: `the same file as ${same}` });
        continue;
      }
      seen.set(p.checksum, p.fileName);
      parsed.push(p);
    }
  }

  // Group by source and month: several files of one month (e.g. several forces) load together, but
  // never two versions of the same data (they would be summed): see sameMonthFiles().
  const byMonth = new Map<string, ParsedMonthFile[]>();
  for (const p of parsed) {
    const key = `${p.source}\t${p.month}`;
    byMonth.set(key, [...(byMonth.get(key) ?? []), p]);
  }
  const groups: ParsedMonthFile[][] = [];
  for (const all of byMonth.values()) {
    const { load, skipped } = sameMonthFiles(all);
    groups.push(load);
    for (const g of skipped) {
      summaries.push({ ...g.stats, file: g.fileName, path: g.path, kind: kinds.get(g.path)!, month: g.month, synthetic: true, outcome: 'skipped: real data exists', note: 'a real file for the same month is in this ingest' });
    }
  }

  progress('store', files.length, 0, 0, 'write');
  await store.transaction(async (tx) => {
    if (!pending.empty || parsed.length) {
      const geo = await GeoContext.load(tx, pending, force);
      const areas = [...[...pending.areas.values()].filter((a) => a.type !== 'district'), ...geo.forceAreas(pending)];
      const held = await tx.areasByCode(areas.map((a) => a.code));
      await tx.upsertAreas(areas.filter((a) => !sameArea(held.get(a.code), a)));
    }
    if (pending.lsoa11.size) await tx.upsertLsoa11Lookup([...pending.lsoa11].map(([lsoa11, v]) => ({ lsoa11, ...v })));
    if (pending.boundaries.size) await tx.upsertBoundaries([...pending.boundaries].map(([areaCode, geojson]) => ({ areaCode, geojson })));
    if (pending.populations.size) await tx.upsertPopulations([...pending.populations.values()]);
    const logged = new Set((await tx.releases()).filter((r) => r.month === null).map((r) => `${r.source}\t${r.checksum}`));
    for (const r of geoReleases) {
      const key = `${r.source}\t${r.checksum}`;
      if (logged.has(key)) continue;
      logged.add(key);
      await tx.logRelease(r);
    }
    for (const group of groups) {
      const first = group[0]!;
      const tally = new Tally();
      let stats = emptyStats();
      for (const g of group) {
        tally.merge(g.tally);
        stats = addStats(stats, g.stats);
      }
      const checksum = group.length === 1 ? first.checksum : group.map((g) => g.checksum).sort().join('+');
      const synthetic = group.every((g) => g.synthetic);
      const result = await tx.replaceMonth({
        source: first.source,
        month: first.month,
        counts: tally.toCounts(first.source as DataSource, first.month, synthetic),
        release: { ...stats, source: first.source, fileName: group.map((g) => g.fileName).join(' + '), month: first.month, checksum, synthetic },
      });
      const outcome: Outcome = result.unchanged
        ? result.reason === 'real-data-exists' ? 'skipped: real data exists' : 'unchanged'
        : result.release?.revision ? 'revised' : 'loaded';
      for (const g of group) {
        const note =
          [
            outcome === 'revised' && result.release?.revision
              ? `replaces the earlier version (total ${result.release.revision.previousTotal} -> ${result.release.revision.newTotal})`
              : g.vintage === 2011 ? 'LSOA 2011 codes mapped to 2021' : undefined,
            g.note,
          ].filter(Boolean).join('; ') || undefined;
        summaries.push({ ...g.stats, file: g.fileName, path: g.path, kind: kinds.get(g.path)!, month: g.month, synthetic: g.synthetic, outcome, ...(note ? { note } : {}), ...(result.release ? { release: result.release } : {}) });
      }
    }
  });

  const order = new Map(files.map((f, i) => [f, i]));
  summaries.sort((a, b) => (order.get(a.path) ?? 0) - (order.get(b.path) ?? 0));
  return { files: summaries, seconds: (performance.now() - started) / 1000, rowsRead: parsed.reduce((s, p) => s + p.stats.rowsRead, 0) };
}

/**
 * The files of one source and month in one ingest. Synthetic files are set aside when a real file of
 * the same month is present (as the store would refuse them). The rest load together, summed, so each
 * count must come from one file only: police.uk files must be of different forces ("Reported by"), and
 * partnership extracts must give different measures. Two versions of the same month's data (e.g. a
 * re-download next to the original) are an error rather than double counts.
 */
export function sameMonthFiles(files: ParsedMonthFile[]): { load: ParsedMonthFile[]; skipped: ParsedMonthFile[] } {
  const real = files.filter((f) => !f.synthetic);
  const load = real.length ? real : files;
  const skipped = real.length ? files.filter((f) => f.synthetic) : [];
  const owner = new Map<string, string>();
  for (const f of load) {
    const keys = f.source === 'police.uk' ? (f.reportedBy ?? []) : [...f.tally.measures()];
    for (const k of keys) {
      const other = owner.get(k);
      if (other !== undefined) {
        throw f.source === 'police.uk'
          ? new InputError(f.fileName, null, 'Reported by', `one file per force and month (${other} also holds ${f.month} for this force)`, k)
          : new InputError(f.fileName, null, 'measure', `each measure in one partnership file per month (${other} also gives ${k} for ${f.month})`, k);
      }
      owner.set(k, f.fileName);
    }
  }
  return { load, skipped };
}

/** True when the store already holds exactly this area, `b` (so re-ingesting geography writes nothing). */
function sameArea(b: Area | undefined, a: { code: string; name: string; type: string; parentCode: string | null; districtCode?: string | null }): boolean {
  return !!b && b.name === a.name && b.type === a.type && b.parentCode === a.parentCode && (b.districtCode ?? null) === (a.districtCode ?? null);
}
