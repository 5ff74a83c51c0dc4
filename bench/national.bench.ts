// `npm run bench -- --scale national [--data DIR] [--quick]`: Wardwatch at the size of England and Wales,
// measured the way a user meets it, on SQLite and on PostgreSQL, recorded in bench/results.json (runs.national).
//
//   1. a synthetic England and Wales (src/synth/national: 35,700 LSOAs, 7,500 wards, 330 districts, 42
//      forces, 60 months of about 480,000 street rows) is generated into a temporary folder;
//   2. first national load into each store (geography, then a month at a time): time and peak memory;
//   3. `wardwatch serve` on it: the cold first answer, 1,000 varied questions with their chart PNGs over
//      the page's HTTP API sequentially and at 8 concurrent, `top` over the largest district, serve RSS;
//   4. ingest of one national month, the synthetic one and the real January 2024 (--data: a folder of
//      national files as a user downloads them), against DuckDB's read_csv and the same aggregation;
//   5. spike detection (Farrington-flexible) for every ward x measure series for the last month, the
//      read from the store included.
// --quick runs the `quick` scale (a region, 12 months, 100 questions) for development.
import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { resolveFarringtonParams, farringtonMonth } from '../src/detect/index.ts';
import { BATCH_STATUSES, batchResultAt, seriesResultOf, type BatchResult } from '../src/detect/batch.ts';
import { judgeMonthBatchParallel } from '../src/detect/batch-parallel.ts';
import { loadConfig } from '../src/config/load.ts';
import { openPostgresStore, openSqliteStore } from '../src/store/kysely.ts';
import type { CountSeries, Store } from '../src/store/types.ts';
import { NATIONAL_SCALES, writeNationalSynth, type NationalResult } from '../src/synth/national/index.ts';
import { taxonomy } from '../src/taxonomy/index.ts';
import type { Benchmark } from '../src/surfaces/cli/verbs/bench.ts';
import { startThrowawayPostgres } from '../tools/pg/start.ts';
import { differences, duckdbOn, inChild, nationalQuestions, prepareRealFolder, previousResults, profileSummary } from './national/support.ts';
import { askOverHttp, type AskTiming } from './support/http-ask.ts';
import { benchDatabase } from './support/pg-database.ts';
import { startServeChild, type ServeChild } from './support/serve-child.ts';
import { loadNow, round, summarise } from './support/stats.ts';
import { SYNTHETIC_PARTNERSHIP_MEASURES } from '../src/synth/partnership.ts';

// every ward x measure of the synthetic partnership extract
const PARTNERSHIP_MEASURES: readonly string[] = SYNTHETIC_PARTNERSHIP_MEASURES;
const CONCURRENCY = 8;
const TARGETS = { askP95WarmMs: 100, askP95At8Ms: 300, ingestShareOfDuckdb: 0.5, detectionSeconds: 10, topMs: 150, serveRssMb: 1024 };

/** Questions one after another; then the same number at CONCURRENCY in flight. */
async function askAll(server: ServeChild, channel: string, questions: readonly string[], concurrency: number): Promise<{ timings: AskTiming[]; seconds: number }> {
  const timings: AskTiming[] = [];
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < questions.length) {
      const q = questions[next++]!;
      timings.push(await askOverHttp(server.url, channel, q));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { timings, seconds: (performance.now() - t0) / 1000 };
}

const summary = (ts: AskTiming[]) => ({
  total: summarise(ts.map((t) => t.totalMs)),
  server: summarise(ts.map((t) => t.serverMs).filter(Number.isFinite)),
  png: summarise(ts.map((t) => t.pngMs).filter((x): x is number => x !== null)),
  withChart: ts.filter((t) => t.pngMs !== null).length,
  kinds: Object.fromEntries([...new Set(ts.map((t) => t.kind))].map((k) => [k, ts.filter((t) => t.kind === k).length])),
});

/**
 * Farrington-flexible on every ward x measure series for the last month, the read from the store included:
 * each source's series in one bulk read (store.countSeries, dense arrays), judged on worker threads
 * (src/detect/batch-parallel.ts) while the next source is read. A sample of the series is judged again by
 * farringtonMonth, the per-series detector, and must agree field for field.
 */
