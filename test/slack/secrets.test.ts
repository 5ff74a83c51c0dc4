// Logs hold no secret (issue 16, item 6): `wardwatch serve` runs with secrets made of every awkward
// character (`_`, `.`, `-`), at SLACK_LOG_LEVEL=debug, and is driven down every failure path that logs:
// a refused token (invalid_auth), requests with the page token in a cookie, a Bearer header and the query
// string (GET /slack/events, other /slack paths, a forged signature, a timestamp 10 minutes ahead, a
// replay, the page's own 401), answers whose chart upload fails (the token refused, then the upload URL
// answering 500). Everything the process writes to stdout and stderr is captured and searched for each
// secret and for pieces of it (first, middle and last 8 characters): none may appear. Socket Mode gets
// the same for its app token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NETGUARD_MARK } from './child-preload.ts';
import { startFakeSlack, type FakeSlack } from './fakeSlack.ts';
import { CHANNEL, signature, slashBody, TEAM } from './helpers.ts';
import { serviceFolder, startServe, until, type ServeChild } from './serve-helpers.ts';

const SECRETS = {
  SLACK_BOT_TOKEN: 'xoxb-2000000001-3000000002-Zq_9.Tk-pL_mX.4vR_8.wQ',
  SLACK_SIGNING_SECRET: 'sg_Secret.Value-7f3a_9b.2c4d_e5f6',
  WARDWATCH_LOCAL_TOKEN: 'pg.Token_4Kx-9Qz.7Lm_2Wp',
  TEAMS_CAMBRIDGE_WEBHOOK_URL: 'https://prod-01.westeurope.logic.azure.com:443/workflows/0123abcd/triggers/manual/paths/invoke?api-version=2016-06-01&sig=Wh_Sig.Value-9xYz_8',
};
const APP_TOKEN = 'xapp-1-A0FAKE0001-4000000004-Ap_p.Tok-en_5.Xq_z';

/** The secret and distinctive pieces of it. */
function pieces(secret: string): string[] {
  // a URL's scheme and host say nothing; its path and query are the secret
  const part = /^https?:\/\//.test(secret) ? secret.slice(secret.indexOf('/', 8)) : secret;
  const mid = Math.floor(part.length / 2) - 4;
  return [secret, part.slice(0, 8), part.slice(mid, mid + 8), part.slice(-8)];
}

function expectNoSecret(output: string, secrets: string[]) {
  for (const secret of secrets) {
    for (const piece of pieces(secret)) {
      expect(output.includes(piece), `"${piece}" (from a secret) appears in the output`).toBe(false);
    }
  }
}

let folder: Awaited<ReturnType<typeof serviceFolder>>;
beforeAll(async () => {
  folder = await serviceFolder();
});
afterAll(() => folder?.cleanup());

