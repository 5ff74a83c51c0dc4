// The outbox dispatcher end to end in one process: the real store (SQLite), the real @slack/web-api
// client and SlackPlatform against a loopback fake of Slack's Web API, the real local platform. A clock
// of the test's own decides what is due; nothing here waits on wall-clock time except the client's
// own timeout (a fraction of a second).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { outboxMarker } from '../../src/surfaces/slack/deliver.ts';
import { LocalPlatform, MessageBus, StoreMessageLog } from '../../src/surfaces/local/local-platform.ts';
import { backoffMs, DEFAULT_BACKOFF, OutboxDispatcher, outboxHealth, wakeOnEnqueue, type Platforms } from '../../src/service/outbox.ts';
import type { Config } from '../../src/config/schema.ts';
import { tempStore, type TempStore } from '../helpers/store.ts';
import { startFakeSlackApi, type FakeSlackApi } from './fake-slack-api.ts';
import { digest, manualClock, outboxTestConfig, SLACK_A, SLACK_B, slackAdapter } from './helpers.ts';

let fake: FakeSlackApi;
let st: TempStore;
let logs: string[];

beforeAll(async () => {
  fake = await startFakeSlackApi();
});
afterAll(async () => {
  await fake?.close();
});
beforeEach(async () => {
  st = await tempStore();
  logs = [];
  fake.messages.length = 0;
  fake.calls.length = 0;
  fake.onAccepted = null;
  fake.onAnswered = null;
  fake.refuseHistory(false);
  fake.resetScripts();
  fake.failChannel(SLACK_A, null);
  fake.failChannel(SLACK_B, null);
});
afterEach(async () => {
  await st.cleanup();
});

function dispatcher(config: Config, clock: ReturnType<typeof manualClock>, platforms?: Platforms, extra: Partial<ConstructorParameters<typeof OutboxDispatcher>[0]> = {}) {
  return new OutboxDispatcher({
    store: st.store,
    config,
    platforms: platforms ?? { slack: slackAdapter(fake.apiUrl, { timeoutMs: 1500 }), local: new LocalPlatform(new StoreMessageLog(st.store), new MessageBus(), clock.now) },
    owner: 'test',
    now: clock.now,
    log: (l) => logs.push(l),
    random: () => 0.5,
    ...extra,
  });
}

const posts = () => fake.calls.filter((c) => c.method === 'chat.postMessage');