async function detection(store: Store, wards: string[], months: string[], log: (l: string) => void) {
  // The defaults look 5 years back (b = 5, w = 1: 61 months before the month judged); with fewer months
  // the years back are cut to what the history holds (60 months: b = 4), else every series is "not enough history".
  const defaults = resolveFarringtonParams({});
  const params = resolveFarringtonParams({ b: Math.max(1, Math.min(defaults.b, Math.floor((months.length - 1 - defaults.w) / 12))) });
  const sources = [
    {
      source: 'police.uk' as const,
      measures: taxonomy()
        .policeUkMeasures()
        .map((m) => m.key),
    },
    { source: 'partnership' as const, measures: PARTNERSHIP_MEASURES },
  ];
  const k = months.length - 1;
  const t0 = performance.now();
  let readSeconds = 0;
  const judged: Array<{ series: CountSeries; result: Promise<BatchResult> }> = [];
  for (const s of sources) {
    const r0 = performance.now();
    const series = await store.countSeries({ areaCodes: wards, measures: s.measures, source: s.source, from: months[0]!, to: months.at(-1)!, shared: true });
    readSeconds += (performance.now() - r0) / 1000;
    judged.push({ series, result: judgeMonthBatchParallel(series.values, series.months, k, params) });
  }
  const results = await Promise.all(judged.map((j) => j.result));
  const totalSeconds = (performance.now() - t0) / 1000;
  const statuses: Record<string, number> = {};
  let series = 0,
    alarms = 0,
    rows = 0,
    fallbacks = 0;
  for (const [i, r] of results.entries()) {
    rows += judged[i]!.series.rows;
    fallbacks += r.fallbacks;
    for (let j = 0; j < r.series; j++) {
      statuses[BATCH_STATUSES[r.status[j]!]!] = (statuses[BATCH_STATUSES[r.status[j]!]!] ?? 0) + 1;
      if (r.alarm[j]) alarms++;
    }
    series += r.series;
  }
  // The same answers as the per-series detector: every 97th series of each source, every field.
  let checked = 0,
    disagreements = 0;
  for (const [i, r] of results.entries()) {
    const values = judged[i]!.series.values;
    const T = months.length;
    for (let j = 0; j < r.series; j += 97) {
      const one = seriesResultOf(farringtonMonth(values.subarray(j * T, (j + 1) * T), months, k, params));
      const batch = batchResultAt(r, j);
      if ((Object.keys(one) as Array<keyof typeof one>).some((f) => !Object.is(one[f], batch[f]))) disagreements++;
      checked++;
    }
  }
  log(
    `detection (b = ${params.b}): ${series} series (${rows} stored rows) read in ${readSeconds.toFixed(1)} s, all judged ${totalSeconds.toFixed(1)} s after the read began, ${alarms} alarms; ${JSON.stringify(statuses)}; ${checked} checked against farringtonMonth, ${disagreements} disagree`,
  );
  if (disagreements > 0) throw new Error(`batch detection disagrees with farringtonMonth on ${disagreements} of ${checked} series`);
  return {
    series,
    yearsBack: params.b,
    storedRows: rows,
    readSeconds: round(readSeconds),
    // judging overlaps the second read: what the judging added after the reads
    detectSeconds: round(totalSeconds - readSeconds),
    totalSeconds: round(totalSeconds),
    workers: availableParallelism(),
    judgedByPerSeriesPath: fallbacks,
    checkedAgainstFarringtonMonth: checked,
    alarms,
    statuses,
  };
}

/** An ingest child's read (parse, checks, placing, aggregating) and store-write seconds. */
function readAndWrite(r: Record<string, unknown>): { readSeconds: number; writeSeconds: number } {
  return { readSeconds: round(r.readSeconds as number), writeSeconds: round(r.writeSeconds as number) };
}

