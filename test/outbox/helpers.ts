// Shared parts of the outbox tests: a config with Slack and local channels, a Slack delivery adapter
// (the real @slack/web-api client and SlackPlatform) pointed at the loopback fake, a settable clock.
import { WebClient } from '@slack/web-api';
import { loadConfig } from '../../src/config/load.ts';
import type { ChannelConfig, Config } from '../../src/config/schema.ts';
import type { Reply } from '../../src/core/reply.ts';
import type { NewOutboxMessage } from '../../src/store/types.ts';
import { SlackPlatform } from '../../src/surfaces/slack/platform.ts';

export const SLACK_A = 'C0OUTBOXA1';
export const SLACK_B = 'C0OUTBOXB2';
export const BOT_TOKEN = 'xoxb-outbox-test-token';

export function outboxTestConfig(extra: Partial<Record<'quietA', ChannelConfig['quietHours']>> = {}): Config {
  const { config } = loadConfig(new URL('../../wardwatch.config.yaml', import.meta.url).pathname);
  const slack = (name: string, id: string, quietHours?: ChannelConfig['quietHours']): ChannelConfig => ({
    name,
    platform: 'slack',
    slackChannelId: id,
    partnership: 'cambridge',
    clearance: { smallNumbers: false, sensitive: false },
    measures: [],
    ...(quietHours ? { quietHours } : {}),
  });
  return { ...config, timezone: 'Europe/London', channels: [...config.channels, slack('cambridge-slack', SLACK_A, extra.quietA), slack('fenland-slack', SLACK_B)] };
}

export function slackAdapter(apiUrl: string, options: { timeoutMs?: number } = {}): SlackPlatform {
  const client = new WebClient(undefined, {
    slackApiUrl: apiUrl,
    timeout: options.timeoutMs ?? 2000,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    logger: { debug() {}, info() {}, warn() {}, error() {}, setLevel() {}, getLevel: () => 'error' as never, setName() {} },
  });
  return new SlackPlatform({ client, tokenFor: async () => BOT_TOKEN, minIntervalMs: 0, maxInlineWaitMs: 0 });
}

export function digest(key: string, channel: string, extra: Partial<NewOutboxMessage> = {}): NewOutboxMessage {
  const reply: Reply = {
    kind: 'alerts',
    title: `Digest ${key}`,
    summary: 'Market: residential burglary 12 in May 2024, about 4 expected.',
    figures: [],
    notes: ['Source: police.uk, Open Government Licence v3.0.'],
    actions: [],
  };
  return { idempotencyKey: key, channel, kind: 'digest', reply, ...extra };
}

/** A clock the test moves by hand. */
export function manualClock(startIso: string): { now: () => Date; set(iso: string): void; advance(ms: number): void } {
  let t = Date.parse(startIso);
  return { now: () => new Date(t), set: (iso) => void (t = Date.parse(iso)), advance: (ms) => void (t += ms) };
}