describe('delivery and retries', () => {
  it('posts to Slack, records the ts; the local channel gets it in its log; nothing is posted twice', async () => {
    const clock = manualClock('2024-06-03T10:00:00Z');
    await st.store.enqueueOutbox([digest('digest:cambridge:2024-05', 'cambridge-slack'), digest('digest:cambridge-csp:2024-05', 'cambridge-csp')]);
    const d = dispatcher(outboxTestConfig(), clock);
    const outcomes = await d.runOnce();
    expect(outcomes.map((o) => [o.key, o.outcome]).sort()).toEqual([
      ['digest:cambridge-csp:2024-05', 'sent'],
      ['digest:cambridge:2024-05', 'sent'],
    ]);
    const slack = (await st.store.outboxByKey('digest:cambridge:2024-05'))!;
    expect(slack).toMatchObject({ state: 'sent', attempts: 1, platformMessageId: fake.messages[0]!.ts, sentAt: '2024-06-03T10:00:00.000Z' });
    // The marker the look-back finds it by is on the message.
    expect(fake.messages[0]!.blocks[0]!.block_id).toBe(outboxMarker('digest:cambridge:2024-05'));
    expect(fake.messages[0]!.channel).toBe(SLACK_A);
    const local = await st.store.localMessages({ channel: 'cambridge-csp', limit: 10 });
    expect(local).toHaveLength(1);
    expect((await st.store.outboxByKey('digest:cambridge-csp:2024-05'))!.platformMessageId).toBe(String(local[0]!.id));
    expect(await d.runOnce()).toEqual([]);
    expect(posts()).toHaveLength(1);
  });

  it('a 429 is retried no sooner than its Retry-After, then sent', async () => {
    const clock = manualClock('2024-06-03T10:00:00Z');
    await st.store.enqueueOutbox([digest('k429', 'cambridge-slack')]);
    fake.scriptPosts({ status: 429, retryAfter: 120 });
    const d = dispatcher(outboxTestConfig(), clock);
    const [first] = await d.runOnce();
    expect(first).toMatchObject({ outcome: 'retry' });
    const m = (await st.store.outboxByKey('k429'))!;
    expect(m.state).toBe('pending');
    expect(m.lastError).toContain('ratelimited');
    // Retry-After 120 s outweighs the first backoff (about 10 s).
    expect(Date.parse(m.nextAttemptAt) - Date.parse('2024-06-03T10:00:00Z')).toBe(120_000);
    clock.advance(119_000);
    expect(await d.runOnce()).toEqual([]);
    clock.advance(1_000);
    expect((await d.runOnce()).map((o) => o.outcome)).toEqual(['sent']);
    expect(fake.messages).toHaveLength(1);
    expect((await st.store.outboxByKey('k429'))!).toMatchObject({ state: 'sent', attempts: 2, lastError: null });
  });

  it('a 503 and then a timeout are retried with growing backoff; the timed-out post is not posted again when it arrived', async () => {
    const clock = manualClock('2024-06-03T10:00:00Z');
    await st.store.enqueueOutbox([digest('k503', 'cambridge-slack')]);
    fake.scriptPosts({ status: 503 });
    const d = dispatcher(outboxTestConfig(), clock);
    expect((await d.runOnce())[0]).toMatchObject({ outcome: 'retry' });
    let m = (await st.store.outboxByKey('k503'))!;
    expect(m.lastError).toContain('http_503');
    const wait1 = Date.parse(m.nextAttemptAt) - clock.now().getTime();
    expect(wait1).toBe(backoffMs(1, DEFAULT_BACKOFF, () => 0.5));

    // Second attempt: Slack accepts the post but the answer never comes (the client times out).
    let hold: () => void = () => {};
    fake.onAccepted = () => new Promise<void>((r) => (hold = r));
    clock.advance(wait1);
    expect((await d.runOnce())[0]).toMatchObject({ outcome: 'retry' });
    m = (await st.store.outboxByKey('k503'))!;
    expect(m.lastError).toMatch(/timeout/);
    const wait2 = Date.parse(m.nextAttemptAt) - clock.now().getTime();
    expect(wait2).toBe(backoffMs(2, DEFAULT_BACKOFF, () => 0.5));
    expect(wait2).toBeGreaterThan(wait1);
    fake.onAccepted = null;
    hold();

    // Third attempt: it looks first, finds the message that did arrive, and records it.
    clock.advance(wait2);
    expect((await d.runOnce())[0]).toMatchObject({ outcome: 'found', platformMessageId: fake.messages[0]!.ts });
    expect(fake.messages).toHaveLength(1);
    expect(fake.calls.map((c) => c.method)).toContain('conversations.history');
    expect((await st.store.outboxByKey('k503'))!).toMatchObject({ state: 'sent', attempts: 3, platformMessageId: fake.messages[0]!.ts });
  });

  it('a network error (connection dropped) is retryable', async () => {
    const clock = manualClock('2024-06-03T10:00:00Z');
    await st.store.enqueueOutbox([digest('kdrop', 'cambridge-slack')]);
    fake.scriptPosts({ destroy: true });
    const d = dispatcher(outboxTestConfig(), clock);
    expect((await d.runOnce())[0]).toMatchObject({ outcome: 'retry' });
    expect((await st.store.outboxByKey('kdrop'))!.lastError).toMatch(/request_failed|timeout/);
  });

  it('invalid_auth and channel_not_found fail at once, visibly, with the error; an operator retry sends it', async () => {
    const clock = manualClock('2024-06-03T10:00:00Z');
    await st.store.enqueueOutbox([digest('kauth', 'cambridge-slack'), digest('kchan', 'fenland-slack')]);
    fake.failChannel(SLACK_A, { error: 'invalid_auth' });
    fake.failChannel(SLACK_B, { error: 'channel_not_found' });
    const d = dispatcher(outboxTestConfig(), clock);
    expect((await d.runOnce()).map((o) => o.outcome)).toEqual(['failed', 'failed']);
    const failed = await st.store.outboxMessages({ states: ['failed'] });
    expect(failed.map((m) => [m.idempotencyKey, m.attempts])).toEqual([
      ['kauth', 1],
      ['kchan', 1],
    ]);
    expect(failed[0]!.lastError).toContain('invalid_auth');
    expect(failed[1]!.lastError).toContain('channel_not_found');
    expect(logs.some((l) => l.includes('FAILED') && l.includes('wardwatch outbox retry'))).toBe(true);
    const health = await outboxHealth(st.store, clock.now());
    expect(health.counts.failed).toBe(2);
    // Failed is final until an operator retries: no further attempts however long we wait.
    clock.advance(86_400_000);
    expect(await d.runOnce()).toEqual([]);
    fake.failChannel(SLACK_A, null);
    await st.store.retryOutbox(failed[0]!.id, clock.now().toISOString());
    expect((await d.runOnce()).map((o) => o.outcome)).toEqual(['sent']);
    expect(fake.messages.map((m) => m.channel)).toEqual([SLACK_A]);
  });

  it('gives up after the last attempt and says how many', async () => {
    const clock = manualClock('2024-06-03T10:00:00Z');
    await st.store.enqueueOutbox([digest('kcap', 'cambridge-slack')]);
    fake.failChannel(SLACK_A, { status: 500 });
    const d = dispatcher(outboxTestConfig(), clock, undefined, { backoff: { maxAttempts: 4, baseMs: 1000, maxMs: 4000 } });
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      await d.runOnce();
      const m = (await st.store.outboxByKey('kcap'))!;
      waits.push(Date.parse(m.nextAttemptAt) - clock.now().getTime());
      clock.set(m.nextAttemptAt > clock.now().toISOString() ? m.nextAttemptAt : clock.now().toISOString());
    }
    // 1 s, 2 s, 4 s (the cap), then failed.
    expect(waits.slice(0, 3)).toEqual([750, 1500, 3000]);
    const m = (await st.store.outboxByKey('kcap'))!;
    expect(m).toMatchObject({ state: 'failed', attempts: 4 });
    expect(m.lastError).toMatch(/http_500.*gave up after 4 attempts/);
  });

  it('backoff: exponential with equal jitter, capped, never under Retry-After', () => {
    const p = { baseMs: 10_000, maxMs: 60_000, maxAttempts: 10 };
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(n, p, () => 0))).toEqual([5000, 10_000, 20_000, 30_000, 30_000]);
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(n, p, () => 1))).toEqual([10_000, 20_000, 40_000, 60_000, 60_000]);
    expect(backoffMs(1, p, () => 0, 45_000)).toBe(45_000);
  });
});

