// The Acknowledge button in Slack: the real Bolt app against the fake Slack Web API, on loopback. The
// click is recorded as the Slack user who pressed it (a mention, with the name the click carried, shown
// as the name on other surfaces), and answered in the alert's thread; a channel of another partnership
// cannot acknowledge it.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeDigest } from '../../src/alerting/digest.ts';
import { slackUser, whoFor } from '../../src/alerting/who.ts';
import { loadConfig } from '../../src/config/load.ts';
import type { ChannelConfig } from '../../src/config/schema.ts';
import { chartAltText, renderChart } from '../../src/charts/index.ts';
import type { AlertRecord } from '../../src/store/types.ts';
import { fixtureStore, type TempStore } from '../helpers/store.ts';
import { buttonPayload, FENLAND_CHANNEL, interactionBody, post, signature, startHarness, type Harness } from '../slack/helpers.ts';

let st: TempStore;
let h: Harness;
let alert: AlertRecord;
beforeAll(async () => {
  st = await fixtureStore();
  [alert] = (await st.store.saveAlerts([
    {
      fingerprint: 'residential-burglary-spike|E05013057|residential-burglary',
      rule: 'residential-burglary-spike',
      kind: 'spike',
      severity: 'warning',
      areaCode: 'E05013057',
      areaName: 'Market',
      measure: 'residential-burglary',
      measureLabel: 'Residential burglary',
      partnerships: ['cambridge'],
      sinceMonth: '2024-04',
      lastMonth: '2024-04',
      state: 'firing',
      observed: 12,
      expected: 4,
      upperBound: 9,
      probability: 0.002,
      explanation: { headline: 'Market: residential burglary 12 in April 2024, about 4 expected', sentence: 'Higher than expected for the time of year.' },
      resolvedMonth: null,
    },
  ])) as [AlertRecord];
  h = await startHarness(st.store, { renderChart, chartAltText });
}, 120_000);
afterAll(async () => {
  await h?.stop();
  await st?.cleanup();
});

async function until<T>(what: () => T | undefined, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = what();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out waiting for Slack calls');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('Acknowledge in Slack', () => {
  it('records who pressed it and answers in the thread of the digest', async () => {
    const n = h.fake.calls.length;
    const body = interactionBody(buttonPayload(h.fake, `alerts ack ${alert.id}`, { messageTs: '1700000555.000100' }));
    const res = await post(h.slack.receiverPort!, '/slack/events', body, signature(body));
    expect(res.status).toBe(200);
    const posted = await until(() => h.fake.calls.slice(n).find((c) => c.name === 'chat.postMessage'));
    expect(posted.body.thread_ts).toBe('1700000555.000100');
    expect(JSON.stringify(posted.body)).toContain('Acknowledged: Market residential burglary');
    const acks = await st.store.alertAcknowledgements([alert.id]);
    // Recorded as a Slack mention with the name the click carried: a mention in Slack, the name elsewhere.
    expect(acks).toEqual([expect.objectContaining({ alertId: alert.id, by: '<@U0CLICKER01|sam>', surface: 'slack', observed: 12 })]);
    expect(JSON.stringify(posted.body)).toContain('<@U0CLICKER01> acknowledged this alert');
    expect(JSON.stringify(posted.body)).not.toContain('U0CLICKER01|sam');
  });

  it('who acknowledged, as each surface shows them: a mention in Slack, the name on the local page and in Teams', async () => {
    const [ack] = await st.store.alertAcknowledgements([alert.id]);
    const line = {
      alertId: alert.id,
      rule: alert.rule,
      kind: 'spike',
      severity: 'warning',
      areaCode: alert.areaCode,
      areaName: 'Market',
      measure: alert.measure,
      measureLabel: 'Residential burglary',
      headline: alert.explanation.headline,
      sentence: alert.explanation.sentence,
      since: '2024-04',
      acknowledged: { by: ack!.by, at: ack!.at },
      observed: 12,
    };
    const config = loadConfig(fileURLToPath(new URL('../../wardwatch.config.yaml', import.meta.url))).config;
    const partnership = config.partnerships.find((p) => p.id === 'cambridge')!;
    const digestFor = (platform: 'slack' | 'local' | 'teams') =>
      composeDigest({
        channel: { name: `cambridge-${platform}`, platform, partnership: 'cambridge', clearance: { smallNumbers: true, sensitive: true }, measures: [] } as ChannelConfig,
        partnership,
        month: '2024-05',
        mode: 'landed',
        newAlerts: [],
        stillOpen: [line],
        resolved: [],
        muted: [],
        quality: [],
        synthetic: true,
        sources: ['police.uk'],
      }).summary;
    expect(digestFor('slack')).toContain('acknowledged by <@U0CLICKER01>');
    expect(digestFor('local')).toContain('acknowledged by sam');
    expect(digestFor('teams')).toContain('acknowledged by sam');
    expect(digestFor('local')).not.toContain('U0CLICKER01');
    expect(whoFor('<@U0CLICKER01>', 'local')).toBe('someone in Slack');
    expect(whoFor('Teams user 29:abc', 'slack')).toBe('Teams user 29:abc');
    expect(slackUser('U1', 'a|b>c')).toBe('<@U1|abc>');
  });

  it('a channel of another partnership cannot acknowledge it', async () => {
    const n = h.fake.calls.length;
    const body = interactionBody(buttonPayload(h.fake, `alerts ack ${alert.id}`, { channel: FENLAND_CHANNEL, responseId: 'ack-fenland' }));
    await post(h.slack.receiverPort!, '/slack/events', body, signature(body));
    const answer = await until(() => h.fake.calls.slice(n).find((c) => c.name === 'ack-fenland'));
    expect(answer.body.response_type).toBe('ephemeral');
    expect(JSON.stringify(answer.body)).toContain(`This channel has no alert #${alert.id}`);
    expect(await st.store.alertAcknowledgements([alert.id])).toHaveLength(1);
  });
});
