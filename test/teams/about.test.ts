// Issue 17: a Teams card carries what the Slack and local renderers carry: "About these figures" (how
// the figures were made) collapsed behind its own Action.ToggleVisibility, as the notes are, and each
// figure's synthetic label beside its value in the FactSet. Through the real Teams path: `startService`
// (what `wardwatch serve` runs) with the Teams SDK on loopback in unauthenticated test mode, a channel
// @mention posted to /api/messages, and the card read from what the fake Bot Connector recorded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeContext } from '../../src/core/context.ts';
import { answer } from '../../src/core/dispatch.ts';
import { startService, type RunningService } from '../../src/service/service.ts';
import { fixtureStore, type TempStore } from '../helpers/store.ts';
import { activity, cardOf, cardTexts, fakeConnector, postActivity, type FakeConnector } from './fakes.ts';
import { CAMBRIDGE_CHANNEL, teamsTestConfig } from './helpers.ts';

const config = teamsTestConfig();

describe('Teams cards: About these figures and synthetic labels', () => {
  let t: TempStore;
  let connector: FakeConnector;
  let service: RunningService;

  beforeAll(async () => {
    connector = await fakeConnector();
    t = await fixtureStore({ history: true });
    service = await startService({
      config,
      store: { path: t.path },
      binding: { host: '127.0.0.1', port: 0, token: null, loopback: true, pageEnabled: false },
      env: { NODE_ENV: 'test', TEAMS_ALLOW_UNAUTHENTICATED: '1' },
      log: () => {},
      devControls: false,
    });
    await service.ready;
  }, 240_000);

  afterAll(async () => {
    await service?.close();
    await connector?.close();
    await t?.cleanup();
  });

  async function cardFor(text: string): Promise<any> {
    const before = connector.sent().length;
    const body = activity({ serviceUrl: `${connector.url}/`, kind: 'channel', conversation: CAMBRIDGE_CHANNEL, text: `crime ${text}` });
    const r = await postActivity(service.url, body);
    expect(r.status).toBe(200);
    const sent = connector.sent().slice(before);
    expect(sent).toHaveLength(1);
    return cardOf(sent[0]!.activity);
  }

  it('"market ward": the About text is behind its own toggle, hidden; each synthetic figure says so beside its value', async () => {
    const card = await cardFor('market ward');
    // What the command itself says, in the same channel, from the same store.
    const reply = await answer('market ward', makeContext({ store: service.store, config, channel: 'teams-cambridge' }));
    expect(reply.about?.length, 'the reply has an About part').toBeGreaterThan(0);
    const synthetic = reply.figures.filter((f) => f.synthetic);
    expect(synthetic.length, 'the fixture history makes some figures synthetic').toBeGreaterThan(0);

    // The About toggle targets a hidden container holding every About paragraph, after the notes.
    const toggles = card.body
      .filter((e: any) => e.type === 'ActionSet')
      .flatMap((e: any) => e.actions)
      .filter((a: any) => a.type === 'Action.ToggleVisibility');
    expect(toggles.map((a: any) => a.title)).toEqual([expect.stringMatching(/^Notes and sources \(\d+\)$/), 'About these figures']);
    expect(toggles[1].targetElements).toEqual(['wardwatch-about']);
    const ids = card.body.map((e: any) => e.id).filter(Boolean);
    expect(ids).toEqual(['wardwatch-notes', 'wardwatch-about']);
    const about = card.body.find((e: any) => e.id === 'wardwatch-about');
    expect(about).toMatchObject({ type: 'Container', isVisible: false });
    const aboutTexts = cardTexts(about);
    expect(aboutTexts).toHaveLength(reply.about!.length);
    for (const [i, paragraph] of reply.about!.entries()) expect(aboutTexts[i]).toBe(paragraph.replace(/`([^`]+)`/g, '**$1**'));
    // The method is said there, not in the notes.
    expect(aboutTexts.join(' ')).toMatch(/Expected level/);
    expect(cardTexts(card.body.find((e: any) => e.id === 'wardwatch-notes')).join(' ')).not.toMatch(/Farrington/);

    // The FactSet: each synthetic figure's label beside its value, and none on a figure that is real.
    const facts = card.body.find((e: any) => e.type === 'FactSet').facts as Array<{ title: string; value: string }>;
    for (const f of reply.figures) {
      const fact = facts.find((x) => x.title === f.label);
      expect(fact, `figure ${f.id} is in the FactSet`).toBeTruthy();
      if (f.synthetic) expect(fact!.value).toContain(`⚠ ${f.synthetic}`);
      else expect(fact!.value).not.toContain('⚠');
    }
  });

  it('a reply with no About part has no About toggle', async () => {
    const card = await cardFor('help');
    expect(card.body.some((e: any) => e.id === 'wardwatch-about')).toBe(false);
    expect(JSON.stringify(card)).not.toContain('About these figures');
  });
});
