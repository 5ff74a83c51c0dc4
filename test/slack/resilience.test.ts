// The service stays up when Slack refuses its token or cannot be reached (issue 16, item 4). Each case
// runs the real service: `wardwatch serve` as a child process (HTTP mode) or startService in this
// process (Socket Mode, where the fake must drive the WebSocket), against the fake Slack on loopback or a
// closed loopback port. Each asserts the process is alive, /healthz is 200 with surfaces.slack degraded
// and the reason, and the local page still answers /api/ask; and that the failure was handled where it
// happens: serve's last-resort unhandledRejection handler never had to catch it (in this process vitest
// fails the run on any unhandled rejection).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { installNetGuard, NETGUARD_MARK } from './child-preload.ts';
import { startFakeSlack, type FakeSlack } from './fakeSlack.ts';
import { APP_TOKEN, BOT_TOKEN, CHANNEL, SECRET, signature, slashBody, TEAM } from './helpers.ts';
import { closedPort, serviceFolder, startInProcess, startServe, until, type ServeChild } from './serve-helpers.ts';

const FAST = { SLACK_RETRY_MIN_MS: '200', SLACK_RETRY_MAX_MS: '800' };
const LAST_RESORT = 'nothing handled it';

let folder: Awaited<ReturnType<typeof serviceFolder>>;
const running: Array<{ stop(): Promise<unknown> }> = [];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  folder = await serviceFolder();
  installNetGuard((line) => unhandled.push(new Error(line)));
  process.on('unhandledRejection', onUnhandled);
});
afterEach(async () => {
  for (const r of running.splice(0).reverse()) await r.stop();
  expect(unhandled).toEqual([]);
});
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
  folder?.cleanup();
});

/** `wardwatch serve` in HTTP mode on the fixture store, Slack at `apiUrl`. */
async function serve(apiUrl: string, extra: Record<string, string> = {}): Promise<ServeChild> {
  const s = await startServe({
    WARDWATCH_DB: folder.db,
    WARDWATCH_CONFIG: folder.config,
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_API_URL: apiUrl,
    ...FAST,
    ...extra,
  });
  running.push(s);
  return s;
}

/** Waits until /healthz shows Slack with `pred` true; returns that health. */
async function slackHealth(
  s: { healthz(): Promise<{ status: number; body: Record<string, any> }>; output?: () => string },
  pred: (slack: Record<string, any>) => boolean,
  ms = 20_000,
) {
  let last: unknown;
  return until(
    () => `surfaces.slack to match; last /healthz: ${JSON.stringify(last)}${s.output ? `\noutput:\n${s.output()}` : ''}`,
    async () => {
      const h = await s.healthz();
      last = h.body;
      return h.body.surfaces?.slack && pred(h.body.surfaces.slack) ? h : undefined;
    },
    ms,
  );
}

/** The local page still answers, with the real dispatcher. */
async function pageAnswers(s: { ask(text: string): Promise<{ status: number; body: Record<string, any> }> }) {
  const help = await s.ask('help');
  expect(help.status).toBe(200);
  expect(help.body.reply.title).toBe('Wardwatch: what you can ask');
  const figures = await s.ask('market ward');
  expect(figures.status).toBe(200);
  expect(figures.body.reply.kind).not.toBe('error');
}

function expectDegraded(slack: Record<string, any>, reason: string | RegExp, mode = 'http') {
  expect(slack).toMatchObject({ state: 'degraded', mode, lastOk: null });
  if (typeof reason === 'string') expect(slack.reason).toBe(reason);
  else expect(slack.reason).toMatch(reason);
  expect(Date.parse(slack.since)).toBeGreaterThan(Date.now() - 60_000);
  expect(Date.parse(slack.nextRetry)).toBeGreaterThan(Date.parse(slack.since));
}

