// `npm run bench` -> slack-load: 1,000 signed `/crime` commands sent at once over loopback to a real
// `wardwatch serve` (Bolt in HTTP mode) pointed at the fake Slack Web API the tests use
// (test/slack/fakeSlack.ts). Measured: each command's ack (request to Slack's 200; Slack gives up after
// 3 s), when its answer reached the fake Slack (a post or upload naming its asker, or a reply to its
// response_url), and the server's memory: before, at its peak, and after the burst.
//
// The server is started twice: once to load the fixtures on its first start, then again on the loaded
// store, so its baseline and peak are the service's own, not the first load's.
// $WARDWATCH_BENCH_SLACK_COMMITS=57aef7a,... also runs older commits (SQLite) the same way, one after the
// other, for before/after numbers.
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { parseDocument } from 'yaml';
import { readFileSync } from 'node:fs';
import { openStore } from '../src/store/open.ts';
import type { Benchmark } from '../src/surfaces/cli/verbs/bench.ts';
import { startFakeSlack, type FakeSlack } from '../test/slack/fakeSlack.ts';
import { extractCommit } from './support/old-tree.ts';
import { procMemory, ROOT, startServeChild, type ServeChild } from './support/serve-child.ts';
import { loadNow, round, summarise } from './support/stats.ts';

const TOPICS = ['', 'asb', 'burglary', 'shoplifting', 'violence', 'vehicle crime', 'bike theft', 'criminal damage', 'drugs'];
const PERIODS = ['', 'last month', 'ye sep', 'april', 'fytd'];
const ACK_LIMIT_MS = 3000;

// The Slack test channels and credentials (as test/slack/helpers.ts has them; that module needs vitest's
// module interop, so its few constants are repeated here).
const SECRET = 'bench-signing-secret-0123456789abcdef';
const BOT_TOKEN = 'xoxb-000000000001-000000000002-benchtokenabcdefghijklmn';
const TEAM = 'T0FAKE0001';
const CHANNEL = 'C0CAMBRIDGE1';
const ANALYSTS_CHANNEL = 'C0ANALYSTS01';
const FENLAND_CHANNEL = 'C0FENLAND001';

function signature(body: string, ts: number): Record<string, string> {
  return { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': `v0=${createHmac('sha256', SECRET).update(`v0:${ts}:${body}`).digest('hex')}` };
}

interface Command {
  i: number;
  userId: string;
  responseId: string;
  channelId: string;
  text: string;
}

/** A config with the shipped local channels plus the Slack test channels (two Cambridge, one Fenland). */
function writeConfig(dir: string): string {
  const doc = parseDocument(readFileSync(join(ROOT, 'wardwatch.config.yaml'), 'utf8'));
  const slack = (name: string, slackChannelId: string, cleared: boolean, partnership: string) => ({
    name,
    platform: 'slack',
    slackChannelId,
    slackTeamId: TEAM,
    partnership,
    clearance: { smallNumbers: cleared, sensitive: cleared },
  });
  const channels = doc.get('channels') as { add(item: unknown): void };
  channels.add(doc.createNode(slack('cambridge-slack', CHANNEL, false, 'cambridge')));
  channels.add(doc.createNode(slack('cambridge-analysts-slack', ANALYSTS_CHANNEL, true, 'cambridge')));
  channels.add(doc.createNode(slack('fenland-slack', FENLAND_CHANNEL, false, 'fenland')));
  doc.set('alertRules', join(ROOT, 'alerts'));
  const file = join(dir, 'wardwatch.config.yaml');
  writeFileSync(file, doc.toString());
  return file;
}

function slashBody(fake: FakeSlack, c: Command): string {
  return new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: TEAM,
    team_domain: 'fake',
    channel_id: c.channelId,
    channel_name: 'bench',
    user_id: c.userId,
    user_name: `asker${c.i}`,
    command: '/crime',
    text: c.text,
    api_app_id: 'A0FAKE0001',
    response_url: fake.responseUrl(c.responseId),
    trigger_id: `trigger-${c.i}`,
  }).toString();
}

interface LoadResult {
  commands: number;
  acked: number;
  /** Acks that were a 200 (the rest: transport errors or refusals, in `errors`). */
  ackedOk: number;
  ackedWithin3s: number;
  ack: ReturnType<typeof summarise>;
  /** Commands whose ack said the queue was full ("ask again"); they get no answer. */
  refusedBusy: number;
  /** Commands whose ack said how many questions were ahead. */
  toldQueued: number;
  answered: number;
  answer: ReturnType<typeof summarise>;
  /** From the first command sent to the last answer. */
  allAnsweredSeconds: number | null;
  memoryMb: { baseline: number | null; peak: number | null; after5s: number | null; after15s: number | null };
  errors: string[];
}

