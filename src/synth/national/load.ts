// Loading a national folder (synthetic or as downloaded): the geography in one ingest, then one ingest per
// month (all forces of the month together, with that month's partnership extract). One all-or-nothing
// ingest of 60 national months would hold every month's tallies in memory at once (several GB); a month
// at a time keeps the peak near one month's, and each month is still all or nothing.
import { basename } from 'node:path';
import type { Config } from '../../config/schema.ts';
import { detectKind, expandPaths, ingestPaths, type IngestResult } from '../../ingest/index.ts';
import type { Store } from '../../store/types.ts';

export interface FolderLoad {
  geographySeconds: number;
  months: Array<{ month: string; files: number; rows: number; seconds: number }>;
  rows: number;
  seconds: number;
  results: IngestResult[];
}

/** Geography files and month files (grouped by the YYYY-MM in their names, ascending) under `paths`. */
export async function nationalFiles(paths: string[]): Promise<{ geography: string[]; months: Map<string, string[]> }> {
  const geography: string[] = [];
  const months = new Map<string, string[]>();
  for (const f of expandPaths(paths)) {
    const kind = await detectKind(f);
    if (kind === 'police-uk' || kind === 'partnership-aggregated' || kind === 'partnership-records') {
      const month = /(\d{4}-\d{2})/.exec(basename(f))?.[1] ?? 'unknown';
      months.set(month, [...(months.get(month) ?? []), f]);
    } else geography.push(f);
  }
  return { geography, months: new Map([...months].sort(([a], [b]) => (a < b ? -1 : 1))) };
}

export async function loadNationalFolder(
  store: Store,
  paths: string[],
  options: { config: Config | null; onProgress?: (done: number, total: number, label: string) => void; monthLimit?: number },
): Promise<FolderLoad> {
  const started = performance.now();
  const { geography, months } = await nationalFiles(paths);
  const chosen = [...months].slice(-(options.monthLimit ?? months.size));
  const total = chosen.length + 1;
  const results: IngestResult[] = [];
  options.onProgress?.(0, total, `geography (${geography.length} files)`);
  const g = performance.now();
  if (geography.length) results.push(await ingestPaths(store, geography, { config: options.config }));
  const geographySeconds = (performance.now() - g) / 1000;
  const out: FolderLoad['months'] = [];
  let rows = 0;
  for (let i = 0; i < chosen.length; i++) {
    const [month, files] = chosen[i]!;
    options.onProgress?.(i + 1, total, `${month} (${files.length} files)`);
    const t = performance.now();
    const r = await ingestPaths(store, files, { config: options.config, plannerStatistics: false });
    results.push(r);
    rows += r.rowsRead;
    out.push({ month, files: files.length, rows: r.rowsRead, seconds: (performance.now() - t) / 1000 });
  }
  // once for the whole load, not after each month (on PostgreSQL each ANALYZE samples the growing tables)
  await store.refreshPlannerStatistics();
  options.onProgress?.(total, total, 'loaded');
  return { geographySeconds, months: out, rows, seconds: (performance.now() - started) / 1000, results };
}
