// One contract for the Store port, run against both implementations: the SQLite file and a real
// PostgreSQL server (started by test/setup/postgres.ts). Whatever a caller can observe must be the
// same on both, including order, revisions, data events, claims and idempotency.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, PG_MIGRATIONS } from '../../src/store/migrations.ts';
import { openPostgresStore, openSqliteStore } from '../../src/store/kysely.ts';
import { openStore, redactUrl, storeTargetFromEnv } from '../../src/store/open.ts';
import type { MonthlyCount, Store } from '../../src/store/types.ts';
import { testDatabase, type TestDatabase } from '../helpers/pg.ts';
import { testRelease } from '../helpers/store.ts';

const count = (month: string, areaCode: string, measure: string, n: number, areaType: MonthlyCount['areaType'] = 'ward'): MonthlyCount => ({
  source: 'police.uk',
  month,
  areaType,
  areaCode,
  measure,
  count: n,
  ...(areaType === 'ward' ? { byPolygon: n, byLsoa: 0, byPartner: 0 } : {}),
  synthetic: false,
});
const release = (month: string, checksum: string, synthetic = false) => testRelease('police.uk', month, checksum, { synthetic });

interface Harness {
  open(): Promise<Store>;
  /** A second, independent connection to the same data (another replica). */
  openAnother(): Promise<Store>;
  cleanup(): Promise<void>;
}

async function sqliteHarness(): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'wardwatch-contract-'));
  const path = join(dir, 'store.sqlite');
  return { open: () => openSqliteStore(path), openAnother: () => openSqliteStore(path), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
}

async function postgresHarness(): Promise<Harness> {
  const db: TestDatabase = await testDatabase('contract');
  return { open: () => openPostgresStore(db.url), openAnother: () => openPostgresStore(db.url), cleanup: () => db.drop() };
}

