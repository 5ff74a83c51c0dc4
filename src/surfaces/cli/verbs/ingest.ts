// `wardwatch ingest <path...>` and `wardwatch ingest --fixtures`.
import { createProgress } from '../progress.ts';
import { ingestPaths, summaryLine, type IngestProgress } from '../../../ingest/index.ts';
import { loadFixtures } from '../../../ingest/fixtures.ts';
import { openStore } from '../../../store/open.ts';
import type { Verb } from '../main.ts';

const HELP = `usage: wardwatch ingest <file-or-folder>... [--quiet] [--allow-boundary-changes]
       wardwatch ingest --fixtures [--seed N]

Loads police.uk street CSVs, partnership extracts (aggregated or record-level), ONS lookups,
ward boundary GeoJSON and populations into the store ($WARDWATCH_DB, default ./data/wardwatch.sqlite).
Each file's kind is detected from its header row. All or nothing: any bad row stops the whole
ingest with file, line and field, and the store is left exactly as it was. Refused as nonsense:
months after this one or before December 2010, implausible counts and populations, a Crime ID or
record twice, two forces in one police.uk file, malformed ONS codes, control characters, numbers
that are not plain decimals, header-only geography files, broken boundary polygons, and links
that dangle or loop.

  --fixtures   load the bundled fixtures (geography, populations, real police.uk months, the
               synthetic partnership extract) and generate the synthetic history (wardwatch synth)
  --seed N     seed for the synthetic history with --fixtures (default 1)
  --quiet      only the per-file summary lines
  --allow-boundary-changes
               accept a lookup that moves a ward to another district (or an LSOA to another
               ward or district) than the store holds; each move is logged as a boundary change`;

/** Shared progress line for ingest: whole-invocation fraction, labelled with the current file. */
export function ingestProgressReporter(title = 'ingest', quiet = false): { onProgress: (p: IngestProgress) => void; done: () => void } {
  if (quiet) return { onProgress: () => {}, done: () => {} };
  const bar = createProgress(title);
  return {
    onProgress: (p) => {
      const fraction = p.phase === 'write' ? 1 : (p.index - 1 + (p.bytesTotal ? p.bytesRead / p.bytesTotal : 1)) / p.files;
      bar.update(fraction * 1000, 1000, p.phase === 'write' ? 'writing to the store' : `${p.file} (${p.index}/${p.files})`);
    },
    done: () => bar.done(),
  };
}

const ingest: Verb = {
  summary: 'load police.uk, partnership and geography files into the store',
  async run(args) {
    const paths: string[] = [];
    let fixtures = false;
    let quiet = false;
    let allowBoundaryChanges = false;
    let seed = 1;
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a === '--help' || a === '-h') {
        console.log(HELP);
        return 0;
      } else if (a === '--fixtures') fixtures = true;
      else if (a === '--quiet' || a === '-q') quiet = true;
      else if (a === '--allow-boundary-changes') allowBoundaryChanges = true;
      else if (a === '--seed') {
        seed = Number(args[++i]);
        if (!Number.isInteger(seed)) {
          console.error('wardwatch ingest: --seed expects a whole number');
          return 2;
        }
      } else if (a.startsWith('--')) {
        console.error(`wardwatch ingest: unknown option ${a}\n\n${HELP}`);
        return 2;
      } else paths.push(a);
    }
    if (!fixtures && paths.length === 0) {
      console.error(HELP);
      return 2;
    }
    const store = await openStore();
    try {
      const reporter = ingestProgressReporter('ingest', quiet);
      const started = performance.now();
      let results;
      try {
        results = fixtures
          ? await loadFixtures(store, { seed, onProgress: reporter.onProgress, extraPaths: paths })
          : [await ingestPaths(store, paths, { onProgress: reporter.onProgress, allowBoundaryChanges })];
      } finally {
        reporter.done(); // clear the bar before an error message too
      }
      let rows = 0;
      results.forEach((r, stage) => {
        rows += r.rowsRead;
        if (fixtures && stage === 1) {
          // The synthetic history: one line for the whole stage rather than one per generated file.
          const loaded = r.files.filter((f) => f.outcome !== 'unchanged');
          const months = [...new Set(r.files.map((f) => f.month!))].sort();
          console.log(
            `synthetic history ${months[0]}..${months[months.length - 1]}: ${r.files.length} files, ${r.rowsRead.toLocaleString('en-GB')} rows read, ` +
              `${loaded.length} loaded, ${r.files.length - loaded.length} unchanged or skipped`,
          );
          return;
        }
        for (const f of r.files) if (!quiet || f.outcome !== 'unchanged') console.log(summaryLine(f));
      });
      const seconds = (performance.now() - started) / 1000;
      console.log(`ingest: ${rows.toLocaleString('en-GB')} rows in ${seconds.toFixed(1)} s into ${store.location}`);
      return 0;
    } finally {
      await store.close();
    }
  },
};

export default ingest;