describe('wrong bot token: the service stays up and says why', () => {
  it.each(['invalid_auth', 'token_revoked', 'account_inactive'])('Slack answers %s: serve stays up, /healthz degraded, the page answers', async (error) => {
    const fake = await startFakeSlack({ teamId: TEAM });
    running.push({ stop: () => fake.close() });
    fake.rejectTokens(error);
    const s = await serve(fake.apiUrl);
    // It used to die a few seconds after "Ready"; now every attempt is refused and it carries on.
    const h = await slackHealth(s, (slack) => slack.failures >= 3);
    expect(s.alive()).toBe(true);
    expect(h.status).toBe(200);
    expect(h.body.status).toBe('ok');
    expectDegraded(h.body.surfaces.slack, `SLACK_BOT_TOKEN was rejected by Slack: ${error}`);
    const checks = fake.callsTo('auth.test');
    expect(checks.length).toBeGreaterThanOrEqual(3);
    expect(checks.every((c) => c.auth === `Bearer ${BOT_TOKEN}`)).toBe(true);
    // the retries back off: each wait at least as long as the one before (jitter aside), capped
    const gaps = checks.slice(1).map((c, i) => c.at - checks[i]!.at);
    expect(gaps[gaps.length - 1]!).toBeGreaterThanOrEqual(gaps[0]! * 0.9);
    expect(Math.max(...gaps)).toBeLessThan(3000); // capped (800 ms), with room for a busy machine
    await pageAnswers(s);
    // a /crime that arrives meanwhile is verified and answered privately through response_url
    const body = slashBody(fake, 'help', { response_url: fake.responseUrl(`degraded-${error}`) });
    const res = await fetch(`${s.url}slack/events`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...signature(body) }, body });
    expect(res.status).toBe(200);
    await fake.waitFor((c) => c.name === `degraded-${error}`);
    expect(s.alive()).toBe(true);
    const out = s.output();
    expect(out).toContain(`slack: degraded: SLACK_BOT_TOKEN was rejected by Slack: ${error}`);
    expect(out).not.toContain(LAST_RESORT);
    expect(out).not.toContain(NETGUARD_MARK);
    expect(await s.stop()).toEqual({ code: 0, signal: null });
  });
});

describe('Slack cannot be reached', () => {
  it('connection refused (a closed loopback port): serve stays up, /healthz degraded, the page answers', async () => {
    const port = await closedPort();
    const s = await serve(`http://127.0.0.1:${port}/api/`);
    const h = await slackHealth(s, (slack) => slack.failures >= 3);
    expect(s.alive()).toBe(true);
    expect(h.status).toBe(200);
    expectDegraded(h.body.surfaces.slack, new RegExp(`^Slack's Web API \\(http://127\\.0\\.0\\.1:${port}/api/\\) could not be reached: connection refused`));
    await pageAnswers(s);
    // Bolt's own auth.test (the old crash) gave up after its retries, 0.5-1 + 1-2 + 2-4 s: still up well after
    const readyFor = Date.now() - s.readyAt;
    if (readyFor < 9000) await new Promise((r) => setTimeout(r, 9000 - readyFor));
    expect(s.alive()).toBe(true);
    expect((await s.healthz()).body.surfaces.slack.state).toBe('degraded');
    expect(s.output()).not.toContain(LAST_RESORT);
    expect(s.output()).not.toContain(NETGUARD_MARK);
    expect(await s.stop()).toEqual({ code: 0, signal: null });
  });

  it('a Web API that never answers: each check times out, serve stays up', async () => {
    const fake = await startFakeSlack({ teamId: TEAM });
    running.push({ stop: () => fake.close() });
    fake.script('auth.test', { hang: true }, { hang: true }, { hang: true });
    const s = await serve(fake.apiUrl, { SLACK_API_TIMEOUT_MS: '300' });
    const h = await slackHealth(s, (slack) => slack.failures >= 2);
    expectDegraded(h.body.surfaces.slack, /could not be reached: no answer within 0\.3 s$/);
    await pageAnswers(s);
    // the third check hangs too; the fourth is answered: ok again
    await slackHealth(s, (slack) => slack.state === 'ok');
    expect(s.alive()).toBe(true);
    expect(s.output()).not.toContain(LAST_RESORT);
  });

  it('Socket Mode with Slack unreachable: startService is ready, Slack degraded, the page answers', async () => {
    const port = await closedPort();
    const svc = await startInProcess({ SLACK_APP_TOKEN: APP_TOKEN, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: `http://127.0.0.1:${port}/api/`, ...FAST });
    running.push(svc);
    const h = await slackHealth(svc, (slack) => slack.failures >= 2);
    expect(h.status).toBe(200);
    expectDegraded(h.body.surfaces.slack, /could not be reached: connection refused/, 'socket');
    await pageAnswers(svc);
  });
});