describe('channels are independent', () => {
  it('a channel Slack refuses or that times out does not hold up the others; its own later messages wait with it', async () => {
    const clock = manualClock('2024-06-03T10:00:00Z');
    await st.store.enqueueOutbox([digest('a1', 'cambridge-slack'), digest('a2', 'cambridge-slack'), digest('b1', 'fenland-slack'), digest('l1', 'cambridge-csp')]);
    fake.failChannel(SLACK_A, { hang: true });
    const d = dispatcher(outboxTestConfig(), clock);
    const outcomes = await d.runOnce();
    const by = Object.fromEntries(outcomes.map((o) => [o.key, o.outcome]));
    expect(by).toEqual({ a1: 'retry', a2: 'held', b1: 'sent', l1: 'sent' });
    const a2 = (await st.store.outboxByKey('a2'))!;
    expect(a2).toMatchObject({ state: 'pending', attempts: 0 });
    expect(a2.nextAttemptAt).toBe((await st.store.outboxByKey('a1'))!.nextAttemptAt);
    fake.failChannel(SLACK_A, null);
    clock.set(a2.nextAttemptAt);
    expect((await d.runOnce()).map((o) => [o.key, o.outcome])).toEqual([
      ['a1', 'sent'],
      ['a2', 'sent'],
    ]);
    // In order within the channel.
    expect(fake.messages.filter((m) => m.channel === SLACK_A).map((m) => m.text)).toEqual([expect.stringContaining('a1'), expect.stringContaining('a2')]);
  });

  it('a process without a Slack connection leaves Slack messages alone for one that has it', async () => {
    const clock = manualClock('2024-06-03T10:00:00Z');
    await st.store.enqueueOutbox([digest('s1', 'cambridge-slack'), digest('l1', 'cambridge-csp')]);
    const d = dispatcher(outboxTestConfig(), clock, { local: new LocalPlatform(new StoreMessageLog(st.store), new MessageBus(), clock.now) });
    expect((await d.runOnce()).map((o) => o.key)).toEqual(['l1']);
    expect((await st.store.outboxByKey('s1'))!).toMatchObject({ state: 'pending', attempts: 0, lastError: null });
  });

  it('a message for a channel no longer configured fails with the reason', async () => {
    const clock = manualClock('2024-06-03T10:00:00Z');
    await st.store.enqueueOutbox([digest('gone', 'no-such-channel')]);
    await dispatcher(outboxTestConfig(), clock).runOnce();
    expect((await st.store.outboxByKey('gone'))!).toMatchObject({ state: 'failed', lastError: 'no channel named "no-such-channel" in the configuration' });
  });
});

