// Two `wardwatch serve` processes (real children) on one PostgreSQL database, each with Slack (HTTP
// mode, Web API at a loopback fake) and the local channels, and a month landing through the CLI's
// ingest beside them: the alerts consumer runs once (on whichever replica takes the event), writes one
// digest per channel to the outbox, and the two dispatchers between them post each exactly once: one
// Slack message per Slack channel, one local message per local channel. /healthz carries the outbox.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { parseConfig } from '../../src/config/load.ts';
import { writeSynthMonth } from '../../src/synth/history.ts';
import { outboxMarker } from '../../src/surfaces/slack/deliver.ts';
import { fixtureStoreOn, type DialectStore } from '../helpers/store.ts';
import { childEnv, healthz, runWardwatch, startServe, stopChild, waitFor, waitReady, writeTestConfig, type Served } from '../service/serve.ts';
import { startFakeSlackApi, type FakeSlackApi } from './fake-slack-api.ts';
import { BOT_TOKEN } from './helpers.ts';

const SLACK = { 'cambridge-slack': 'C0REPLICA01', 'fenland-slack': 'C0REPLICA02' } as const;

let dir: string;
let t: DialectStore;
let fake: FakeSlackApi;
let sql: pg.Client;
const served: Served[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wardwatch-outbox-replicas-'));
  fake = await startFakeSlackApi();
  // A loaded database (the fixtures and their history), as two replicas find it after the first start.
  t = await fixtureStoreOn('postgres', { history: true });
  sql = new pg.Client({ connectionString: t.location });
  await sql.connect();
}, 180_000);

afterAll(async () => {
  await Promise.all(served.map((s) => stopChild(s, 'SIGTERM', 10_000).catch(() => undefined)));
  await sql?.end().catch(() => undefined);
  await t?.cleanup().catch(() => undefined);
  await fake?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

it('two serve replicas and a month landing: each channel gets one digest, posted once', { timeout: 300_000 }, async () => {
  const configFile = writeTestConfig(dir);
  const doc = parseDocument(readFileSync(configFile, 'utf8'));
  for (const [name, id] of Object.entries(SLACK)) {
    doc.addIn(
      ['channels'],
      doc.createNode({
        name,
        platform: 'slack',
        slackChannelId: id,
        partnership: name.startsWith('fenland') ? 'fenland' : 'cambridge',
        clearance: { smallNumbers: false, sensitive: false },
      }),
    );
  }
  writeFileSync(configFile, doc.toString());
  const { config } = parseConfig(readFileSync(configFile, 'utf8'), configFile);
  const channels = config.channels.map((c) => c.name);

  // The next police.uk month, written from the store's own calibration.
  const latest = (await t.store.months('police.uk')).at(-1)!;
  const [y, m] = latest.split('-').map(Number) as [number, number];
  const month = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
  const monthDir = join(dir, month);
  mkdirSync(monthDir);
  await writeSynthMonth(t.store, { month, seed: 11, outDir: monthDir, config });
  for (const f of readdirSync(monthDir)) if (f.includes('partnership')) rmSync(join(monthDir, f));

  const env = (replica: string) =>
    childEnv({
      WARDWATCH_DATABASE_URL: t.location,
      WARDWATCH_CONFIG: configFile,
      WARDWATCH_REPLICA_ID: replica,
      WARDWATCH_FIXTURES: 'never',
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: 'outbox-replicas-signing-secret',
      SLACK_API_URL: fake.apiUrl,
      WARDWATCH_OUTBOX_POLL_MS: '500',
    });
  const a = await startServe('A', env('A'));
  served.push(a);
  const b = await startServe('B', env('B'));
  served.push(b);
  await Promise.all([waitReady(a), waitReady(b)]);
  const output = () => `--- A ---\n${a.output()}\n--- B ---\n${b.output()}`;

  const ingest = await runWardwatch(['ingest', '--quiet', monthDir], childEnv({ WARDWATCH_DATABASE_URL: t.location, WARDWATCH_CONFIG: configFile }), 120_000);
  expect(ingest.code, ingest.output).toBe(0);

  type Row = { idempotency_key: string; channel: string; state: string; platform_message_id: string | null; attempts: number; lease_owner: string | null };
  const digests = async () =>
    (
      await sql.query<Row>("SELECT idempotency_key, channel, state, platform_message_id, attempts, lease_owner FROM outbox WHERE kind = 'digest' AND idempotency_key LIKE $1", [
        `digest:%:${month}`,
      ])
    ).rows;
  await waitFor(
    () => `a sent digest for each of ${channels.length} channels:\n${output()}`,
    async () => {
      const rows = await digests();
      return rows.length === channels.length && rows.every((r) => r.state === 'sent');
    },
    120_000,
    250,
  );
  // Give the other replica every chance to post a duplicate before counting.
  await new Promise((r) => setTimeout(r, 3000));

  const rows = await digests();
  expect(rows.map((r) => r.channel).sort()).toEqual([...channels].sort());
  for (const r of rows) expect(r.attempts, r.idempotency_key).toBe(1);
  // Slack: one message per Slack channel, carrying that channel's digest key.
  for (const [name, id] of Object.entries(SLACK)) {
    const got = fake.messages.filter((x) => x.channel === id && x.blocks[0]?.block_id === outboxMarker(`digest:${name}:${month}`));
    expect(got, name).toHaveLength(1);
    expect(rows.find((r) => r.channel === name)!.platform_message_id).toBe(got[0]!.ts);
  }
  // Whatever else the month brought to Slack (summaries), nothing arrived twice.
  const markers = fake.messages.map((x) => x.blocks[0]?.block_id);
  expect(new Set(markers).size).toBe(markers.length);
  const sentToSlack = (await sql.query<{ n: string }>("SELECT count(*) AS n FROM outbox WHERE state = 'sent' AND channel = ANY($1)", [Object.keys(SLACK)])).rows[0]!.n;
  expect(fake.messages).toHaveLength(Number(sentToSlack));
  // Local channels: one stored message per channel for the digest key.
  const local = (
    await sql.query<{ channel: string; idempotency_key: string }>('SELECT channel, idempotency_key FROM local_messages WHERE idempotency_key LIKE $1', [`digest:%:${month}`])
  ).rows;
  expect(local.map((l) => l.channel).sort()).toEqual(channels.filter((c) => !(c in SLACK)).sort());

  // /healthz on either replica: the outbox by state, nothing waiting.
  const health = (await healthz(b))!.body;
  const failed = (await sql.query<{ idempotency_key: string; last_error: string }>("SELECT idempotency_key, last_error FROM outbox WHERE state = 'failed'")).rows;
  expect(failed).toEqual([]);
  expect(health.outbox.counts.failed).toBe(0);
  expect(health.outbox.counts.sent).toBeGreaterThanOrEqual(channels.length);
  expect(health.outbox.counts.pending + health.outbox.counts.sending).toBe(0);
});
