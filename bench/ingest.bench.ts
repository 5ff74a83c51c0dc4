// Ingest throughput: the real police.uk files, a synthetic 500,000-row month (about a national month),
// the same with every point distinct (worst case for the point-in-polygon cache), first start, and the
// store's counts() read path. Peak memory is each ingest child's own VmHWM. DuckDB's CSV reader is
// timed on the same file and aggregation through @duckdb/node-api (a devDependency).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCsv } from '../src/ingest/csv.ts';
import { FIXTURE_PATHS, loadFixtures } from '../src/ingest/fixtures.ts';
import { ingestPaths } from '../src/ingest/index.ts';
import { openSqliteStore } from '../src/store/kysely.ts';
import type { Store } from '../src/store/types.ts';
import { Random } from '../src/synth/random.ts';
import { taxonomy } from '../src/taxonomy/index.ts';
import type { Benchmark } from '../src/surfaces/cli/verbs/bench.ts';

const BENCH_FILE = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL('..', import.meta.url));

// Child mode: `node --import tsx bench/ingest.bench.ts` with WARDWATCH_BENCH_CHILD set runs one ingest in a
// fresh process, so its peak memory (maxRSS) is the ingest's own, and prints the measurements as JSON.
/**
 * This process's own peak resident memory. Not resourceUsage().maxRSS: on Linux that carries over the
 * parent's peak from before exec, so every child of a large bench process reported the parent's size.
 * VmHWM belongs to the address space exec created.
 */
function ownPeakRssMb(): number {
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return hwm ? Math.round((Number(hwm[1]) / 1024) * 10) / 10 : Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
}

if (process.env.WARDWATCH_BENCH_CHILD) {
  const job = JSON.parse(process.env.WARDWATCH_BENCH_CHILD) as { db: string; files?: string[]; fixtures?: boolean };
  const store = await openSqliteStore(job.db);
  const t = performance.now();
  const rowsRead = job.fixtures ? (await loadFixtures(store)).reduce((s, r) => s + r.rowsRead, 0) : (await ingestPaths(store, job.files!)).rowsRead;
  const seconds = (performance.now() - t) / 1000;
  await store.close();
  process.stdout.write(JSON.stringify({ rowsRead, seconds, maxRssMb: ownPeakRssMb() }) + '\n');
  process.exit(0);
}

function inChild(job: { db: string; files?: string[]; fixtures?: boolean }): { rowsRead: number; seconds: number; maxRssMb: number } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', BENCH_FILE], { cwd: ROOT, env: { ...process.env, WARDWATCH_BENCH_CHILD: JSON.stringify(job) }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as { rowsRead: number; seconds: number; maxRssMb: number };
}

const mb = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;
const peakRssMb = () => Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;

/** A police.uk-shaped month of `rows` rows sampled from the real 2024 rows; `jitter` makes every point distinct. */
function syntheticMonth(path: string, rows: number, jitter: boolean): void {
  const real = readdirSync(FIXTURE_PATHS.policeUk)
    .filter((f) => f.startsWith('2024-'))
    .flatMap((f) => readFileSync(join(FIXTURE_PATHS.policeUk, f), 'utf8').split('\r\n').slice(1).filter(Boolean));
  const rng = new Random(500000);
  const out: string[] = [real.length ? readFileSync(join(FIXTURE_PATHS.policeUk, '2024-01-cambridgeshire-street.csv'), 'utf8').split('\r\n')[0]! : ''];
  for (let i = 0; i < rows; i++) {
    const f = rng.pick(real).split(',');
    f[1] = '2024-06';
    // Rows are sampled with replacement, so each crime gets its own Crime ID (as in a real file, where
    // ingest refuses one twice); ASB rows keep theirs blank. A hash of the row number: the random stream
    // (which rows, which jitter) is as before.
    if (f[0]) f[0] = createHash('sha256').update(String(i)).digest('hex');
    if (jitter && f[4]) {
      f[4] = (Number(f[4]) + (rng.next() - 0.5) * 2e-4).toFixed(6);
      f[5] = (Number(f[5]) + (rng.next() - 0.5) * 2e-4).toFixed(6);
    }
    out.push(f.join(','));
  }
  writeFileSync(path, out.join('\r\n') + '\r\n');
}

/**
 * DuckDB's CSV reader on the same file, doing the same aggregation (count by crime type and LSOA), in
 * process through @duckdb/node-api (a devDependency: its binary ships inside the npm package), with the
 * best of three runs after a warm-up. Null when the package cannot be loaded.
 */
async function duckdbSeconds(file: string): Promise<{ seconds: number; threads: number } | null> {
  let api: typeof import('@duckdb/node-api');
  try {
    api = await import('@duckdb/node-api');
  } catch {
    return null;
  }
  const instance = await api.DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const threads = Number((await connection.runAndReadAll(`SELECT current_setting('threads')`)).getRows()[0]![0]);
  const sql = `SELECT "Crime type", "LSOA code", count(*) FROM read_csv('${file.replace(/'/g, "''")}', header = true, all_varchar = true) GROUP BY ALL`;
  let best = Infinity;
  for (let i = 0; i < 4; i++) {
    const t = performance.now();
    await connection.runAndReadAll(sql);
    if (i > 0) best = Math.min(best, (performance.now() - t) / 1000);
  }
  connection.closeSync();
  return { seconds: best, threads };
}

