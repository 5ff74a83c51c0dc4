// One store job in a fresh process, so its peak memory (VmHWM) is the job's own: `load` (a national folder:
// geography, then a month at a time) or `ingest` (files in one ingest, as a user runs it). Prints one JSON line.
import { readFileSync } from 'node:fs';
import { loadConfig } from '../../src/config/load.ts';
import { ingestPaths } from '../../src/ingest/index.ts';
import { openPostgresStore, openSqliteStore } from '../../src/store/kysely.ts';
import { loadNationalFolder } from '../../src/synth/national/load.ts';

export interface ChildJob {
  mode: 'load' | 'ingest';
  /** A SQLite file, or a postgres:// URL. */
  target: string;
  paths: string[];
  /** The config file (null: none, every district in the geography). */
  configFile: string | null;
}

/** This process's own peak resident memory (VmHWM: not resourceUsage().maxRSS, which carries the parent's over exec). */
export function ownPeakRssMb(): number {
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return hwm ? Math.round(Number(hwm[1]) / 1024) : Math.round(process.resourceUsage().maxRSS / 1024);
}

const job = JSON.parse(process.env.WARDWATCH_NATIONAL_CHILD ?? 'null') as ChildJob | null;
if (job) {
  const sqlite = !job.target.startsWith('postgres');
  const store = sqlite ? await openSqliteStore(job.target) : await openPostgresStore(job.target);
  const config = job.configFile ? loadConfig(job.configFile).config : null;
  const t = performance.now();
  let out: Record<string, unknown>;
  if (job.mode === 'load') {
    const l = await loadNationalFolder(store, job.paths, {
      config,
      onProgress: (done, total, label) => process.stderr.write(`load ${done}/${total} ${label} (${((performance.now() - t) / 1000).toFixed(0)} s)\n`),
    });
    out = { geographySeconds: l.geographySeconds, months: l.months, rows: l.rows, seconds: l.seconds };
  } else {
    // The read (parse, checks, placing, aggregating) ends where the store write begins: DuckDB's side of the
    // comparison reads and aggregates only.
    // CPU (every thread of the process) beside the wall time: on a loaded machine the wall time says more about the neighbours.
    let writeAt: number | null = null;
    let cpuAtWrite: NodeJS.CpuUsage | null = null;
    const cpu0 = process.cpuUsage();
    const r = await ingestPaths(store, job.paths, {
      config,
      onProgress: (p) => {
        if (p.phase === 'write' && writeAt === null) {
          writeAt = performance.now();
          cpuAtWrite = process.cpuUsage(cpu0);
        }
      },
    });
    const end = performance.now();
    const cpuEnd = process.cpuUsage(cpu0);
    const cpuSeconds = (c: NodeJS.CpuUsage | null) => (c ? (c.user + c.system) / 1e6 : null);
    const placed = r.files.reduce(
      (s, f) => ({ polygon: s.polygon + f.placedByPolygon, lsoa: s.lsoa + f.placedByLsoa, outOfArea: s.outOfArea + f.outOfArea, unplaced: s.unplaced + f.unplaced }),
      { polygon: 0, lsoa: 0, outOfArea: 0, unplaced: 0 },
    );
    const readSeconds = ((writeAt ?? end) - t) / 1000;
    out = {
      rows: r.rowsRead,
      seconds: (end - t) / 1000,
      readSeconds,
      writeSeconds: (end - t) / 1000 - readSeconds,
      readCpuSeconds: cpuSeconds(cpuAtWrite),
      cpuSeconds: cpuSeconds(cpuEnd),
      files: r.files.length,
      placed,
      notes: r.files.filter((f) => f.note).length,
    };
  }
  if (sqlite) await (store as Awaited<ReturnType<typeof openSqliteStore>>).checkpoint();
  await store.close();
  process.stdout.write(JSON.stringify({ ...out, peakRssMb: ownPeakRssMb() }) + '\n');
  process.exit(0);
}
