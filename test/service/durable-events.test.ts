// Durable data events on SQLite, with the real processes: a month ingested by the CLI while the service
// is stopped is announced (its alert digest) once when it next starts (and not again at the start after), and a month
// ingested by the CLI while it runs is announced within a few seconds (its consumers poll the store).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { monthName } from '../../src/core/periods.ts';
import { writeSynthMonth } from '../../src/synth/history.ts';
import { fixtureStore } from '../helpers/store.ts';
import { childEnv, runWardwatch, startServe, stopChild, waitFor, waitReady, writeTestConfig, type Served } from './serve.ts';

const CHANNELS = ['cambridge-csp', 'cambridge-analysts', 'fenland-csp', 'countywide-board'];

describe('data events survive restarts (SQLite, real processes)', () => {
  let dir: string;
  /** The store's own temp folder (fixtureStore's). */
  let storeDir: string;
  let dbPath: string;
  let env: NodeJS.ProcessEnv;
  /** police.uk-shaped synthetic months after the store's latest (2024-04), one folder each. */
  const monthDirs: Record<string, string> = {};
  let running: Served | null = null;

  /** The month's "month landed" messages (the alert digest, now that alerts/ ships rules) per channel, from the store's local_messages. */
  const notices = (month: string): Record<string, number> => {
    const db = new Database(dbPath, { readonly: true, fileMustExist: true });
    try {
      const rows = db.prepare('SELECT channel, reply FROM local_messages').all() as Array<{ channel: string; reply: string }>;
      const out: Record<string, number> = Object.fromEntries(CHANNELS.map((c) => [c, 0]));
      for (const r of rows) {
        const reply = JSON.parse(r.reply) as { kind?: string; data?: { digest?: { month?: string; mode?: string } } };
        if (reply.kind === 'alerts' && reply.data?.digest?.month === month && reply.data.digest.mode === 'landed') out[r.channel] = (out[r.channel] ?? 0) + 1;
      }
      return out;
    } finally {
      db.close();
    }
  };
  const once = Object.fromEntries(CHANNELS.map((c) => [c, 1]));
  const none = Object.fromEntries(CHANNELS.map((c) => [c, 0]));

  /** The month's digest as the page shows a channel's history. */
  const onPage = async (s: Served, channel: string, month: string): Promise<boolean> => {
    const r = await fetch(`${s.url}api/channels/${channel}`);
    expect(r.status).toBe(200);
    return ((await r.json()) as { html: string }).html.includes(`The ${monthName(month)} figures are in`);
  };

  const serve = async (): Promise<Served> => {
    running = await startServe('serve', env);
    await waitReady(running, 60_000);
    return running;
  };
  const stop = async (): Promise<void> => {
    const s = running!;
    running = null;
    const exit = await stopChild(s, 'SIGTERM');
    expect(exit.code, s.output()).toBe(0);
  };
  const ingest = async (month: string): Promise<void> => {
    const r = await runWardwatch(['ingest', '--quiet', monthDirs[month]!], env);
    expect(r.code, r.output).toBe(0);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wardwatch-durable-'));
    const t = await fixtureStore({ history: true });
    storeDir = t.dir;
    dbPath = t.path;
    const config = writeTestConfig(dir);
    const { config: parsed } = parseConfig(readFileSync(config, 'utf8'), config);
    // The next months, as police.uk files only (one data event each): written from the store's own calibration.
    for (const month of ['2024-05', '2024-06']) {
      const out = join(dir, month);
      mkdirSync(out);
      const written = await writeSynthMonth(t.store, { month, seed: 3, outDir: out, config: parsed });
      expect(written.policeUkMonths).toEqual([month]);
      for (const f of readdirSync(out)) if (f.includes('partnership')) rmSync(join(out, f));
      expect(readdirSync(out)).toHaveLength(1);
      monthDirs[month] = out;
    }
    await t.store.close(); // the children have the file to themselves
    env = childEnv({ WARDWATCH_DB: dbPath, WARDWATCH_CONFIG: config });
  }, 120_000);

  afterAll(async () => {
    if (running) await stopChild(running, 'SIGTERM', 10_000).catch(() => undefined);
    for (const d of [dir, storeDir]) if (d) rmSync(d, { recursive: true, force: true });
  });

  it('announces a month ingested while the service was stopped exactly once, on the next start only', async () => {
    await serve(); // registers the consumer: what the store holds now is not news
    await stop();
    expect(notices('2024-05')).toEqual(none);

    await ingest('2024-05');
    expect(notices('2024-05')).toEqual(none); // the CLI announces nothing itself

    const second = await serve(); // ready only after the pending events were handled
    for (const c of CHANNELS) expect(await waitFor(`the notice on ${c}`, () => onPage(second, c, '2024-05'), 10_000)).toBe(true);
    expect(notices('2024-05')).toEqual(once);
    await stop();

    await serve();
    await new Promise((r) => setTimeout(r, 2500)); // a poll of the consumers
    expect(notices('2024-05')).toEqual(once);
    await stop();
    expect(notices('2024-05')).toEqual(once);
  }, 120_000);

  it('announces a month the CLI ingests beside the running service within a few seconds, once', async () => {
    const s = await serve();
    expect(notices('2024-06')).toEqual(none);
    await ingest('2024-06');
    const ingested = Date.now();
    await waitFor(
      () => `the 2024-06 notice:\n${s.output()}`,
      () => CHANNELS.every((c) => notices('2024-06')[c]! > 0),
      15_000,
      100,
    );
    console.log(`durable events: the month ingested beside the service was announced ${((Date.now() - ingested) / 1000).toFixed(1)} s after the CLI finished`);
    for (const c of CHANNELS) expect(await onPage(s, c, '2024-06')).toBe(true);
    await new Promise((r) => setTimeout(r, 2500)); // another poll: nothing more
    expect(notices('2024-06')).toEqual(once);
    expect(notices('2024-05')).toEqual(once);
    await stop();

    await serve();
    await new Promise((r) => setTimeout(r, 2500));
    await stop();
    expect(notices('2024-06')).toEqual(once);
    expect(notices('2024-05')).toEqual(once);
  }, 120_000);
});