describe('recovery: when Slack comes back the surface is ok again', () => {
  it('the token is accepted again: degraded -> ok, and answers are posted in channel', async () => {
    const fake = await startFakeSlack({ teamId: TEAM });
    running.push({ stop: () => fake.close() });
    fake.rejectTokens('invalid_auth');
    const s = await serve(fake.apiUrl);
    await slackHealth(s, (slack) => slack.state === 'degraded' && slack.failures >= 2);
    fake.rejectTokens(null);
    const h = await slackHealth(s, (slack) => slack.state === 'ok');
    expect(h.body.surfaces.slack).toMatchObject({ state: 'ok', reason: null, failures: 0, nextRetry: null });
    expect(Date.parse(h.body.surfaces.slack.lastOk)).toBeGreaterThan(Date.now() - 30_000);
    expect(s.output()).toMatch(/slack: connected again after \d+ failed attempts? \(it was: SLACK_BOT_TOKEN was rejected by Slack: invalid_auth\)/);
    const body = slashBody(fake, 'market ward');
    const res = await fetch(`${s.url}slack/events`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...signature(body) }, body });
    expect(res.status).toBe(200);
    const posted = await fake.waitFor(
      (c) => (c.name === 'files.completeUploadExternal' || c.name === 'chat.postMessage') && (c.body.channel_id ?? c.body.channel) === CHANNEL,
      20_000,
    );
    expect(posted.auth).toBe(`Bearer ${BOT_TOKEN}`);
    await pageAnswers(s);
    expect(s.output()).not.toContain(LAST_RESORT);
  });

  it('the token is revoked while it runs: the failed answer triggers a check, the surface is degraded, the user gets an apology', async () => {
    const fake = await startFakeSlack({ teamId: TEAM });
    running.push({ stop: () => fake.close() });
    const s = await serve(fake.apiUrl);
    await slackHealth(s, (slack) => slack.state === 'ok');
    fake.rejectTokens('token_revoked');
    const body = slashBody(fake, 'market ward', { response_url: fake.responseUrl('revoked') });
    const res = await fetch(`${s.url}slack/events`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...signature(body) }, body });
    expect(res.status).toBe(200);
    const apology = await fake.waitFor((c) => c.name === 'revoked', 20_000);
    expect(String(apology.body.text)).toContain('token_revoked');
    const h = await slackHealth(s, (slack) => slack.state === 'degraded');
    expect(h.body.surfaces.slack.reason).toBe('SLACK_BOT_TOKEN was rejected by Slack: token_revoked');
    await pageAnswers(s);
    fake.rejectTokens(null);
    await slackHealth(s, (slack) => slack.state === 'ok');
    expect(s.output()).not.toContain(LAST_RESORT);
  });

  it('Slack was unreachable, then listens: degraded -> ok', async () => {
    const port = await closedPort();
    const s = await serve(`http://127.0.0.1:${port}/api/`);
    await slackHealth(s, (slack) => slack.state === 'degraded' && /connection refused/.test(slack.reason));
    const fake = await startFakeSlack({ teamId: TEAM, port });
    running.push({ stop: () => fake.close() });
    const h = await slackHealth(s, (slack) => slack.state === 'ok');
    expect(h.body.surfaces.slack.reason).toBeNull();
    expect(fake.callsTo('auth.test').length).toBeGreaterThanOrEqual(1);
    expect(s.alive()).toBe(true);
  });

  it('Socket Mode: apps.connections.open refused, then accepted: degraded with the app token named -> ok, and it answers', async () => {
    const fake = await startFakeSlack({ teamId: TEAM });
    running.push({ stop: () => fake.close() });
    const refused = { body: { ok: false, error: 'invalid_auth' } };
    fake.script('apps.connections.open', refused, refused, refused);
    const svc = await startInProcess({ SLACK_APP_TOKEN: APP_TOKEN, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: fake.apiUrl, ...FAST });
    running.push(svc);
    const degraded = await slackHealth(svc, (slack) => slack.state === 'degraded');
    expectDegraded(degraded.body.surfaces.slack, 'SLACK_APP_TOKEN was rejected by Slack: invalid_auth', 'socket');
    await pageAnswers(svc);
    await slackHealth(svc, (slack) => slack.state === 'ok');
    await fake.socket.connected();
    expect(fake.callsTo('apps.connections.open').map((c) => c.auth)).toEqual(Array(4).fill(`Bearer ${APP_TOKEN}`));
    const ack = await fake.socket.send(envelope(fake, 'env-recovered'));
    expect(ack.envelope_id).toBe('env-recovered');
    await fake.waitFor((c) => c.kind === 'response' && c.name === 'env-recovered');
  });

  it('Socket Mode: the connection drops while Slack is unreachable: degraded, then reconnected', async () => {
    const fake = await startFakeSlack({ teamId: TEAM });
    running.push({ stop: () => fake.close() });
    const svc = await startInProcess({ SLACK_APP_TOKEN: APP_TOKEN, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: fake.apiUrl, ...FAST });
    running.push(svc);
    await slackHealth(svc, (slack) => slack.state === 'ok');
    await fake.socket.connected();
    // Bolt's own reconnect would call start() without a catch here: an unhandled rejection.
    fake.script('apps.connections.open', { destroy: true }, { destroy: true }, { status: 503 });
    fake.socket.drop();
    const degraded = await slackHealth(svc, (slack) => slack.state === 'degraded' && slack.failures >= 2);
    expect(degraded.body.surfaces.slack.reason).toMatch(
      /^Slack's Web API \(http:\/\/127\.0\.0\.1:\d+\/api\/\) (could not be reached|answered apps\.connections\.open with HTTP 503)/,
    );
    await pageAnswers(svc);
    await slackHealth(svc, (slack) => slack.state === 'ok');
    await fake.socket.connected();
    expect(fake.socket.connections()).toBe(2);
    const ack = await fake.socket.send(envelope(fake, 'env-after-drop'));
    expect(ack.envelope_id).toBe('env-after-drop');
    await fake.waitFor((c) => c.kind === 'response' && c.name === 'env-after-drop');
  });
});

