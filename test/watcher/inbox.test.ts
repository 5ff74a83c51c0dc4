// The inbox watcher through the real scheduler (its claimed fires) and a real SQLite store: a good file
// is ingested once and moved to processed/; a bad one goes to rejected/ with its error beside it and the
// store unchanged; a file still being written is left until it has settled.
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { DataEventConsumers } from '../../src/service/data-events.ts';
import { Scheduler, watcherJobs } from '../../src/service/scheduler.ts';
import type { DataEvent } from '../../src/store/types.ts';
import { watcherSettings } from '../../src/watcher/index.ts';
import { fixtureStore, type TempStore } from '../helpers/store.ts';

const APRIL = new URL('../../fixtures/police-uk/2024-04-cambridgeshire-street.csv', import.meta.url).pathname;
const SETTLE_MS = 2000;

/** The real April file relabelled as another month (a police.uk file the store does not hold). */
function monthFile(month: string, edit?: (lines: string[]) => void): string {
  const lines = readFileSync(APRIL, 'utf8').split('\r\n');
  for (let i = 1; i < lines.length; i++) if (lines[i]) lines[i] = lines[i]!.replace(',2024-04,', `,${month},`);
  edit?.(lines);
  return lines.join('\r\n');
}

describe('the inbox watcher (scheduler, SQLite)', () => {
  let t: TempStore;
  let dir: string;
  let inbox: string;
  let scheduler: Scheduler;
  let consumers: DataEventConsumers;
  let config: Config;
  const seen: DataEvent[] = [];
  const logs: string[] = [];
  /** Ten minutes ago: a file dropped a while back. */
  const settled = (path: string) => {
    const old = new Date(Date.now() - 10 * 60_000);
    utimesSync(path, old, old);
  };
  const inboxNames = () =>
    readdirSync(inbox)
      .filter((n) => !['processing', 'processed', 'rejected'].includes(n))
      .sort();
  const eventsOf = (month: string) => seen.filter((e) => e.month === month).map((e) => e.kind);

  beforeAll(async () => {
    t = await fixtureStore();
    dir = mkdtempSync(join(tmpdir(), 'wardwatch-inbox-test-'));
    inbox = join(dir, 'inbox');
    mkdirSync(inbox);
    const file = new URL('../../wardwatch.config.yaml', import.meta.url).pathname;
    const base = parseConfig(readFileSync(file, 'utf8'), file).config;
    config = { ...base, watcher: { ...base.watcher, inbox, settleSeconds: SETTLE_MS / 1000 } };
    consumers = new DataEventConsumers(t.store, (l) => logs.push(l));
    await consumers.register('test-consumer', (events) => void seen.push(...events));
    scheduler = new Scheduler({ timezone: 'Europe/London', store: t.store, replicaId: 'test-replica', log: (l) => logs.push(l) });
    const settings = watcherSettings(config, {});
    for (const job of watcherJobs({ watcher: { store: t.store, config, settings, log: (l) => logs.push(l) }, consumers })) scheduler.register(job);
  }, 120_000);

  afterAll(async () => {
    await scheduler?.stop();
    await t?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('registers only the inbox job when police.uk is not enabled', async () => {
    expect((await scheduler.status()).jobs.map((j) => j.name)).toEqual(['watch-inbox']);
  });

  it('rejects bad files with the error beside them, and the store is unchanged', async () => {
    // Line 40 of the file gets a month that is not one; the second file is no data file at all.
    writeFileSync(
      join(inbox, '2024-06-cambridgeshire-street.csv'),
      monthFile('2024-06', (lines) => (lines[39] = lines[39]!.replace(',2024-06,', ',June 2024,'))),
    );
    writeFileSync(join(inbox, 'notes.csv'), 'a note,not data\r\nhello,world\r\n');
    writeFileSync(join(inbox, 'upload.csv.part'), 'half');
    for (const n of inboxNames()) settled(join(inbox, n));
    const before = await t.store.contentChecksum();

    await scheduler.runNow('watch-inbox');

    expect(await t.store.contentChecksum()).toBe(before);
    expect(readdirSync(join(inbox, 'rejected')).sort()).toEqual([
      '2024-06-cambridgeshire-street.csv',
      '2024-06-cambridgeshire-street.csv.error.txt',
      'notes.csv',
      'notes.csv.error.txt',
    ]);
    const error = readFileSync(join(inbox, 'rejected', '2024-06-cambridgeshire-street.csv.error.txt'), 'utf8');
    expect(error).toContain('2024-06-cambridgeshire-street.csv:40: field "Month": expected a month as YYYY-MM, found "June 2024"');
    expect(error).toContain('Nothing from this file is in the store');
    expect(readFileSync(join(inbox, 'rejected', 'notes.csv.error.txt'), 'utf8')).toMatch(/notes\.csv:1: expected a known header row/);
    // The upload still being written under a temporary name is not touched.
    expect(inboxNames()).toEqual(['upload.csv.part']);
    expect(readdirSync(join(inbox, 'processed'))).toEqual([]);
    expect(seen).toEqual([]);
    rmSync(join(inbox, 'upload.csv.part'));
  });

  it('ingests a settled file once, and leaves files still being written', async () => {
    writeFileSync(join(inbox, '2024-05-cambridgeshire-street.csv'), monthFile('2024-05'));
    settled(join(inbox, '2024-05-cambridgeshire-street.csv'));
    // Written just now: too recent to take.
    const july = monthFile('2024-07');
    writeFileSync(join(inbox, '2024-07-cambridgeshire-street.csv'), july.slice(0, Math.floor(july.length / 2)));
    // A copy that keeps its source's old time but is still growing while the watcher looks.
    const august = monthFile('2024-08');
    const growing = join(inbox, '2024-08-cambridgeshire-street.csv');
    const cut = august.indexOf('\r\n', Math.floor(august.length / 3)) + 2;
    writeFileSync(growing, august.slice(0, cut));
    settled(growing);
    const writer = setTimeout(() => {
      appendFileSync(growing, august.slice(cut, cut + 5000));
      settled(growing);
    }, SETTLE_MS / 4);

    await scheduler.runNow('watch-inbox');
    clearTimeout(writer);

    expect(readdirSync(join(inbox, 'processed'))).toEqual(['2024-05-cambridgeshire-street.csv']);
    expect(inboxNames()).toEqual(['2024-07-cambridgeshire-street.csv', '2024-08-cambridgeshire-street.csv']);
    expect(logs.filter((l) => /is still being written/.test(l))).toEqual([
      'inbox: 2024-07-cambridgeshire-street.csv is still being written; left for the next run',
      'inbox: 2024-08-cambridgeshire-street.csv is still being written; left for the next run',
    ]);
    expect(eventsOf('2024-05')).toEqual(['landed']);
    expect(await t.store.months('police.uk')).not.toContain('2024-07');
    expect(await t.store.months('police.uk')).not.toContain('2024-08');
    const release = (await t.store.releases()).filter((r) => r.month === '2024-05');
    expect(release.map((r) => r.fileName)).toEqual(['2024-05-cambridgeshire-street.csv']);
    expect(release[0]!.rowsRead).toBe(6913);
    // The fire was claimed and finished in the store.
    expect((await t.store.lastJobFires()).get('watch-inbox')).toMatchObject({ ok: true, claimedBy: 'test-replica' });
  });

  it('takes the files once they are complete; the same file dropped again is processed, not ingested twice', async () => {
    writeFileSync(join(inbox, '2024-07-cambridgeshire-street.csv'), monthFile('2024-07'));
    writeFileSync(join(inbox, '2024-08-cambridgeshire-street.csv'), monthFile('2024-08'));
    copyFileSync(join(inbox, 'processed', '2024-05-cambridgeshire-street.csv'), join(inbox, '2024-05-cambridgeshire-street.csv'));
    for (const n of inboxNames()) settled(join(inbox, n));

    await scheduler.runNow('watch-inbox');

    expect(inboxNames()).toEqual([]);
    expect(readdirSync(join(inbox, 'processed')).sort()).toEqual([
      '2024-05-cambridgeshire-street-2.csv',
      '2024-05-cambridgeshire-street.csv',
      '2024-07-cambridgeshire-street.csv',
      '2024-08-cambridgeshire-street.csv',
    ]);
    expect(eventsOf('2024-05')).toEqual(['landed']);
    expect(eventsOf('2024-07')).toEqual(['landed']);
    expect(eventsOf('2024-08')).toEqual(['landed']);
    expect(logs.some((l) => /inbox: ingested 2024-05-cambridgeshire-street\.csv: .*: unchanged/.test(l))).toBe(true);
    expect(readdirSync(join(inbox, 'processing'))).toEqual([]);
    // An empty inbox: nothing happens.
    const checksum = await t.store.contentChecksum();
    await scheduler.runNow('watch-inbox');
    expect(await t.store.contentChecksum()).toBe(checksum);
    expect(existsSync(join(inbox, 'rejected', '2024-05-cambridgeshire-street.csv'))).toBe(false);
  });
});
