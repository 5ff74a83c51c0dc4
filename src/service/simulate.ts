// "Simulate next month" (the local page's demo control): loads the month after the store's latest
// police.uk month, so a visitor can watch that month's alerts and summary arrive. The next month comes
// from the fixtures when they hold it back (config `fixtures.lastRealMonth`), else from the synthetic
// generator (calibrated to the real months, deterministic from the seed and the month).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../config/schema.ts';
import { UserError } from '../core/errors.ts';
import { addMonths, monthName, type Month } from '../core/periods.ts';
import { FIXTURE_PATHS, fixtureMonthFiles } from '../ingest/fixtures.ts';
import { ingestPaths } from '../ingest/index.ts';
import type { Store } from '../store/types.ts';
import { writeSynthMonth } from '../synth/history.ts';

export interface SimulatedMonth {
  month: Month;
  synthetic: boolean;
  description: string;
}

export async function simulateNextMonth(options: { store: Store; config: Config; seed?: number }): Promise<SimulatedMonth> {
  const { store, config } = options;
  const latest = (await store.months('police.uk')).at(-1);
  if (!latest) throw new UserError('there is no police.uk data in the store to follow on from');
  const month = addMonths(latest, 1);
  const inMonth = (f: string) => f.includes(month);
  const real = [...fixtureMonthFiles(FIXTURE_PATHS.policeUk), ...fixtureMonthFiles(FIXTURE_PATHS.partnership)].filter(inMonth);
  if (real.length) {
    await ingestPaths(store, real, { config });
    return { month, synthetic: real.every((f) => /synthetic/.test(f)), description: 'the next police.uk release from the fixtures' };
  }
  const dir = mkdtempSync(join(tmpdir(), 'wardwatch-next-'));
  try {
    const written = await writeSynthMonth(store, { month, seed: options.seed ?? 1, outDir: dir, config });
    if (!written.files.length) throw new UserError(`the synthetic generator wrote nothing for ${monthName(month)}`);
    await ingestPaths(store, [dir], { config });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { month, synthetic: true, description: 'synthetic' };
}
