// `wardwatch synth [--seed N] [--out DIR] [--ingest]` and `wardwatch synth --fixture-files`.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createProgress } from '../progress.ts';
import { defaultConfig, ingestPaths, summaryLine } from '../../../ingest/index.ts';
import { FIXTURES_DIR } from '../../../ingest/fixtures.ts';
import { writeFixtureFiles } from '../../../synth/fixtureFiles.ts';
import { writeSynthHistory } from '../../../synth/history.ts';
import { openStore } from '../../../store/open.ts';
import type { Verb } from '../main.ts';
import { ingestProgressReporter } from './ingest.ts';

const HELP = `usage: wardwatch synth [--seed N] [--out DIR] [--from YYYY-MM] [--points DIR] [--ingest]
       wardwatch synth --fixture-files [--out DIR]
       wardwatch synth --scale national|quick|test [--seed N] [--out DIR] [--months N] [--ingest]

Writes synthetic history as CSV files, calibrated to the real police.uk months in the store
($WARDWATCH_DB): police.uk-shaped street CSVs and partnership extracts, one pair per month from
2018-01 (or --from) up to the month before the latest run of real months. Months with real data are
never written. Files are named synthetic-*.csv and are logged as synthetic when ingested.

  --seed N         random seed (default 1); the same seed and store give the same files
  --out DIR        output folder (default ./data/synth)
  --points DIR     real police.uk CSVs of the calibration months, for snap points (default fixtures/police-uk)
  --ingest         ingest the files into the store after writing them
  --fixture-files  regenerate the committed generated fixtures (populations estimate, synthetic
                   partnership extract for the real months) into --out (default ./fixtures)
  --scale national a synthetic England and Wales instead (needs no store): about 35,700 LSOAs,
                   7,500 wards, 330 districts, 42 forces, 60 months of police.uk-shaped street CSVs
                   (about 480,000 rows a month) and partnership extracts, with X-prefixed codes and a
                   wardwatch.config.yaml for it; into --out (default: a new temporary folder).
                   quick: a region, 24 months; test: a few districts, 3 months. --months N writes
                   fewer months; --ingest loads it (geography, then a month at a time) into the store`;

const synth: Verb = {
  summary: 'generate synthetic history (police.uk-shaped and partnership CSVs)',
  async run(args) {
    let seed = 1;
    let out: string | null = null;
    let from: string | undefined;
    let points: string | undefined;
    let ingest = false;
    let fixtureFiles = false;
    let scale: string | undefined;
    let months: number | undefined;
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a === '--help' || a === '-h') {
        console.log(HELP);
        return 0;
      } else if (a === '--seed') seed = Number(args[++i]);
      else if (a === '--scale') scale = args[++i] ?? '';
      else if (a === '--months') months = Number(args[++i]);
      else if (a === '--out' || a === '--from' || a === '--points') {
        const v = args[++i];
        if (v === undefined || v.startsWith('--')) {
          console.error(`wardwatch synth: ${a} expects a value\n\n${HELP}`);
          return 2;
        }
        if (a === '--out') out = v;
        else if (a === '--from') from = v;
        else points = v;
      } else if (a === '--ingest') ingest = true;
      else if (a === '--fixture-files') fixtureFiles = true;
      else {
        console.error(`wardwatch synth: unknown argument ${a}\n\n${HELP}`);
        return 2;
      }
    }
    if (!Number.isInteger(seed)) {
      console.error('wardwatch synth: --seed expects a whole number');
      return 2;
    }
    if (from !== undefined && !/^\d{4}-(0[1-9]|1[0-2])$/.test(from)) {
      console.error(`wardwatch synth: --from expects a month as YYYY-MM, found "${from}"`);
      return 2;
    }
    if (scale !== undefined) return synthNational({ scale, seed, out, months, ingest });
    const config = defaultConfig();
    if (fixtureFiles) {
      for (const f of await writeFixtureFiles({ fixturesDir: resolve(out ?? FIXTURES_DIR), config })) console.log(`wrote ${f}`);
      return 0;
    }
    const outDir = resolve(out ?? 'data/synth');
    const store = await openStore();
    try {
      const r = await writeSynthHistory(store, { seed, outDir, config, ...(from ? { from } : {}), ...(points ? { pointsDir: resolve(points) } : {}) });
      const span = (ms: string[]) => (ms.length ? `${ms[0]}..${ms[ms.length - 1]} (${ms.length} months)` : 'none');
      console.log(
        `synth: calibrated to ${r.calibrationMonths.join(', ')}; police.uk ${span(r.policeUkMonths)}, partnership ${span(r.partnershipMonths)}; ${r.files.length} files, ${r.rows.toLocaleString('en-GB')} rows in ${outDir}`,
      );
      if (ingest && r.files.length) {
        const reporter = ingestProgressReporter('ingest');
        let result;
        try {
          // Only the files just written: the folder may hold older runs or other files.
          result = await ingestPaths(store, r.files, { config, onProgress: reporter.onProgress });
        } finally {
          reporter.done();
        }
        for (const f of result.files) console.log(summaryLine(f));
      }
      return 0;
    } finally {
      await store.close();
    }
  },
};

