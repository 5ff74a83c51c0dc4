// Helpers of the national bench: child jobs, the real national folder as a user downloads it, DuckDB on
// the same files, the questions, and the comparison with the previous committed results.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCsv } from '../../src/ingest/csv.ts';
import { nationalFiles } from '../../src/synth/national/load.ts';
import type { ChildJob } from './child.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));

/** The functions with the most self time in a V8 .cpuprofile (the newest in `dir`), by file and name. */
export function profileSummary(dir: string, top = 12): Array<{ fn: string; selfShare: number }> {
  // CPU.<date>.<time>.<pid>.<thread>.<n>.cpuprofile: the main thread's (thread 0) when there are several.
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort();
  const file = files.filter((f) => f.split('.')[4] === '0').at(-1) ?? files.at(-1);
  if (!file) return [];
  const p = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
    nodes: Array<{ id: number; hitCount?: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  };
  const self = new Map<string, number>();
  let total = 0;
  for (const n of p.nodes) {
    const hits = n.hitCount ?? 0;
    total += hits;
    const where = n.callFrame.url ? `${n.callFrame.url.replace(/^.*\/(node_modules\/)?/, '')}:${n.callFrame.lineNumber + 1}` : '';
    const key = `${n.callFrame.functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
    self.set(key, (self.get(key) ?? 0) + hits);
  }
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([fn, hits]) => ({ fn, selfShare: Math.round((hits / Math.max(1, total)) * 1000) / 1000 }));
}

/** Runs a store job in its own process (its peak memory is its own); its progress lines go to `log`. `profileDir`: a V8 CPU profile there. */
export function inChild(job: ChildJob, log: (line: string) => void, profileDir?: string): Promise<Record<string, unknown> & { peakRssMb: number; seconds: number; rows: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []), '--import', 'tsx', CHILD], {
      cwd: ROOT,
      env: { ...process.env, WARDWATCH_NATIONAL_CHILD: JSON.stringify(job) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let lastLog = 0;
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => {
      err = (err + String(d)).slice(-20_000);
      const lines = String(d).trim().split('\n');
      // Progress now and then (a line every 20 s at most).
      if (Date.now() - lastLog > 20_000) {
        lastLog = Date.now();
        log(lines.at(-1)!);
      }
    });
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`national bench child (${job.mode}) exited with ${code}:\n${err}`));
      resolve(JSON.parse(out.trim().split('\n').pop()!));
    });
  });
}

/**
 * A real national folder prepared for ingest: the lookups as they are, the ward boundaries without the
 * features whose ward code is in neither the lookup nor the ward list (the boundaries are the 2025 wards,
 * the lookup the 2024 ones: ingest refuses a boundary for a ward it does not know). Returns what was dropped.
 */
export async function prepareRealFolder(
  dataDir: string,
  outDir: string,
): Promise<{
  geography: string[];
  monthFiles: string[];
  originalMonthFiles: string[];
  repeatedCrimeIdRows: number;
  filesWithRepeatedIds: string[];
  month: string;
  droppedBoundaries: number;
  mergedBoundaries: number;
  repeatedBoundaries: number;
  keptBoundaries: number;
}> {
  const { geography, months } = await nationalFiles([dataDir]);
  const [month, monthFiles] = [...months].at(-1) ?? ['', []];
  const known = new Set<string>();
  const csvs = geography.filter((f) => f.endsWith('.csv'));
  for (const f of csvs) {
    await readCsv(f, (header) => {
      const ward = header.findIndex((h) => /^WD\d\dCD$/i.test(h));
      return (fields) => void known.add(fields[ward]!.trim());
    });
  }
  mkdirSync(outDir, { recursive: true });
  let dropped = 0,
    kept = 0,
    merged = 0,
    repeated = 0;
  const inEarlierFile = new Set<string>();
  const out = [...csvs];
  for (const f of geography.filter((g) => !g.endsWith('.csv'))) {
    type Geometry = { type: 'Polygon' | 'MultiPolygon'; coordinates: unknown[] };
    const doc = JSON.parse(readFileSync(f, 'utf8')) as { features: Array<{ properties: Record<string, unknown>; geometry: Geometry }> };
    const codeOf = (ft: (typeof doc.features)[number]) => Object.entries(ft.properties ?? {}).find(([k]) => /^WD\d\dCD$/i.test(k))?.[1];
    // A ward given as two features (E05014284 in E06000065.geojson) is one MultiPolygon: ingest takes each ward once.
    const byCode = new Map<string, (typeof doc.features)[number]>();
    for (const ft of doc.features) {
      const code = codeOf(ft);
      if (typeof code !== 'string' || !known.has(code)) continue;
      // Old district files (WD22 vintage, e.g. E07000246) repeat wards of the new unitaries: the first file's is kept.
      if (inEarlierFile.has(code)) {
        repeated++;
        continue;
      }
      const held = byCode.get(code);
      if (!held) byCode.set(code, ft);
      else {
        const parts = (g: Geometry) => (g.type === 'Polygon' ? [g.coordinates] : g.coordinates);
        held.geometry = { type: 'MultiPolygon', coordinates: [...parts(held.geometry), ...parts(ft.geometry)] };
        merged++;
      }
    }
    const features = [...byCode.values()];
    for (const c of byCode.keys()) inEarlierFile.add(c);
    dropped += doc.features.length - features.length;
    kept += features.length;
    if (!features.length) continue;
    const path = join(outDir, basename(f));
    writeFileSync(path, JSON.stringify({ ...doc, features }));
    out.push(path);
  }
  // police.uk's own files repeat some Crime IDs (January 2024: 838 in 10 of the 40 files, 883 extra rows,
  // mostly with another location or outcome). Ingest counts each once, as on its first row, and says so;
  // the copies (each Crime ID's first row only) count them independently of ingest, for the results.
  const monthDir = join(outDir, 'police-uk');
  mkdirSync(monthDir, { recursive: true });
  const cleaned: string[] = [];
  let repeatedIds = 0;
  const refusedFiles: string[] = [];
  for (const f of monthFiles) {
    const lines = readFileSync(f, 'utf8').split(/\r?\n/);
    const seen = new Set<string>();
    const keep = lines.filter((line, i) => {
      if (i === 0 || line === '') return true;
      const id = line.slice(0, line.indexOf(','));
      if (id === '') return true;
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    });
    if (keep.length < lines.length) refusedFiles.push(basename(f));
    repeatedIds += lines.length - keep.length;
    const path = join(monthDir, basename(f));
    writeFileSync(path, keep.join('\r\n'));
    cleaned.push(path);
  }
  return {
    geography: out,
    monthFiles: cleaned,
    originalMonthFiles: monthFiles,
    repeatedCrimeIdRows: repeatedIds,
    filesWithRepeatedIds: refusedFiles,
    month,
    droppedBoundaries: dropped - merged - repeated,
    mergedBoundaries: merged,
    repeatedBoundaries: repeated,
    keptBoundaries: kept,
  };
}

/**
 * DuckDB's CSV reader on the same files doing the same aggregation (count by crime type and LSOA), best of
 * three after a warm-up, through @duckdb/node-api (a devDependency already used by the ingest bench).
 */
export async function duckdbOn(files: string[]): Promise<{ seconds: number; threads: number; rows: number; version: string } | null> {
  let api: typeof import('@duckdb/node-api');
  try {
    api = await import('@duckdb/node-api');
  } catch {
    return null;
  }
  const instance = await api.DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const threads = Number((await connection.runAndReadAll(`SELECT current_setting('threads')`)).getRows()[0]![0]);
  const version = String((await connection.runAndReadAll('SELECT version()')).getRows()[0]![0]);
  const list = files.map((f) => `'${f.replace(/'/g, "''")}'`).join(', ');
  const rows = Number((await connection.runAndReadAll(`SELECT count(*) FROM read_csv([${list}], header = true, all_varchar = true)`)).getRows()[0]![0]);
  const sql = `SELECT "Crime type", "LSOA code", count(*) FROM read_csv([${list}], header = true, all_varchar = true) GROUP BY ALL`;
  let best = Infinity;
  for (let i = 0; i < 4; i++) {
    const t = performance.now();
    await connection.runAndReadAll(sql);
    if (i > 0) best = Math.min(best, (performance.now() - t) / 1000);
  }
  connection.closeSync();
  return { seconds: best, threads, rows, version };
}

