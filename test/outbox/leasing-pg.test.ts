// Two dispatchers (two replicas: separate connection pools) on one real PostgreSQL database deliver
// one outbox, side by side, to the fake Slack and to local channels: each message arrives once.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { OutboxDispatcher } from '../../src/service/outbox.ts';
import { openPostgresStore } from '../../src/store/kysely.ts';
import type { Store } from '../../src/store/types.ts';
import { outboxMarker } from '../../src/surfaces/slack/deliver.ts';
import { LocalPlatform, MessageBus, StoreMessageLog } from '../../src/surfaces/local/local-platform.ts';
import { testDatabase, type TestDatabase } from '../helpers/pg.ts';
import { startFakeSlackApi, type FakeSlackApi } from './fake-slack-api.ts';
import { digest, outboxTestConfig, slackAdapter } from './helpers.ts';

let db: TestDatabase;
let fake: FakeSlackApi;
const stores: Store[] = [];

beforeAll(async () => {
  db = await testDatabase('outbox_leasing');
  fake = await startFakeSlackApi();
});
afterAll(async () => {
  for (const s of stores) await s.close();
  await fake?.close();
  await db?.drop();
});

it('two dispatchers on one PostgreSQL database deliver each of 80 messages exactly once', async () => {
  const a = await openPostgresStore(db.url);
  const b = await openPostgresStore(db.url);
  stores.push(a, b);
  const channels = ['cambridge-slack', 'fenland-slack', 'cambridge-csp', 'fenland-csp'];
  const keys = Array.from({ length: 80 }, (_, i) => `digest:${channels[i % 4]}:m${i}`);
  await a.enqueueOutbox(keys.map((k, i) => digest(k, channels[i % 4]!)));
  // A little latency at Slack, so that the two really overlap.
  fake.onAccepted = () => new Promise((r) => setTimeout(r, 3));
  const config = outboxTestConfig();
  const make = (store: Store, name: string) =>
    new OutboxDispatcher({
      store,
      config,
      platforms: { slack: slackAdapter(fake.apiUrl), local: new LocalPlatform(new StoreMessageLog(store), new MessageBus()) },
      owner: name,
      batchSize: 7,
    });
  const da = make(a, 'replica-a');
  const db2 = make(b, 'replica-b');
  const delivered: Record<string, string[]> = { 'replica-a': [], 'replica-b': [] };
  for (let round = 0; round < 50; round++) {
    const [ra, rb] = await Promise.all([da.runOnce(), db2.runOnce()]);
    delivered['replica-a']!.push(...ra.filter((o) => o.outcome === 'sent').map((o) => o.key));
    delivered['replica-b']!.push(...rb.filter((o) => o.outcome === 'sent').map((o) => o.key));
    if (ra.length === 0 && rb.length === 0) break;
  }
  const all = [...delivered['replica-a']!, ...delivered['replica-b']!];
  expect(all.sort()).toEqual([...keys].sort());
  // Both did part of the work.
  expect(delivered['replica-a']!.length).toBeGreaterThan(0);
  expect(delivered['replica-b']!.length).toBeGreaterThan(0);

  // What the platforms received: every Slack message once (by its marker), every local one once.
  const slackKeys = keys.filter((k) => k.includes('-slack:'));
  const markers = fake.messages.map((m) => m.blocks[0]?.block_id);
  expect(markers).toHaveLength(slackKeys.length);
  expect(new Set(markers)).toEqual(new Set(slackKeys.map(outboxMarker)));
  const local = await a.localMessages({ afterId: 0, limit: 1000 });
  expect(local.map((m) => m.idempotencyKey).sort()).toEqual(keys.filter((k) => k.includes('-csp:')).sort());
  const summary = await b.outboxSummary();
  expect(summary.counts).toMatchObject({ sent: 80, pending: 0, sending: 0, failed: 0 });
  for (const m of await a.outboxMessages({})) expect(m.attempts).toBe(1);
});
