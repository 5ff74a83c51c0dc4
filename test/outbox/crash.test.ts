// THE CRASH TEST. A real child process (`wardwatch outbox deliver`, the same dispatcher `serve` runs)
// delivers 96 digests and thread replies to a loopback fake of Slack's Web API through the real
// @slack/web-api client, and is SIGKILLed again and again at points chosen through the delivery:
//   accepted  - Slack has taken the post, the answer has not left (the outcome is lost with the process)
//   answered  - the answer has been written, the store may or may not have recorded it
//   lookup    - while it looks back over the channel for a post of an earlier, killed process
//   after Nms - a few milliseconds after a post was accepted (between posts, recording, leasing)
// and restarted each time. Fake Slack must end up with every message exactly once, each recorded with
// the ts Slack gave it, and every thread reply under its parent's ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { openSqliteStore } from '../../src/store/kysely.ts';
import { outboxMarker } from '../../src/surfaces/slack/deliver.ts';
import { childEnv, ROOT, writeTestConfig } from '../service/serve.ts';
import { startFakeSlackApi, type FakeSlackApi } from './fake-slack-api.ts';
import { BOT_TOKEN, digest } from './helpers.ts';

const PRELOAD = pathToFileURL(fileURLToPath(new URL('../slack/child-preload.ts', import.meta.url))).href;
const CHANNELS = { 'crash-a': 'C0CRASHA01', 'crash-b': 'C0CRASHB02', 'crash-c': 'C0CRASHC03' } as const;
const LEASE_MS = 700;

let dir: string;
let fake: FakeSlackApi;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wardwatch-crash-'));
  fake = await startFakeSlackApi();
});
afterAll(async () => {
  await fake?.close();
  rmSync(dir, { recursive: true, force: true });
});

type Trigger = { kind: 'accepted' | 'answered'; n: number } | { kind: 'lookup' } | { kind: 'after'; ms: number };

function describeTrigger(t: Trigger): string {
  return t.kind === 'after' ? `${t.ms} ms after a post was accepted` : t.kind === 'lookup' ? 'during the look-back' : `${t.kind} (post ${t.n} of this run)`;
}

