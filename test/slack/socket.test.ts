// One Socket Mode round trip: the real Bolt SocketModeReceiver opens apps.connections.open on the fake,
// connects to its local WebSocket, receives a slash_commands envelope, acks it over the socket and
// answers through response_url. No signing secret is involved in this mode.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { blockKitProblems } from '../../src/surfaces/slack/limits.ts';
import { tempStore, type TempStore } from '../helpers/store.ts';
import { APP_TOKEN, BOT_TOKEN, CHANNEL, startHarness, TEAM, UNLINKED_CHANNEL, type Harness } from './helpers.ts';

let st: TempStore;
let h: Harness;

beforeAll(async () => {
  st = await tempStore();
  h = await startHarness(st.store, { env: { SLACK_SIGNING_SECRET: '', SLACK_APP_TOKEN: APP_TOKEN } });
  await h.fake.socket.connected();
});
afterAll(async () => {
  await h?.stop();
  await st?.cleanup();
});

const envelope = (id: string, channelId: string, text: string) => ({
  envelope_id: id,
  type: 'slash_commands',
  accepts_response_payload: true,
  payload: {
    token: 'legacy',
    team_id: TEAM,
    team_domain: 'fake',
    channel_id: channelId,
    channel_name: 'somewhere',
    user_id: 'U0ASKER0001',
    user_name: 'jo',
    command: '/crime',
    text,
    api_app_id: 'A0FAKE0001',
    response_url: h.fake.responseUrl(id),
    trigger_id: '1.2.3',
  },
});

it('runs in Socket Mode: connects with the app token, acks over the socket, answers via response_url', async () => {
  expect(h.slack.mode).toBe('socket');
  const open = h.fake.callsTo('apps.connections.open');
  expect(open).toHaveLength(1);
  expect(open[0]!.auth).toBe(`Bearer ${APP_TOKEN}`);

  const ack = await h.fake.socket.send(envelope('env-1', CHANNEL, 'help'));
  expect(ack.envelope_id).toBe('env-1');

  const answer = await h.fake.waitFor((c) => c.kind === 'response' && c.name === 'env-1');
  expect(answer.body.response_type).toBe('ephemeral');
  expect(blockKitProblems(answer.body.blocks as unknown[])).toEqual([]);
  expect(JSON.stringify(answer.body.blocks)).toContain('what you can ask');
  expect(h.guard.refused).toEqual([]);
  for (const line of h.logs) {
    expect(line).not.toContain(APP_TOKEN);
    expect(line).not.toContain(BOT_TOKEN);
  }
});

it('puts the "how to link this channel" reply in the socket ack itself', async () => {
  const ack = (await h.fake.socket.send(envelope('env-2', UNLINKED_CHANNEL, 'market ward'))) as { envelope_id: string; payload?: { text?: string } };
  expect(ack.envelope_id).toBe('env-2');
  expect(ack.payload?.text).toContain('wardwatch.config.yaml');
});