const TOPICS = ['', 'asb', 'burglary', 'dwelling burglary', 'shoplifting', 'violence', 'vehicle crime', 'bike theft', 'drugs', 'criminal damage', 'acquisitive crime', 'robbery'];
const PERIODS = ['', 'last month', 'ye sep', 'april', 'fytd', 'ye', 'march', 'ye jun', 'last 12 months'];

/** `n` varied questions: wards and districts by name, each with a topic and a period. */
export function nationalQuestions(wards: readonly string[], districts: readonly string[], n: number, offset = 0): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) {
    const k = i + offset;
    const place = k % 5 === 4 ? districts[(k * 7) % districts.length]! : wards[(k * 31) % wards.length]!;
    out.push(`${place} ${TOPICS[k % TOPICS.length]} ${PERIODS[(k * 3 + Math.floor(k / TOPICS.length)) % PERIODS.length]}`.replace(/\s+/g, ' ').trim());
  }
  return out;
}

/** The committed results file at HEAD, or null. */
export function previousResults(path: string): Record<string, unknown> | null {
  try {
    return JSON.parse(execFileSync('git', ['show', `HEAD:${path}`], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** Numbers by dotted path. */
export function flatten(value: unknown, prefix = '', out = new Map<string, number>()): Map<string, number> {
  if (typeof value === 'number' && Number.isFinite(value)) out.set(prefix, value);
  else if (value && typeof value === 'object' && !Array.isArray(value)) for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  return out;
}

/** Every number in both that moved by more than `share` (0.2 = 20%). */
export function differences(previous: unknown, now: unknown, share = 0.2): Array<{ metric: string; previous: number; now: number; change: string }> {
  const a = flatten(previous),
    b = flatten(now);
  const out: Array<{ metric: string; previous: number; now: number; change: string }> = [];
  for (const [k, v] of b) {
    const p = a.get(k);
    if (p === undefined || p === 0 || /startedAt|finishedAt|seed/.test(k)) continue;
    const rel = (v - p) / Math.abs(p);
    if (Math.abs(rel) > share) out.push({ metric: k, previous: p, now: v, change: `${rel > 0 ? '+' : ''}${Math.round(rel * 100)}%` });
  }
  return out;
}
