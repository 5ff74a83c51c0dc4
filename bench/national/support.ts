// Helpers of the national bench: child jobs, the real national folder as a user downloads it, DuckDB on
// the same files, the questions, and the comparison with the previous committed results.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCsv } from '../../src/ingest/csv.ts';
import { nationalFiles } from '../../src/synth/national/load.ts';
import type { ChildJob } from './child.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));

/** Runs a store job in its own process (its peak memory is its own); its progress lines go to `log`. */
export function inChild(job: ChildJob, log: (line: string) => void): Promise<Record<string, unknown> & { peakRssMb: number; seconds: number; rows: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
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
): Promise<{ geography: string[]; monthFiles: string[]; month: string; droppedBoundaries: number; keptBoundaries: number }> {
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
    kept = 0;
  const out = [...csvs];
  for (const f of geography.filter((g) => !g.endsWith('.csv'))) {
    const doc = JSON.parse(readFileSync(f, 'utf8')) as { features: Array<{ properties: Record<string, unknown> }> };
    const features = doc.features.filter((ft) => {
      const code = Object.entries(ft.properties ?? {}).find(([k]) => /^WD\d\dCD$/i.test(k))?.[1];
      return typeof code === 'string' && known.has(code);
    });
    dropped += doc.features.length - features.length;
    kept += features.length;
    if (!features.length) continue;
    const path = join(outDir, basename(f));
    writeFileSync(path, JSON.stringify({ ...doc, features }));
    out.push(path);
  }
  return { geography: out, monthFiles, month, droppedBoundaries: dropped, keptBoundaries: kept };
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
