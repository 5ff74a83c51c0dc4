// Multi-workspace installs: /slack/install redirects to Slack's authorize page (asserted, never followed),
// /slack/oauth_redirect exchanges the code with the fake's oauth.v2.access and stores the installation in
// the store (its Slack installation methods); the outbox adapter then posts with that workspace's token; app_uninstalled deletes it.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DeliveryError } from '../../src/core/platform.ts';
import { BOT_SCOPES } from '../../src/surfaces/slack/index.ts';
import { StoreInstallStore } from '../../src/surfaces/slack/installStore.ts';
import { tempStore, type TempStore } from '../helpers/store.ts';
import { post, signature, slackTestConfig, startHarness, TEAM, type Harness } from './helpers.ts';

let st: TempStore;
let h: Harness;
const CLIENT_SECRET = 'client-secret-0123456789';
const STATE_SECRET = 'state-secret-0123456789';

beforeAll(async () => {
  st = await tempStore();
  h = await startHarness(st.store, {
    // installs go into st.store (the default install store is over the store Slack is given)
    env: { SLACK_BOT_TOKEN: '', SLACK_CLIENT_ID: '1111.2222', SLACK_CLIENT_SECRET: CLIENT_SECRET, SLACK_STATE_SECRET: STATE_SECRET },
  });
});
afterAll(async () => {
  await h?.stop();
  await st?.cleanup();
});

const channel = slackTestConfig().channels.find((c) => c.name === 'cambridge-slack')!;
const reply = { kind: 'answer' as const, title: 'Hello', figures: [], notes: [], actions: [] };

it('installs through OAuth into the store and posts with the installed token', async () => {
  expect(h.slack.oauth).toBe(true);
  const base = `http://127.0.0.1:${h.slack.receiverPort}`;
  const start = await fetch(`${base}/slack/install`, { redirect: 'manual' });
  expect(start.status).toBe(302);
  const location = new URL(start.headers.get('location')!);
  expect(location.origin + location.pathname).toBe('https://slack.com/oauth/v2/authorize');
  expect(location.searchParams.get('scope')).toBe(BOT_SCOPES.join(','));
  const state = location.searchParams.get('state')!;
  const cookie = start.headers.get('set-cookie')!.split(';')[0]!;

  // Slack would now send the browser back with a code; the code names the workspace in the fake.
  const done = await fetch(`${base}/slack/oauth_redirect?code=FAKE0001&state=${encodeURIComponent(state)}`, { headers: { cookie }, redirect: 'manual' });
  expect(done.status).toBe(200);
  expect(h.fake.callsTo('oauth.v2.access')).toHaveLength(1);
  expect(h.fake.callsTo('oauth.v2.access')[0]!.body.client_secret).toBe(CLIENT_SECRET);

  const stored = new StoreInstallStore(st.store);
  expect(await stored.installedTeams()).toEqual([TEAM]);
  expect(await stored.botToken(TEAM)).toBe(`xoxb-fake-FAKE0001`);
  expect(await st.store.slackInstallationKeys()).toEqual([`T:${TEAM}`]);

  const n = h.fake.calls.length;
  await h.slack.platform.post(channel, reply);
  const postCall = h.fake.calls.slice(n).find((c) => c.name === 'chat.postMessage');
  expect(postCall?.auth).toBe('Bearer xoxb-fake-FAKE0001');

  for (const line of h.logs) {
    expect(line).not.toContain('xoxb-fake-FAKE0001');
    expect(line).not.toContain(CLIENT_SECRET);
    expect(line).not.toContain(STATE_SECRET);
  }
});

it('forgets a workspace that uninstalls the app', async () => {
  const body = JSON.stringify({
    token: 'legacy',
    team_id: TEAM,
    api_app_id: 'A0FAKE0001',
    type: 'event_callback',
    event_id: 'Ev0001',
    event_time: Math.floor(Date.now() / 1000),
    event: { type: 'app_uninstalled' },
  });
  const res = await post(h.slack.receiverPort!, '/slack/events', body, { ...signature(body), 'content-type': 'application/json' });
  expect(res.status).toBe(200);
  await new Promise((r) => setTimeout(r, 100));
  const err = await h.slack.platform.post(channel, reply).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DeliveryError);
  expect((err as DeliveryError).retryable).toBe(false);
  expect(await st.store.slackInstallationKeys()).toEqual([]);
});

it('the committed manifest asks for exactly the scopes the app uses, and points at Bolt routes', () => {
  const manifest = parse(readFileSync(new URL('../../slack-manifest.yaml', import.meta.url), 'utf8')) as {
    oauth_config: { scopes: { bot: string[]; user?: string[] }; redirect_urls: string[] };
    features: { slash_commands: Array<{ command: string; url: string }> };
    settings: { interactivity: { request_url: string }; event_subscriptions: { request_url: string; bot_events: string[] } };
  };
  expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([...BOT_SCOPES].sort());
  expect(manifest.oauth_config.scopes.user).toBeUndefined();
  expect(manifest.features.slash_commands.map((c) => c.command)).toEqual(['/crime']);
  expect(new URL(manifest.features.slash_commands[0]!.url).pathname).toBe('/slack/events');
  expect(new URL(manifest.settings.interactivity.request_url).pathname).toBe('/slack/events');
  expect(new URL(manifest.oauth_config.redirect_urls[0]!).pathname).toBe('/slack/oauth_redirect');
  expect(manifest.settings.event_subscriptions.bot_events.sort()).toEqual(['app_uninstalled', 'tokens_revoked']);
});