describe.each([
  ['sqlite', sqliteHarness],
  ['postgres', postgresHarness],
] as const)('Store contract: %s', (kind, makeHarness) => {
  let h: Harness;
  let s: Store;
  const opened: Store[] = [];
  const open = async (another = false) => {
    const store = await (another ? h.openAnother() : h.open());
    opened.push(store);
    return store;
  };

  beforeEach(async () => {
    for (const o of opened.splice(0)) await o.close();
    if (h) await h.cleanup();
    h = await makeHarness();
    s = await open();
  });
  afterAll(async () => {
    for (const o of opened.splice(0)) await o.close();
    await h?.cleanup();
  });

  it('migrates to the latest version; a second opener (another replica) migrates nothing', async () => {
    expect(s.kind).toBe(kind);
    expect(await s.schemaVersion()).toBe(Math.max(...(kind === 'sqlite' ? MIGRATIONS : PG_MIGRATIONS).map((m) => m.version)));
    expect(await s.isEmpty()).toBe(true);
    const sum = await s.contentChecksum();
    const other = await open(true);
    expect(await other.schemaVersion()).toBe(await s.schemaVersion());
    expect(await other.contentChecksum()).toBe(sum);
    // Closed and opened again (a restart): nothing changes.
    await s.close();
    s = await open();
    expect(await s.contentChecksum()).toBe(sum);
  });

  it('replaceMonth: landed, unchanged on the same checksum, revised on a new one; synthetic never replaces real; events recorded', async () => {
    const a = await s.replaceMonth({
      source: 'police.uk',
      month: '2024-01',
      counts: [count('2024-01', 'F1', 'burglary', 5, 'force'), count('2024-01', 'W1', 'burglary', 5)],
      release: release('2024-01', 'aaa'),
    });
    expect(a.unchanged).toBe(false);
    expect(a.release!.revision).toBeNull();
    const sum = await s.contentChecksum();
    expect(await s.replaceMonth({ source: 'police.uk', month: '2024-01', counts: [], release: release('2024-01', 'aaa') })).toMatchObject({
      unchanged: true,
      reason: 'same-checksum',
    });
    expect(await s.replaceMonth({ source: 'police.uk', month: '2024-01', counts: [], release: release('2024-01', 'zzz', true) })).toMatchObject({
      unchanged: true,
      reason: 'real-data-exists',
    });
    expect(await s.contentChecksum()).toBe(sum);
    const b = await s.replaceMonth({
      source: 'police.uk',
      month: '2024-01',
      counts: [count('2024-01', 'F1', 'burglary', 7, 'force'), count('2024-01', 'W2', 'burglary', 7)],
      release: release('2024-01', 'bbb'),
    });
    expect(b.release!.revision).toEqual({ previousTotal: 5, newTotal: 7, previousChecksum: 'aaa' });
    expect((await s.counts({ areaCodes: ['W1', 'W2'], measures: ['burglary'] })).map((c) => [c.areaCode, c.count])).toEqual([['W2', 7]]);
    const events = await s.dataEvents(0);
    expect(events.map((e) => [e.kind, e.source, e.month, e.releaseId])).toEqual([
      ['landed', 'police.uk', '2024-01', a.release!.id],
      ['revised', 'police.uk', '2024-01', b.release!.id],
    ]);
    expect(await s.lastDataEventId()).toBe(events[1]!.id);
    expect((await s.currentMonths()).map((c) => [c.month, c.total, c.releaseId])).toEqual([['2024-01', 7, b.release!.id]]);
    expect((await s.releases()).map((r) => r.checksum)).toEqual(['aaa', 'bbb']);
    expect(await s.months()).toEqual(['2024-01']);
    expect(await s.realMonths('police.uk')).toEqual(['2024-01']);
    expect(await s.isEmpty()).toBe(false);
  });

  it('a count for another month is refused and nothing is written', async () => {
    const before = await s.contentChecksum();
    await expect(s.replaceMonth({ source: 'police.uk', month: '2024-01', counts: [count('2024-02', 'W1', 'x', 1)], release: release('2024-01', 'c') })).rejects.toThrow(
      /given a count for police.uk 2024-02/,
    );
    expect(await s.contentChecksum()).toBe(before);
  });

  it('counts come back in one order (area, measure, source, month, byte order of codes), filtered, and batched past the bound limit', async () => {
    const codes = Array.from({ length: 2600 }, (_, i) => `W${String(i).padStart(5, '0')}`);
    const mixed = ['w0', 'W1', 'X9', 'E05000001', 'e0'];
    for (const month of ['2024-02', '2024-01']) {
      await s.replaceMonth({
        source: 'police.uk',
        month,
        counts: [...codes, ...mixed].flatMap((c, i) => [count(month, c, 'b', i % 7), count(month, c, 'a', 1)]),
        release: release(month, `k${month}`),
      });
    }
    const few = await s.counts({ areaCodes: mixed, measures: ['b', 'a'] });
    expect(few.map((c) => `${c.areaCode}/${c.measure}/${c.month}`).slice(0, 6)).toEqual([
      'E05000001/a/2024-01',
      'E05000001/a/2024-02',
      'E05000001/b/2024-01',
      'E05000001/b/2024-02',
      'W1/a/2024-01',
      'W1/a/2024-02',
    ]);
    expect([...new Set(few.map((c) => c.areaCode))]).toEqual(['E05000001', 'W1', 'X9', 'e0', 'w0']);
    const all = await s.counts({ areaCodes: codes, measures: ['b'], from: '2024-02', to: '2024-02' });
    expect(all).toHaveLength(2600);
    expect(all[0]).toEqual({
      source: 'police.uk',
      month: '2024-02',
      areaType: 'ward',
      areaCode: 'W00000',
      measure: 'b',
      count: 0,
      byPolygon: 0,
      byLsoa: 0,
      byPartner: 0,
      synthetic: false,
    });
    expect(all.map((c) => c.areaCode)).toEqual([...codes].sort());
    expect(await s.counts({ areaCodes: [], measures: ['b'] })).toEqual([]);
    expect((await s.measuresHeld({ areaCodes: codes, measures: ['a', 'b', 'z'] })).sort()).toEqual(['a', 'b']);
    expect(await s.measuresHeld({ areaCodes: ['W1'], measures: ['a'], source: 'partnership' })).toEqual([]);
    expect(await s.counts({ areaCodes: ['W1'], measures: ['b'], source: 'partnership' })).toEqual([]);
    // A month range, and a wide unknown list that still finds the two it names.
    const range = await s.counts({ areaCodes: ['W1'], measures: ['b', 'a'], from: '2024-02', to: '2024-02' });
    expect(range.map((c) => `${c.measure}:${c.month}`)).toEqual(['a:2024-02', 'b:2024-02']);
    const many = [...Array.from({ length: 4500 }, (_, i) => `X${i}`), 'W1', 'w0'];
    expect((await s.counts({ areaCodes: many, measures: ['a'], from: '2024-01', to: '2024-01' })).map((c) => c.areaCode)).toEqual(['W1', 'X9', 'w0']); // X9 is a stored code too
  });

  it('geography: areas, children, bulk lookups, LSOA lookup, boundaries with drawing copies, populations', async () => {
    await s.upsertAreas([
      { code: 'D1', name: 'District', type: 'district', parentCode: 'F1' },
      { code: 'W2', name: 'Two', type: 'ward', parentCode: 'D1' },
      { code: 'W1', name: 'One', type: 'ward', parentCode: 'D1' },
      { code: 'L1', name: 'Lsoa', type: 'lsoa', parentCode: 'W1', districtCode: 'D1' },
    ]);
    await s.upsertAreas([{ code: 'W2', name: 'Two renamed', type: 'ward', parentCode: 'D1' }]);
    expect((await s.children('D1')).map((a) => [a.code, a.name])).toEqual([
      ['W1', 'One'],
      ['W2', 'Two renamed'],
    ]);
    expect(await s.area('L1')).toEqual({ code: 'L1', name: 'Lsoa', type: 'lsoa', parentCode: 'W1', districtCode: 'D1' });
    expect(await s.area('W1')).toEqual({ code: 'W1', name: 'One', type: 'ward', parentCode: 'D1' });
    expect(await s.area('nope')).toBeUndefined();
    expect((await s.areas('ward')).map((a) => a.code)).toEqual(['W1', 'W2']);
    expect([...(await s.areasByCode(['W2', 'nope', 'D1', 'W2'])).keys()].sort()).toEqual(['D1', 'W2']);
    await s.upsertLsoa11Lookup([{ lsoa11: 'A', lsoa21: 'B', change: 'U' }]);
    expect(await s.lsoa11Lookup()).toEqual(new Map([['A', 'B']]));
    await s.upsertBoundaries([
      { areaCode: 'W1', geojson: '{"full":1}', drawing: '{"simple":1}' },
      { areaCode: 'W2', geojson: '{"full":2}' },
    ]);
    expect(await s.boundaries()).toEqual([
      { areaCode: 'W1', geojson: '{"full":1}' },
      { areaCode: 'W2', geojson: '{"full":2}' },
    ]);
    expect(await s.drawingBoundaries(['W1', 'W2', 'W3'])).toEqual(
      new Map([
        ['W1', '{"simple":1}'],
        ['W2', '{"full":2}'],
      ]),
    );
    await s.upsertPopulations([
      { areaCode: 'W1', population: 9000, year: 2021, source: 'ONS' },
      { areaCode: 'W2', population: 8000, year: 2021, source: 'ESTIMATE: x' },
    ]);
    expect(await s.population('W1')).toEqual({ areaCode: 'W1', population: 9000, year: 2021, source: 'ONS' });
    expect(await s.populations(['W1', 'W2', 'W3'])).toEqual(
      new Map([
        ['W1', { areaCode: 'W1', population: 9000, year: 2021, source: 'ONS' }],
        ['W2', { areaCode: 'W2', population: 8000, year: 2021, source: 'ESTIMATE: x' }],
      ]),
    );
  });

  it('transaction: all or nothing, through its own handle', async () => {
    await s.transaction(async (tx) => {
      await tx.upsertAreas([{ code: 'A', name: 'A', type: 'ward', parentCode: null }]);
      await tx.replaceMonth({ source: 'police.uk', month: '2024-03', counts: [count('2024-03', 'A', 'x', 2)], release: release('2024-03', 'q') });
    });
    expect(await s.area('A')).toBeDefined();
    const before = await s.contentChecksum();
    await expect(
      s.transaction(async (tx) => {
        await tx.upsertAreas([{ code: 'B', name: 'B', type: 'ward', parentCode: null }]);
        await tx.replaceMonth({ source: 'police.uk', month: '2024-04', counts: [count('2024-04', 'B', 'x', 2)], release: release('2024-04', 'r') });
        throw new Error('half way');
      }),
    ).rejects.toThrow('half way');
    expect(await s.area('B')).toBeUndefined();
    expect(await s.months()).toEqual(['2024-03']);
    expect(await s.contentChecksum()).toBe(before);
  });

  it('local messages: idempotent by key across replicas, newest per channel in id order', async () => {
    const other = await open(true);
    const reply = (title: string) => ({ kind: 'alerts' as const, title, figures: [], notes: [], actions: [] });
    const first = await s.appendLocalMessage({ channel: 'c1', reply: reply('one'), postedAt: '2024-01-01T00:00:00Z', idempotencyKey: 'k1' });
    const again = await other.appendLocalMessage({ channel: 'c1', reply: reply('changed'), postedAt: '2024-01-02T00:00:00Z', idempotencyKey: 'k1' });
    expect(first.duplicate).toBe(false);
    expect(again).toEqual({ message: first.message, duplicate: true });
    for (const t of ['two', 'three', 'four']) await other.appendLocalMessage({ channel: 'c1', reply: reply(t), postedAt: '2024-01-03T00:00:00Z', idempotencyKey: null });
    await s.appendLocalMessage({ channel: 'c2', reply: reply('elsewhere'), postedAt: '2024-01-03T00:00:00Z', idempotencyKey: null });
    expect((await s.localMessages({ channel: 'c1', limit: 2 })).map((m) => m.reply.title)).toEqual(['three', 'four']);
    expect((await s.localMessages({ afterId: first.message.id, limit: 10 })).map((m) => m.reply.title)).toEqual(['two', 'three', 'four', 'elsewhere']);
    expect(await other.latestLocalMessageId()).toBe((await s.localMessages({ afterId: 0, limit: 10 })).at(-1)!.id);
  });

  it('Slack installations: saved, replaced, listed, deleted', async () => {
    await s.saveSlackInstallation({ installKey: 'T:T1', teamId: 'T1', enterpriseId: null, isEnterpriseInstall: false, installation: { bot: { token: 'xoxb-1' } } });
    await s.saveSlackInstallation({ installKey: 'T:T1', teamId: 'T1', enterpriseId: null, isEnterpriseInstall: false, installation: { bot: { token: 'xoxb-2' } } });
    await s.saveSlackInstallation({ installKey: 'E:E1', teamId: null, enterpriseId: 'E1', isEnterpriseInstall: true, installation: { bot: { token: 'xoxb-e' } } });
    expect(await s.slackInstallation('T:T1')).toEqual({
      installKey: 'T:T1',
      teamId: 'T1',
      enterpriseId: null,
      isEnterpriseInstall: false,
      installation: { bot: { token: 'xoxb-2' } },
    });
    expect(await s.slackInstallationKeys()).toEqual(['E:E1', 'T:T1']);
    await s.deleteSlackInstallation('T:T1');
    expect(await s.slackInstallation('T:T1')).toBeUndefined();
  });

  it('chart requests: served by another replica until they expire; re-saving keeps the later expiry; pruned', async () => {
    const other = await open(true);
    const now = new Date('2026-01-01T00:00:00Z');
    await s.saveChartRequest({ id: 'c1', request: { kind: 'trend', n: 1 }, createdAt: now.toISOString(), expiresAt: '2026-02-01T00:00:00.000Z' });
    await s.saveChartRequest({ id: 'c1', request: { kind: 'trend', n: 1 }, createdAt: now.toISOString(), expiresAt: '2026-01-15T00:00:00.000Z' });
    await s.saveChartRequest({ id: 'c2', request: { kind: 'trend', n: 2 }, createdAt: now.toISOString(), expiresAt: '2026-01-02T00:00:00.000Z' });
    expect((await other.chartRequest('c1', now))?.request).toEqual({ kind: 'trend', n: 1 });
    expect((await other.chartRequest('c1', new Date('2026-01-20T00:00:00Z')))?.expiresAt).toBe('2026-02-01T00:00:00.000Z');
    expect(await other.chartRequest('c2', new Date('2026-01-03T00:00:00Z'))).toBeUndefined();
    expect(await s.pruneChartRequests(new Date('2026-01-03T00:00:00Z'))).toBe(1);
    expect(await s.chartRequest('nope', now)).toBeUndefined();
  });

  it('job fires: one claim wins among concurrent replicas; the finish is recorded; the latest fire per job', async () => {
    const replicas = [s, await open(true), await open(true), await open(true)];
    const fireAt = '2026-12-01T06:30:00.000Z';
    const wins = await Promise.all(replicas.map((r, i) => r.claimJobFire({ job: 'data-check', fireAt, claimedBy: `r${i}`, reason: 'scheduled' })));
    expect(wins.filter(Boolean)).toHaveLength(1);
    await s.finishJobFire({ job: 'data-check', fireAt, ok: false, error: 'boom', ms: 12.4 });
    const fire = await s.jobFire('data-check', fireAt);
    expect(fire).toMatchObject({ job: 'data-check', fireAt, claimedBy: `r${wins.indexOf(true)}`, reason: 'scheduled', ok: false, error: 'boom', ms: 12 });
    await new Promise((r) => setTimeout(r, 5));
    expect(await s.claimJobFire({ job: 'data-check', fireAt: '2026-12-02T06:30:00.000Z', claimedBy: 'r9', reason: 'catch-up' })).toBe(true);
    expect(await s.claimJobFire({ job: 'other', fireAt, claimedBy: 'r1', reason: 'once' })).toBe(true);
    const last = await s.lastJobFires();
    expect([...last.keys()]).toEqual(['data-check', 'other']);
    expect(last.get('data-check')).toMatchObject({ fireAt: '2026-12-02T06:30:00.000Z', claimedBy: 'r9', finishedAt: null, ok: null });
  });

  it('job fires: a claimant keeps its claim fresh; an abandoned claim is taken over by exactly one replica', async () => {
    const other = await open(true);
    const fireAt = new Date(0).toISOString();
    expect(await s.claimJobFire({ job: 'first-start-load', fireAt, claimedBy: 'dead', reason: 'once' })).toBe(true);
    const before = (await s.jobFire('first-start-load', fireAt))!;
    await new Promise((r) => setTimeout(r, 5));
    await other.touchJobFire({ job: 'first-start-load', fireAt, claimedBy: 'someone-else' }); // not theirs: no change
    expect((await s.jobFire('first-start-load', fireAt))!.claimedAt).toBe(before.claimedAt);
    const takeovers = await Promise.all(
      [s, other].map((r, i) =>
        r.reclaimJobFire({ job: 'first-start-load', fireAt, from: { claimedBy: before.claimedBy, claimedAt: before.claimedAt }, claimedBy: `heir${i}`, reason: 'once' }),
      ),
    );
    expect(takeovers.filter(Boolean)).toHaveLength(1);
    const heir = `heir${takeovers.indexOf(true)}`;
    const now = (await s.jobFire('first-start-load', fireAt))!;
    expect(now).toMatchObject({ claimedBy: heir, finishedAt: null, ok: null });
    await new Promise((r) => setTimeout(r, 5));
    await s.touchJobFire({ job: 'first-start-load', fireAt, claimedBy: heir });
    expect((await s.jobFire('first-start-load', fireAt))!.claimedAt > now.claimedAt).toBe(true);
  });

  it('consumer cursors: created once, moved by compare-and-set so one replica takes each event', async () => {
    const other = await open(true);
    expect(await s.consumerCursor('notice')).toBeUndefined();
    expect(await s.initConsumerCursor('notice', 3)).toBe(3);
    expect(await other.initConsumerCursor('notice', 10)).toBe(3);
    const moves = await Promise.all([s.advanceConsumerCursor('notice', 3, 4), other.advanceConsumerCursor('notice', 3, 4)]);
    expect(moves.sort()).toEqual([false, true]);
    expect(await other.consumerCursor('notice')).toBe(4);
  });
});