/** `--scale national|quick|test`: the synthetic country (src/synth/national), optionally ingested. */
async function synthNational(o: { scale: string; seed: number; out: string | null; months: number | undefined; ingest: boolean }): Promise<number> {
  const { NATIONAL_SCALES, writeNationalSynth } = await import('../../../synth/national/index.ts');
  if (!(o.scale in NATIONAL_SCALES)) {
    console.error(`wardwatch synth: --scale expects one of ${Object.keys(NATIONAL_SCALES).join(', ')}, found "${o.scale}"`);
    return 2;
  }
  if (o.months !== undefined && !(Number.isInteger(o.months) && o.months >= 1 && o.months <= 120)) {
    console.error('wardwatch synth: --months expects a whole number from 1 to 120');
    return 2;
  }
  const outDir = o.out ? resolve(o.out) : mkdtempSync(join(tmpdir(), `wardwatch-${o.scale}-`));
  const bar = createProgress(`synth ${o.scale}`);
  const r = writeNationalSynth({
    scale: o.scale as keyof typeof NATIONAL_SCALES,
    seed: o.seed,
    outDir,
    ...(o.months ? { months: o.months } : {}),
    onProgress: (done, total, label) => bar.update(done, total, label),
  });
  bar.done();
  const s = r.stats;
  console.log(
    `synth ${o.scale}: ${s.lsoas.toLocaleString('en-GB')} LSOAs, ${s.wards.toLocaleString('en-GB')} wards (${s.wardsWithoutLsoa} with no LSOA by best fit; ${s.meanVerticesPerWard} vertices a ward), ` +
      `${s.districts} districts (largest ${s.largestDistrict.name}, ${s.largestDistrict.wards} wards), ${s.forces} forces; ` +
      `${r.months.length} months ${r.months[0]}..${r.months.at(-1)}: ${r.policeUkRows.toLocaleString('en-GB')} street rows, ${r.partnershipRows.toLocaleString('en-GB')} partnership rows, ` +
      `${(r.bytes / 1e6).toFixed(0)} MB in ${outDir}${r.checksum ? ` (checksum ${r.checksum.slice(0, 16)})` : ''}`,
  );
  console.log(`config: ${r.configFile} (WARDWATCH_CONFIG=${r.configFile})`);
  if (!o.ingest) return 0;
  const { loadConfig } = await import('../../../config/load.ts');
  const { loadNationalFolder } = await import('../../../synth/national/load.ts');
  const { config } = loadConfig(r.configFile);
  const store = await openStore();
  const load = createProgress('ingest');
  try {
    const l = await loadNationalFolder(store, [r.geographyDir, r.policeUkDir, r.partnershipDir], { config, onProgress: (d, t, label) => load.update(d, t, label) });
    load.done();
    console.log(`ingest: geography in ${l.geographySeconds.toFixed(1)} s, ${l.months.length} months (${l.rows.toLocaleString('en-GB')} rows) in ${l.seconds.toFixed(1)} s`);
  } finally {
    await store.close();
  }
  return 0;
}

export default synth;