it('SIGKILLed at 36 points during delivery and restarted, fake Slack receives each of 360 messages exactly once', { timeout: 900_000 }, async () => {
  const dbFile = join(dir, 'wardwatch.sqlite');
  const configFile = writeTestConfig(dir);
  const doc = parseDocument(await import('node:fs').then((fs) => fs.readFileSync(configFile, 'utf8')));
  for (const [name, id] of Object.entries(CHANNELS)) {
    doc.addIn(['channels'], doc.createNode({ name, platform: 'slack', slackChannelId: id, partnership: 'cambridge', clearance: { smallNumbers: false, sensitive: false } }));
  }
  writeFileSync(configFile, doc.toString());

  // 90 digests a channel, every third with a thread reply under it: 360 messages (enough that kill points, not messages, run out first).
  const store = await openSqliteStore(dbFile);
  const keys: string[] = [];
  const enqueue = [];
  for (let i = 0; i < 90; i++) {
    for (const channel of Object.keys(CHANNELS)) {
      const key = `digest:${channel}:${2000 + i}-05`;
      enqueue.push(digest(key, channel));
      keys.push(key);
      if (i % 3 === 0) {
        enqueue.push(digest(`reminder:${key}`, channel, { threadOf: key, kind: 'reminder' }));
        keys.push(`reminder:${key}`);
      }
    }
  }
  expect((await store.enqueueOutbox(enqueue)).inserted).toBe(keys.length);
  await store.close();

  const triggers: Trigger[] = [];
  // A look-back happens in the run after an `accepted` kill (that post's outcome was lost), so each
  // `lookup` follows one.
  for (let round = 0; round < 3; round++) {
    triggers.push({ kind: 'accepted', n: 1 }, { kind: 'lookup' }, { kind: 'answered', n: 1 }, { kind: 'after', ms: 2 + round * 7 });
    triggers.push({ kind: 'accepted', n: 3 }, { kind: 'lookup' }, { kind: 'answered', n: 2 }, { kind: 'after', ms: 25 + round * 10 });
    triggers.push({ kind: 'accepted', n: 2 }, { kind: 'lookup' }, { kind: 'answered', n: 4 }, { kind: 'after', ms: 60 });
  }
  const env = childEnv({
    WARDWATCH_DB: dbFile,
    WARDWATCH_CONFIG: configFile,
    WARDWATCH_TEST_NET_GUARD: '1',
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_API_URL: fake.apiUrl,
    SLACK_API_TIMEOUT_MS: '300',
    SLACK_POST_INTERVAL_MS: '0',
    WARDWATCH_OUTBOX_LEASE_MS: String(LEASE_MS),
  });

  const kills: string[] = [];
  const runs: Array<{ trigger: string; killed: boolean; code: number | null }> = [];
  let pending = triggers.slice();
  for (let run = 0; run < 200; run++) {
    const trigger = pending[0];
    let child: ChildProcess | null = null;
    let killedHere = false;
    let accepted = 0;
    let answered = 0;
    let noLookBack = false;
    const kill = () => {
      if (killedHere || !child) return;
      killedHere = true;
      child.kill('SIGKILL');
    };
    const exited = new Promise<number | null>((resolve) => {
      child = spawn(process.execPath, ['--import', 'tsx', '--import', PRELOAD, 'bin/wardwatch.js', 'outbox', 'deliver'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout!.on('data', (d) => (out += String(d)));
      child.stderr!.on('data', (d) => (out += String(d)));
      child.once('exit', (code) => {
        if (out.includes('NETGUARD refused')) throw new Error(`the child left loopback:\n${out}`);
        resolve(code);
      });
    });
    fake.onCall = trigger?.kind === 'lookup' ? (method) => (method.startsWith('conversations.') ? (kill(), exited.then(() => undefined)) : undefined) : null;
    fake.onAccepted = async () => {
      accepted += 1;
      // A run meant to die in its look-back that had none to do (its outcome was not lost after all, as
      // happens when a slow machine lets the earlier post's answer land) still dies mid-delivery.
      if (trigger?.kind === 'lookup' && accepted === 2 && !killedHere) {
        noLookBack = true;
        kill();
      }
      if (trigger?.kind === 'accepted' && accepted === trigger.n) {
        kill();
        await exited;
      } else if (trigger?.kind === 'after' && accepted === 1) setTimeout(kill, trigger.ms);
    };
    fake.onAnswered = () => {
      answered += 1;
      if (trigger?.kind === 'answered' && answered === trigger.n) kill();
    };
    const code = await exited;
    runs.push({ trigger: trigger ? describeTrigger(trigger) : 'none', killed: killedHere, code });
    if (killedHere) {
      kills.push(noLookBack ? 'accepted (post 2 of a run that had no look-back to do)' : describeTrigger(trigger!));
      pending = pending.slice(1);
    }
    const s = await openSqliteStore(dbFile);
    const summary = await s.outboxSummary();
    await s.close();
    if (summary.counts.sent === keys.length && pending.length === 0) break;
    if (summary.counts.sent === keys.length && !killedHere) {
      // Everything is delivered but kill points are left: nothing more to kill during.
      break;
    }
    // A killed run leaves its message leased: the next run may take it once the lease has expired.
    if (killedHere || code !== 0) await new Promise((r) => setTimeout(r, LEASE_MS + 50));
  }
  fake.onCall = null;
  fake.onAccepted = null;
  fake.onAnswered = null;

  const s = await openSqliteStore(dbFile);
  try {
    const rows = await s.outboxMessages({});
    expect(rows.filter((r) => r.state !== 'sent').map((r) => `${r.idempotencyKey}: ${r.state} ${r.lastError ?? ''}`)).toEqual([]);
    // Exactly once at the fake: one message per key, none unknown.
    const byMarker = new Map<string, string[]>();
    for (const m of fake.messages) byMarker.set(m.blocks[0]!.block_id!, [...(byMarker.get(m.blocks[0]!.block_id!) ?? []), m.ts]);
    const duplicates = [...byMarker].filter(([, ts]) => ts.length > 1);
    expect(duplicates).toEqual([]);
    expect(fake.messages).toHaveLength(keys.length);
    for (const r of rows) {
      const [ts] = byMarker.get(outboxMarker(r.idempotencyKey)) ?? [];
      expect(r.platformMessageId, r.idempotencyKey).toBe(ts);
      const m = fake.messages.find((x) => x.ts === ts)!;
      expect(m.channel).toBe(CHANNELS[r.channel as keyof typeof CHANNELS]);
      if (r.threadOf) expect(m.thread_ts, r.idempotencyKey).toBe((await s.outboxByKey(r.threadOf))!.platformMessageId);
      else expect(m.thread_ts).toBeUndefined();
    }
    // Some messages were found after a kill rather than posted again (the point of the look-back).
    expect(fake.calls.filter((c) => c.method.startsWith('conversations.')).length).toBeGreaterThan(0);
    console.log(`crash test: ${kills.length} kill points over ${runs.length} runs; ${keys.length} messages, each received once.\n  ${kills.join('\n  ')}`);
    expect(kills.length).toBeGreaterThanOrEqual(30);
  } finally {
    await s.close();
  }
});