describe('threads', () => {
  it('a reply waits for its parent, then posts under the parent ts (Slack) and the parent id (local page)', async () => {
    const clock = manualClock('2024-06-03T10:00:00Z');
    await st.store.enqueueOutbox([
      digest('digest:s', 'cambridge-slack', { notBefore: '2024-06-03T10:05:00Z' }),
      digest('reminder:s', 'cambridge-slack', { threadOf: 'digest:s', kind: 'reminder' }),
      digest('digest:l', 'cambridge-csp'),
      digest('correction:l', 'cambridge-csp', { threadOf: 'digest:l', kind: 'correction' }),
    ]);
    const d = dispatcher(outboxTestConfig(), clock, undefined, { parentWaitMs: 1000 });
    const first = Object.fromEntries((await d.runOnce()).map((o) => [o.key, o.outcome]));
    // The local parent went first in the same lane, so its reply could follow at once.
    expect(first).toEqual({ 'reminder:s': 'waiting', 'digest:l': 'sent', 'correction:l': 'sent' });
    const [parentL, childL] = await st.store.localMessages({ channel: 'cambridge-csp', limit: 10 });
    expect(childL!.threadOf).toBe(String(parentL!.id));
    expect((await st.store.outboxByKey('reminder:s'))!.nextAttemptAt).toBe('2024-06-03T10:05:00.000Z');

    clock.set('2024-06-03T10:05:00Z');
    const second = await d.runOnce();
    expect(second.map((o) => [o.key, o.outcome])).toEqual([
      ['digest:s', 'sent'],
      ['reminder:s', 'sent'],
    ]);
    const [parent, child] = fake.messages;
    expect(parent!.thread_ts).toBeUndefined();
    expect(child!.thread_ts).toBe(parent!.ts);
  });

  it('a reply whose parent failed goes to the channel', async () => {
    const clock = manualClock('2024-06-03T10:00:00Z');
    await st.store.enqueueOutbox([digest('p', 'fenland-slack'), digest('c', 'fenland-slack', { threadOf: 'p' })]);
    fake.failChannel(SLACK_B, { error: 'is_archived' });
    const d = dispatcher(outboxTestConfig(), clock);
    await d.runOnce();
    fake.failChannel(SLACK_B, null);
    await st.store.retryOutbox((await st.store.outboxByKey('c'))!.id, clock.now().toISOString());
    await d.runOnce();
    expect(fake.messages).toHaveLength(1);
    expect(fake.messages[0]!.thread_ts).toBeUndefined();
  });
});

describe('after a lost outcome', () => {
  it('without the history scope it says it cannot check and posts again (at least once, documented)', async () => {
    const clock = manualClock('2024-06-03T10:00:00Z');
    await st.store.enqueueOutbox([digest('dup', 'cambridge-slack')]);
    let hold: () => void = () => {};
    fake.onAccepted = () => new Promise<void>((r) => (hold = r));
    const d = dispatcher(outboxTestConfig(), clock);
    await d.runOnce();
    fake.onAccepted = null;
    hold();
    fake.refuseHistory(true);
    clock.advance(3_600_000);
    expect((await d.runOnce())[0]).toMatchObject({ outcome: 'sent' });
    expect(fake.messages).toHaveLength(2);
    expect(logs.some((l) => l.includes('missing_scope') && l.includes('posting again'))).toBe(true);
  });

  it('an expired lease (its dispatcher died mid-post) is taken over, and the post that arrived is found, not repeated', async () => {
    const clock = manualClock('2024-06-03T10:00:00Z');
    await st.store.enqueueOutbox([digest('crash', 'cambridge-slack')]);
    // The dead dispatcher: leased, counted its attempt, posted, then never recorded it.
    const [m] = await st.store.leaseOutbox({ owner: 'dead', now: clock.now().toISOString(), leaseUntil: '2024-06-03T10:05:00.000Z', limit: 1 });
    await st.store.beginOutboxAttempt({ id: m!.id, owner: 'dead', now: clock.now().toISOString(), leaseUntil: '2024-06-03T10:05:00.000Z' });
    await slackAdapter(fake.apiUrl).post(
      outboxTestConfig().channels.find((c) => c.name === 'cambridge-slack')!,
      m!.reply,
      { idempotencyKey: 'crash' },
    );
    const d = dispatcher(outboxTestConfig(), clock);
    clock.set('2024-06-03T10:04:59Z');
    expect(await d.runOnce()).toEqual([]);
    clock.set('2024-06-03T10:05:00Z');
    expect((await d.runOnce())[0]).toMatchObject({ outcome: 'found' });
    expect(fake.messages).toHaveLength(1);
  });
});