async function burst(server: ServeChild, fake: FakeSlack, commands: Command[], log: (line: string) => void): Promise<LoadResult> {
  const baseline = server.memory();
  // One connection per command, as Slack's many senders would open them.
  const agent = new Agent({ connections: commands.length + 10, pipelining: 0, headersTimeout: 120_000, bodyTimeout: 120_000 });
  let peakSampled = baseline?.rssMb ?? 0;
  const sampler = setInterval(() => {
    const m = procMemory(server.pid);
    if (m) peakSampled = Math.max(peakSampled, m.rssMb);
  }, 100);
  const callsBefore = fake.calls.length;
  const sentAt = new Map<string, number>();
  const acks: number[] = [];
  const errors: string[] = [];
  let refusedBusy = 0;
  let ackedOk = 0;
  let toldQueued = 0;
  const started = Date.now();
  const ts = Math.floor(started / 1000);
  const acking = commands.map(async (c) => {
    const body = slashBody(fake, c);
    const t0 = performance.now();
    sentAt.set(c.userId, Date.now());
    try {
      const r = await fetch(`${server.url}slack/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...signature(body, ts) },
        body,
        dispatcher: agent,
        signal: AbortSignal.timeout(120_000),
      } as unknown as RequestInit);
      const text = await r.text();
      acks.push(performance.now() - t0);
      if (r.status !== 200) errors.push(`HTTP ${r.status}: ${text.slice(0, 120)}`);
      else ackedOk++;
      if (/did not take yours/.test(text)) refusedBusy++;
      if (/ahead of yours/.test(text)) toldQueued++;
    } catch (err) {
      errors.push(err instanceof Error ? err.message : String(err));
    }
  });
  await Promise.all(acking);
  log(`acked ${acks.length} of ${commands.length} (${errors.length} errors); waiting for the answers`);

  // Answers: a post or upload whose blocks name the asker, or a reply to its response_url that is not the
  // "working on it" notice.
  const byResponse = new Map(commands.map((c) => [c.responseId, c.userId]));
  const answeredAt = new Map<string, number>();
  let scanned = callsBefore;
  // Every command acked with a 200 and not refused must be answered; the wait ends early when nothing
  // new has been answered for a minute (then the count says how many were not).
  const expected = ackedOk - refusedBusy;
  const deadline = Date.now() + 10 * 60_000;
  let lastAnswer = 0;
  let lastProgress = Date.now();
  while (answeredAt.size < expected && Date.now() < deadline && Date.now() - lastProgress < 60_000) {
    const before = answeredAt.size;
    for (; scanned < fake.calls.length; scanned++) {
      const call = fake.calls[scanned]!;
      let user: string | undefined;
      if (call.kind === 'api' && (call.name === 'chat.postMessage' || call.name === 'files.completeUploadExternal')) {
        user = /<@(U\d{8})>/.exec(JSON.stringify(call.body))?.[1];
      } else if (call.kind === 'response' && !/^Working on it/.test(String(call.body.text ?? ''))) {
        user = byResponse.get(call.name);
      }
      if (user && !answeredAt.has(user)) {
        answeredAt.set(user, call.at);
        lastAnswer = Math.max(lastAnswer, call.at);
      }
    }
    if (answeredAt.size > before) lastProgress = Date.now();
    await new Promise((r) => setTimeout(r, 200));
  }
  const answerMs = [...answeredAt].map(([user, at]) => at - sentAt.get(user)!);
  const memoryAt = async (ms: number) => {
    await new Promise((r) => setTimeout(r, ms));
    return server.memory()?.rssMb ?? null;
  };
  clearInterval(sampler);
  const peak = Math.max(peakSampled, server.memory()?.peakMb ?? 0) || null;
  const after5s = await memoryAt(5000);
  const after15s = await memoryAt(10_000);
  await agent.close();
  return {
    commands: commands.length,
    acked: acks.length,
    ackedOk,
    ackedWithin3s: acks.filter((ms) => ms <= ACK_LIMIT_MS).length,
    ack: summarise(acks),
    refusedBusy,
    toldQueued,
    answered: answeredAt.size,
    answer: summarise(answerMs),
    allAnsweredSeconds: answeredAt.size === expected ? round((lastAnswer - started) / 1000) : null,
    memoryMb: { baseline: baseline?.rssMb ?? null, peak, after5s, after15s },
    errors: [...new Set(errors)].slice(0, 5),
  };
}

const bench: Benchmark = async ({ log, size }) => {
  const dir = mkdtempSync(join(tmpdir(), 'wardwatch-bench-slack-'));
  const cleanups: Array<() => Promise<unknown>> = [async () => rmSync(dir, { recursive: true, force: true })];
  try {
    const fake = await startFakeSlack();
    cleanups.push(() => fake.close());
    const config = writeConfig(dir);
    const n = size === 'quick' ? 200 : 1000;
    const trees: Array<{ name: string; root: string }> = [{ name: 'this tree', root: ROOT }];
    for (const commit of (process.env.WARDWATCH_BENCH_SLACK_COMMITS ?? '')
      .split(',')
      .map((c) => c.trim())
      .filter(Boolean)) {
      const tree = extractCommit(commit);
      if ('missing' in tree) log(`comparator ${commit} left out: ${tree.missing}`);
      else {
        cleanups.push(async () => tree.remove());
        trees.push({ name: `commit ${commit}`, root: tree.root });
      }
    }
    const env = (db: string): Record<string, string> => ({
      WARDWATCH_DB: db,
      WARDWATCH_CONFIG: config,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_API_URL: fake.apiUrl,
      SLACK_LOG_LEVEL: 'error',
    });
    const results: Record<string, unknown> = {};
    for (const tree of trees) {
      const db = join(dir, `${tree.name.replace(/\W+/g, '-')}.sqlite`);
      log(`${tree.name}: first start (loads the fixtures)`);
      const first = await startServeChild({ root: tree.root, env: env(db) });
      await first.stop();
      log(`${tree.name}: started again on the loaded store`);
      const server = await startServeChild({ root: tree.root, env: env(db) });
      cleanups.push(() => server.stop());
      const store = await openStore({ path: db });
      const [wards, districts] = await Promise.all([store.areas('ward'), store.areas('district')]);
      await store.close();
      const districtOf = new Map(districts.map((d) => [d.code, d.name]));
      const cambridge = wards.filter((w) => districtOf.get(w.parentCode ?? '') === 'Cambridge').map((w) => w.name);
      const fenland = wards.filter((w) => districtOf.get(w.parentCode ?? '') === 'Fenland').map((w) => w.name);
      const commands: Command[] = Array.from({ length: n }, (_, i) => {
        const channelId = [CHANNEL, ANALYSTS_CHANNEL, FENLAND_CHANNEL][i % 3]!;
        const places = channelId === FENLAND_CHANNEL ? fenland : cambridge;
        const text = `${places[i % places.length]} ${TOPICS[i % TOPICS.length]} ${PERIODS[(i >> 1) % PERIODS.length]}`.replace(/\s+/g, ' ').trim();
        return { i, userId: `U${String(i).padStart(8, '0')}`, responseId: `load-${tree.name.replace(/\W+/g, '')}-${i}`, channelId, text };
      });
      // a few questions first, so the burst meets a warm server (as a running service is)
      await burst(
        server,
        fake,
        commands.slice(0, 6).map((c) => ({ ...c, userId: `U9${c.userId.slice(2)}`, responseId: `${c.responseId}-warm` })),
        () => undefined,
      );
      const loadStart = loadNow();
      log(`${tree.name}: ${n} signed /crime commands at once`);
      const r = await burst(server, fake, commands, log);
      // In --full, the same burst again (new askers): memory that comes back to where the first left it is the
      // heap the service keeps (V8 and the allocator hold on to pages they used), growth on each burst a leak.
      let again: Awaited<ReturnType<typeof burst>> | null = null;
      if (size === 'full') {
        log(`${tree.name}: the same ${n} commands again, to tell a kept heap from a leak`);
        again = await burst(
          server,
          fake,
          commands.map((c) => ({ ...c, userId: `U8${c.userId.slice(2)}`, responseId: `${c.responseId}-again` })),
          () => undefined,
        );
      }
      await server.stop();
      results[tree.name === 'this tree' ? 'current' : tree.name] = {
        ...r,
        ...(again
          ? {
              secondBurst: { ackedWithin3s: again.ackedWithin3s, ack: again.ack, answered: again.answered, allAnsweredSeconds: again.allAnsweredSeconds, memoryMb: again.memoryMb },
            }
          : {}),
        loadAverage: { start: loadStart, end: loadNow() },
      };
      log(
        `${tree.name}: ack p50 / p95 / p99 ${r.ack.p50Ms} / ${r.ack.p95Ms} / ${r.ack.p99Ms} ms (${r.ackedWithin3s} of ${r.commands} within 3 s), ` +
          `answered ${r.answered} (p95 ${r.answer.p95Ms} ms, all in ${r.allAnsweredSeconds ?? '-'} s), RSS ${r.memoryMb.baseline} -> peak ${r.memoryMb.peak} -> ${r.memoryMb.after15s} MB 15 s after` +
          (again ? `; again: ${again.ackedWithin3s} within 3 s, RSS peak ${again.memoryMb.peak} -> ${again.memoryMb.after15s} MB 15 s after` : ''),
      );
    }
    return { commands: n, targets: { ackWithinMs: ACK_LIMIT_MS, peakRssMb: 1024, allAnswered: true }, ...results };
  } finally {
    for (const c of cleanups.reverse()) await c().catch((e: unknown) => log(`cleanup: ${e instanceof Error ? e.message : String(e)}`));
  }
};

export default bench;
