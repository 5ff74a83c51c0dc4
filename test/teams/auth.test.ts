// With TEAMS_APP_ID and TEAMS_APP_PASSWORD set, /api/messages accepts only requests carrying a Bot
// Framework token the SDK verifies: none, a malformed one, a forged one (signed by another key) and one
// for another bot are refused with 401 and change nothing; a correctly signed one is accepted. The
// signing keys are served by the fake connector through a test cloud (the service's `teamsCloud`), so
// nothing asks login.botframework.com. TEAMS_ALLOW_UNAUTHENTICATED=1 beside credentials is ignored.
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudEnvironment } from '@microsoft/teams.api';
import { startService, type RunningService } from '../../src/service/service.ts';
import { fixtureStore, type TempStore } from '../helpers/store.ts';
import { activity, fakeConnector, postActivity, signJwt, type FakeConnector } from './fakes.ts';
import { FENLAND_CHANNEL, teamsTestConfig } from './helpers.ts';

const APP_ID = '00000000-1111-2222-3333-444444444444';
const PASSWORD = 'test-client-secret-value-0123456789';

describe('Teams bot with credentials: Bot Framework tokens are checked', () => {
  let st: TempStore;
  let connector: FakeConnector;
  let service: RunningService;
  const logs: string[] = [];

  beforeAll(async () => {
    connector = await fakeConnector();
    st = await fixtureStore();
    await st.store.close();
    service = await startService({
      config: teamsTestConfig(),
      store: { path: st.path },
      binding: { host: '127.0.0.1', port: 0, token: null, loopback: true, pageEnabled: true },
      env: { NODE_ENV: 'test', TEAMS_APP_ID: APP_ID, TEAMS_APP_PASSWORD: PASSWORD, TEAMS_ALLOW_UNAUTHENTICATED: '1' },
      log: (line) => logs.push(line),
      devControls: false,
      teamsCloud: connector.cloud as unknown as CloudEnvironment,
    });
    await service.ready;
  }, 120_000);

  afterAll(async () => {
    await service?.close();
    await connector?.close();
    await st?.cleanup();
  });

  // An install event: accepted, it stores the conversation reference (and posts nothing, so no bot token is needed).
  const install = () => activity({ serviceUrl: `${connector.url}/`, kind: 'channel', conversation: FENLAND_CHANNEL, type: 'installationUpdate' });
  const claims = (over: Record<string, unknown> = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return { iss: 'https://api.botframework.com', aud: APP_ID, iat: now, nbf: now - 10, exp: now + 600, serviceurl: `${connector.url}/`, ...over };
  };

  it('ignores TEAMS_ALLOW_UNAUTHENTICATED=1 when credentials are set, and says so', () => {
    expect(logs.join('\n')).toMatch(/TEAMS_ALLOW_UNAUTHENTICATED=1 is IGNORED/);
    expect(logs.join('\n')).not.toMatch(/RUNNING WITHOUT AUTHENTICATION/);
    expect(logs.join('\n')).not.toContain(PASSWORD);
  });

  it('refuses a request with no token (401)', async () => {
    const r = await postActivity(service.url, { ...install(), action: 'add' });
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ error: 'Missing authorization header' });
  });

  it('refuses a malformed token and a forged one (signed by another key), 401', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const forged = signJwt(privateKey, connector.kid, claims());
    for (const auth of ['Bearer not-a-jwt', `Bearer ${forged}`]) {
      const r = await postActivity(service.url, { ...install(), action: 'add' }, { authorization: auth });
      expect(r.status, auth.slice(0, 20)).toBe(401);
      expect(r.body).toEqual({ error: 'JWT validation failed' });
    }
    // ...and a real signature for another bot, or an expired one.
    for (const c of [claims({ aud: 'some-other-bot' }), claims({ exp: Math.floor(Date.now() / 1000) - 3600 })]) {
      const r = await postActivity(service.url, { ...install(), action: 'add' }, { authorization: `Bearer ${signJwt(connector.key, connector.kid, c)}` });
      expect(r.status).toBe(401);
    }
    expect(await service.store.teamsConversation(FENLAND_CHANNEL)).toBeUndefined();
  });

  it('accepts a token signed by the Bot Framework key for this bot', async () => {
    const token = signJwt(connector.key, connector.kid, claims());
    const r = await postActivity(service.url, { ...install(), action: 'add' }, { authorization: `Bearer ${token}` });
    expect(r.status).toBe(200);
    expect(await service.store.teamsConversation(FENLAND_CHANNEL)).toMatchObject({ conversationType: 'channel', installed: true });
    // The keys came from the fake (loopback), not from login.botframework.com.
    expect(connector.calls.some((c) => c.path.endsWith('/.well-known/keys'))).toBe(true);
  });
});