describe('HTTP mode', () => {
  let fake: FakeSlack;
  let s: ServeChild;
  const sentSignatures: string[] = [];
  const page = { authorization: `Bearer ${SECRETS.WARDWATCH_LOCAL_TOKEN}` };
  const withSecrets = {
    cookie: `wardwatch_token=${encodeURIComponent(SECRETS.WARDWATCH_LOCAL_TOKEN)}; theme=dark`,
    authorization: `Bearer ${SECRETS.WARDWATCH_LOCAL_TOKEN}`,
  };

  beforeAll(async () => {
    fake = await startFakeSlack({ teamId: TEAM });
    fake.rejectTokens('invalid_auth');
    s = await startServe({
      WARDWATCH_DB: folder.db,
      WARDWATCH_CONFIG: folder.config,
      SLACK_API_URL: fake.apiUrl,
      SLACK_LOG_LEVEL: 'debug',
      SLACK_RETRY_MIN_MS: '200',
      SLACK_RETRY_MAX_MS: '600',
      ...SECRETS,
    });
  });
  afterAll(async () => {
    await s?.stop();
    await fake?.close();
  });

  const signed = (body: string, ts?: number, headers: Record<string, string> = {}) => {
    const sig = signature(body, ts, SECRETS.SLACK_SIGNING_SECRET);
    sentSignatures.push(sig['x-slack-signature']!.slice(3));
    return fetch(`${s.url}slack/events`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers, ...sig }, body });
  };

  it('drives every failure path, then finds no secret in anything the process wrote', async () => {
    // 1. Slack refuses the bot token
    await until(
      () => `Slack to be degraded:\n${s.output()}`,
      async () => (await s.healthz()).body.surfaces?.slack?.failures >= 2,
    );

    // 2. requests carrying the page token in a cookie, a Bearer header and the query string
    for (const method of ['GET', 'HEAD', 'PUT']) {
      const res = await fetch(`${s.url}slack/events?token=${encodeURIComponent(SECRETS.WARDWATCH_LOCAL_TOKEN)}`, { method, headers: withSecrets });
      expect(res.status, method).toBe(405);
    }
    for (const path of ['slack/', 'slack/install', `slack/oauth_redirect?code=${SECRETS.SLACK_SIGNING_SECRET}`]) {
      expect((await fetch(`${s.url}${path}`, { headers: withSecrets })).status, path).toBe(404);
    }
    const help = slashBody(fake, 'help', { response_url: fake.responseUrl('secret-help') });
    const forged = await fetch(`${s.url}slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...withSecrets, ...signature(help, undefined, 'not-the-signing-secret') },
      body: help,
    });
    expect(forged.status).toBe(401);
    expect((await signed(help, Math.floor(Date.now() / 1000) + 600, withSecrets)).status).toBe(401);
    // the page: wrong token, right token, and the ?token= first visit
    expect((await s.ask('help', { authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401);
    expect((await s.ask('help', page)).status).toBe(200);
    const visit = await fetch(`${s.url}?token=${encodeURIComponent(SECRETS.WARDWATCH_LOCAL_TOKEN)}`, { headers: { accept: 'text/html' }, redirect: 'manual' });
    expect(visit.status).toBe(303);

    // 3. an answer while the token is refused: its chart upload fails, the user gets an apology
    {
      const ask = slashBody(fake, 'market ward', { response_url: fake.responseUrl('secret-refused') });
      expect((await signed(ask, undefined, withSecrets)).status).toBe(200);
      const apology = await fake.waitFor((c) => c.name === 'secret-refused' && /^Sorry/.test(String(c.body.text)), 20_000);
      expect(String(apology.body.text)).toContain('invalid_auth');
    }

    // 4. Slack accepts the token again; then the upload URL answers 500
    fake.rejectTokens(null);
    await until(
      () => `Slack to be ok:\n${s.output()}`,
      async () => (await s.healthz()).body.surfaces?.slack?.state === 'ok',
    );
    {
      fake.failUploads(500);
      const ask = slashBody(fake, 'market ward', { response_url: fake.responseUrl('secret-upload') });
      const headers = { ...withSecrets };
      expect((await signed(ask, undefined, headers)).status).toBe(200);
      const apology = await fake.waitFor((c) => c.name === 'secret-upload' && /^Sorry/.test(String(c.body.text)), 20_000);
      expect(apology.body.response_type).toBe('ephemeral');
      expect(fake.callsTo('upload').some((c) => c.status === 500)).toBe(true);
      fake.failUploads(null);
    }

    // 5. a replay of a signed request
    const once = slashBody(fake, 'help', { response_url: fake.responseUrl('secret-once') });
    const sig = signature(once, undefined, SECRETS.SLACK_SIGNING_SECRET);
    sentSignatures.push(sig['x-slack-signature']!.slice(3));
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${s.url}slack/events`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...withSecrets, ...sig }, body: once });
      expect(res.status).toBe(200);
    }
    await fake.waitFor((c) => c.name === 'secret-once');

    expect(await s.stop()).toEqual({ code: 0, signal: null });
    const output = s.output();
    // the paths were taken and logged...
    expect(output).toContain('slack: degraded: SLACK_BOT_TOKEN was rejected by Slack: invalid_auth');
    expect(output).toContain('with a bad signature (401)');
    expect(output).toMatch(/timestamped 10 minutes in the future/);
    expect(output).toContain('ignored a repeat of the same signed request');
    expect(output).toContain('slack: connected again');
    expect(output).toMatch(/http request (url|body|headers)/); // web-api's debug lines were on
    expect(output).not.toContain(NETGUARD_MARK);
    expect(output).not.toContain('nothing handled it');
    // ...and nothing dumped a request
    expect(output).not.toMatch(/IncomingMessage|rawHeaders|HTTPReceiverDeferredRequestError|local channel: GET \/slack/);
    // ...and no secret, nor any piece of one, nor a signature we sent
    expectNoSecret(output, [...Object.values(SECRETS), ...sentSignatures]);
    expect(output).not.toMatch(/xox[a-z]-(?!\[redacted\])/);
  });
});

describe('Socket Mode', () => {
  it('the app token is refused (apps.connections.open), then accepted: no piece of either token in the output', async () => {
    const fake = await startFakeSlack({ teamId: TEAM });
    const refused = { body: { ok: false, error: 'invalid_auth' } };
    fake.script('apps.connections.open', refused, refused);
    const s = await startServe({
      WARDWATCH_DB: folder.db,
      WARDWATCH_CONFIG: folder.config,
      SLACK_API_URL: fake.apiUrl,
      SLACK_LOG_LEVEL: 'debug',
      SLACK_RETRY_MIN_MS: '200',
      SLACK_RETRY_MAX_MS: '600',
      SLACK_BOT_TOKEN: SECRETS.SLACK_BOT_TOKEN,
      SLACK_APP_TOKEN: APP_TOKEN,
    });
    try {
      await until(
        () => `Socket Mode to connect:\n${s.output()}`,
        async () => (await s.healthz()).body.surfaces?.slack?.state === 'ok',
      );
      await fake.socket.connected();
      // an envelope whose payload (logged at debug) carries a token and a response_url
      const ack = await fake.socket.send({
        envelope_id: 'env-secret',
        type: 'slash_commands',
        accepts_response_payload: true,
        payload: {
          token: SECRETS.SLACK_SIGNING_SECRET,
          team_id: TEAM,
          channel_id: CHANNEL,
          user_id: 'U0ASKER0001',
          command: '/crime',
          text: 'help',
          response_url: fake.responseUrl('env-secret'),
        },
      });
      expect(ack.envelope_id).toBe('env-secret');
      await fake.waitFor((c) => c.name === 'env-secret');
    } finally {
      await s.stop();
      await fake.close();
    }
    const output = s.output();
    expect(output).toContain('slack: degraded: SLACK_APP_TOKEN was rejected by Slack: invalid_auth');
    expect(output).toContain('Received a message on the WebSocket'); // the payload was logged, redacted
    expectNoSecret(output, [APP_TOKEN, SECRETS.SLACK_BOT_TOKEN, SECRETS.SLACK_SIGNING_SECRET]);
    expect(output).not.toMatch(/xox[a-z]-(?!\[redacted\])|xapp-(?!\[redacted\])/);
  });
});
