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
import type { DataSource, Store } from '../store/types.ts';
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

/** A (source, month) the store did not hold before a simulation and did after it. */
export interface AddedMonth {
  source: DataSource;
  month: Month;
}

/**
 * The local page's demo controls: "Simulate next month" and its undo. Each simulation remembers the
 * (source, month) pairs it added, those the store did not hold before; `reset` takes out exactly those,
 * newest first, and nothing else (a month loaded any other way, or already held, is left alone). The
 * memory is this process's: after a restart there is nothing to reset.
 */
export function simulationControls(options: { store: Store; config: Config; seed?: number }) {
  const { store } = options;
  const added: AddedMonth[] = [];
  const held = async () => new Set((await store.currentMonths()).map((c) => `${c.source}\t${c.month}`));
  return {
    async simulate(): Promise<SimulatedMonth & { added: AddedMonth[] }> {
      const before = await held();
      const result = await simulateNextMonth(options);
      const now = (await store.currentMonths()).filter((c) => !before.has(`${c.source}\t${c.month}`)).map((c) => ({ source: c.source, month: c.month }));
      added.push(...now);
      return { ...result, added: now };
    },
    /** The months simulations added, oldest first. */
    added(): readonly AddedMonth[] {
      return [...added];
    },
    async reset(): Promise<{ removed: AddedMonth[] }> {
      const removed: AddedMonth[] = [];
      while (added.length) {
        const m = added.at(-1)!;
        if (await store.removeMonth(m)) removed.unshift(m);
        added.pop();
      }
      return { removed };
    },
  };
}

export type SimulationControls = ReturnType<typeof simulationControls>;

/** The page's one line for a reset. */
export function resetSummary(result: { removed: AddedMonth[] }): { month: string; summary: string } {
  const months = [...new Set(result.removed.map((m) => m.month))];
  if (!months.length) return { month: '', summary: 'Nothing to reset: no simulated months have been added since the server started.' };
  const span = months.length === 1 ? monthName(months[0]!) : `${monthName(months[0]!)} to ${monthName(months.at(-1)!)}`;
  return {
    month: months[0]!,
    summary: `Removed the simulated ${span} (${months.length} month${months.length === 1 ? '' : 's'}); the data is as it was before. Messages already posted stay in the channels.`,
  };
}
