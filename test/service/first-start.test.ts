// First start is all or nothing: a fixture load killed half way is detected at the next start and
// finished (not served as ready on part of the data), and the temporary folder the killed process left
// is removed.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtureStore } from '../helpers/store.ts';
import { childEnv, startServe, stopChild, waitFor, waitReady, writeTestConfig, type Served } from './serve.ts';

const currentMonths = (path: string): string[] => {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT source, month, checksum FROM current_months ORDER BY source, month').all() as Array<Record<string, string>>).map(
      (r) => `${r.source} ${r.month} ${r.checksum}`,
    );
  } finally {
    db.close();
  }
};
const historyMonthsLoaded = (path: string): number => {
  if (!existsSync(path)) return 0;
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    // synthetic police.uk months come only from the history stage, after the fixtures
    return (db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'releases'").get() as { n: number }).n
      ? (db.prepare("SELECT COUNT(*) AS n FROM releases WHERE synthetic = 1 AND source = 'police.uk'").get() as { n: number }).n
      : 0;
  } catch {
    return 0;
  } finally {
    db.close();
  }
};

describe('first start, interrupted', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wardwatch-first-start-'));
  let running: Served | null = null;
  afterAll(async () => {
    if (running) await stopChild(running, 'SIGKILL').catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a load killed half way is finished at the next start, and its temporary folder is removed', async () => {
    const path = join(dir, 'store.sqlite');
    const env = childEnv({ WARDWATCH_DB: path, WARDWATCH_CONFIG: writeTestConfig(dir), PORT: '0', WARDWATCH_FIXTURES: 'first-start' });
    const first = await startServe('first', env);
    running = first;
    // Kill it once the real months are in and the history stage has begun writing its files to a
    // temporary folder (each stage lands all or nothing, so this is the half-loaded store of the report).
    const killedPid = first.child.pid!;
    const historyFolder = () => readdirSync(tmpdir()).find((n) => n.startsWith(`wardwatch-synth-${killedPid}-`));
    await waitFor('the history stage to start', () => historyFolder() !== undefined && readdirSync(join(tmpdir(), historyFolder()!)).length > 0, 120_000, 20);
    expect(historyMonthsLoaded(path)).toBe(0);
    await stopChild(first, 'SIGKILL');
    running = null;
    const leftBehind = readdirSync(tmpdir()).filter((n) => n.startsWith(`wardwatch-synth-${killedPid}-`));
    expect(leftBehind).toHaveLength(1); // the killed process had no chance to remove it
    const partial = currentMonths(path);
    const complete = await fixtureStore({ history: true });
    const expected = currentMonths(complete.path);
    await complete.cleanup();
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(expected.length);

    const second = await startServe('second', env);
    running = second;
    const health = await waitReady(second, 120_000);
    expect(health.status).toBe('ok');
    expect(second.output()).toMatch(/fixture load by \S+ \(started [^)]+\) did not finish; loading the rest/);
    expect(currentMonths(path)).toEqual(expected);
    expect(readdirSync(tmpdir()).filter((n) => n.startsWith(`wardwatch-synth-${killedPid}-`))).toEqual([]);
    await stopChild(second, 'SIGTERM');
    running = null;

    // A third start finds the load finished and loads nothing.
    const third = await startServe('third', env);
    running = third;
    await waitReady(third, 60_000);
    expect(third.output()).not.toMatch(/First start/);
    await stopChild(third, 'SIGTERM');
    running = null;
  });
});
