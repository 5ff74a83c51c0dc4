// What reaches Bolt (issue 16, item 8; and item 6's request dumps): through the real Bolt app on its own
// HTTP server against the fake Slack. Timestamps more than 5 minutes from now in either direction get
// 401; a replayed request (the same signed body, or Slack's retry of an event) is answered once; GET and
// other methods on /slack/events get a clean 405, other paths a 404, and none of them logs the request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chartAltText, renderChart } from '../../src/charts/index.ts';
import { MemoryReplayGuard, slackGate } from '../../src/surfaces/slack/gate.ts';
import { fixtureStore, type TempStore } from '../helpers/store.ts';
import { BOT_TOKEN, CHANNEL, post, SECRET, signature, slashBody, startHarness, TEAM, type Harness } from './helpers.ts';

let st: TempStore;
let h: Harness;
const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  st = await fixtureStore();
  h = await startHarness(st.store, { renderChart, chartAltText });
});
afterAll(async () => {
  await h?.stop();
  await st?.cleanup();
});

const port = () => h.slack.receiverPort!;
const settle = () => new Promise((r) => setTimeout(r, 300));

describe('the timestamp window, both ways', () => {
  it.each([
    ['10 minutes in the future', 401, 10 * 60],
    ['6 minutes in the future', 401, 6 * 60],
    ['6 minutes ago', 401, -6 * 60],
    ['4 minutes in the future', 200, 4 * 60],
    ['4 minutes ago', 200, -4 * 60],
  ])('a request timestamped %s gets %i', async (_what, status, offset) => {
    const id = `ts-${offset}`;
    const body = slashBody(h.fake, 'help', { response_url: h.fake.responseUrl(id) });
    const n = h.fake.calls.length;
    const res = await post(port(), '/slack/events', body, signature(body, now() + offset));
    expect(res.status).toBe(status);
    if (status === 401) {
      expect(res.text).toBe('');
      await settle();
      expect(h.fake.calls.slice(n)).toEqual([]);
      expect(h.logs.some((l) => /refused a request to \/slack\/events timestamped \d+ minutes (ago|in the future): more than 5 minutes from now/.test(l))).toBe(true);
    } else await h.fake.waitFor((c) => c.name === id);
  });
});

