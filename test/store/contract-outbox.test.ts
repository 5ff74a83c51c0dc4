// The outbox part of the Store port, on both stores (SQLite file, real PostgreSQL): idempotent enqueue
// (also inside a transaction, and rolled back with it), leases by compare-and-set (two connections racing
// for the same rows get disjoint sets), expired leases taken over, writes that need the lease refused
// without it, retry by an operator, listing and the /healthz summary.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { Reply } from '../../src/core/reply.ts';
import { openPostgresStore, openSqliteStore } from '../../src/store/kysely.ts';
import type { NewOutboxMessage, Store } from '../../src/store/types.ts';
import { testDatabase } from '../helpers/pg.ts';

interface Harness {
  open(): Promise<Store>;
  cleanup(): Promise<void>;
}

async function sqliteHarness(): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'wardwatch-outbox-contract-'));
  const path = join(dir, 'store.sqlite');
  return { open: () => openSqliteStore(path), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
}

async function postgresHarness(): Promise<Harness> {
  const db = await testDatabase('outbox_contract');
  return { open: () => openPostgresStore(db.url), cleanup: () => db.drop() };
}

const reply = (title: string): Reply => ({ kind: 'alerts', title, summary: `${title}: 12 in May 2024, about 4 expected.`, figures: [], notes: [], actions: [] });
const msg = (key: string, extra: Partial<NewOutboxMessage> = {}): NewOutboxMessage => ({
  idempotencyKey: key,
  channel: 'cambridge-csp',
  kind: 'digest',
  reply: reply(key),
  ...extra,
});
const at = (iso: string) => new Date(iso).toISOString();

