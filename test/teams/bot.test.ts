// The Teams bot end to end, with the real Teams SDK over HTTP on loopback: `startService` (what
// `wardwatch serve` runs) as two replicas on one PostgreSQL database, replica A running the bot with
// TEAMS_ALLOW_UNAUTHENTICATED=1 and PUBLIC_URL pointing at replica B. The tests post Bot Framework
// activities to A's /api/messages whose serviceUrl is a fake Bot Connector, and read the cards the bot
// sent back from what the fake recorded; proactive posts go through the ChatPlatform adapters the outbox
// uses; a Workflows webhook is a fake endpoint too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type RunningService } from '../../src/service/service.ts';
import type { Reply } from '../../src/core/reply.ts';
import { DeliveryError } from '../../src/core/platform.ts';
import { fixtureStoreOn, type DialectStore } from '../helpers/store.ts';
import { activity, BOT, cardOf, cardTexts, fakeConnector, fakeWorkflows, postActivity, TENANT, type FakeConnector, type FakeServer } from './fakes.ts';
import { CAMBRIDGE_CHANNEL, channel, COUNTY_CHAT, FENLAND_CHANNEL, PERSONAL_CHAT, teamsTestConfig, WEBHOOK_ENV } from './helpers.ts';

const config = teamsTestConfig();

