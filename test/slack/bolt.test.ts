// The real Bolt 5 app (HTTPReceiver, WebClient, respond) on 127.0.0.1 against the fake Slack Web API,
// running the real dispatcher over the fixture store and drawing real PNGs. Nothing leaves loopback: the
// Web API client and respond() use a fetch that refuses other hosts, and the fake must have seen every call.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chartAltText, renderChart } from '../../src/charts/index.ts';
import { commands } from '../../src/core/dispatch.ts';
import { blockKitProblems } from '../../src/surfaces/slack/limits.ts';
import { fixtureStore, type TempStore } from '../helpers/store.ts';
import {
  ANALYSTS_CHANNEL,
  BOT_TOKEN,
  buttonPayload,
  CHANNEL,
  FENLAND_CHANNEL,
  interactionBody,
  post,
  SECRET,
  signature,
  slashBody,
  startHarness,
  UNLINKED_CHANNEL,
  type Harness,
} from './helpers.ts';
import type { RecordedCall } from './fakeSlack.ts';

let st: TempStore;
let h: Harness;
// The place/topic command ("market ward") answers in channel with a chart.
// The default command (place and topic) must exist: a skip here would hide its loss.
const hasDefaultCommand = (await commands()).some((c) => c.name === null);

beforeAll(async () => {
  st = await fixtureStore();
  h = await startHarness(st.store, { renderChart, chartAltText });
});

afterAll(async () => {
  await h?.stop();
  await st?.cleanup();
});

afterEach(() => {
  // Nothing may leave loopback, and every request the app made must have reached the fake.
  expect(h.guard.refused).toEqual([]);
  for (const url of h.guard.seen) expect(url.startsWith(h.fake.url)).toBe(true);
  expect(h.fake.calls.filter((c) => c.kind === 'other')).toEqual([]);
});

const since = (n: number) => h.fake.calls.slice(n);
const blocksOf = (c: RecordedCall): unknown[] => (typeof c.body.blocks === 'string' ? JSON.parse(c.body.blocks) : c.body.blocks) as unknown[];

async function command(text: string, over: Record<string, string> = {}) {
  const body = slashBody(h.fake, text, over);
  return post(h.slack.receiverPort!, '/slack/events', body, signature(body));
}

/** Waits until the handler for the latest request has finished (its timing is reported last). */
async function settled(count: number, ms = 10_000) {
  const t0 = Date.now();
  while (h.timings.length < count) {
    if (Date.now() - t0 > ms) throw new Error('the handler did not finish');
    await new Promise((r) => setTimeout(r, 10));
  }
}

it('the default command (a place and topic) is registered', () => {
  expect(hasDefaultCommand).toBe(true);
});

