// The ChatPlatform adapter the alert outbox posts through: real web-api client against the fake Slack,
// real PNGs. Checks the upload flow, thread-free channel posts, 429 handling and that every failure
// surfaces as a DeliveryError.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chartAltText, renderChart } from '../../src/charts/index.ts';
import { marketBurglaryTrend } from '../../src/charts/examples.ts';
import type { ChannelConfig } from '../../src/config/schema.ts';
import { DeliveryError } from '../../src/core/platform.ts';
import type { Reply } from '../../src/core/reply.ts';
import { blockKitProblems } from '../../src/surfaces/slack/limits.ts';
import { tempStore, type TempStore } from '../helpers/store.ts';
import { BOT_TOKEN, CHANNEL, slackTestConfig, startHarness, type Harness } from './helpers.ts';

let st: TempStore;
let h: Harness;
const channel = slackTestConfig().channels.find((c) => c.name === 'cambridge-slack')!;

const alert = (withChart: boolean): Reply => ({
  kind: 'alerts',
  title: 'Alert: burglary in Market ward is above the expected range',
  summary: '15 burglaries in September 2025, above the upper bound of 11.4 expected for the month.',
  figures: [{ id: 'latest-month', label: 'September 2025', value: 15, display: '15', period: 'September 2025', wording: '15 burglaries in September 2025' }],
  notes: ['Source: police.uk, Open Government Licence v3.0.'],
  actions: [{ label: 'Burglary by month', command: 'market ward burglary' }],
  ...(withChart ? { chart: marketBurglaryTrend() } : {}),
});

beforeAll(async () => {
  st = await tempStore();
  h = await startHarness(st.store, { renderChart, chartAltText, platformOptions: { minIntervalMs: 0, maxInlineWaitMs: 2000 } });
});
afterAll(async () => {
  await h?.stop();
  await st?.cleanup();
});

describe('SlackPlatform.post', () => {
  it('posts a reply with its chart as one message: getUploadURLExternal -> upload -> completeUploadExternal', async () => {
    const n = h.fake.calls.length;
    const result = await h.slack.platform.post(channel, alert(true));
    const calls = h.fake.calls.slice(n).filter((c) => c.name !== 'auth.test'); // Bolt checks its token at start
    expect(calls.map((c) => (c.kind === 'api' ? c.name : c.kind))).toEqual(['files.getUploadURLExternal', 'upload', 'files.completeUploadExternal']);
    for (const c of calls) expect(c.auth).toBe(`Bearer ${BOT_TOKEN}`);
    expect(Object.values(calls[1]!.body).some((v) => (v as { png?: boolean }).png === true)).toBe(true);
    expect(calls[2]!.body.channel_id).toBe(CHANNEL);
    const blocks = JSON.parse(String(calls[2]!.body.blocks)) as unknown[];
    expect(blockKitProblems(blocks)).toEqual([]);
    expect(result.messageId).toMatch(/^file:F\d+$/);
  });

  it('posts a reply without a chart with chat.postMessage and returns the ts', async () => {
    const n = h.fake.calls.length;
    const result = await h.slack.platform.post(channel, alert(false));
    const [call] = h.fake.calls.slice(n);
    expect(call?.name).toBe('chat.postMessage');
    expect(call?.body.channel).toBe(CHANNEL);
    expect(String(call?.body.text)).toContain('Alert: burglary');
    expect(result.messageId).toMatch(/^1700000000\.\d+$/);
  });

  it('waits out a short Retry-After and retries', async () => {
    h.fake.script('chat.postMessage', { status: 429, retryAfter: 1 });
    const n = h.fake.calls.length;
    const t0 = Date.now();
    const result = await h.slack.platform.post(channel, alert(false));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(h.fake.calls.slice(n).map((c) => c.status)).toEqual([429, 200]);
    expect(result.messageId).toBeTruthy();
  });

  it('hands a long Retry-After back to the outbox as a retryable DeliveryError with retryAfterMs', async () => {
    h.fake.script('chat.postMessage', { status: 429, retryAfter: 30 });
    const err = await h.slack.platform.post(channel, alert(false)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeliveryError);
    expect((err as DeliveryError).retryable).toBe(true);
    expect((err as DeliveryError).retryAfterMs).toBe(30_000);
  });

  it('surfaces ok:false as a DeliveryError (not retryable for channel_not_found, retryable for internal_error)', async () => {
    h.fake.script('chat.postMessage', { body: { ok: false, error: 'channel_not_found' } });
    const err = await h.slack.platform.post(channel, alert(false)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeliveryError);
    expect((err as DeliveryError).retryable).toBe(false);
    expect((err as DeliveryError).message).toContain('channel_not_found');

    h.fake.script('files.completeUploadExternal', { body: { ok: false, error: 'internal_error' } });
    const err2 = await h.slack.platform.post(channel, alert(true)).catch((e: unknown) => e);
    expect(err2).toBeInstanceOf(DeliveryError);
    expect((err2 as DeliveryError).retryable).toBe(true);
  });

  it('posts once per idempotency key', async () => {
    const n = h.fake.calls.length;
    const [a, b] = await Promise.all([
      h.slack.platform.post(channel, alert(false), { idempotencyKey: 'alert-42' }),
      h.slack.platform.post(channel, alert(false), { idempotencyKey: 'alert-42' }),
    ]);
    const again = await h.slack.platform.post(channel, alert(false), { idempotencyKey: 'alert-42' });
    expect(h.fake.calls.slice(n).filter((c) => c.name === 'chat.postMessage')).toHaveLength(1);
    expect(b).toEqual(a);
    expect(again).toEqual(a);
  });

  it('refuses a channel of another platform', async () => {
    const local: ChannelConfig = { name: 'cambridge-csp', platform: 'local', partnership: 'cambridge', clearance: { smallNumbers: false, sensitive: false }, measures: [] };
    await expect(h.slack.platform.post(local, alert(false))).rejects.toBeInstanceOf(DeliveryError);
  });

  it('spaces posts to one channel', async () => {
    const spaced = await startHarness(st.store, { platformOptions: { minIntervalMs: 300 } });
    try {
      await Promise.all([spaced.slack.platform.post(channel, alert(false)), spaced.slack.platform.post(channel, alert(false))]);
      const posts = spaced.fake.calls.filter((c) => c.name === 'chat.postMessage');
      expect(posts).toHaveLength(2);
      expect(posts[1]!.at - posts[0]!.at).toBeGreaterThanOrEqual(280);
    } finally {
      await spaced.stop();
    }
  });
});
