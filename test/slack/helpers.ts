// Test plumbing for the Slack tests: a fetch that refuses anything off loopback, Slack request signing,
// slash-command and interaction bodies, and a Bolt app started on 127.0.0.1 against the fake Slack.
import { createHmac } from 'node:crypto';
import { retryPolicies } from '@slack/web-api';
import { loadConfig } from '../../src/config/load.ts';
import type { ChannelConfig, Config } from '../../src/config/schema.ts';
import { startSlack, type SlackHandle, type StartSlackOptions } from '../../src/surfaces/slack/index.ts';
import type { Store } from '../../src/store/types.ts';
import { startFakeSlack, type FakeSlack } from './fakeSlack.ts';
import { isLoopbackHost } from './child-preload.ts';

export const SECRET = 'test-signing-secret-0123456789abcdef';
export const BOT_TOKEN = 'xoxb-000000000001-000000000002-testtokenabcdefghijklmn';
export const APP_TOKEN = 'xapp-1-A0FAKE0001-000000000003-testapptokenabcdefghijkl';
export const TEAM = 'T0FAKE0001';
export const CHANNEL = 'C0CAMBRIDGE1';
export const ANALYSTS_CHANNEL = 'C0ANALYSTS01';
export const UNLINKED_CHANNEL = 'C0NOTLINKED1';
export const FENLAND_CHANNEL = 'C0FENLAND001';

/** Hosts a test may reach. */
const isLoopback = isLoopbackHost;

/** A fetch that throws for any host off loopback, and lists what it refused. */
export function loopbackOnlyFetch(): { fetch: typeof fetch; refused: string[]; seen: string[] } {
  const refused: string[] = [];
  const seen: string[] = [];
  const guarded = (async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    seen.push(url.href);
    if (!isLoopback(url.hostname)) {
      refused.push(url.href);
      throw new Error(`test network guard: refused a request to ${url.host} (tests stay on loopback)`);
    }
    return fetch(input, init);
  }) as typeof fetch;
  return { fetch: guarded, refused, seen };
}

export function signature(body: string, ts = Math.floor(Date.now() / 1000), secret = SECRET): Record<string, string> {
  return {
    'x-slack-request-timestamp': String(ts),
    'x-slack-signature': `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`,
  };
}

export function slashBody(fake: FakeSlack, text: string, over: Record<string, string> = {}): string {
  const id = over.response_id ?? `cmd-${Math.random().toString(36).slice(2, 10)}`;
  return new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: TEAM,
    team_domain: 'fake',
    channel_id: CHANNEL,
    channel_name: 'cambridge-csp',
    user_id: 'U0ASKER0001',
    user_name: 'jo',
    command: '/crime',
    text,
    api_app_id: 'A0FAKE0001',
    response_url: fake.responseUrl(id),
    trigger_id: '1.2.3',
    ...over,
  }).toString();
}

export function interactionBody(payload: Record<string, unknown>): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

export function buttonPayload(
  fake: FakeSlack,
  value: string,
  over: { channel?: string; messageTs?: string; threadTs?: string; ephemeral?: boolean; responseId?: string } = {},
): Record<string, unknown> {
  const ts = over.messageTs ?? '1700000000.000100';
  return {
    type: 'block_actions',
    team: { id: TEAM, domain: 'fake' },
    user: { id: 'U0CLICKER01', username: 'sam', name: 'sam', team_id: TEAM },
    api_app_id: 'A0FAKE0001',
    token: 'legacy-verification-token',
    container: { type: 'message', message_ts: ts, channel_id: over.channel ?? CHANNEL, is_ephemeral: over.ephemeral ?? false },
    trigger_id: '4.5.6',
    channel: { id: over.channel ?? CHANNEL, name: 'cambridge-csp' },
    message: over.ephemeral ? undefined : { type: 'message', ts, ...(over.threadTs ? { thread_ts: over.threadTs } : {}), text: 'an answer', bot_id: 'B0BOT0001' },
    response_url: fake.responseUrl(over.responseId ?? `act-${Math.random().toString(36).slice(2, 10)}`),
    actions: [{ type: 'button', action_id: 'wardwatch_run_0', block_id: 'b1', text: { type: 'plain_text', text: 'Go' }, value, action_ts: '1700000001.000' }],
  };
}

export async function post(port: number, path: string, body: string, headers: Record<string, string>): Promise<{ status: number; text: string; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
  const text = await res.text();
  return { status: res.status, text, ms: performance.now() - t0 };
}

/** The repo's config plus three Slack channels: Cambridge (not cleared), Cambridge analysts (cleared), Fenland. */
export function slackTestConfig(): Config {
  const { config } = loadConfig(new URL('../../wardwatch.config.yaml', import.meta.url).pathname);
  const slack = (name: string, id: string, cleared: boolean, partnership = 'cambridge'): ChannelConfig => ({
    name,
    platform: 'slack',
    slackChannelId: id,
    slackTeamId: TEAM,
    partnership,
    clearance: { smallNumbers: cleared, sensitive: cleared },
    measures: [],
  });
  return {
    ...config,
    channels: [
      ...config.channels,
      slack('cambridge-slack', CHANNEL, false),
      slack('cambridge-analysts-slack', ANALYSTS_CHANNEL, true),
      slack('fenland-slack', FENLAND_CHANNEL, false, 'fenland'),
    ],
  };
}

export interface Harness {
  fake: FakeSlack;
  slack: SlackHandle;
  logs: string[];
  guard: ReturnType<typeof loopbackOnlyFetch>;
  timings: Array<Parameters<NonNullable<StartSlackOptions['onTiming']>>[0]>;
  stop(): Promise<void>;
}

export async function startHarness(store: Store, over: Partial<StartSlackOptions> & { env?: Record<string, string>; fake?: FakeSlack } = {}): Promise<Harness> {
  const fake = over.fake ?? (await startFakeSlack({ teamId: TEAM }));
  const logs: string[] = [];
  const guard = loopbackOnlyFetch();
  const timings: Harness['timings'] = [];
  const { env: envOver, fake: _fake, ...rest } = over;
  const slack = await startSlack({
    store,
    config: slackTestConfig(),
    env: { SLACK_SIGNING_SECRET: SECRET, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: fake.apiUrl, SLACK_LOG_LEVEL: 'debug', ...envOver },
    port: 0,
    host: '127.0.0.1',
    clientOptions: { fetch: guard.fetch, retryConfig: retryPolicies.rapidRetryPolicy },
    platformOptions: { minIntervalMs: 0 },
    logSink: (_level, line) => logs.push(line),
    onTiming: (t) => timings.push(t),
    ...rest,
  });
  // The token check (and in Socket Mode the connection) runs in the background: let it finish first.
  await slack.checked();
  return {
    fake,
    slack,
    logs,
    guard,
    timings,
    async stop() {
      await slack.stop();
      if (!over.fake) await fake.close();
    },
  };
}