describe("serve's last resort", () => {
  it('logs a planted unhandled rejection, redacted, and keeps running', async () => {
    const fake = await startFakeSlack({ teamId: TEAM });
    running.push({ stop: () => fake.close() });
    const s = await serve(fake.apiUrl, { WARDWATCH_TEST_PLANT_REJECTION: `planted failure carrying ${BOT_TOKEN}` });
    await until(
      () => `the planted rejection to be logged:\n${s.output()}`,
      () => s.output().includes(LAST_RESORT),
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(s.alive()).toBe(true);
    expect(s.output()).toMatch(/a promise was rejected and nothing handled it \(still running\): Error: planted failure carrying \[redacted\]/);
    expect(s.output()).not.toContain(BOT_TOKEN);
    expect((await s.healthz()).status).toBe(200);
    await pageAnswers(s);
  });
});

function envelope(fake: FakeSlack, id: string) {
  return {
    envelope_id: id,
    type: 'slash_commands',
    accepts_response_payload: true,
    payload: {
      token: 'legacy',
      team_id: TEAM,
      team_domain: 'fake',
      channel_id: CHANNEL,
      channel_name: 'cambridge-csp',
      user_id: 'U0ASKER0001',
      user_name: 'jo',
      command: '/crime',
      text: 'help',
      api_app_id: 'A0FAKE0001',
      response_url: fake.responseUrl(id),
      trigger_id: '1.2.3',
    },
  };
}