/** The figures engine's read path: one ward, all 14 police.uk measures, a 24-month window. */
async function countsQuery(store: Store, n: number, result: Record<string, unknown>, log: (line: string) => void): Promise<void> {
  const wards = (await store.areas('ward')).map((a) => a.code);
  const measures = taxonomy()
    .policeUkMeasures()
    .map((m) => m.key);
  let rows = 0;
  const t = performance.now();
  // One query after another, as the figures engine makes them (each awaited: the latency is what is measured).
  for (let i = 0; i < n; i++) rows += (await store.counts({ areaCodes: [wards[i % wards.length]!], measures, source: 'police.uk', from: '2022-05', to: '2024-04' })).length;
  const seconds = (performance.now() - t) / 1000;
  result.countsQuery = { queries: n, shape: '1 ward x 14 measures x 24 months', rowsPerQuery: Math.round(rows / n), microsecondsPerQuery: Math.round((seconds / n) * 1e6) };
  log(`counts(): ${Math.round((seconds / n) * 1e6)} µs per query (${Math.round(rows / n)} rows)`);
}

const bench: Benchmark = async ({ log, size }) => {
  const dir = mkdtempSync(join(tmpdir(), 'wardwatch-bench-ingest-'));
  const result: Record<string, unknown> = {};
  try {
    // Geography once, in a template store.
    const template = join(dir, 'geo.sqlite');
    {
      const s = await openSqliteStore(template);
      await ingestPaths(s, [FIXTURE_PATHS.geography, FIXTURE_PATHS.populations]);
      await s.checkpoint();
      await s.close();
    }
    const fresh = (name: string) => {
      const p = join(dir, `${name}.sqlite`);
      writeFileSync(p, readFileSync(template));
      return openSqliteStore(p);
    };

    // 1. The real files.
    {
      const store = await fresh('real');
      const files = readdirSync(FIXTURE_PATHS.policeUk).map((f) => join(FIXTURE_PATHS.policeUk, f));
      const t = performance.now();
      const r = await ingestPaths(store, files);
      const seconds = (performance.now() - t) / 1000;
      result.realFiles = { files: files.length, rows: r.rowsRead, seconds: +seconds.toFixed(3), rowsPerSecond: Math.round(r.rowsRead / seconds) };
      log(`real files: ${r.rowsRead} rows in ${seconds.toFixed(2)} s (${Math.round(r.rowsRead / seconds)} rows/s)`);

      if (size === 'quick') await countsQuery(store, 2000, result, log);
      await store.close();
    }

    // 2. A synthetic national-size month, with real (repeating) snap points and with every point distinct.
    const rows = size === 'quick' ? 100_000 : 500_000;
    for (const jitter of [false, true]) {
      const name = jitter ? 'syntheticDistinctPoints' : 'syntheticMonth';
      const file = join(dir, `2024-06-${jitter ? 'distinct' : 'national'}-street.csv`);
      syntheticMonth(file, rows, jitter);
      const parseStart = performance.now();
      let parsed = 0;
      await readCsv(file, () => () => void parsed++);
      const parseSeconds = (performance.now() - parseStart) / 1000;
      await (await fresh(name)).close();
      const r = inChild({ db: join(dir, `${name}.sqlite`), files: [file] });
      const seconds = r.seconds;
      const duck = jitter ? null : await duckdbSeconds(file);
      result[name] = {
        rows: r.rowsRead,
        fileMb: mb(statSync(file).size),
        seconds: +seconds.toFixed(3),
        rowsPerSecond: Math.round(r.rowsRead / seconds),
        parseOnlyRowsPerSecond: Math.round(parsed / parseSeconds),
        peakRssMbOfIngestProcess: r.maxRssMb,
        ...(jitter
          ? {}
          : duck === null
            ? { duckdb: 'not measured: @duckdb/node-api could not be loaded' }
            : {
                duckdbSeconds: +duck.seconds.toFixed(3),
                duckdbThreads: duck.threads,
                duckdbRowsPerSecond: Math.round(rows / duck.seconds),
                fractionOfDuckdb: +(duck.seconds / seconds).toFixed(3),
              }),
      };
      log(
        `${name}: ${r.rowsRead} rows in ${seconds.toFixed(2)} s (${Math.round(r.rowsRead / seconds)} rows/s; parse only ${Math.round(parsed / parseSeconds)} rows/s); ingest process peak RSS ${r.maxRssMb} MB`,
      );
      rmSync(file);
    }

    // 3. First start: fixtures plus synthetic history into an empty store.
    if (size !== 'quick') {
      const db = join(dir, 'first-start.sqlite');
      const r = inChild({ db, fixtures: true });
      result.firstStart = { seconds: +r.seconds.toFixed(2), rowsRead: r.rowsRead, peakRssMb: r.maxRssMb, dbMb: mb(statSync(db).size) };
      log(`first start: ${r.seconds.toFixed(1)} s, ${r.rowsRead} rows, peak RSS ${r.maxRssMb} MB`);
      const store = await openSqliteStore(db);
      await countsQuery(store, 10000, result, log);
      await store.close();
    }
    result.benchProcessPeakRssMb = peakRssMb();
    result.heapUsedMbAtEnd = mb(process.memoryUsage().heapUsed);
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

export default bench;
