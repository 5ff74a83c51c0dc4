// First start: the bundled fixtures plus the synthetic history, into an empty (or any) store.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../config/schema.ts';
import type { Month } from '../core/periods.ts';
import type { Store } from '../store/types.ts';
import { ingestPaths, type IngestProgress, type IngestResult } from './index.ts';

import { FIXTURE_PATHS, fixtureMonthFiles } from './fixture-paths.ts';

export { FIXTURES_DIR, FIXTURE_PATHS, fixtureMonthFiles } from './fixture-paths.ts';

export interface LoadFixturesOptions {
  /** Seed for the synthetic history (default 1). */
  seed?: number;
  /** Load real months only up to this month (later ones can be ingested as "the next release"). */
  lastRealMonth?: Month;
  /** Skip the synthetic history (tests that only need the real months). */
  history?: boolean;
  onProgress?: (p: IngestProgress & { stage: 'fixtures' | 'history' }) => void;
  /** Further files or folders to ingest with the fixtures. */
  extraPaths?: string[];
  config?: Config | null;
}

const HISTORY_DIR_PREFIX = 'wardwatch-synth-';

/** Removes synthetic-history folders left by processes that no longer run (a kill mid-load). */
export function removeAbandonedHistoryFolders(dir = tmpdir()): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    const pid = Number(new RegExp(`^${HISTORY_DIR_PREFIX}(\\d+)-`).exec(name)?.[1]);
    if (!pid || pid === process.pid || isAlive(pid)) continue;
    rmSync(join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Loads geography, populations, the real police.uk months, the synthetic partnership extract and then
 * the synthetic history. Idempotent: running it on a loaded store changes nothing.
 * Returns one IngestResult per stage (fixtures, history).
 */
export async function loadFixtures(store: Store, options: LoadFixturesOptions = {}): Promise<IngestResult[]> {
  const lastRealMonth = options.lastRealMonth;
  const paths = [
    FIXTURE_PATHS.geography,
    FIXTURE_PATHS.populations,
    ...fixtureMonthFiles(FIXTURE_PATHS.policeUk, lastRealMonth),
    ...fixtureMonthFiles(FIXTURE_PATHS.partnership, lastRealMonth),
    ...(options.extraPaths ?? []),
  ].filter((p) => existsSync(p));
  const results: IngestResult[] = [];
  const stageProgress = (stage: 'fixtures' | 'history') => (p: IngestProgress) => options.onProgress?.({ ...p, stage });
  results.push(await ingestPaths(store, paths, { onProgress: stageProgress('fixtures'), ...(options.config !== undefined ? { config: options.config } : {}) }));
  if (options.history !== false) {
    const { writeSynthHistory } = await import('../synth/history.ts');
    removeAbandonedHistoryFolders();
    // Named by process, so a later start can remove what a killed one left (about 110 MB).
    const dir = mkdtempSync(join(tmpdir(), `${HISTORY_DIR_PREFIX}${process.pid}-`));
    try {
      const written = await writeSynthHistory(store, { seed: options.seed ?? 1, outDir: dir });
      if (written.files.length) {
        results.push(await ingestPaths(store, [dir], { onProgress: stageProgress('history'), ...(options.config !== undefined ? { config: options.config } : {}) }));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return results;
}
