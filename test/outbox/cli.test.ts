// `wardwatch outbox`, `wardwatch outbox retry <id>` and `wardwatch outbox deliver` as an operator runs
// them (real child processes, a SQLite store, Slack's Web API at a loopback fake): what is waiting and
// why, what an operator sees while Slack is down (retrying, with the last error), a failed message
// retried, and bad input refused with nothing changed.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { openSqliteStore } from '../../src/store/kysely.ts';
import { childEnv, ROOT, writeTestConfig } from '../service/serve.ts';
import { startFakeSlackApi, type FakeSlackApi } from './fake-slack-api.ts';
import { BOT_TOKEN, digest } from './helpers.ts';

const SLACK_ID = 'C0CLIOUTB01';
let dir: string;
let dbFile: string;
let env: NodeJS.ProcessEnv;
let fake: FakeSlackApi;

function run(args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/wardwatch.js', ...args], { cwd: ROOT, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wardwatch-outbox-cli-'));
  fake = await startFakeSlackApi();
  dbFile = join(dir, 'wardwatch.sqlite');
  const configFile = writeTestConfig(dir);
  const doc = parseDocument(readFileSync(configFile, 'utf8'));
  doc.addIn(
    ['channels'],
    doc.createNode({ name: 'cambridge-slack', platform: 'slack', slackChannelId: SLACK_ID, partnership: 'cambridge', clearance: { smallNumbers: false, sensitive: false } }),
  );
  writeFileSync(configFile, doc.toString());
  env = childEnv({
    WARDWATCH_DB: dbFile,
    WARDWATCH_CONFIG: configFile,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_API_URL: fake.apiUrl,
    SLACK_POST_INTERVAL_MS: '0',
    // The first retry 5-10 minutes on: these slow child processes must not reach it by themselves.
    WARDWATCH_OUTBOX_RETRY_BASE_MS: '600000',
  });
  const store = await openSqliteStore(dbFile);
  await store.enqueueOutbox([
    digest('digest:cambridge-slack:2024-05', 'cambridge-slack'),
    digest('digest:cambridge-csp:2024-05', 'cambridge-csp'),
    digest('digest:old-channel:2024-05', 'old-channel'),
  ]);
  await store.close();
}, 60_000);

afterAll(async () => {
  await fake?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('wardwatch outbox', () => {
  it('lists what waits, as text and as JSON', async () => {
    const text = await run(['outbox']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('Outbox: 3 pending, 0 sending, 0 deferred, 0 failed, 0 sent.');
    expect(text.stdout).toMatch(/#1 {2}digest to cambridge-slack {2}\[pending\] {2}digest:cambridge-slack:2024-05/);
    expect(text.stdout).toContain('due (waiting');
    const json = await run(['outbox', '--json']);
    const parsed = JSON.parse(json.stdout) as { summary: { counts: Record<string, number> }; messages: Array<Record<string, unknown>> };
    expect(parsed.summary.counts).toEqual({ pending: 3, sending: 0, deferred: 0, failed: 0, sent: 0 });
    expect(parsed.messages.map((m) => m.idempotencyKey)).toEqual(['digest:cambridge-slack:2024-05', 'digest:cambridge-csp:2024-05', 'digest:old-channel:2024-05']);
    expect(parsed.messages[0]).toMatchObject({
      id: 1,
      channel: 'cambridge-slack',
      kind: 'digest',
      state: 'pending',
      attempts: 0,
      lastError: null,
      title: 'Digest digest:cambridge-slack:2024-05',
    });
  });

  it('while Slack is down: deliver posts the local message, and the Slack one shows "retrying" with the error', async () => {
    fake.failChannel(SLACK_ID, { status: 503 });
    const d = await run(['outbox', 'deliver']);
    // The message for a channel no longer in the configuration failed: exit 1.
    expect(d.code, d.stderr).toBe(1);
    expect(d.stdout).toMatch(/^sent +#2 digest:cambridge-csp:2024-05 -> cambridge-csp/m);
    expect(d.stdout).toMatch(/^retry +#1 digest:cambridge-slack:2024-05 -> cambridge-slack: .*http_503/m);
    expect(d.stdout).toMatch(/^FAILED +#3 .*no channel named "old-channel"/m);
    expect(d.stderr).toContain('attempt 1 of 12');
    const list = await run(['outbox']);
    expect(list.code).toBe(1); // something failed: a script can tell
    expect(list.stdout).toContain('Outbox: 1 pending, 0 sending, 0 deferred, 1 failed, 1 sent.');
    expect(list.stdout).toMatch(/#1 .*\[pending\][\s\S]*retrying: attempt 2 at [\s\S]*last error: Slack refused the post to channel "cambridge-slack" \(C0CLIOUTB01\): http_503/);
    expect(list.stdout).toMatch(/#3 .*\[failed\][\s\S]*FAILED: fix the cause, then wardwatch outbox retry 3[\s\S]*last error: no channel named "old-channel" in the configuration/);
    expect(list.stdout).not.toContain('#2 ');
    // Nothing is due yet: a second deliver does not hammer Slack.
    const posts = fake.calls.filter((c) => c.method === 'chat.postMessage').length;
    expect((await run(['outbox', 'deliver'])).stdout).toContain('Nothing is due.');
    expect(fake.calls.filter((c) => c.method === 'chat.postMessage').length).toBe(posts);
  });

  it('retry <id>: Slack is back, the message goes now, and once', async () => {
    fake.failChannel(SLACK_ID, null);
    const r = await run(['outbox', 'retry', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('#1 is due now (last error: Slack refused the post');
    expect(r.stdout).toMatch(/^sent +#1 digest:cambridge-slack:2024-05 -> cambridge-slack \(\d+\.\d+\)/m);
    expect(fake.messages.filter((m) => m.channel === SLACK_ID)).toHaveLength(1);
    const again = await run(['outbox', 'retry', '1']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/#1 was sent .* it is not posted again/);
    expect(fake.messages.filter((m) => m.channel === SLACK_ID)).toHaveLength(1);
    const json = JSON.parse((await run(['outbox', '--json', '--all'])).stdout) as { messages: Array<{ id: number; state: string; platformMessageId: string | null }> };
    expect(json.messages.find((m) => m.id === 1)).toMatchObject({ state: 'sent', platformMessageId: fake.messages.find((m) => m.channel === SLACK_ID)!.ts });
  });

  it('refuses bad input with a clear message and changes nothing', async () => {
    const store = await openSqliteStore(dbFile);
    const before = await store.contentChecksum();
    await store.close();
    for (const [args, message] of [
      [['outbox', 'retry'], 'retry needs one message id'],
      [['outbox', 'retry', 'abc'], 'retry needs one message id'],
      [['outbox', 'retry', '999'], 'no outbox message #999'],
      [['outbox', 'resend'], 'unknown outbox command "resend"'],
      [['outbox', '--fast'], 'unknown option --fast'],
      [['outbox', 'deliver', 'now'], 'deliver takes no arguments'],
    ] as const) {
      const r = await run([...args]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toContain(message);
    }
    const after = await openSqliteStore(dbFile);
    expect(await after.contentChecksum()).toBe(before);
    await after.close();
  });
});