describe('slash commands over HTTP', () => {
  it('acks help at once and answers privately through response_url, inside Block Kit limits', async () => {
    const n = h.fake.calls.length;
    const done = h.timings.length;
    const res = await command('help', { response_url: h.fake.responseUrl('help-1') });
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    await settled(done + 1);
    const [answer] = since(n).filter((c) => c.kind === 'response' && c.name === 'help-1');
    expect(answer?.body.response_type).toBe('ephemeral');
    const blocks = blocksOf(answer!);
    expect(blockKitProblems(blocks, String(answer!.body.text))).toEqual([]);
    expect(blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text', text: 'Wardwatch: what you can ask' } });
    expect(JSON.stringify(blocks)).toContain('wardwatch_run_0');
    // help is private: nothing was posted to the channel
    expect(since(n).filter((c) => c.name === 'chat.postMessage' || c.name === 'files.getUploadURLExternal')).toEqual([]);
  });

  it('tells an unlinked channel how to link it, in the ack itself', async () => {
    const res = await command('market ward', { channel_id: UNLINKED_CHANNEL, channel_name: 'Fenland ASB group' });
    expect(res.status).toBe(200);
    const ack = JSON.parse(res.text) as { response_type: string; text: string; blocks: unknown[] };
    expect(ack.response_type).toBe('ephemeral');
    expect(ack.text).toContain('wardwatch.config.yaml');
    expect(JSON.stringify(ack.blocks)).toContain(`slackChannelId: ${UNLINKED_CHANNEL}`);
    expect(JSON.stringify(ack.blocks)).toContain('name: fenland-asb-group');
    expect(blockKitProblems(ack.blocks, ack.text)).toEqual([]);
  });

  it('answers as the channel asking: its partnership from the config, and the workspace must match', async () => {
    const done = h.timings.length;
    await command('help', { channel_id: FENLAND_CHANNEL, response_url: h.fake.responseUrl('fen-help') });
    await settled(done + 1);
    const fen = h.fake.calls.find((c) => c.name === 'fen-help');
    expect(String(fen?.body.text)).toContain('This channel sees Fenland Community Safety Partnership');
    // the same channel ID in another workspace is not the configured channel
    const other = await command('help', { channel_id: FENLAND_CHANNEL, team_id: 'T0OTHER0001' });
    expect(JSON.parse(other.text).text).toContain('not linked');
  });

  it('never lets typed text become a Slack mention or link', async () => {
    const n = h.fake.calls.length;
    const done = h.timings.length;
    await command('<!channel> <https://evil.example|click> ward', { response_url: h.fake.responseUrl('inject-1') });
    await settled(done + 1);
    const posted = JSON.stringify(
      since(n)
        .filter((c) => c.kind !== 'upload')
        .map((c) => c.body),
    );
    expect(posted).not.toMatch(/<!channel>|<https:\/\/evil/);
  });

  it('refuses a forged signature and a six-minute-old timestamp with 401, and runs nothing', async () => {
    const n = h.fake.calls.length;
    const body = slashBody(h.fake, 'help');
    const forged = await post(h.slack.receiverPort!, '/slack/events', body, signature(body, undefined, 'not-the-secret'));
    expect(forged.status).toBe(401);
    const stale = Math.floor(Date.now() / 1000) - 6 * 60;
    const old = await post(h.slack.receiverPort!, '/slack/events', body, signature(body, stale));
    expect(old.status).toBe(401);
    const tampered = await post(h.slack.receiverPort!, '/slack/events', body.replace('help', 'top'), signature(body));
    expect(tampered.status).toBe(401);
    await new Promise((r) => setTimeout(r, 100));
    expect(since(n)).toEqual([]);
  });

  it('posts an answer in channel: three-step upload of a real PNG to the right channel, blocks with it', async () => {
    const n = h.fake.calls.length;
    const done = h.timings.length;
    const res = await command('market ward');
    expect(res.status).toBe(200);
    await settled(done + 1);
    const calls = since(n);
    const names = calls.map((c) => `${c.kind}:${c.kind === 'api' ? c.name : ''}`);
    const get = names.indexOf('api:files.getUploadURLExternal');
    const up = names.indexOf('upload:');
    const done3 = names.indexOf('api:files.completeUploadExternal');
    expect(get).toBeGreaterThanOrEqual(0);
    expect(up).toBeGreaterThan(get);
    expect(done3).toBeGreaterThan(up);
    const [getCall, upCall, completeCall] = [calls[get]!, calls[up]!, calls[done3]!];
    expect(getCall.auth).toBe(`Bearer ${BOT_TOKEN}`);
    expect(Number(getCall.body.length)).toBeGreaterThan(1000);
    expect(String(getCall.body.alt_text).length).toBeGreaterThan(20);
    expect(upCall.contentType).toMatch(/^multipart\/form-data/);
    expect(Object.values(upCall.body).some((v) => (v as { png?: boolean }).png === true)).toBe(true);
    expect(upCall.name).toBe(String((JSON.parse(String(completeCall.body.files)) as Array<{ id: string }>)[0]!.id));
    expect(completeCall.body.channel_id).toBe(CHANNEL);
    const blocks = blocksOf(completeCall);
    expect(blockKitProblems(blocks)).toEqual([]);
    expect(blocks[0]).toMatchObject({ type: 'header' });
    expect(JSON.stringify(blocks)).toContain('<@U0ASKER0001> asked');
  });

  it("answers in channel with that channel's clearance: small numbers hidden in a channel not cleared, shown in one that is", async () => {
    const posted = async (channelId: string) => {
      const n = h.fake.calls.length;
      const done = h.timings.length;
      // a partnership measure, in a month with none (a zero cell always reads "fewer than 5"): police.uk counts are shown exactly everywhere (README "Disclosure policy")
      await command('market deliberate fires march 2024', { channel_id: channelId });
      await settled(done + 1);
      const call = since(n).find((c) => c.name === 'files.completeUploadExternal' || c.name === 'chat.postMessage');
      expect(call?.body.channel_id ?? call?.body.channel).toBe(channelId);
      return JSON.stringify(blocksOf(call!));
    };
    const uncleared = await posted(CHANNEL);
    const cleared = await posted(ANALYSTS_CHANNEL);
    expect(uncleared).toMatch(/fewer than 5 incidents/);
    expect(cleared).not.toMatch(/fewer than 5 incidents/);
  });

  it('"private" answers only the asker, through response_url, with no upload', async () => {
    const n = h.fake.calls.length;
    const done = h.timings.length;
    const res = await command('market ward private', { response_url: h.fake.responseUrl('priv-1') });
    expect(res.status).toBe(200);
    await settled(done + 1);
    const calls = since(n);
    expect(calls.filter((c) => c.kind === 'upload' || c.name.startsWith('files.') || c.name === 'chat.postMessage')).toEqual([]);
    const answer = calls.find((c) => c.name === 'priv-1');
    expect(answer?.body.response_type).toBe('ephemeral');
    expect(blockKitProblems(blocksOf(answer!))).toEqual([]);
    expect(h.timings.at(-1)!.private).toBe(true);
  });

  it('retries after a 429 (Retry-After) and then succeeds', async () => {
    h.fake.script('files.getUploadURLExternal', { status: 429, retryAfter: 0 });
    const n = h.fake.calls.length;
    const done = h.timings.length;
    await command('market ward');
    await settled(done + 1);
    const gets = since(n).filter((c) => c.name === 'files.getUploadURLExternal');
    expect(gets.map((c) => c.status)).toEqual([429, 200]);
    expect(since(n).some((c) => c.name === 'files.completeUploadExternal' && c.body.channel_id === CHANNEL)).toBe(true);
    expect(h.logs.some((l) => /rate limit/i.test(l))).toBe(true);
  });

  it('ok:false from Slack -> the user gets an ephemeral apology, not silence', async () => {
    h.fake.script('files.completeUploadExternal', { body: { ok: false, error: 'not_in_channel' } });
    const n = h.fake.calls.length;
    const done = h.timings.length;
    await command('market ward', { response_url: h.fake.responseUrl('sorry-1') });
    await settled(done + 1);
    const apology = since(n).find((c) => c.name === 'sorry-1');
    expect(apology?.body.response_type).toBe('ephemeral');
    expect(String(apology?.body.text)).toMatch(/^Sorry, I could not post that answer here \(Slack said: not_in_channel\)/);
    expect(String(apology?.body.text)).toContain('/invite @Wardwatch');
  });
});

describe('buttons', () => {
  it('a signed button click runs its command for that channel and answers', async () => {
    const n = h.fake.calls.length;
    const done = h.timings.length;
    const body = interactionBody(buttonPayload(h.fake, 'help', { responseId: 'btn-help' }));
    const res = await post(h.slack.receiverPort!, '/slack/events', body, signature(body));
    expect(res.status).toBe(200);
    await settled(done + 1);
    const followUp = since(n).find((c) => c.name === 'btn-help');
    expect(followUp?.body.response_type).toBe('ephemeral'); // help is private by nature
    expect(blockKitProblems(blocksOf(followUp!))).toEqual([]);
    expect(h.timings.at(-1)!.kind).toBe('action');
  });

  it('a button in a private answer answers privately, with no upload', async () => {
    const n = h.fake.calls.length;
    const done = h.timings.length;
    const body = interactionBody(buttonPayload(h.fake, 'market ward', { ephemeral: true, responseId: 'btn-priv' }));
    const res = await post(h.slack.receiverPort!, '/slack/events', body, signature(body));
    expect(res.status).toBe(200);
    await settled(done + 1);
    const calls = since(n);
    expect(calls.filter((c) => c.kind === 'upload' || c.name.startsWith('files.') || c.name === 'chat.postMessage')).toEqual([]);
    expect(calls.find((c) => c.name === 'btn-priv')?.body.response_type).toBe('ephemeral');
  });

  it('a forged button click gets 401', async () => {
    const body = interactionBody(buttonPayload(h.fake, 'help'));
    const res = await post(h.slack.receiverPort!, '/slack/events', body, signature(body, undefined, 'wrong'));
    expect(res.status).toBe(401);
  });

  it('answers in the thread of the message whose button was clicked', async () => {
    const n = h.fake.calls.length;
    const done = h.timings.length;
    const body = interactionBody(buttonPayload(h.fake, 'market ward', { messageTs: '1700000123.000200', channel: ANALYSTS_CHANNEL }));
    const res = await post(h.slack.receiverPort!, '/slack/events', body, signature(body));
    expect(res.status).toBe(200);
    await settled(done + 1);
    const posted = since(n).find((c) => c.name === 'files.completeUploadExternal' || c.name === 'chat.postMessage');
    expect(posted?.body.thread_ts).toBe('1700000123.000200');
    expect(posted?.body.channel_id ?? posted?.body.channel).toBe(ANALYSTS_CHANNEL);
  });
});

describe('hygiene', () => {
  it('no token or secret appears in any log line', () => {
    expect(h.logs.length).toBeGreaterThan(0);
    for (const line of h.logs) {
      expect(line).not.toContain(BOT_TOKEN);
      expect(line).not.toContain(SECRET);
      expect(line).not.toMatch(/xox[a-z]-[A-Za-z0-9]{6,}/);
    }
  });

  it('GET /healthz answers on the Bolt server', async () => {
    const res = await fetch(`http://127.0.0.1:${h.slack.receiverPort}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, slack: 'http' });
  });
});
