// The police.uk watcher's edges, on real stores against the local fake: a month the store got from a
// downloaded file is only given a baseline by the revision check (never announced as revised); a later
// change to it is a revision; a listed month with no crimes yet is not ingested; an unknown category
// refuses the month and changes nothing; and `wardwatch watch --once --police-uk` on the command line
// shows its progress and lands the month.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { openSqliteStore } from '../../src/store/kysely.ts';
import { checkNewMonths, checkRevisions } from '../../src/watcher/police-uk.ts';
import type { PoliceUkSettings } from '../../src/watcher/police-uk.ts';
import { childEnv, runWardwatch } from '../service/serve.ts';
import { fixtureStore, type TempStore } from '../helpers/store.ts';
import { crimesFromCsv, FakePoliceUk, type FakeCrime } from './fake-police-uk.ts';

const FIXTURE = (m: string) => new URL(`../../fixtures/police-uk/${m}-cambridgeshire-street.csv`, import.meta.url).pathname;
const file = new URL('../../wardwatch.config.yaml', import.meta.url).pathname;
const config: Config = parseConfig(readFileSync(file, 'utf8'), file).config;

let fake: FakePoliceUk;
const stores: TempStore[] = [];
const months = (): Record<string, FakeCrime[]> => Object.fromEntries(['2024-02', '2024-03', '2024-04'].map((m, i) => [m, crimesFromCsv(FIXTURE(m), (i + 1) * 1_000_000)]));

beforeAll(async () => {
  fake = new FakePoliceUk({ months: months(), force: 'cambridgeshire', maxCrimes: 10_000, limit: { rate: 1000, burst: 1000 } });
  await fake.start();
});
afterAll(async () => {
  await fake.stop();
  for (const t of stores) await t.cleanup();
});

/** Direct calls (not through the config schema) may go faster than police.uk allows: the fake does not mind. */
const fast = (): PoliceUkSettings => ({ baseUrl: fake.url, ratePerSecond: 500, burst: 50, timeoutMs: 5000, maxRetries: 1, concurrency: 4, revisionMonths: 2, backoffMs: 10 });

async function store(): Promise<TempStore> {
  const t = await fixtureStore({ lastRealMonth: '2024-03' });
  stores.push(t);
  return t;
}

describe('police.uk watcher edges', () => {
  it('gives a month from a downloaded file a baseline, not a revision; a later change is one', async () => {
    const { store: s } = await store();
    const logs: string[] = [];
    const eventsBefore = await s.lastDataEventId();
    const first = await checkRevisions({ store: s, config, settings: fast(), log: (l) => logs.push(l) });
    // The store holds 2024-02 and 2024-03 from the fixture CSVs; April is not the store's.
    expect(first).toMatchObject({ fetched: ['2024-02', '2024-03'], baselines: ['2024-02', '2024-03'], revised: [], landed: [] });
    expect(await s.lastDataEventId()).toBe(eventsBefore);
    expect((await s.watchedMonths('police.uk-api:cambridgeshire')).map((w) => [w.month, w.releaseId])).toEqual([
      ['2024-02', null],
      ['2024-03', null],
    ]);
    // police.uk changes March: now it is a revision, ingested from the API.
    fake.setMonth('2024-03', fake.options.months['2024-03']!.slice(10));
    const second = await checkRevisions({ store: s, config, settings: fast(), log: (l) => logs.push(l) });
    expect(second).toMatchObject({ revised: ['2024-03'], unchanged: ['2024-02'] });
    expect((await s.dataEvents(eventsBefore)).map((e) => `${e.kind} ${e.month}`)).toEqual(['revised 2024-03']);
    fake.setMonth('2024-03', months()['2024-03']!);
  });

  it('does not ingest a listed month that has no crimes yet, and tries it again next time', async () => {
    const { store: s } = await store();
    const april = fake.options.months['2024-04']!;
    fake.setMonth('2024-04', []);
    const before = await s.contentChecksum();
    const r = await checkNewMonths({ store: s, config, settings: fast(), log: () => undefined });
    expect(r.skipped.map((x) => x.month)).toEqual(['2024-04']);
    expect(r.skipped[0]!.reason).toMatch(/returned no crimes for cambridgeshire/);
    expect(await s.contentChecksum()).toBe(before);
    fake.setMonth('2024-04', april);
    expect((await checkNewMonths({ store: s, config, settings: fast(), log: () => undefined })).landed).toEqual(['2024-04']);
  });

  it('refuses a month with a category the taxonomy does not know, changing nothing', async () => {
    const { store: s } = await store();
    const april = fake.options.months['2024-04']!;
    fake.setMonth(
      '2024-04',
      april.map((c, i) => (i === 7 ? { ...c, category: 'public-disorder-weapons' } : c)),
    );
    const before = await s.contentChecksum();
    await expect(checkNewMonths({ store: s, config, settings: fast(), log: () => undefined })).rejects.toThrow(
      /crime category "public-disorder-weapons" \(crime \w+ of 2024-04\) is not one of the taxonomy's police\.uk crime types/,
    );
    expect(await s.contentChecksum()).toBe(before);
    fake.setMonth('2024-04', april);
  });

  it('wardwatch watch --once --police-uk: progress, then the month landed; again: nothing new', async () => {
    const t = await store();
    await t.store.close();
    const env = childEnv({ WARDWATCH_DB: t.path, WARDWATCH_POLICE_UK_API: fake.url });
    const run = await runWardwatch(['watch', '--once', '--police-uk'], env, 120_000);
    expect(run.code).toBe(0);
    expect(run.output).toMatch(/police\.uk: 2024-04 published and not in the store; fetching cambridgeshire/);
    expect(run.output).toMatch(/police\.uk: 2024-04: 120\/120 wards, [\d,]+ crimes, \d+ requests/);
    expect(run.output).toMatch(/police\.uk: newest published month 2024-04; landed 2024-04 \(\d+ requests\)/);
    const again = await runWardwatch(['watch', '--once', '--police-uk'], env, 120_000);
    expect(again.output).toMatch(/police\.uk: newest published month 2024-04; nothing new \(2 requests\)/);
    const s = await openSqliteStore(t.path);
    try {
      expect((await s.dataEvents(0, 10_000)).filter((e) => e.month === '2024-04').map((e) => e.kind)).toEqual(['landed']);
    } finally {
      await s.close();
    }
  }, 120_000);
});