describe.each([
  ['sqlite', sqliteHarness],
  ['postgres', postgresHarness],
] as const)('Store outbox contract: %s', (_kind, makeHarness) => {
  let h: Harness | undefined;
  let s: Store;
  const opened: Store[] = [];
  const open = async () => {
    const store = await h!.open();
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

  it('enqueues once per key, forever; the reply round-trips as JSON', async () => {
    expect(await s.enqueueOutbox([msg('digest:cambridge-csp:2024-05'), msg('digest:fenland-csp:2024-05', { channel: 'fenland-csp' })])).toEqual({ inserted: 2 });
    expect(await s.enqueueOutbox([msg('digest:cambridge-csp:2024-05'), msg('correction:cambridge-csp:2024-05:r2', { kind: 'correction' })])).toEqual({ inserted: 1 });
    expect(await s.enqueueOutbox([])).toEqual({ inserted: 0 });
    const all = await s.outboxMessages({});
    expect(all.map((m) => m.idempotencyKey)).toEqual(['digest:cambridge-csp:2024-05', 'digest:fenland-csp:2024-05', 'correction:cambridge-csp:2024-05:r2']);
    const first = all[0]!;
    expect(first).toMatchObject({
      state: 'pending',
      attempts: 0,
      channel: 'cambridge-csp',
      kind: 'digest',
      threadOf: null,
      lastError: null,
      platformMessageId: null,
      sentAt: null,
    });
    expect(first.reply).toEqual(reply('digest:cambridge-csp:2024-05'));
    expect(await s.outboxByKey('digest:fenland-csp:2024-05')).toMatchObject({ channel: 'fenland-csp' });
    expect(await s.outboxMessage(first.id)).toEqual(first);
  });

  it('enqueues inside a transaction with the rest of its writes, and not at all when it rolls back', async () => {
    await s.transaction(async (tx) => {
      expect(await tx.enqueueOutbox([msg('a')])).toEqual({ inserted: 1 });
      expect(await tx.enqueueOutbox([msg('a')])).toEqual({ inserted: 0 });
    });
    await expect(
      s.transaction(async (tx) => {
        await tx.enqueueOutbox([msg('b')]);
        throw new Error('the alert-state write failed');
      }),
    ).rejects.toThrow('alert-state');
    expect((await s.outboxMessages({})).map((m) => m.idempotencyKey)).toEqual(['a']);
  });

  it('notBefore holds a message back until then; a thread reply keeps its parent key', async () => {
    await s.enqueueOutbox([msg('later', { notBefore: '2999-01-01T08:00:00.000Z' }), msg('reply', { threadOf: 'later' })]);
    const leased = await s.leaseOutbox({ owner: 'a', now: new Date().toISOString(), leaseUntil: at('2999-01-01T00:00:00Z'), limit: 10 });
    expect(leased.map((m) => m.idempotencyKey)).toEqual(['reply']);
    expect(leased[0]).toMatchObject({ state: 'sending', leaseOwner: 'a', threadOf: 'later' });
    expect(await s.outboxByKey('later')).toMatchObject({ state: 'pending', nextAttemptAt: '2999-01-01T08:00:00.000Z', notBefore: '2999-01-01T08:00:00.000Z' });
  });

  it('two connections leasing at once get disjoint sets that cover every due message', async () => {
    const other = await open();
    await s.enqueueOutbox(Array.from({ length: 40 }, (_, i) => msg(`m${i}`, { channel: `c${i % 4}` })));
    const now = new Date(Date.now() + 1000).toISOString();
    const leaseUntil = new Date(Date.now() + 60_000).toISOString();
    const got: string[][] = [[], []];
    for (let round = 0; round < 10; round++) {
      const [a, b] = await Promise.all([s.leaseOutbox({ owner: 'a', now, leaseUntil, limit: 5 }), other.leaseOutbox({ owner: 'b', now, leaseUntil, limit: 5 })]);
      got[0]!.push(...a.map((m) => m.idempotencyKey));
      got[1]!.push(...b.map((m) => m.idempotencyKey));
    }
    const both = [...got[0]!, ...got[1]!];
    expect(new Set(both).size).toBe(both.length);
    expect(both.sort()).toEqual(Array.from({ length: 40 }, (_, i) => `m${i}`).sort());
    const rows = await s.outboxMessages({ states: ['sending'] });
    expect(rows).toHaveLength(40);
    for (const r of rows) expect(got[r.leaseOwner === 'a' ? 0 : 1]).toContain(r.idempotencyKey);
  });

  it('skips the channels a dispatcher is already delivering', async () => {
    await s.enqueueOutbox([msg('x1', { channel: 'x' }), msg('y1', { channel: 'y' })]);
    const leased = await s.leaseOutbox({ owner: 'a', now: new Date(Date.now() + 1000).toISOString(), leaseUntil: at('2999-01-01T00:00:00Z'), limit: 10, skipChannels: ['x'] });
    expect(leased.map((m) => m.idempotencyKey)).toEqual(['y1']);
  });

  it('a live lease is not taken; an expired one is, by one of two takers; the old holder can no longer write', async () => {
    await s.enqueueOutbox([msg('k')]);
    const t0 = Date.now() + 1000;
    const iso = (ms: number) => new Date(t0 + ms).toISOString();
    const [m] = await s.leaseOutbox({ owner: 'dead', now: iso(0), leaseUntil: iso(30_000), limit: 10 });
    expect(await s.beginOutboxAttempt({ id: m!.id, owner: 'dead', now: iso(0), leaseUntil: iso(30_000) })).toBe(true);
    expect(await s.leaseOutbox({ owner: 'b', now: iso(10_000), leaseUntil: iso(40_000), limit: 10 })).toEqual([]);
    const other = await open();
    const [b, c] = await Promise.all([
      s.leaseOutbox({ owner: 'b', now: iso(31_000), leaseUntil: iso(60_000), limit: 10 }),
      other.leaseOutbox({ owner: 'c', now: iso(31_000), leaseUntil: iso(60_000), limit: 10 }),
    ]);
    expect(b.length + c.length).toBe(1);
    const taker = b.length ? 'b' : 'c';
    const taken = [...b, ...c][0]!;
    // The taker sees that an attempt was made (first_attempt_at): it must look before posting again.
    expect(taken).toMatchObject({ attempts: 1, leaseOwner: taker, state: 'sending' });
    expect(taken.firstAttemptAt).toBe(iso(0));
    expect(await s.markOutboxSent({ id: m!.id, owner: 'dead', platformMessageId: 'ts-dead', at: iso(32_000) })).toBe(false);
    expect(await s.releaseOutbox({ id: m!.id, owner: 'dead', state: 'failed', nextAttemptAt: iso(32_000), lastError: 'x' })).toBe(false);
    expect(await s.beginOutboxAttempt({ id: m!.id, owner: 'dead', now: iso(32_000), leaseUntil: iso(60_000) })).toBe(false);
    expect(await s.beginOutboxAttempt({ id: m!.id, owner: taker, now: iso(33_000), leaseUntil: iso(60_000) })).toBe(true);
    expect(await s.markOutboxSent({ id: m!.id, owner: taker, platformMessageId: '1700000000.000042', at: iso(34_000) })).toBe(true);
    expect(await s.outboxMessage(m!.id)).toMatchObject({
      state: 'sent',
      attempts: 2,
      firstAttemptAt: iso(0),
      platformMessageId: '1700000000.000042',
      sentAt: iso(34_000),
      leaseOwner: null,
      leaseExpiresAt: null,
    });
    // Sent is final: never leased again.
    expect(await s.leaseOutbox({ owner: 'b', now: iso(99_000_000), leaseUntil: iso(99_999_000), limit: 10 })).toEqual([]);
  });

  it('release: a retry later with its error, deferred to a time, failed; an operator retry makes it due now with fresh attempts', async () => {
    await s.enqueueOutbox([msg('r')]);
    const t0 = Date.now() + 1000;
    const iso = (ms: number) => new Date(t0 + ms).toISOString();
    let [m] = await s.leaseOutbox({ owner: 'a', now: iso(0), leaseUntil: iso(60_000), limit: 1 });
    await s.beginOutboxAttempt({ id: m!.id, owner: 'a', now: iso(0), leaseUntil: iso(60_000) });
    expect(await s.releaseOutbox({ id: m!.id, owner: 'a', state: 'pending', nextAttemptAt: iso(20_000), lastError: 'Slack refused the post: ratelimited' })).toBe(true);
    expect(await s.outboxMessage(m!.id)).toMatchObject({
      state: 'pending',
      attempts: 1,
      lastError: 'Slack refused the post: ratelimited',
      nextAttemptAt: iso(20_000),
      leaseOwner: null,
    });
    expect(await s.leaseOutbox({ owner: 'a', now: iso(19_000), leaseUntil: iso(60_000), limit: 1 })).toEqual([]);
    [m] = await s.leaseOutbox({ owner: 'a', now: iso(20_000), leaseUntil: iso(60_000), limit: 1 });
    // Deferred without touching the last error (undefined leaves it).
    expect(await s.releaseOutbox({ id: m!.id, owner: 'a', state: 'deferred', nextAttemptAt: iso(3_600_000) })).toBe(true);
    expect(await s.outboxMessage(m!.id)).toMatchObject({ state: 'deferred', lastError: 'Slack refused the post: ratelimited' });
    [m] = await s.leaseOutbox({ owner: 'a', now: iso(3_600_000), leaseUntil: iso(3_700_000), limit: 1 });
    expect(m).toBeDefined();
    await s.releaseOutbox({ id: m!.id, owner: 'a', state: 'failed', nextAttemptAt: iso(3_600_001), lastError: 'channel_not_found' });
    expect(await s.leaseOutbox({ owner: 'a', now: iso(99_000_000), leaseUntil: iso(99_999_000), limit: 1 })).toEqual([]);
    expect((await s.outboxMessages({ states: ['failed'] })).map((x) => x.lastError)).toEqual(['channel_not_found']);

    const retried = await s.retryOutbox(m!.id, iso(4_000_000));
    expect(retried).toMatchObject({ state: 'pending', attempts: 0, nextAttemptAt: iso(4_000_000), lastError: 'channel_not_found' });
    expect(retried!.firstAttemptAt).toBe(iso(0));
    expect(await s.retryOutbox(999_999, iso(0))).toBeUndefined();
  });

  it('a sent message cannot be "retried" into a second post', async () => {
    await s.enqueueOutbox([msg('once')]);
    const [m] = await s.leaseOutbox({ owner: 'a', now: new Date(Date.now() + 1000).toISOString(), leaseUntil: at('2999-01-01T00:00:00Z'), limit: 1 });
    await s.markOutboxSent({ id: m!.id, owner: 'a', platformMessageId: '1', at: new Date().toISOString() });
    expect(await s.retryOutbox(m!.id, new Date().toISOString())).toMatchObject({ state: 'sent' });
  });

  it('lists by state and channel; the summary counts states and dates the oldest unsent message', async () => {
    expect(await s.outboxSummary()).toEqual({ counts: { pending: 0, sending: 0, deferred: 0, failed: 0, sent: 0 }, oldestUnsentAt: null });
    await s.enqueueOutbox([msg('p1'), msg('p2', { channel: 'other' }), msg('p3')]);
    const [m] = await s.leaseOutbox({ owner: 'a', now: new Date(Date.now() + 1000).toISOString(), leaseUntil: at('2999-01-01T00:00:00Z'), limit: 1 });
    await s.markOutboxSent({ id: m!.id, owner: 'a', platformMessageId: '1', at: new Date().toISOString() });
    const summary = await s.outboxSummary();
    expect(summary.counts).toEqual({ pending: 2, sending: 0, deferred: 0, failed: 0, sent: 1 });
    expect(summary.oldestUnsentAt).toBe((await s.outboxByKey('p2'))!.createdAt);
    expect((await s.outboxMessages({ states: ['pending'], channel: 'cambridge-csp' })).map((x) => x.idempotencyKey)).toEqual(['p3']);
    expect(await s.outboxMessages({ states: [] })).toEqual([]);
    expect(await s.outboxMessages({ limit: 1 })).toHaveLength(1);
  });
});
