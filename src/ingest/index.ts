// `ingest`: files or folders in, one all-or-nothing store transaction out.
//
// 1. detect every file's kind from its header row (or GeoJSON body);
// 2. read the geography files (lookups, boundaries, populations) into memory;
// 3. read and aggregate every month file against the store's geography plus the new geography;
// 4. write everything in one transaction. Any error before or during step 4 leaves the store as it was.
import type { Feature } from 'geojson';
import { simplifyFeatures } from '../geo/simplify.ts';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readlinkSync, realpathSync, statSync, type Stats } from 'node:fs';
import { basename, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { loadConfig, configPath } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { InputError, UserError } from '../core/errors.ts';
import type { Month } from '../core/periods.ts';
import type { Area, DataSource, Release, Store } from '../store/types.ts';
import { firstLine, splitHeaderLine } from './csv.ts';
import { forceAreaOf, GeoContext, PendingGeography, type AreaOrigin, readBoundaries, readLsoa11Lookup, readLsoaWardLookup, readPopulations, readWardList } from './geography.ts';
import { parsePartnershipAggregated, parsePartnershipRecords, PARTNERSHIP_AGGREGATED_HEADER, PARTNERSHIP_RECORDS_HEADER } from './partnership.ts';
import { readInParallel, readerThreads } from './parallel.ts';
import { columnValues, parsePoliceUkFile, placePoliceUk, POLICE_UK_HEADER, policeUkCrimeTypes, type ParsedMonthFile } from './policeUk.ts';
import { addStats, emptyStats, Tally, type PlacementStats } from './tally.ts';
import { commonFingerprints, fingerprint64, ingestChecks } from './validate.ts';

export type FileKind = 'lsoa-ward-lookup' | 'ward-list' | 'lsoa11-lookup' | 'boundaries' | 'populations' | 'police-uk' | 'partnership-aggregated' | 'partnership-records';

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

const TEMPLATE = /\.template\.csv$/i;

/** A path as the operator would recognise it: relative to the working folder when inside it. */
function shown(p: string): string {
  const r = relative(process.cwd(), p);
  return r && !r.startsWith('..') && !isAbsolute(r) ? r : p;
}

/**
 * What a path is, following links: a link that dangles or loops is an InputError naming the link
 * (and its target), never a raw ENOENT/ELOOP stack.
 */
function statFollowing(p: string): { stats: Stats; real: string } {
  let link: Stats;
  try {
    link = lstatSync(p);
  } catch (err) {
    throw new UserError(`${shown(p)}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (!link.isSymbolicLink()) return { stats: link, real: p };
  let target = '?';
  try {
    target = readlinkSync(p);
  } catch {
    // (the target is only for the message)
  }
  try {
    const real = realpathSync(p);
    return { stats: statSync(real), real };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP')
      throw new InputError(shown(p), null, null, `a link to a file or folder (it points to ${target}, and following it leads back to itself)`, 'a link that loops');
    if (code === 'ENOENT' || code === 'ENOTDIR')
      throw new InputError(shown(p), null, null, `a link to an existing file or folder (it points to ${target}, which does not exist)`, 'a dangling link');
    throw new UserError(`${shown(p)}: a link to ${target} that cannot be followed (${code ?? (err as Error).message})`);
  }
}

/**
 * Files named by `paths`; folders are walked (sorted), keeping .csv/.geojson/.json but not *.template.csv.
 * A template named on its own is refused (its figures are examples); a link that dangles, loops, or leads
 * back to a folder already being walked is refused, naming the link.
 */
export function expandPaths(paths: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string, open: Set<string>) => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch (err) {
      throw new UserError(`${shown(dir)}: cannot read the folder (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    for (const name of names) {
      const p = join(dir, name);
      const { stats, real } = statFollowing(p);
      if (stats.isDirectory()) {
        if (open.has(real)) {
          // Only a link (or a bind mount) can lead back to a folder being read.
          let target = real;
          try {
            target = readlinkSync(p);
          } catch {
            // not a link: name the folder it leads to
          }
          throw new InputError(
            shown(p),
            null,
            null,
            `a link to a folder outside the one being read (it points to ${target}, a folder that contains the link)`,
            'a link that loops',
          );
        }
        walk(p, new Set([...open, real]));
      } else if (/\.(csv|geojson|json)$/i.test(name) && !TEMPLATE.test(name)) out.push(p);
    }
  };
  for (const raw of paths) {
    const p = resolve(raw);
    if (!existsSync(p)) {
      let isLink = false;
      try {
        isLink = lstatSync(p).isSymbolicLink();
      } catch {
        // not there at all
      }
      if (!isLink) throw new UserError(`${raw}: no such file or folder`);
    }
    const { stats, real } = statFollowing(p);
    if (stats.isDirectory()) walk(p, new Set([real]));
    else if (TEMPLATE.test(p)) {
      throw new InputError(
        raw,
        null,
        null,
        'a data file, not a template: a *.template.csv holds example figures; copy it to a name without ".template", put your own figures in it and ingest the copy',
        'a template',
      );
    } else out.push(p);
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
  /** The clock: a month after the one containing now is refused (default: the real time). */
  now?: () => Date;
  /**
   * Accept a lookup that moves an area the store holds to another parent (a ward to another district,
   * an LSOA to another best-fit ward or district): logged as a boundary change. Refused without it.
   */
  allowBoundaryChanges?: boolean;
  /** Reader threads for police.uk files (default: by cores and size, see readerThreads(); 0 = none). */
  readerThreads?: number;
  /**
   * Refresh the store's planner statistics when anything landed (default true; Store.refreshPlannerStatistics).
   * A caller loading many months one ingest at a time turns it off and refreshes once at the end.
   */
  plannerStatistics?: boolean;
}

/** An area that a lookup in this ingest moves to another parent than the store's. */
export interface BoundaryChange {
  code: string;
  type: 'ward' | 'lsoa';
  name: string;
  /** What changes: the ward's district, or the LSOA's best-fit ward or district. */
  what: 'district' | 'best-fit ward';
  from: string | null;
  to: string | null;
  origin: AreaOrigin | undefined;
}

/** Areas the pending geography moves to another parent than the store holds. */
export function boundaryChanges(pending: PendingGeography, stored: ReadonlyMap<string, Area>): BoundaryChange[] {
  const out: BoundaryChange[] = [];
  for (const a of pending.areas.values()) {
    if (a.type !== 'ward' && a.type !== 'lsoa') continue;
    const b = stored.get(a.code);
    if (!b || b.type !== a.type) continue;
    const base = { code: a.code, type: a.type, name: a.name, origin: pending.origins.get(a.code) };
    if (a.type === 'ward' && b.parentCode !== a.parentCode) out.push({ ...base, what: 'district', from: b.parentCode, to: a.parentCode });
    if (a.type === 'lsoa') {
      if ((b.districtCode ?? null) !== (a.districtCode ?? null)) out.push({ ...base, what: 'district', from: b.districtCode ?? null, to: a.districtCode ?? null });
      else if (b.parentCode !== a.parentCode) out.push({ ...base, what: 'best-fit ward', from: b.parentCode, to: a.parentCode });
    }
  }
  return out;
}

const changeText = (c: BoundaryChange) => `${c.type} ${c.code} ${c.what} ${c.from} -> ${c.to}`;

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
  const checks = ingestChecks(config, options.now?.() ?? new Date());
  const files = expandPaths(paths);
  if (files.length === 0) throw new UserError(`no data files (.csv, .geojson) found in ${paths.join(', ')}`);
  const kinds = new Map<string, FileKind>();
  for (const f of files) kinds.set(f, await detectKind(f));
  files.sort((a, b) => KIND_ORDER[kinds.get(a)!] - KIND_ORDER[kinds.get(b)!]);

  const progress = (file: string, index: number, bytesRead: number, bytesTotal: number, phase: IngestProgress['phase'] = 'read') =>
    options.onProgress?.({ file: basename(file), index, files: files.length, bytesRead, bytesTotal, phase });

  // Geography: read into memory; written in the final transaction.
  const pending = new PendingGeography();
  pending.syntheticCodes = checks.syntheticCodes;
  const summaries: FileSummary[] = [];
  const geoReleases: Array<Omit<Release, 'id' | 'ingestedAt' | 'revision'>> = [];
  const storeAreaList = await store.areas();
  const storeAreas = new Map(storeAreaList.map((a) => [a.code, a]));
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
      else
        summaries.push({
          ...emptyStats(),
          file: basename(path),
          path,
          kind,
          month: null,
          synthetic: false,
          outcome: 'skipped',
          note: `${r.features} features with no ward code (only ward boundaries are used)`,
        });
    } else if (kind === 'populations') {
      const typeOf = (c: string) => (c === force.code ? 'force' : (pending.areas.get(c)?.type ?? storeAreas.get(c)?.type));
      const r = await readPopulations(path, pending, typeOf, checks);
      geoSummary(path, kind, r.rows, r.checksum, undefined, 'population');
    }
  }

  // A lookup that moves an area the store holds to another parent rewrites where its history counts:
  // refused unless the operator says so, and then logged as a boundary change.
  const changes = boundaryChanges(pending, storeAreas);
  const changeReleases: Array<Omit<Release, 'id' | 'ingestedAt' | 'revision'>> = [];
  if (changes.length && !options.allowBoundaryChanges) {
    const c = changes[0]!;
    const more = changes.length > 1 ? `; ${changes.length - 1} more area${changes.length > 2 ? 's' : ''} move too` : '';
    const field = c.what === 'district' && c.type === 'lsoa' ? c.origin?.districtField : c.origin?.parentField;
    throw new InputError(
      c.origin?.file ?? 'geography',
      c.origin?.line ?? null,
      field ?? null,
      `${c.type} ${c.code} (${c.name}) in its ${c.what} as stored, ${c.from}: this lookup moves it, which changes where its history counts${more}. ` +
        'If the boundaries really changed, ingest again with --allow-boundary-changes (logged as a boundary change)',
      c.to ?? '',
    );
  }
  if (changes.length) {
    const byFile = new Map<string, BoundaryChange[]>();
    for (const c of changes) {
      const f = c.origin?.file ?? 'geography';
      byFile.set(f, [...(byFile.get(f) ?? []), c]);
    }
    for (const [file, list] of byFile) {
      const wards = list.filter((c) => c.type === 'ward').length;
      const head = `boundary change (--allow-boundary-changes): ${wards} ward${wards === 1 ? '' : 's'} and ${list.length - wards} LSOA${list.length - wards === 1 ? '' : 's'} move`;
      const shownList = list.slice(0, 10).map(changeText).join('; ') + (list.length > 10 ? `; and ${list.length - 10} more` : '');
      const summary = summaries.find((s) => s.file === file && s.kind !== 'boundaries');
      if (summary) summary.note = [summary.note, `${head}: ${shownList}`].filter(Boolean).join('; ');
      changeReleases.push({
        ...emptyStats(),
        rowsRead: list.length,
        source: 'geography',
        fileName: `boundary change from ${file}: ${shownList}`,
        month: null,
        checksum: createHash('sha256')
          .update(`boundary change\n${list.map(changeText).join('\n')}`)
          .digest('hex'),
        synthetic: false,
      });
    }
  }

  // Month files: placed against the store's geography plus the pending geography.
  const monthFiles = files.filter((f) => KIND_ORDER[kinds.get(f)!] >= KIND_ORDER['police-uk']);
  const parsed: ParsedMonthFile[] = [];
  if (monthFiles.length) {
    const geo = await GeoContext.load(store, pending, force, storeAreaList);
    if (!geo.hasGeography) {
      throw new UserError(
        'no geography loaded: ingest the ONS LSOA21 -> ward -> district lookup (and ward boundaries) first, or in the same command, e.g. `wardwatch ingest fixtures/geography <files>`',
      );
    }
    const seen = new Map<string, string>();
    // police.uk files are read here and on reader threads when there are enough of them (see parallel.ts),
    // and placed here, in order.
    const policeUkFiles = monthFiles.filter((f) => kinds.get(f) === 'police-uk');
    const threads = readerThreads(policeUkFiles, options.readerThreads);
    const reading = threads > 0 ? readInParallel(policeUkFiles, checks, threads, policeUkCrimeTypes()) : null;
    // A file a reader thread has read is placed here between this thread's own files, in the order the
    // threads finish them (from the back of the list), not when the loop below reaches it: otherwise
    // placing the threads' files is left until every read is done, with the threads idle. The loop still
    // takes the results in the files' order, so the first bad file in that order is the one reported.
    const placing = new Map<string, Promise<ParsedMonthFile>>();
    let stopped = false; // the loop has ended (an earlier file failed): nothing more is placed
    const placed = (path: string): Promise<ParsedMonthFile> => {
      let p = placing.get(path);
      if (p === undefined) {
        const at = files.indexOf(path) + 1;
        p = reading!.get(path, (n, t) => progress(path, at, n, t)).then((read) => (stopped ? Promise.reject(new Error('ingest stopped')) : placePoliceUk(read, geo)));
        p.catch(() => undefined); // awaited in the loop (or never, after an earlier file fails)
        placing.set(path, p);
      }
      return p;
    };
    try {
      for (const path of monthFiles) {
        if (reading) for (const done of reading.delivered()) void placed(done);
        index = files.indexOf(path) + 1;
        const kind = kinds.get(path)!;
        const onBytes = (n: number, t: number) => progress(path, index, n, t);
        const p =
          kind === 'police-uk'
            ? reading
              ? await placed(path)
              : await parsePoliceUkFile(path, geo, onBytes, checks)
            : kind === 'partnership-aggregated'
              ? await parsePartnershipAggregated(path, geo, onBytes, checks)
              : await parsePartnershipRecords(path, geo, onBytes, checks);
        const same = seen.get(p.checksum);
        if (same !== undefined) {
          // The same file named twice (or a byte-identical copy): loaded once, and still given its summary line.
          summaries.push({ ...p.stats, file: p.fileName, path, kind, month: p.month, synthetic: p.synthetic, outcome: 'skipped', note: `the same file as ${same}` });
          continue;
        }
        seen.set(p.checksum, p.fileName);
        parsed.push(p);
      }
    } finally {
      stopped = true;
      await reading?.close();
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
    await duplicateIdsAcross(load);
    groups.push(load);
    for (const g of skipped) {
      summaries.push({
        ...g.stats,
        file: g.fileName,
        path: g.path,
        kind: kinds.get(g.path)!,
        month: g.month,
        synthetic: true,
        outcome: 'skipped: real data exists',
        note: 'a real file for the same month is in this ingest',
      });
    }
  }

  progress('store', files.length, 0, 0, 'write');
  await store.transaction(async (tx) => {
    if (!pending.empty || parsed.length) {
      // Without new areas, only the force area itself is written: no need to read every stored area again.
      const forceAreas = pending.areas.size ? (await GeoContext.load(tx, pending, force)).forceAreas(pending) : GeoContext.forceAreaOnly(force);
      const areas = [...[...pending.areas.values()].filter((a) => a.type !== 'district'), ...forceAreas];
      const held = await tx.areasByCode(areas.map((a) => a.code));
      await tx.upsertAreas(areas.filter((a) => !sameArea(held.get(a.code), a)));
    }
    if (pending.lsoa11.size) await tx.upsertLsoa11Lookup([...pending.lsoa11].map(([lsoa11, v]) => ({ lsoa11, ...v })));
    if (pending.boundaries.size) {
      // The drawing copies are simplified once, here, over every stored ward together: shared edges are
      // simplified as one arc, so neighbouring wards (across districts too) still meet on the map.
      const all = new Map((await tx.boundaries()).map((b) => [b.areaCode, b.geojson]));
      for (const [code, geojson] of pending.boundaries) all.set(code, geojson);
      const codes = [...all.keys()];
      const drawn = simplifyFeatures(codes.map((c) => JSON.parse(all.get(c)!) as Feature));
      await tx.upsertBoundaries(codes.map((areaCode, i) => ({ areaCode, geojson: all.get(areaCode)!, drawing: JSON.stringify(drawn[i]) })));
    }
    if (pending.populations.size) await tx.upsertPopulations([...pending.populations.values()]);
    const logged = new Set((await tx.releases()).filter((r) => r.month === null).map((r) => `${r.source}\t${r.checksum}`));
    for (const r of [...geoReleases, ...changeReleases]) {
      const key = `${r.source}\t${r.checksum}`;
      if (logged.has(key)) continue;
      logged.add(key);
      await tx.logRelease(r);
    }
    for (const group of groups) {
      const first = group[0]!;
      const tally = new Tally();
      tally.reserve(group.reduce((n, g) => n + g.tally.size, 0)); // at most that many cells
      let stats = emptyStats();
      for (const g of group) {
        tally.merge(g.tally);
        stats = addStats(stats, g.stats);
      }
      const checksum =
        group.length === 1
          ? first.checksum
          : group
              .map((g) => g.checksum)
              .sort()
              .join('+');
      const synthetic = group.every((g) => g.synthetic);
      const result = await tx.replaceMonth({
        source: first.source,
        month: first.month,
        counts: tally.toCounts(first.source as DataSource, first.month, synthetic),
        release: { ...stats, source: first.source, fileName: group.map((g) => g.fileName).join(' + '), month: first.month, checksum, synthetic },
      });
      const outcome: Outcome = result.unchanged
        ? result.reason === 'real-data-exists'
          ? 'skipped: real data exists'
          : 'unchanged'
        : result.release?.revision
          ? 'revised'
          : 'loaded';
      for (const g of group) {
        const note =
          [
            outcome === 'revised' && result.release?.revision
              ? `replaces the earlier version (total ${result.release.revision.previousTotal} -> ${result.release.revision.newTotal})`
              : g.vintage === 2011
                ? 'LSOA 2011 codes mapped to 2021'
                : undefined,
            g.note,
          ]
            .filter(Boolean)
            .join('; ') || undefined;
        summaries.push({
          ...g.stats,
          file: g.fileName,
          path: g.path,
          kind: kinds.get(g.path)!,
          month: g.month,
          synthetic: g.synthetic,
          outcome,
          ...(note ? { note } : {}),
          ...(result.release ? { release: result.release } : {}),
        });
      }
    }
  });

  const order = new Map(files.map((f, i) => [f, i]));
  summaries.sort((a, b) => (order.get(a.path) ?? 0) - (order.get(b.path) ?? 0));
  if (options.plannerStatistics !== false && summaries.some((f) => f.outcome === 'loaded' || f.outcome === 'revised' || f.outcome === 'geography')) {
    // The data are in whatever happens here: statistics only speed up the reads (autovacuum makes them in time).
    await store.refreshPlannerStatistics().catch(() => undefined);
  }
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

/**
 * The police.uk files of one month that load together (different forces) must not share a Crime ID:
 * the same crime in two files would be counted twice. Fingerprints are compared, and a match confirmed
 * by reading both lines back before the ingest is refused.
 */
export async function duplicateIdsAcross(files: ParsedMonthFile[]): Promise<void> {
  const withIds = files.filter((f) => f.source === 'police.uk' && f.ids && f.ids.fingerprints.length);
  if (withIds.length < 2) return;
  // One sort over every file's fingerprints finds those seen more than once (in one file or several);
  // only files holding one of them are compared pair by pair (a national month: 40 files, 780 pairs).
  const all = new BigUint64Array(withIds.reduce((n, f) => n + f.ids!.fingerprints.length, 0));
  let at = 0;
  for (const f of withIds) {
    all.set(f.ids!.fingerprints, at);
    at += f.ids!.fingerprints.length;
  }
  all.sort();
  const repeated: bigint[] = [];
  for (let k = 1; k < all.length; k++) if (all[k] === all[k - 1] && all[k] !== repeated[repeated.length - 1]) repeated.push(all[k]!);
  if (repeated.length === 0) return;
  const sortedRepeated = BigUint64Array.from(repeated);
  const holders = withIds.filter((f) => commonFingerprints(f.ids!.fingerprints, sortedRepeated).length > 0);
  for (let j = 1; j < holders.length; j++) {
    for (let i = 0; i < j; i++) {
      const a = holders[i]!,
        b = holders[j]!;
      const common = commonFingerprints(a.ids!.fingerprints, b.ids!.fingerprints);
      if (common.length === 0) continue;
      const wanted = new Set(common);
      // Each identifier with one of the common fingerprints, and its line (one more pass over each file).
      const linesWith = async (f: ParsedMonthFile) => {
        const out = new Map<string, number>();
        for (const [line, v] of await columnValues(f.path, f.ids!.column, (v) => v !== '' && wanted.has(fingerprint64(v)))) if (!out.has(v)) out.set(v, line);
        return out;
      };
      const inA = await linesWith(a);
      const inB = await linesWith(b);
      let first: { line: number; other: number; value: string } | null = null;
      for (const [v, line] of inB) {
        const other = inA.get(v);
        if (other !== undefined && (!first || line < first.line)) first = { line, other, value: v };
      }
      if (first) {
        throw new InputError(
          b.fileName,
          first.line,
          a.ids!.field,
          `each crime in one file (the same Crime ID is on line ${first.other} of ${a.fileName}, another file of ${b.month})`,
          first.value,
        );
      }
    }
  }
}

/** True when the store already holds exactly this area, `b` (so re-ingesting geography writes nothing). */
function sameArea(b: Area | undefined, a: { code: string; name: string; type: string; parentCode: string | null; districtCode?: string | null }): boolean {
  return !!b && b.name === a.name && b.type === a.type && b.parentCode === a.parentCode && (b.districtCode ?? null) === (a.districtCode ?? null);
}