const bench: Benchmark = async ({ log, size, data }) => {
  const quick = size === 'quick';
  const started = performance.now();
  const scaleName = quick ? 'quick' : 'national';
  // quick: 14 months, so detection (b = 1 there) judges the last month rather than finding too little history
  const months = quick ? 14 : NATIONAL_SCALES.national.months;
  const nQuestions = quick ? 100 : 1000;
  const dir = mkdtempSync(join(tmpdir(), 'wardwatch-bench-national-'));
  const result: Record<string, unknown> = {
    scale: scaleName,
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryMb: Math.round(totalmem() / 1048576), node: process.version, loadAtStart: loadNow() },
    targets: TARGETS,
  };
  let pgServer: Awaited<ReturnType<typeof startThrowawayPostgres>> | null = null;
  try {
    // 1. The synthetic country.
    log(`generating the ${scaleName} synthetic geography and ${months} months into ${dir}`);
    let t = performance.now();
    let lastLog = 0;
    const synth: NationalResult = writeNationalSynth({
      scale: scaleName,
      seed: 1,
      outDir: join(dir, 'synth'),
      months,
      checksums: false,
      onProgress: (done, total, label) => {
        if (Date.now() - lastLog > 20_000 || done === total) {
          lastLog = Date.now();
          log(`synth ${done}/${total} ${label}`);
        }
      },
    });
    const { config } = loadConfig(synth.configFile);
    const wardNames = synth.geography.ward.name;
    const districtNames = synth.geography.district.name;
    result.synthetic = {
      ...synth.stats,
      months: synth.months.length,
      policeUkRows: synth.policeUkRows,
      partnershipRows: synth.partnershipRows,
      mb: Math.round(synth.bytes / 1e6),
      generateSeconds: round((performance.now() - t) / 1000),
    };
    log(`synthetic: ${synth.policeUkRows} street rows, ${Math.round(synth.bytes / 1e6)} MB in ${((performance.now() - t) / 1000).toFixed(0)} s`);
    const lastMonth = synth.months.at(-1)!;
    const lastMonthFiles = synth.files.filter((f) => f.includes(`/police-uk/synthetic-${lastMonth}-`));

    // Geography-only SQLite template (for the one-month ingests).
    const geoTemplate = join(dir, 'geo.sqlite');
    await inChild({ mode: 'ingest', target: geoTemplate, paths: [synth.geographyDir], configFile: synth.configFile }, log);

    // 4a. One synthetic national month against DuckDB (SQLite, a store holding the geography only).
    {
      const db = join(dir, 'month.sqlite');
      copyFileSync(geoTemplate, db);
      const r = await inChild({ mode: 'ingest', target: db, paths: lastMonthFiles, configFile: synth.configFile }, log);
      const duck = await duckdbOn(lastMonthFiles);
      const ours = r.rows / r.seconds;
      result.ingestSyntheticMonth = {
        month: lastMonth,
        files: lastMonthFiles.length,
        rows: r.rows,
        mb: Math.round(lastMonthFiles.reduce((s, f) => s + statSync(f).size, 0) / 1e6),
        seconds: round(r.seconds),
        ...readAndWrite(r),
        rowsPerSecond: Math.round(ours),
        peakRssMb: r.peakRssMb,
        placed: r.placed,
        ...(duck
          ? {
              duckdbSeconds: round(duck.seconds),
              duckdbThreads: duck.threads,
              duckdbVersion: duck.version,
              duckdbRowsPerSecond: Math.round(duck.rows / duck.seconds),
              shareOfDuckdb: round(ours / (duck.rows / duck.seconds)),
              shareOfDuckdbReadAndAggregate: round(duck.seconds / (r.readSeconds as number)),
            }
          : { duckdb: 'not measured: @duckdb/node-api could not be loaded' }),
      };
      log(
        `synthetic month: ${r.rows} rows in ${r.seconds.toFixed(1)} s (${Math.round(ours)} rows/s)${duck ? `; DuckDB ${duck.seconds.toFixed(2)} s (share ${(ours / (duck.rows / duck.seconds)).toFixed(2)})` : ''}`,
      );
      rmSync(db, { force: true });
    }

    // 4b. The real January 2024 (as downloaded), when --data names the folder.
    if (data && existsSync(data)) {
      const prepared = await prepareRealFolder(data, join(dir, 'real-geography'));
      const db = join(dir, 'real.sqlite');
      const g = await inChild({ mode: 'ingest', target: db, paths: prepared.geography, configFile: null }, log);
      copyFileSync(db, join(dir, 'real-geo.sqlite'));
      // The files as police.uk publishes them: repeated Crime IDs are counted once (and said), not refused.
      const monthFiles = prepared.originalMonthFiles;
      const r = await inChild({ mode: 'ingest', target: db, paths: monthFiles, configFile: null }, log);
      const duck = await duckdbOn(monthFiles);
      // The same ingest again into a copy, under the CPU profiler: where the time goes (not timed).
      const profileDir = join(dir, 'profile-ingest');
      copyFileSync(join(dir, 'real-geo.sqlite'), join(dir, 'real-profiled.sqlite'));
      await inChild({ mode: 'ingest', target: join(dir, 'real-profiled.sqlite'), paths: monthFiles, configFile: null }, log, profileDir);
      const ingestProfile = profileSummary(profileDir);
      const ours = r.rows / r.seconds;
      result.ingestRealMonth = {
        month: prepared.month,
        files: monthFiles.length,
        rows: r.rows,
        mb: Math.round(monthFiles.reduce((s, f) => s + statSync(f).size, 0) / 1e6),
        geographySeconds: round(g.seconds),
        geographyPeakRssMb: g.peakRssMb,
        boundariesKept: prepared.keptBoundaries,
        boundariesDroppedNotInLookup: prepared.droppedBoundaries,
        boundariesMergedDuplicates: prepared.mergedBoundaries,
        rowsRepeatingACrimeIdCountedOnce: prepared.repeatedCrimeIdRows,
        filesWithRepeatedCrimeIds: prepared.filesWithRepeatedIds,
        boundariesRepeatedInOlderFiles: prepared.repeatedBoundaries,
        seconds: round(r.seconds),
        ...readAndWrite(r),
        rowsPerSecond: Math.round(ours),
        peakRssMb: r.peakRssMb,
        placed: r.placed,
        ...(duck
          ? {
              duckdbSeconds: round(duck.seconds),
              duckdbRowsPerSecond: Math.round(duck.rows / duck.seconds),
              shareOfDuckdb: round(ours / (duck.rows / duck.seconds)),
              shareOfDuckdbReadAndAggregate: round(duck.seconds / (r.readSeconds as number)),
            }
          : {}),
        profileTopSelfTime: ingestProfile,
      };
      log(`real ${prepared.month}: ${r.rows} rows in ${r.seconds.toFixed(1)} s (${Math.round(ours)} rows/s)${duck ? `; DuckDB ${duck.seconds.toFixed(2)} s` : ''}`);
      rmSync(db, { force: true });
    } else result.ingestRealMonth = { measured: false, why: data ? `${data} not found` : 'no --data folder given' };

    // 2, 3, 5 on each store.
    const stores: Array<{ name: 'sqlite' | 'postgres'; target: () => Promise<{ target: string; env: Record<string, string>; done(): Promise<void> }> }> = [
      {
        name: 'sqlite',
        target: async () => ({
          target: join(dir, 'national.sqlite'),
          env: { WARDWATCH_DB: join(dir, 'national.sqlite') },
          done: async () => rmSync(join(dir, 'national.sqlite'), { force: true }),
        }),
      },
      {
        name: 'postgres',
        target: async () => {
          pgServer ??= await startThrowawayPostgres();
          const db = await benchDatabase(pgServer.url, 'wardwatch_national');
          return { target: db.url, env: { WARDWATCH_DATABASE_URL: db.url }, done: db.drop };
        },
      },
    ];
    const wardCodes = synth.geography.ward.code;
    const largest = synth.stats.largestDistrict;
    for (const s of stores) {
      const out: Record<string, unknown> = {};
      result[s.name] = out;
      const target = await s.target();
      try {
        log(`${s.name}: first national load (${synth.months.length} months)`);
        t = performance.now();
        const load = await inChild(
          { mode: 'load', target: target.target, paths: [synth.geographyDir, synth.policeUkDir, synth.partnershipDir], configFile: synth.configFile },
          log,
        );
        const perMonth = (load.months as Array<{ seconds: number; rows: number }>).map((m) => m.seconds).sort((a, b) => a - b);
        out.firstLoad = {
          seconds: round(load.seconds),
          geographySeconds: round(load.geographySeconds as number),
          rows: load.rows,
          rowsPerSecond: Math.round(load.rows / load.seconds),
          peakRssMb: load.peakRssMb,
          monthSecondsMedian: round(perMonth[Math.floor(perMonth.length / 2)] ?? NaN),
          monthSecondsMax: round(perMonth.at(-1) ?? NaN),
          ...(s.name === 'sqlite' ? { dbMb: Math.round(statSync(target.target).size / 1e6) } : {}),
        };
        log(`${s.name}: loaded ${load.rows} rows in ${load.seconds.toFixed(0)} s, peak ${load.peakRssMb} MB`);

        // 5. Detection (in this process, the store read included).
        {
          const store = s.name === 'sqlite' ? await openSqliteStore(target.target) : await openPostgresStore(target.target);
          try {
            out.detection = await detection(store, wardCodes, synth.months, (l) => log(`${s.name}: ${l}`));
          } finally {
            await store.close();
          }
        }

        // 3. Serve, asked over HTTP.
        const server = await startServeChild({ env: { ...target.env, WARDWATCH_CONFIG: synth.configFile, WARDWATCH_FIXTURES: 'never' }, timeoutMs: 600_000 });
        try {
          out.serveStartSeconds = server.startSeconds;
          const channel = 'national-board';
          const cold = await askOverHttp(server.url, channel, `${wardNames[0]} violence`);
          out.coldFirstAnswer = { totalMs: round(cold.totalMs), serverMs: round(cold.serverMs), pngMs: cold.pngMs === null ? null : round(cold.pngMs), kind: cold.kind };
          log(`${s.name}: serve ready in ${server.startSeconds} s; cold first answer ${cold.totalMs.toFixed(0)} ms (${cold.kind})`);
          await askAll(server, channel, nationalQuestions(wardNames, districtNames, 20, 5000), 1);
          const seq = await askAll(server, channel, nationalQuestions(wardNames, districtNames, nQuestions), 1);
          out.askSequential = { ...summary(seq.timings), questionsPerSecond: round(seq.timings.length / seq.seconds) };
          log(
            `${s.name}: ${nQuestions} questions sequentially: p50 ${summarise(seq.timings.map((x) => x.totalMs)).p50Ms} p95 ${summarise(seq.timings.map((x) => x.totalMs)).p95Ms} ms`,
          );
          const con = await askAll(server, channel, nationalQuestions(wardNames, districtNames, nQuestions, nQuestions), CONCURRENCY);
          out.askAt8 = { ...summary(con.timings), questionsPerSecond: round(con.timings.length / con.seconds) };
          log(`${s.name}: ${nQuestions} questions at ${CONCURRENCY}: p95 ${summarise(con.timings.map((x) => x.totalMs)).p95Ms} ms`);
          const tops = ['violence', 'asb', 'burglary', 'shoplifting', 'drugs', 'vehicle crime', 'criminal damage', 'robbery', 'bike theft', 'public order'];
          const topTimes = await askAll(
            server,
            channel,
            tops.flatMap((topic) => [`top ${topic} ${largest.name}`, `top ${topic} ${largest.name} last 12 months`]),
            1,
          );
          out.topLargestDistrict = { district: largest, ...summary(topTimes.timings) };
          log(`${s.name}: top over ${largest.name} (${largest.wards} wards): p95 ${summarise(topTimes.timings.map((x) => x.totalMs)).p95Ms} ms`);
          out.serveMemory = server.memory();
        } finally {
          await server.stop();
        }
        if (s.name === 'sqlite') {
          // Where the serve's time goes at 8 concurrent: a second serve under the CPU profiler (not timed).
          const profileDir = join(dir, 'profile-serve');
          const profiled = await startServeChild({
            env: { ...target.env, WARDWATCH_CONFIG: synth.configFile, WARDWATCH_FIXTURES: 'never' },
            timeoutMs: 600_000,
            nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profileDir],
          });
          try {
            await askAll(profiled, 'national-board', nationalQuestions(wardNames, districtNames, Math.min(200, nQuestions), 3 * nQuestions), CONCURRENCY);
          } finally {
            await profiled.stop();
          }
          out.serveProfileTopSelfTime = existsSync(profileDir) ? profileSummary(profileDir) : 'no profile written';
        }
      } finally {
        await target.done();
      }
    }
    result.seconds = round((performance.now() - started) / 1000);
    result.machine = { ...(result.machine as object), loadAtEnd: loadNow() };

    // Targets (issue 15, item 3) and the comparison with the committed results.
    const get = (path: string) =>
      path.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), result) as number | undefined;
    const rows: Array<[string, string, string, string]> = [];
    const row = (what: string, sqlite: unknown, postgres: unknown, target: string) => rows.push([what, String(sqlite ?? '-'), String(postgres ?? '-'), target]);
    row(
      'first load, s (peak MB)',
      `${get('sqlite.firstLoad.seconds')} (${get('sqlite.firstLoad.peakRssMb')})`,
      `${get('postgres.firstLoad.seconds')} (${get('postgres.firstLoad.peakRssMb')})`,
      '',
    );
    row(
      'ask + chart, sequential p50 / p95 / p99 ms',
      `${get('sqlite.askSequential.total.p50Ms')} / ${get('sqlite.askSequential.total.p95Ms')} / ${get('sqlite.askSequential.total.p99Ms')}`,
      `${get('postgres.askSequential.total.p50Ms')} / ${get('postgres.askSequential.total.p95Ms')} / ${get('postgres.askSequential.total.p99Ms')}`,
      `p95 < ${TARGETS.askP95WarmMs}`,
    );
    row(
      'ask + chart, 8 concurrent p95 ms (q/s)',
      `${get('sqlite.askAt8.total.p95Ms')} (${get('sqlite.askAt8.questionsPerSecond')})`,
      `${get('postgres.askAt8.total.p95Ms')} (${get('postgres.askAt8.questionsPerSecond')})`,
      `< ${TARGETS.askP95At8Ms}`,
    );
    row(
      `top over ${largest.name} (${largest.wards} wards) p50 / p95 ms`,
      `${get('sqlite.topLargestDistrict.total.p50Ms')} / ${get('sqlite.topLargestDistrict.total.p95Ms')}`,
      `${get('postgres.topLargestDistrict.total.p50Ms')} / ${get('postgres.topLargestDistrict.total.p95Ms')}`,
      `< ${TARGETS.topMs}`,
    );
    row('cold first answer ms', get('sqlite.coldFirstAnswer.totalMs'), get('postgres.coldFirstAnswer.totalMs'), '');
    row(
      'detection, every ward x measure, s (read + judge)',
      `${get('sqlite.detection.totalSeconds')} (${get('sqlite.detection.readSeconds')} + ${get('sqlite.detection.detectSeconds')})`,
      `${get('postgres.detection.totalSeconds')} (${get('postgres.detection.readSeconds')} + ${get('postgres.detection.detectSeconds')})`,
      `< ${TARGETS.detectionSeconds}`,
    );
    row(
      'serve RSS MB (peak)',
      `${get('sqlite.serveMemory.rssMb')} (${get('sqlite.serveMemory.peakMb')})`,
      `${get('postgres.serveMemory.rssMb')} (${get('postgres.serveMemory.peakMb')})`,
      `< ${TARGETS.serveRssMb}`,
    );
    row(
      'ingest one synthetic month: rows/s, share of DuckDB',
      `${get('ingestSyntheticMonth.rowsPerSecond')}, ${get('ingestSyntheticMonth.shareOfDuckdb')} (read and aggregate only: ${get('ingestSyntheticMonth.shareOfDuckdbReadAndAggregate')})`,
      '',
      `>= ${TARGETS.ingestShareOfDuckdb}`,
    );
    row(
      'ingest real January 2024: rows/s, share of DuckDB',
      `${get('ingestRealMonth.rowsPerSecond')}, ${get('ingestRealMonth.shareOfDuckdb')} (read and aggregate only: ${get('ingestRealMonth.shareOfDuckdbReadAndAggregate')})`,
      '',
      `>= ${TARGETS.ingestShareOfDuckdb}`,
    );
    const table = ['| what | SQLite | PostgreSQL | target |', '|---|---|---|---|', ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
    result.table = table;
    // The committed national run: bench/results.json's runs.national.
    const recorded = previousResults('bench/results.json')?.runs as Record<string, { result?: unknown }> | undefined;
    const prevNational = recorded?.national?.result;
    result.comparedWithCommitted = prevNational ? differences(prevNational, result) : 'no committed national results (bench/results.json runs.national) to compare with';
    process.stderr.write(`\n${table}\n\n`);
    if (Array.isArray(result.comparedWithCommitted))
      for (const d of result.comparedWithCommitted) process.stderr.write(`  moved over 20%: ${d.metric} ${d.previous} -> ${d.now} (${d.change})\n`);
    return result;
  } finally {
    const server = pgServer as Awaited<ReturnType<typeof startThrowawayPostgres>> | null;
    if (server) await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
};

export default bench;