describe('SQLite upgrade', () => {
  it('a file made by an earlier release (schema 3) upgrades to the latest and keeps its data', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wardwatch-upgrade-'));
    try {
      const path = join(dir, 'old.sqlite');
      const raw = new Database(path);
      raw.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
      for (const m of MIGRATIONS.filter((x) => x.version <= 3)) {
        raw.exec(m.sql);
        raw.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(m.version, m.name, 'then');
      }
      raw.prepare("INSERT INTO boundaries (area_code, geojson) VALUES ('W1', '{}')").run();
      raw.close();
      const s = await openSqliteStore(path);
      expect(await s.schemaVersion()).toBe(Math.max(...MIGRATIONS.map((m) => m.version)));
      expect(await s.drawingBoundaries(['W1'])).toEqual(new Map([['W1', '{}']]));
      await s.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('openStore', () => {
  it('picks PostgreSQL from WARDWATCH_DATABASE_URL, else the SQLite file; never shows the password', async () => {
    expect(storeTargetFromEnv({ WARDWATCH_DATABASE_URL: 'postgres://u:secret@h/db' })).toEqual({ url: 'postgres://u:secret@h/db' });
    expect(storeTargetFromEnv({ WARDWATCH_DB: '/tmp/x.sqlite' })).toEqual({ path: '/tmp/x.sqlite' });
    expect(redactUrl('postgres://u:secret@h:5432/db')).toBe('postgres://u:***@h:5432/db');
    await expect(openStore({ url: 'mysql://u:secret@h/db' })).rejects.toThrow(/must start with postgres:\/\//);
    const db = await testDatabase('open');
    try {
      const url = new URL(db.url);
      url.password = url.password || 'pw';
      const s = await openStore({ url: db.url });
      expect(s.kind).toBe('postgres');
      expect(s.location).not.toContain(new URL(db.url).password || '\u0000');
      await s.close();
      const bad = new URL(db.url);
      bad.port = '1';
      bad.password = 'topsecret';
      const err = await openStore({ url: bad.toString() }).catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(/could not open the PostgreSQL store/);
      expect((err as Error).message).not.toContain('topsecret');
    } finally {
      await db.drop();
    }
  });
});
