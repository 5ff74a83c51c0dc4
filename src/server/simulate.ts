// "Simulate next month" (the local page's demo control): loads the month after the store's latest
// police.uk month, so a visitor can watch that month's alerts and summary arrive. The next month comes
// from the fixtures when they hold it back (config `fixtures.lastRealMonth`), else from the synthetic
// generator when it can write months after the real ones.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../config/schema.ts';
import { UserError } from '../core/errors.ts';
import { addMonths, monthName, type Month } from '../core/periods.ts';
import { FIXTURE_PATHS, fixtureMonthFiles } from '../ingest/fixtures.ts';
import { ingestPaths } from '../ingest/index.ts';
import type { Store } from '../store/types.ts';

export interface SimulatedMonth {
  month: Month;
  synthetic: boolean;
  description: string;
}

/** A generator of synthetic months after the real ones, if the synth module offers one. */
type ForwardSynth = (store: Store, options: { month: Month; seed: number; outDir: string; config?: Config | null }) => Promise<{ files: string[] }>;

async function forwardSynth(): Promise<ForwardSynth | null> {
  const mod = (await import('../synth/history.ts')) as Record<string, unknown>;
  return typeof mod.writeSynthMonth === 'function' ? (mod.writeSynthMonth as ForwardSynth) : null;
}

export async function simulateNextMonth(options: { store: Store; config: Config; seed?: number }): Promise<SimulatedMonth> {
  const { store, config } = options;
  const latest = store.months('police.uk').at(-1);
  if (!latest) throw new UserError('there is no police.uk data in the store to follow on from');
  const month = addMonths(latest, 1);
  const inMonth = (f: string) => f.includes(month);
  const real = [...fixtureMonthFiles(FIXTURE_PATHS.policeUk), ...fixtureMonthFiles(FIXTURE_PATHS.partnership)].filter(inMonth);
  if (real.length) {
    await ingestPaths(store, real, { config });
    return { month, synthetic: real.every((f) => /synthetic/.test(f)), description: 'the next police.uk release from the fixtures' };
  }
  const synth = await forwardSynth();
  if (!synth) {
    throw new UserError(
      `no ${monthName(month)} to load: every fixture month is already in the store, and this build cannot generate synthetic months after the real ones (set fixtures.lastRealMonth in the config to hold real months back for the demo)`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'wardwatch-next-'));
  try {
    const written = await synth(store, { month, seed: options.seed ?? 1, outDir: dir, config });
    if (!written.files.length) throw new UserError(`the synthetic generator wrote nothing for ${monthName(month)}`);
    await ingestPaths(store, [dir], { config });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { month, synthetic: true, description: 'synthetic' };
}