describe('Teams bot on /api/messages (unauthenticated test mode), two replicas', () => {
  let db: DialectStore;
  let connector: FakeConnector;
  let workflows: FakeServer;
  let a: RunningService;
  let b: RunningService;
  const logsA: string[] = [];
  /** A real alert in the store (Market ward burglary, Cambridge), for the Acknowledge buttons. */
  let alertId = 0;
  const webhookUrl = () => `${workflows.url}/workflows/abc123/triggers/manual/paths/invoke?api-version=1&sp=%2Ftriggers&sv=1.0&sig=SECRET-SIGNATURE-VALUE`;

  /** Posts an activity to A and returns the activities the bot sent while handling it. */
  async function say(body: Record<string, unknown>): Promise<{ status: number; body: any; sent: ReturnType<FakeConnector['sent']> }> {
    const before = connector.sent().length;
    const r = await postActivity(a.url, body);
    return { ...r, sent: connector.sent().slice(before) };
  }
  const ch = (o: Partial<Parameters<typeof activity>[0]> & { text?: string }) =>
    activity({ serviceUrl: `${connector.url}/`, kind: 'channel', conversation: CAMBRIDGE_CHANNEL, ...o } as Parameters<typeof activity>[0]);

  beforeAll(async () => {
    connector = await fakeConnector();
    workflows = await fakeWorkflows();
    db = await fixtureStoreOn('postgres');
    const binding = { host: '127.0.0.1', port: 0, token: null, loopback: true, pageEnabled: true };
    b = await startService({ config, store: { url: db.location }, binding, env: { NODE_ENV: 'test', WARDWATCH_REPLICA_ID: 'B' }, log: () => {}, devControls: false });
    await b.ready;
    a = await startService({
      config,
      store: { url: db.location },
      binding,
      env: { NODE_ENV: 'test', WARDWATCH_REPLICA_ID: 'A', TEAMS_ALLOW_UNAUTHENTICATED: '1', PUBLIC_URL: b.url, [WEBHOOK_ENV]: webhookUrl() },
      log: (line) => logsA.push(line),
      devControls: false,
    });
    await a.ready;
    const market = (await a.store.areas('ward')).find((w) => w.name === 'Market')!;
    const [alert] = await a.store.saveAlerts([
      {
        fingerprint: `teams-test|${market.code}|burglary`,
        rule: 'teams-test',
        kind: 'spike',
        severity: 'warning',
        areaCode: market.code,
        areaName: 'Market',
        measure: 'burglary',
        measureLabel: 'Burglary',
        partnerships: ['cambridge', 'fenland'],
        sinceMonth: '2024-04',
        lastMonth: '2024-04',
        state: 'firing',
        observed: 12,
        expected: 4,
        upperBound: 9,
        probability: 0.001,
        explanation: { headline: 'Market: burglary 12 in April 2024 against about 4 expected', sentence: 'Well above what is expected.' },
        resolvedMonth: null,
      },
    ]);
    alertId = alert!.id;
  }, 240_000);

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await connector?.close();
    await workflows?.close();
    await db?.cleanup();
  });

  it('says loudly that it runs without authentication, and reports the surface', async () => {
    expect(logsA.join('\n')).toMatch(/RUNNING WITHOUT AUTHENTICATION \(TEAMS_ALLOW_UNAUTHENTICATED=1\)/);
    const h = (await (await fetch(`${a.url}healthz`)).json()) as any;
    expect(h.surfaces.teams).toMatchObject({ state: 'ok', reason: expect.stringMatching(/not checked/) });
    // Replica B has no Teams credentials: no bot there, but it serves the chart images (below).
    expect((await postActivity(b.url, ch({ text: 'crime help' }))).status).toBe(404);
  });

  it('a channel @mention: the answer card goes back into the thread, chart as an image URL on PUBLIC_URL', async () => {
    const r = await say(ch({ text: 'crime market ward' }));
    expect(r.status).toBe(200);
    expect(r.sent).toHaveLength(1);
    const sent = r.sent[0]!;
    expect(sent.conversation).toMatch(new RegExp(`^${CAMBRIDGE_CHANNEL.replace(/[.]/g, '\\.')};messageid=\\d+$`));
    // Outgoing calls carry the bot's token (an unsigned local one without credentials).
    expect(connector.calls.at(-1)!.auth).toMatch(/^Bearer [\w-]+\.[\w-]+\.$/);
    const card = cardOf(sent.activity);
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
    const texts = cardTexts(card);
    expect(texts[0]).toMatch(/Market/);
    // The key fact comes right after the title: the first figure's sentence.
    expect(texts[1]).toMatch(/\d/);
    const facts = card.body.find((e: any) => e.type === 'FactSet');
    expect(facts.facts.length).toBeGreaterThan(0);
    const image = card.body.find((e: any) => e.type === 'Image');
    expect(image.url).toMatch(new RegExp(`^${b.url.replace(/\/$/, '')}/teams/charts/[A-Za-z0-9_-]{22}\\.png$`));
    expect(image.altText.length).toBeGreaterThan(10);
    // Notes collapsed behind a toggle; follow-ups as Submit actions carrying their command.
    const toggle = card.body.find((e: any) => e.type === 'ActionSet')?.actions[0];
    expect(toggle).toMatchObject({ type: 'Action.ToggleVisibility', targetElements: ['wardwatch-notes'] });
    expect(card.body.find((e: any) => e.id === 'wardwatch-notes')).toMatchObject({ type: 'Container', isVisible: false });
    expect(card.actions.length).toBeGreaterThan(0);
    for (const action of card.actions) expect(action).toMatchObject({ type: 'Action.Submit', data: { wardwatch: 'run', command: expect.any(String) } });
    expect(texts.join('\n')).toMatch(/Jo Bloggs asked: crime market ward/);
    // The conversation reference was kept for proactive posts.
    expect(await a.store.teamsConversation(CAMBRIDGE_CHANNEL)).toMatchObject({ conversationType: 'channel', serviceUrl: `${connector.url}/`, tenantId: TENANT, botId: BOT.id });
  });

  it("the card's chart URL loads as a PNG from the other replica", async () => {
    const r = await say(ch({ text: 'crime market burglary' }));
    const url = cardOf(r.sent[0]!.activity).body.find((e: any) => e.type === 'Image').url as string;
    expect(url.startsWith(b.url.replace(/\/$/, ''))).toBe(true);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(bytes.length).toBeGreaterThan(5000);
    // An unknown id is a 404, not a guessable chart.
    expect((await fetch(url.replace(/[A-Za-z0-9_-]{22}\.png$/, 'AAAAAAAAAAAAAAAAAAAAAA.png'))).status).toBe(404);
  });

  it('/crime brief: the card links the PDF on PUBLIC_URL, and the link loads the PDF from the other replica', async () => {
    const r = await say(ch({ text: 'crime brief' }));
    const card = cardOf(r.sent[0]!.activity);
    const open = card.body.flatMap((e: any) => (e.type === 'ActionSet' ? e.actions : [])).find((a: any) => a.type === 'Action.OpenUrl' && /PDF/.test(a.title));
    expect(open, JSON.stringify(card).slice(0, 2000)).toBeTruthy();
    expect(open.url).toMatch(new RegExp(`^${b.url.replace(/\/$/, '')}/teams/documents/[A-Za-z0-9_-]{22}\\.pdf$`));
    const res = await fetch(open.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/pdf/);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    // The id is random, not the brief's description: asking again gives another link; an unknown id is a 404.
    const again = cardOf((await say(ch({ text: 'crime brief' }))).sent[0]!.activity);
    const openAgain = again.body.flatMap((e: any) => (e.type === 'ActionSet' ? e.actions : [])).find((a: any) => a.type === 'Action.OpenUrl' && /PDF/.test(a.title));
    expect(openAgain.url).not.toBe(open.url);
    expect((await fetch(open.url.replace(/[A-Za-z0-9_-]{22}\.pdf$/, 'AAAAAAAAAAAAAAAAAAAAAA.pdf'))).status).toBe(404);
  }, 60_000);

  it('an unknown command gets a helpful card, never a stack trace', async () => {
    const r = await say(ch({ text: 'crime xyzzyplugh' }));
    expect(r.status).toBe(200);
    const texts = cardTexts(cardOf(r.sent[0]!.activity)).join('\n');
    expect(texts).toMatch(/couldn't find a place called "xyzzyplugh"/);
    expect(texts).not.toMatch(/\n\s+at /);
  });

  it('a scope refusal: a Fenland channel asking about Market ward is told it is outside its partnership', async () => {
    const r = await say(ch({ conversation: FENLAND_CHANNEL, text: 'crime market ward' }));
    const card = cardOf(r.sent[0]!.activity);
    expect(cardTexts(card)[0]).toBe('Outside this partnership');
    expect(cardTexts(card).join('\n')).toMatch(/outside Fenland Community Safety Partnership's area/);
  });

  let stIvesCommand = '';
  it('an ambiguous place in a group chat: the choices come back as buttons', async () => {
    const r = await say(activity({ serviceUrl: `${connector.url}/`, kind: 'groupChat', conversation: COUNTY_CHAT, text: 'crime st ives' }));
    expect(r.sent[0]!.conversation).toBe(COUNTY_CHAT);
    const card = cardOf(r.sent[0]!.activity);
    expect(card.actions.map((x: any) => x.title)).toEqual(['St Ives East ward, Huntingdonshire', 'St Ives South ward, Huntingdonshire', 'St Ives West ward, Huntingdonshire']);
    stIvesCommand = card.actions[0].data.command;
    expect(stIvesCommand).toBeTruthy();
  });

  it('a submitted follow-up (Action.Submit: a message with a value and no text) runs its command', async () => {
    const r = await say(activity({ serviceUrl: `${connector.url}/`, kind: 'groupChat', conversation: COUNTY_CHAT, value: { wardwatch: 'run', command: stIvesCommand } }));
    expect(r.status).toBe(200);
    const card = cardOf(r.sent[0]!.activity);
    expect(cardTexts(card)[0]).toMatch(/St Ives East/);
    expect(card.body.some((e: any) => e.type === 'FactSet')).toBe(true);
  });

  it('a 1:1 chat: no @mention and no prefix needed', async () => {
    const r = await say(activity({ serviceUrl: `${connector.url}/`, kind: 'personal', conversation: PERSONAL_CHAT, text: 'market ward' }));
    expect(r.sent[0]!.conversation).toBe(PERSONAL_CHAT);
    const texts = cardTexts(cardOf(r.sent[0]!.activity));
    expect(texts[0]).toMatch(/Market/);
    expect(texts.join('\n')).not.toMatch(/asked:/);
  });

  it('"private" in a channel: the answer goes to a 1:1 chat with the asker, a short note to the thread', async () => {
    const r = await say(ch({ text: 'crime market ward private' }));
    const created = connector.calls.filter((c) => c.path === '/v3/conversations' && c.body?.isGroup === false).at(-1)!;
    expect(created.body.members).toEqual([{ id: '29:jo' }]);
    const toChat = r.sent.find((s) => s.conversation.startsWith('a:private-'))!;
    expect(cardTexts(cardOf(toChat.activity))[0]).toMatch(/Market/);
    const inThread = r.sent.find((s) => s.conversation.startsWith(CAMBRIDGE_CHANNEL))!;
    expect(cardTexts(cardOf(inThread.activity)).join(' ')).toMatch(/Sent privately/);
    expect(JSON.stringify(inThread.activity)).not.toMatch(/FactSet/);
  });

  it('a conversation not in the config gets the paste-ready config block', async () => {
    const r = await say(ch({ conversation: '19:somewhere-else@thread.tacv2', text: 'crime market ward' }));
    const texts = cardTexts(cardOf(r.sent[0]!.activity)).join('\n');
    expect(texts).toMatch(/not linked to a Community Safety Partnership yet/);
    expect(texts).toMatch(/platform: teams\n {4}teamsConversationId: "19:somewhere-else@thread\.tacv2"\n {4}partnership: <one of the partnership ids in the file>/);
  });

  it('installed in a team: the reference is kept from the install event and the channel is welcomed', async () => {
    const install = activity({ serviceUrl: `${connector.url}/`, kind: 'channel', conversation: FENLAND_CHANNEL, type: 'conversationUpdate' });
    Object.assign(install, { membersAdded: [BOT], channelData: { ...(install.channelData as object), eventType: 'teamMemberAdded' } });
    const r = await say(install);
    expect(r.status).toBe(200);
    expect(await a.store.teamsConversation(FENLAND_CHANNEL)).toMatchObject({ conversationType: 'channel', installed: true });
    expect(cardTexts(cardOf(r.sent[0]!.activity)).join(' ')).toMatch(/linked to teams-fenland/);
  });

  const digestFor = (id: number): Reply => ({
    kind: 'alerts',
    title: 'Cambridge: 2 alerts for April 2024',
    summary: 'Burglary in Market ward is well above what is expected.',
    figures: [{ id: 'alert-1', label: 'Market: burglary', value: 12, display: '12', period: 'April 2024', wording: 'Market: burglary 12 in April 2024 against about 4 expected' }],
    notes: ['Source: police.uk'],
    actions: [
      { label: 'Acknowledge', command: `alerts ack ${id}` },
      { label: 'Market ward', command: 'market ward' },
    ],
  });
  const digest = digestFor(41);

  it('a proactive digest to a channel starts a new thread; a follow-up is a reply in it', async () => {
    const teams = a.platforms.teams!;
    const cam = channel(config, 'teams-cambridge');
    const before = connector.calls.length;
    const posted = await teams.post(cam, digest, { idempotencyKey: 'digest:cambridge:2024-04:teams-cambridge' });
    const create = connector.calls.slice(before).find((c) => c.path === '/v3/conversations')!;
    expect(create.body).toMatchObject({ isGroup: true, channelData: { channel: { id: CAMBRIDGE_CHANNEL } }, tenantId: TENANT });
    const card = cardOf(create.body.activity);
    expect(cardTexts(card).slice(0, 2)).toEqual(['Cambridge: 2 alerts for April 2024', 'Market: burglary 12 in April 2024 against about 4 expected']);
    // Acknowledge: a Universal Action with a Submit fallback; the other follow-up a Submit.
    expect(card.actions[0]).toMatchObject({
      type: 'Action.Execute',
      verb: 'acknowledge',
      data: { wardwatch: 'ack', alertId: '41', channel: 'teams-cambridge' },
      fallback: { type: 'Action.Submit' },
    });
    expect(card.actions[1]).toMatchObject({ type: 'Action.Submit', data: { command: 'market ward' } });
    expect(posted.messageId).toMatch(/^\d+$/);
    // The same key again (a dispatcher retry in this process) posts nothing new.
    const again = await teams.post(cam, digest, { idempotencyKey: 'digest:cambridge:2024-04:teams-cambridge' });
    expect(again).toEqual(posted);

    const follow = await teams.post(
      cam,
      { ...digest, kind: 'answer', title: 'Resolved: Market burglary back to normal', actions: [] },
      { idempotencyKey: 'resolved:x', threadOf: posted.messageId },
    );
    const reply = connector.calls.at(-1)!;
    expect(reply.path).toBe(`/v3/conversations/${CAMBRIDGE_CHANNEL};messageid=${posted.messageId}/activities`);
    expect(reply.body.replyToId).toBe(posted.messageId);
    expect(cardTexts(cardOf(reply.body))[0]).toBe('Resolved: Market burglary back to normal');
    expect(follow.messageId).toMatch(/^\d+$/);
  });

  it('a proactive digest to an existing conversation (a group chat) is a message in it', async () => {
    const posted = await a.platforms.teams!.post(channel(config, 'teams-county-chat'), digest, { idempotencyKey: 'digest:county:2024-04' });
    const call = connector.calls.at(-1)!;
    expect(call.path).toBe(`/v3/conversations/${COUNTY_CHAT}/activities`);
    expect(cardTexts(cardOf(call.body))[0]).toBe('Cambridge: 2 alerts for April 2024');
    expect(posted.messageId).toMatch(/^\d+$/);
  });

  it('a proactive post the connector refuses becomes a DeliveryError the outbox can act on', async () => {
    connector.script({ status: 429, headers: { 'retry-after': '7' } });
    const err = await a.platforms.teams!.post(channel(config, 'teams-county-chat'), digest, { idempotencyKey: 'k-429' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err).toMatchObject({ retryable: true, retryAfterMs: 7000 });
    connector.script({ status: 403, body: { error: { code: 'BotNotInConversationRoster' } } });
    const gone = await a.platforms.teams!.post(channel(config, 'teams-county-chat'), digest, { idempotencyKey: 'k-403' }).catch((e: unknown) => e);
    expect(gone).toMatchObject({ retryable: false, message: expect.stringMatching(/BotNotInConversationRoster/) });
    // A configured channel Wardwatch never heard from, in no known team: says what to do.
    const never = await a.platforms
      .teams!.post({ ...(channel(config, 'teams-jo') as Extract<ReturnType<typeof channel>, { platform: 'teams' }>), teamsConversationId: 'a:1never-seen' }, digest)
      .catch((e: unknown) => e);
    expect(never).toMatchObject({ retryable: false, message: expect.stringMatching(/install the app/) });
  });

  it('Acknowledge on an alert card (adaptiveCard/action invoke) records who, answers the presser and tells the thread', async () => {
    const invoke = ch({
      type: 'invoke',
      name: 'adaptiveCard/action',
      value: { action: { type: 'Action.Execute', verb: 'acknowledge', data: { wardwatch: 'ack', alertId: String(alertId), channel: 'teams-cambridge' } } },
    });
    const r = await say(invoke);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: expect.stringMatching(/^Jo Bloggs acknowledged this alert/) });
    expect(cardTexts(cardOf(r.sent[0]!.activity))[0]).toBe('Acknowledged: Market burglary');
    const acks = await a.store.alertAcknowledgements([alertId]);
    expect(acks.at(-1)).toMatchObject({ by: 'Jo Bloggs', surface: 'teams' });
    // The Submit fallback (older clients): a message carrying the same data; and the typed command.
    const viaSubmit = await say(ch({ value: { wardwatch: 'ack', alertId: String(alertId) }, user: { id: '29:sam', name: 'Sam Field', aadObjectId: 'aad-sam' } }));
    expect(cardTexts(cardOf(viaSubmit.sent[0]!.activity)).join(' ')).toMatch(/Sam Field acknowledged this alert/);
    const typed = await say(ch({ text: `crime alerts ack ${alertId}`, user: { id: '29:al', name: 'Al Jones', aadObjectId: 'aad-al' } }));
    expect(cardTexts(cardOf(typed.sent[0]!.activity)).join(' ')).toMatch(/Al Jones acknowledged this alert/);
    expect((await a.store.alertAcknowledgements([alertId])).map((x) => x.by)).toEqual(expect.arrayContaining(['Jo Bloggs', 'Sam Field', 'Al Jones']));
    // An alert this channel cannot see is refused.
    const other = await say(ch({ value: { wardwatch: 'ack', alertId: '999999' } }));
    expect(cardTexts(cardOf(other.sent[0]!.activity))[0]).toBe('No such alert here');
  });

  it('a Workflows post: the card in the message envelope, retried after a 429 and a 503, 202 = handed over; the sig never logged', async () => {
    workflows.script({ status: 429, headers: { 'retry-after': '0' } }, { status: 503 });
    const before = workflows.calls.length;
    const posted = await a.platforms['teams-webhook']!.post(channel(config, 'cambridge-workflows'), digestFor(alertId), { idempotencyKey: 'digest:cambridge-workflows:2024-04' });
    const calls = workflows.calls.slice(before);
    expect(calls.map((c) => c.status)).toEqual([429, 503, 202]);
    expect(calls[2]!.path).toMatch(/sig=SECRET-SIGNATURE-VALUE/);
    const body = calls[2]!.body;
    expect(body).toMatchObject({
      type: 'message',
      attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: { type: 'AdaptiveCard', version: '1.4' } }],
    });
    const card = body.attachments[0].content;
    // A webhook card cannot call back: no Submit follow-ups; Acknowledge opens a signed link instead.
    expect(card.actions).toHaveLength(1);
    expect(card.actions[0]).toMatchObject({ type: 'Action.OpenUrl', title: 'Acknowledge', url: expect.stringMatching(new RegExp(`^${b.url.replace(/\/$/, '')}/teams/ack/`)) });
    expect(posted.messageId).toMatch(/^workflows:/);
    const log = logsA.join('\n');
    expect(log).toMatch(/HTTP 429; retrying/);
    expect(log).toMatch(/HTTP 503; retrying/);
    expect(log).toContain(new URL(workflows.url).host);
    expect(log).not.toContain('SECRET-SIGNATURE-VALUE');
    expect(log).not.toContain('/workflows/abc123');

    // The signed link opens a form on either replica; a tampered one is refused.
    const link = card.actions[0].url as string;
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(new RegExp(`Acknowledge this alert[\\s\\S]*${alertId}[\\s\\S]*cambridge-workflows`));
    expect((await fetch(`${link.slice(0, -3)}xyz`)).status).toBe(400);
    const submitted = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'by=Sam+Field' });
    expect(submitted.status).toBe(200);
    expect(await submitted.text()).toMatch(/Sam Field \(Teams link\) acknowledged this alert/);
    expect((await b.store.alertAcknowledgements([alertId])).some((x) => x.by === 'Sam Field (Teams link)' && x.surface === 'teams-webhook')).toBe(true);
  });

  it('a Workflows endpoint that keeps failing hands the message back to the outbox as retryable', async () => {
    workflows.script({ status: 503 }, { status: 503 }, { status: 503 });
    const err = await a.platforms['teams-webhook']!.post(channel(config, 'cambridge-workflows'), digest).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'DeliveryError', retryable: true, message: expect.stringMatching(/HTTP 503/) });
    expect((err as Error).message).not.toContain('SECRET');
    const missing = await a.platforms['teams-webhook']!.post({ ...channel(config, 'cambridge-workflows'), webhookUrlEnv: 'TEAMS_WEBHOOK_NOT_SET' } as any, digest).catch(
      (e: unknown) => e,
    );
    expect(missing).toMatchObject({ retryable: false, message: expect.stringMatching(/TEAMS_WEBHOOK_NOT_SET, which is not set/) });
  });

  it('the local page offers a "Teams view": each reply also drawn as its Adaptive Card', async () => {
    const page = await (await fetch(`${a.url}c/cambridge-csp`)).text();
    expect(page).toMatch(/<button type="button" id="teams-view"[^>]*aria-pressed="false"[^>]*>Teams view<\/button>/);
    const r = (await (
      await fetch(`${a.url}api/ask`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ channel: 'cambridge-csp', text: 'market ward' }) })
    ).json()) as any;
    const html = r.html as string;
    expect(html).toMatch(/<div class="native-view">/);
    expect(html).toMatch(/<div class="teams-card-view"><div class="ac-card" role="group" aria-label="As an Adaptive Card in Microsoft Teams \(version 1\.4\)">/);
    expect(html).toMatch(/<dl class="ac-facts">/);
    expect(html).toMatch(/data-ac-toggle="a-\d+-ac-wardwatch-notes"/);
    expect(html).toMatch(/id="a-\d+-ac-wardwatch-notes" hidden/);
    expect(html).toMatch(/<button type="button" class="ac-action" data-command="[^"]+"/);
  });

  it('a large `top` table stays under the card limit, with a note of the rows left out', async () => {
    const r = await say(activity({ serviceUrl: `${connector.url}/`, kind: 'groupChat', conversation: COUNTY_CHAT, text: 'crime top asb wards' }));
    const sent = r.sent[0]!.activity;
    expect(Buffer.byteLength(JSON.stringify({ type: 'message', attachments: sent.attachments }), 'utf16le')).toBeLessThanOrEqual(28_000);
    const card = cardOf(sent);
    const rows = card.body.filter((e: any) => e.type === 'ColumnSet');
    expect(rows.length).toBeGreaterThan(2);
  });
});