describe('quiet hours (Europe/London)', () => {
  const quiet = { from: '21:00', to: '07:00' };

  it('defers a message due at night to 07:00 the next morning, on the night the clocks go forward and back', async () => {
    for (const [due, until] of [
      ['2024-03-30T22:30:00Z', '2024-03-31T06:00:00.000Z'], // Sat 22:30 GMT -> Sun 07:00 BST
      ['2024-10-26T21:30:00Z', '2024-10-27T07:00:00.000Z'], // Sat 22:30 BST -> Sun 07:00 GMT
      ['2024-06-04T05:00:00Z', '2024-06-04T06:00:00.000Z'], // 06:00 BST -> 07:00 BST
      ['2024-01-15T21:00:00Z', '2024-01-16T07:00:00.000Z'], // 21:00 GMT exactly: inside
    ] as const) {
      const clock = manualClock(due);
      await st.store.enqueueOutbox([digest(`night:${due}`, 'cambridge-slack')]);
      const d = dispatcher(outboxTestConfig({ quietA: quiet }), clock);
      expect((await d.runOnce()).map((o) => o.outcome)).toEqual(['deferred']);
      const m = (await st.store.outboxByKey(`night:${due}`))!;
      expect(m).toMatchObject({ state: 'deferred', attempts: 0, nextAttemptAt: until });
      clock.set(new Date(Date.parse(until) - 1000).toISOString());
      expect(await d.runOnce()).toEqual([]);
      clock.set(until);
      expect((await d.runOnce()).map((o) => o.outcome)).toEqual(['sent']);
    }
    expect(fake.messages).toHaveLength(4);
  });

  it('delivers at once outside quiet hours, and on other channels during them', async () => {
    const clock = manualClock('2024-06-04T06:00:00Z'); // 07:00 BST: the window has ended
    await st.store.enqueueOutbox([digest('morning', 'cambridge-slack')]);
    expect((await dispatcher(outboxTestConfig({ quietA: quiet }), clock).runOnce()).map((o) => o.outcome)).toEqual(['sent']);
    clock.set('2024-06-04T22:00:00Z');
    await st.store.enqueueOutbox([digest('night-a', 'cambridge-slack'), digest('night-b', 'fenland-slack')]);
    const by = Object.fromEntries((await dispatcher(outboxTestConfig({ quietA: quiet }), clock).runOnce()).map((o) => [o.key, o.outcome]));
    expect(by).toEqual({ 'night-a': 'deferred', 'night-b': 'sent' });
  });
});

describe('in the service', () => {
  it('an enqueue (in a transaction, once committed) wakes a started dispatcher at once', async () => {
    const clock = manualClock('2024-06-03T10:00:00Z');
    let d: OutboxDispatcher | null = null;
    const store = wakeOnEnqueue(st.store, () => d?.wake());
    d = new OutboxDispatcher({
      store,
      config: outboxTestConfig(),
      platforms: { local: new LocalPlatform(new StoreMessageLog(store), new MessageBus(), clock.now) },
      owner: 'svc',
      now: clock.now,
      pollMs: 3_600_000, // no poll would come in this test: only the wake can deliver
    });
    d.start();
    try {
      await new Promise((r) => setTimeout(r, 50)); // the start's own first look finds nothing
      await store.transaction(async (tx) => {
        await tx.enqueueOutbox([digest('woken', 'cambridge-csp')]);
      });
      for (let i = 0; i < 200 && (await store.outboxByKey('woken'))!.state !== 'sent'; i++) await new Promise((r) => setTimeout(r, 25));
      expect((await store.outboxByKey('woken'))!.state).toBe('sent');
    } finally {
      await d.stop();
    }
  });
});
