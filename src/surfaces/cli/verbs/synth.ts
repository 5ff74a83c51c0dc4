// `wardwatch synth [--seed N] [--out DIR] [--ingest]` and `wardwatch synth --fixture-files`.
import { resolve } from 'node:path';
import { defaultConfig, ingestPaths, summaryLine } from '../../../ingest/index.ts';
import { FIXTURES_DIR } from '../../../ingest/fixtures.ts';
import { writeFixtureFiles } from '../../../synth/fixtureFiles.ts';
import { writeSynthHistory } from '../../../synth/history.ts';
import { openStore } from '../../../store/open.ts';
import type { Verb } from '../main.ts';
import { ingestProgressReporter } from './ingest.ts';

const HELP = `usage: wardwatch synth [--seed N] [--out DIR] [--from YYYY-MM] [--points DIR] [--ingest]
       wardwatch synth --fixture-files [--out DIR]

Writes synthetic history as CSV files, calibrated to the real police.uk months in the store
($WARDWATCH_DB): police.uk-shaped street CSVs and partnership extracts, one pair per month from
2018-01 (or --from) up to the month before the latest run of real months. Months with real data are
never written. Files are named synthetic-*.csv and are logged as synthetic when ingested.

  --seed N         random seed (default 1); the same seed and store give the same files
  --out DIR        output folder (default ./data/synth)
  --points DIR     real police.uk CSVs of the calibration months, for snap points (default fixtures/police-uk)
  --ingest         ingest the files into the store after writing them
  --fixture-files  regenerate the committed generated fixtures (populations estimate, synthetic
                   partnership extract for the real months) into --out (default ./fixtures)`;

const synth: Verb = {
  summary: 'generate synthetic history (police.uk-shaped and partnership CSVs)',
  async run(args) {
    let seed = 1;
    let out: string | null = null;
    let from: string | undefined;
    let points: string | undefined;
    let ingest = false;
    let fixtureFiles = false;
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a === '--help' || a === '-h') {
        console.log(HELP);
        return 0;
      } else if (a === '--seed') seed = Number(args[++i]);
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

export default synth;
