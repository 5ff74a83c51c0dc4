// `wardwatch bench [name...] [--quick | --full] [--out FILE]`: runs each bench/<name>.bench.ts and writes one JSON report.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Verb } from '../main.ts';

/**
 * How much each benchmark does: `standard` (the default) keeps the whole fixture set to a few minutes,
 * `full` takes the larger samples the recorded runs use (README "Benchmarks"), `quick` is for development.
 */
export type BenchSize = 'quick' | 'standard' | 'full';

/** A benchmark module: returns its measurements as plain JSON. `log` shows progress on stderr. */
export type Benchmark = (ctx: { log: (line: string) => void; size: BenchSize; scale?: 'fixture' | 'national'; data?: string }) => Promise<Record<string, unknown>>;

/** Benchmarks run only when asked for by `--scale` (each takes tens of minutes), never in the default set. */
const SCALED: Record<string, 'national'> = { national: 'national' };

const BENCH_DIR = fileURLToPath(new URL('../../../../bench/', import.meta.url));
/** The committed results: one run of each benchmark (README "Performance"). */
const RESULTS_FILE = join(BENCH_DIR, 'results.json');

const bench: Verb = {
  summary: 'run the benchmarks and write a JSON report',
  async run(args) {
    let out: string | undefined;
    const names: string[] = [];
    let size: BenchSize = 'standard';
    let scale: 'fixture' | 'national' = 'fixture';
    let data: string | undefined;
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a === '--out') out = args[++i] ?? out;
      else if (a === '--quick') size = 'quick';
      else if (a === '--full') size = 'full';
      else if (a === '--scale') {
        const v = args[++i];
        if (v !== 'national' && v !== 'fixture') {
          console.error(`wardwatch bench: --scale expects national or fixture, found "${v ?? ''}"`);
          return 2;
        }
        scale = v;
      } else if (a === '--data') data = args[++i];
      else if (a === '--help') {
        console.log(
          'usage: wardwatch bench [name...] [--quick | --full] [--out FILE]\n       wardwatch bench --scale national [--data DIR] [--quick] [--out FILE]  (recorded in bench/results.json, runs.national)\n\n' +
            'The fixture set takes a few minutes; --full takes the larger samples of the recorded runs (about 10 minutes), --quick the smallest.\n\nbenchmarks: ' +
            available().join(', '),
        );
        return 0;
      } else names.push(a);
    }
    const chosen = names.length ? names : scale === 'national' ? ['national'] : available().filter((n) => !(n in SCALED));
    // A national run is recorded in the committed bench/results.json (runs.national) beside the fixture runs,
    // unless --out names a file of its own; the fixture set writes a report to look at, not to commit.
    const recordNational = scale === 'national' && out === undefined;
    out ??= 'bench-report.json';
    const unknown = chosen.filter((n) => !available().includes(n));
    if (unknown.length) {
      console.error(`wardwatch bench: no benchmark named ${unknown.join(', ')} (have: ${available().join(', ')})`);
      return 2;
    }
    const report: Record<string, unknown> = {
      startedAt: new Date().toISOString(),
      size,
      machine: { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryBytes: totalmem() },
      results: {} as Record<string, unknown>,
    };
    for (const name of chosen) {
      const started = Date.now();
      process.stderr.write(`bench ${name}: running\n`);
      const mod = (await import(`${BENCH_DIR}${name}.bench.ts`)) as { default: Benchmark };
      const result = await mod.default({ log: (line) => process.stderr.write(`  ${name}: ${line}\n`), size, scale, ...(data ? { data } : {}) });
      (report.results as Record<string, unknown>)[name] = { ...result, wallSeconds: (Date.now() - started) / 1000 };
      process.stderr.write(`bench ${name}: done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    }
    report.finishedAt = new Date().toISOString();
    if (recordNational) {
      const recorded = existsSync(RESULTS_FILE) ? (JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as { runs?: Record<string, unknown> }) : {};
      recorded.runs = {
        ...recorded.runs,
        national: { startedAt: report.startedAt, finishedAt: report.finishedAt, machine: report.machine, result: (report.results as Record<string, unknown>).national },
      };
      writeFileSync(RESULTS_FILE, JSON.stringify(recorded, null, 2) + '\n');
      console.log(`wrote ${RESULTS_FILE} (runs.national)`);
      return 0;
    }
    writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
    console.log(`wrote ${out}`);
    return 0;
  },
};

function available(): string[] {
  return readdirSync(BENCH_DIR)
    .filter((f) => f.endsWith('.bench.ts'))
    .map((f) => f.replace(/\.bench\.ts$/, ''))
    .sort();
}

export default bench;
