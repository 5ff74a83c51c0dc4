// Two replicas of `wardwatch serve` (real child processes) on one PostgreSQL database: the first start
// loads the fixtures once, each scheduled data-check fire runs once (on whichever replica claims it),
// a message posted through one replica reaches the other's open pages, a chart URL handed out by one
// is served by the other, and when one dies the other carries on with the schedule.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase, type TestDatabase } from '../helpers/pg.ts';
import { fixtureStore } from '../helpers/store.ts';
import { childEnv, healthz, openEvents, startServe, stopChild, waitFor, waitReady, writeTestConfig, type Served } from './serve.ts';

/** Every 2 seconds: enough fires to watch in a few seconds. */
const DATA_CHECK = '*/2 * * * * *';
const INTERVAL_MS = 2000;

interface FireRow {
  job: string;
  fire_at: string;
  claimed_by: string;
  claimed_at: string;
  reason: string;
  finished_at: string | null;
  ok: number | null;
}

/** One observed run of the data-check job on a replica (its /healthz lastRun). */
interface ObservedRun {
  replica: string;
  at: string;
  reason: string;
}

describe('two replicas on one PostgreSQL database', () => {
  let dir: string;
  let db: TestDatabase;
  let sql: pg.Client;
  let a: Served;
  let b: Served;
  /** When B was started, and whether A's first load was still running then. */
  let bStartedDuringLoad = false;
  const observed: ObservedRun[] = [];
  let watching = true;
  let watcher: Promise<void> = Promise.resolve();
  let watchStarted = 0;

  const fires = async (job = 'data-check'): Promise<FireRow[]> =>
    (await sql.query<FireRow>('SELECT job, fire_at, claimed_by, claimed_at, reason, finished_at, ok FROM job_fires WHERE job = $1 ORDER BY fire_at', [job])).rows;
  const output = () => `--- A ---\n${a?.output() ?? ''}\n--- B ---\n${b?.output() ?? ''}`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wardwatch-replicas-'));
    db = await testDatabase('replicas');
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    const config = writeTestConfig(dir, { dataCheck: DATA_CHECK });
    const env = (replica: string) => childEnv({ WARDWATCH_DATABASE_URL: db.url, WARDWATCH_CONFIG: config, WARDWATCH_REPLICA_ID: replica });

    // A starts on the empty database and claims the first-start load.
    a = await startServe('A', env('A'));
    // B starts while A is loading, once A has written data (the store is no longer empty): it must
    // still wait for A's load rather than start on half the data.
    await waitFor(
      () => `A to start loading the fixtures:\n${output()}`,
      async () => {
        const load = (await sql.query<FireRow>("SELECT finished_at FROM job_fires WHERE job = 'first-start-load'")).rows[0];
        const months = Number((await sql.query<{ n: string }>('SELECT count(*) AS n FROM current_months').catch(() => ({ rows: [{ n: '0' }] }))).rows[0]!.n);
        if (load?.finished_at) return true; // too late to start B mid-load: start it anyway
        return load && months > 0;
      },
      90_000,
      50,
    );
    bStartedDuringLoad = (await sql.query<FireRow>("SELECT finished_at FROM job_fires WHERE job = 'first-start-load'")).rows[0]?.finished_at === null;
    b = await startServe('B', env('B'));
    await Promise.all([waitReady(a), waitReady(b)]);

    // Watch each replica's own last run of the data check (for (b)), from now until that test.
    watchStarted = Date.now();
    watcher = (async () => {
      while (watching) {
        await Promise.all(
          [a, b].map(async (s) => {
            if (s.exitedAt !== null) return;
            const job = (await healthz(s))?.body.scheduler?.jobs?.find((j: { name: string }) => j.name === 'data-check');
            const run = job?.lastRun as { at: string; reason: string } | null | undefined;
            if (run && !observed.some((o) => o.replica === s.name && o.at === run.at)) observed.push({ replica: s.name, at: run.at, reason: run.reason });
          }),
        );
        await new Promise((r) => setTimeout(r, 150));
      }
    })();
  }, 180_000);

  afterAll(async () => {
    watching = false;
    await watcher.catch(() => undefined);
    await Promise.all([a, b].filter(Boolean).map((s) => stopChild(s, 'SIGTERM', 10_000).catch(() => undefined)));
    await sql?.end().catch(() => undefined);
    await db?.drop().catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('(a) loads the fixtures once: one first-start claim, one load of releases, and the other replica waited', async () => {
    const load = (await fires('first-start-load'))!;
    expect(load).toHaveLength(1);
    expect(load[0]).toMatchObject({ claimed_by: 'A', reason: 'once', ok: 1 });
    expect(load[0]!.finished_at).not.toBeNull();
    expect(a.output()).toMatch(/First start: loading the fixtures/);
    expect(b.output()).not.toMatch(/First start: loading the fixtures/);
    if (!bStartedDuringLoad) console.warn('replicas test: A had finished loading before B started; B did not need to wait');
    else expect(b.output()).toMatch(/First start: replica A is loading the fixtures; waiting for it/);

    // What one load gives: the same releases as the fixture store built by loadFixtures (with history).
    const one = await fixtureStore({ history: true });
    try {
      const key = (r: { source: string; month: string | null; checksum: string }) => `${r.source} ${r.month ?? '-'} ${r.checksum}`;
      const expected = (await one.store.releases()).map(key).sort();
      const rows = (await sql.query<{ source: string; month: string | null; checksum: string }>('SELECT source, month, checksum FROM releases')).rows.map(key).sort();
      expect(rows.length).toBe(expected.length);
      expect(rows).toEqual(expected);
      const events = Number((await sql.query<{ n: string }>('SELECT count(*) AS n FROM data_events')).rows[0]!.n);
      expect(events).toBe((await one.store.dataEvents(0, 100_000)).length);
    } finally {
      await one.cleanup();
    }
    // Nothing the first load brought was announced as news (the consumer starts after it).
    expect(Number((await sql.query<{ n: string }>('SELECT count(*) AS n FROM local_messages')).rows[0]!.n)).toBe(0);
  });

  it('(c) a message posted through B reaches an event stream on A, once per channel', async () => {
    const stream = openEvents(a.url);
    try {
      await waitFor('the event stream on A to open', () => stream.opened.then(() => true), 15_000);
      const before = Number((await sql.query<{ n: string }>('SELECT coalesce(max(id), 0) AS n FROM data_events')).rows[0]!.n);
      const res = await fetch(`${b.url}api/dev/simulate-month`, { method: 'POST', signal: AbortSignal.timeout(60_000) });
      const body = (await res.json()) as { month: string; summary: string };
      expect(res.status, JSON.stringify(body)).toBe(200);
      expect(body.month).toBe('2024-05');
      const events = (await sql.query<{ id: number; source: string; month: string }>('SELECT id, source, month FROM data_events WHERE id > $1 ORDER BY id', [before])).rows;
      expect(events.length).toBeGreaterThan(0);
      expect(events.every((e) => e.month === '2024-05')).toBe(true);

      const channels = ['cambridge-csp', 'cambridge-analysts', 'fenland-csp', 'countywide-board'];
      // One ingest, one batch: the month's police.uk and partnership events make one digest per channel
      // (the "month landed" message, now that alerts/ ships rules); the monthly summaries come beside them.
      const want = channels.length;
      const isDigest = (m: { kind?: string; title: string }) => m.kind === 'alerts' && /(no new alerts|\d+ new alerts?) in May 2024$/.test(m.title);
      // Whichever replica took the event posted the digests; A's page hears all of them either way.
      const messages = () => stream.events.filter((e) => e.event === 'message').map((e) => JSON.parse(e.data) as { id: number; channel: string; kind?: string; title: string });
      await waitFor(
        () => `${want} digests on A's event stream (have ${messages().filter(isDigest).length}):\n${output()}`,
        () => messages().filter(isDigest).length >= want,
        20_000,
      );
      // Give a second replica a chance to post (or a tail to publish) a duplicate before counting.
      await new Promise((r) => setTimeout(r, 2500));
      const got = messages();
      const digests = got.filter(isDigest);
      expect(new Set(got.map((m) => m.id)).size).toBe(got.length); // no message twice on the stream
      for (const c of channels) expect(digests.filter((m) => m.channel === c)).toHaveLength(1);
      const stored = (await sql.query<{ channel: string; idempotency_key: string }>('SELECT channel, idempotency_key FROM local_messages')).rows;
      expect(new Set(stored.map((s) => s.idempotency_key)).size).toBe(stored.length); // nothing stored twice
      expect(
        stored
          .filter((s) => s.idempotency_key.startsWith('digest:'))
          .map((s) => s.idempotency_key)
          .sort(),
      ).toEqual(channels.map((c) => `digest:${c}:2024-05`).sort());
      expect(stream.error()).toBeNull();
    } finally {
      stream.close();
    }
  });

  it('(d) a chart URL from A loads from B: same PNG bytes', async () => {
    const res = await fetch(`${a.url}api/ask`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ channel: 'cambridge-csp', text: 'market ward' }),
    });
    expect(res.status).toBe(200);
    const { html } = (await res.json()) as { html: string };
    const path = /\/charts\/[A-Za-z0-9_-]{22}\.png/.exec(html)?.[0];
    expect(path, html).toBeDefined();
    const fromB = await fetch(`${b.url}${path!.slice(1)}`);
    expect(fromB.status).toBe(200);
    expect(fromB.headers.get('content-type')).toMatch(/^image\/png/);
    const bBytes = Buffer.from(await fromB.arrayBuffer());
    const fromA = await fetch(`${a.url}${path!.slice(1)}`);
    expect(fromA.status).toBe(200);
    const aBytes = Buffer.from(await fromA.arrayBuffer());
    expect(bBytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(bBytes.equals(aBytes)).toBe(true);
  });

  it('(b) each data-check fire is claimed once, by A or B, and no fire runs on both', async () => {
    // At least ~12 s of both replicas running side by side.
    const since = new Date(watchStarted).toISOString();
    await waitFor('12 s of fires', () => Date.now() - watchStarted >= 12_000, 30_000, 250);
    await new Promise((r) => setTimeout(r, 500));
    const rows = await fires();
    const window = rows.filter((r) => r.fire_at >= since);
    expect(window.length, JSON.stringify(rows)).toBeGreaterThanOrEqual(4);
    expect(new Set(rows.map((r) => r.fire_at)).size).toBe(rows.length);
    for (const r of rows) expect(['A', 'B']).toContain(r.claimed_by);
    // Fire times are the schedule's slots (even seconds, no milliseconds).
    for (const r of rows.filter((x) => x.reason === 'scheduled')) expect(new Date(r.fire_at).getTime() % INTERVAL_MS).toBe(0);
    const finished = window.filter((r) => r.finished_at !== null);
    expect(finished.every((r) => r.ok === 1)).toBe(true);

    // Every run a replica reported is the run of a fire that replica claimed, and no claim was run twice
    // (a replica running a fire the other claimed would show as a second run after its own last claim).
    // (Scheduled runs only: a catch-up run's clock is read before its claim.)
    const runs = observed.filter((o) => o.at >= since && o.reason === 'scheduled');
    expect(runs.length).toBeGreaterThan(0);
    const byClaim = new Map<string, ObservedRun[]>();
    for (const run of runs) {
      const own = rows.filter((r) => r.claimed_by === run.replica && r.claimed_at <= run.at);
      const claim = own.reduce<FireRow | undefined>((x, y) => (!x || y.claimed_at > x.claimed_at ? y : x), undefined);
      expect(claim, `run on ${run.replica} at ${run.at} has no claim of its own before it:\n${JSON.stringify(rows, null, 1)}`).toBeDefined();
      const k = `${claim!.fire_at}`;
      byClaim.set(k, [...(byClaim.get(k) ?? []), run]);
    }
    for (const [fireAt, list] of byClaim) expect(list, `fire ${fireAt} ran more than once: ${JSON.stringify(list)}`).toHaveLength(1);
    const share = { A: window.filter((r) => r.claimed_by === 'A').length, B: window.filter((r) => r.claimed_by === 'B').length };
    console.log(
      `replicas: ${window.length} data-check fires in ${((Date.now() - watchStarted) / 1000).toFixed(0)} s, claimed A ${share.A} / B ${share.B}; ${runs.length} runs observed`,
    );
  });

  it('(e) when A is killed, B claims and runs the next fires; its /healthz says so', async () => {
    watching = false;
    await watcher;
    // Kill A as soon as it has claimed a fire, ideally before that run has finished.
    const seen = new Set((await fires()).map((r) => r.fire_at));
    // (Should B win every race, A is killed after 20 s anyway.)
    const claimedByA = await waitFor(
      'A to claim a fire',
      async () => {
        const fresh = (await fires()).filter((r) => !seen.has(r.fire_at));
        for (const r of fresh) seen.add(r.fire_at);
        return fresh.find((r) => r.claimed_by === 'A');
      },
      20_000,
      10,
    ).catch(() => null);
    a.child.kill('SIGKILL');
    const exit = await a.exited;
    expect(exit.signal).toBe('SIGKILL');
    const killedAt = new Date(a.exitedAt!).toISOString();
    console.log(
      claimedByA
        ? `replicas: killed A right after it claimed ${claimedByA.fire_at} (${claimedByA.finished_at === null ? 'mid-run' : 'run already finished'})`
        : 'replicas: A claimed no fire in 20 s; killed it anyway',
    );

    // The next three fires after the kill: claimed by B, run to completion.
    const after = await waitFor(
      () => `three fires run by B after A died:\n${output()}`,
      async () => {
        const later = (await fires()).filter((r) => r.claimed_at > killedAt && r.finished_at !== null);
        return later.length >= 3 ? later : undefined;
      },
      30_000,
      250,
    );
    for (const r of after) expect(r).toMatchObject({ claimed_by: 'B', ok: 1 });
    const claimedAfter = (await fires()).filter((r) => r.claimed_at > killedAt);
    expect(claimedAfter.every((r) => r.claimed_by === 'B')).toBe(true);

    const h = await waitFor(
      "B's /healthz with B's last fire",
      async () => {
        const r = await healthz(b);
        const job = r?.body.scheduler?.jobs?.find((j: { name: string }) => j.name === 'data-check');
        return r?.status === 200 && job?.lastFire?.claimedBy === 'B' && job.lastFire.claimedAt > killedAt ? r.body : undefined;
      },
      15_000,
    );
    expect(h.status).toBe('ok');
    expect(h.replica).toBe('B');
    expect(h.store).toMatchObject({ reachable: true, kind: 'postgres' });
    expect(h.scheduler).toMatchObject({ state: 'running', replica: 'B' });
    const job = h.scheduler.jobs.find((j: { name: string }) => j.name === 'data-check');
    expect(job).toMatchObject({ cron: DATA_CHECK, lastFire: { claimedBy: 'B', ok: true } });
  });
});