describe('replays are answered once', () => {
  it('the same signed /crime twice: one answer; the repeat gets an empty 200 and runs nothing', async () => {
    const body = slashBody(h.fake, 'help', { response_url: h.fake.responseUrl('replay-help') });
    const headers = signature(body);
    const first = await post(port(), '/slack/events', body, headers);
    expect(first.status).toBe(200);
    await h.fake.waitFor((c) => c.name === 'replay-help');
    const again = await post(port(), '/slack/events', body, { ...headers, 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' });
    expect(again.status).toBe(200);
    expect(again.text).toBe('');
    const third = await post(port(), '/slack/events', body, headers);
    expect(third.status).toBe(200);
    await settle();
    expect(h.fake.calls.filter((c) => c.name === 'replay-help')).toHaveLength(1);
    expect(h.logs.filter((l) => l.includes('ignored a repeat of the same signed request'))).toHaveLength(2);
  });

  it('an in-channel answer replayed within the window is posted once', async () => {
    const body = slashBody(h.fake, 'market ward', { response_url: h.fake.responseUrl('replay-post') });
    const headers = signature(body, now() - 60);
    const n = h.fake.calls.length;
    const done = h.timings.length;
    expect((await post(port(), '/slack/events', body, headers)).status).toBe(200);
    const t0 = Date.now();
    while (h.timings.length <= done && Date.now() - t0 < 15_000) await new Promise((r) => setTimeout(r, 20));
    expect((await post(port(), '/slack/events', body, headers)).status).toBe(200);
    await settle();
    const posts = h.fake.calls
      .slice(n)
      .filter((c) => (c.name === 'files.completeUploadExternal' || c.name === 'chat.postMessage') && (c.body.channel_id ?? c.body.channel) === CHANNEL);
    expect(posts).toHaveLength(1);
    expect(h.timings.length).toBe(done + 1);
  });

  it("Slack's retry of an event (same event_id, signed anew, x-slack-retry-num) runs its listener once", async () => {
    let heard = 0;
    h.slack.app.event('app_home_opened', async () => {
      heard += 1;
    });
    const event = (retry?: number) => {
      const body = JSON.stringify({
        token: 'legacy',
        team_id: TEAM,
        api_app_id: 'A0FAKE0001',
        type: 'event_callback',
        event_id: 'Ev0RETRY0001',
        event_time: now(),
        event: { type: 'app_home_opened', user: 'U0ASKER0001', channel: 'D0DM0000001', tab: 'home' },
        authorizations: [{ team_id: TEAM, user_id: 'U0BOT0001', is_bot: true }],
      });
      const headers: Record<string, string> = {
        ...signature(body, now() - (retry ? 0 : 2)),
        'content-type': 'application/json',
        ...(retry ? { 'x-slack-retry-num': String(retry), 'x-slack-retry-reason': 'http_timeout' } : {}),
      };
      return { body, headers };
    };
    const a = event();
    expect((await post(port(), '/slack/events', a.body, a.headers)).status).toBe(200);
    const b = event(1);
    expect(b.headers['x-slack-signature']).not.toBe(a.headers['x-slack-signature']);
    const retried = await post(port(), '/slack/events', b.body, b.headers);
    expect(retried.status).toBe(200);
    await settle();
    expect(heard).toBe(1);
    expect(h.logs.some((l) => l.includes('ignored a repeat of event Ev0RETRY0001 (Slack retry 1)'))).toBe(true);
  });

  it('a forged request is not remembered: it cannot block the genuine one', async () => {
    const body = slashBody(h.fake, 'help', { response_url: h.fake.responseUrl('forged-first') });
    const ts = now();
    const genuine = signature(body, ts);
    const forged = await post(port(), '/slack/events', body, { ...genuine, 'x-slack-signature': `v0=${'0'.repeat(64)}` });
    expect(forged.status).toBe(401);
    expect((await post(port(), '/slack/events', body, genuine)).status).toBe(200);
    await h.fake.waitFor((c) => c.name === 'forged-first');
  });
});

describe('other methods and paths, and nothing dumped', () => {
  it('GET, HEAD, PUT /slack/events get 405 (Allow: POST); other /slack paths 404; no request in the log', async () => {
    const before = h.logs.length;
    const secretHeaders = { cookie: `wardwatch_token=${SECRET}; other=${BOT_TOKEN}`, authorization: `Bearer ${BOT_TOKEN}`, 'x-slack-signature': 'v0=deadbeef' };
    for (const method of ['GET', 'HEAD', 'PUT', 'DELETE']) {
      const res = await fetch(`http://127.0.0.1:${port()}/slack/events?token=${SECRET}`, { method, headers: secretHeaders });
      expect(res.status, method).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
    }
    for (const path of ['/slack/', '/slack/events/extra', '/slack/install', '/anything']) {
      const res = await fetch(`http://127.0.0.1:${port()}${path}`, { headers: secretHeaders });
      expect(res.status, path).toBe(404);
    }
    const lines = h.logs.slice(before).join('\n');
    expect(lines).not.toMatch(/IncomingMessage|rawHeaders|cookie|authorization|wardwatch_token/i);
    expect(lines).not.toContain(SECRET);
    expect(lines).not.toContain(BOT_TOKEN);
    // the signed POST still works
    const body = slashBody(h.fake, 'help', { response_url: h.fake.responseUrl('after-get') });
    expect((await post(port(), '/slack/events', body, signature(body))).status).toBe(200);
    await h.fake.waitFor((c) => c.name === 'after-get');
  });
});

describe('the replay guard', () => {
  it('claims a key once until it expires, then again', async () => {
    let t = 1_000_000;
    const guard = new MemoryReplayGuard(10, () => t);
    expect(await guard.claim('a', new Date(t + 1000))).toBe(true);
    expect(await guard.claim('a', new Date(t + 1000))).toBe(false);
    t += 1001;
    expect(await guard.claim('a', new Date(t + 1000))).toBe(true);
  });

  it('stays bounded under a flood, forgetting the oldest first', async () => {
    const t = 1_000_000;
    const guard = new MemoryReplayGuard(100, () => t);
    for (let i = 0; i < 1000; i++) await guard.claim(`k${i}`, new Date(t + 60_000));
    expect(guard.size).toBeLessThanOrEqual(100);
    expect(await guard.claim('k999', new Date(t + 60_000))).toBe(false);
  });

  it('the gate hands a request to Bolt once, whatever claims it makes (stub listener)', async () => {
    const { createServer } = await import('node:http');
    let handed = 0;
    const listener = slackGate({
      listener: (_req, res) => {
        handed += 1;
        res.writeHead(200);
        res.end('bolt');
      },
      signingSecret: SECRET,
      endpoints: ['/slack/events'],
      logger: { debug() {}, info() {}, warn() {}, error() {}, setLevel() {}, getLevel: () => 'info' as never, setName() {} },
      replay: new MemoryReplayGuard(),
    });
    const server = createServer(listener);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const p = (server.address() as { port: number }).port;
    const body = 'a=1';
    const headers = signature(body);
    const answers = await Promise.all(Array.from({ length: 5 }, () => post(p, '/slack/events', body, headers)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(answers.filter((a) => a.text === 'bolt')).toHaveLength(1);
    expect(handed).toBe(1);
    await new Promise<void>((r) => server.close(() => r()));
  });
});
