// Issue 17, "examples and help": every example a channel shows (help's table and buttons, the welcome
// card's "Try" buttons) answers in that channel, in every configured channel; every README example
// answers in the channel the README shows it in; every follow-up button of the answers leads somewhere.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { makeContext } from '../../src/core/context.ts';
import { answer, commands } from '../../src/core/dispatch.ts';
import type { Reply } from '../../src/core/reply.ts';
import { channelExamples } from '../../src/resolve/examples.ts';
import { channelView } from '../../src/surfaces/local/channels.ts';
import { taxonomy } from '../../src/taxonomy/index.ts';
import { fixtureStore, type TempStore } from '../helpers/store.ts';

const ROOT = join(import.meta.dirname, '../..');
/** The commands whose examples are written from the channel's own places (the default command is ''): all but help. */
const OWN_EXAMPLES = ['', 'alerts', 'brief', 'compare', 'map', 'mute', 'top', 'unmute'];
let t: TempStore;
const { config } = loadConfig();
beforeAll(async () => {
  t = await fixtureStore({ history: true });
});
afterAll(() => t?.cleanup());

const ctxFor = (channel: string) => makeContext({ store: t.store, config, channel, now: new Date('2024-05-20T09:00:00Z') });
const ask = (text: string, channel: string): Promise<Reply> => answer(text, ctxFor(channel));
/** Answered: anything but a refusal, an error or a question back (alerts, briefs and help are answers). */
const answered = (r: Reply) => r.kind !== 'error' && r.kind !== 'choices';

describe("examples come from the channel's own partnership", () => {
  for (const channel of config.channels.map((c) => c.name)) {
    it(`#${channel}: every help example, help button and welcome-card button answers here`, async () => {
      const ctx = ctxFor(channel);
      const shown = new Set<string>();
      // Every command but help writes its examples from the channel's places (Command.examples); the
      // commands load in file order, so `mute ...` runs (and sets a mute) before `unmute all` ends it.
      const withExamples = (await commands()).filter((c) => c.examples);
      expect(withExamples.map((c) => c.name ?? '').sort()).toEqual(OWN_EXAMPLES);
      expect((await commands()).filter((c) => !c.examples).map((c) => c.name)).toEqual(['help']);
      for (const { examples } of await channelExamples(ctx, withExamples)) for (const e of examples) shown.add(e);
      const help = await ask('help', channel);
      for (const a of help.actions) shown.add(a.command);
      // the help table's "Try" column is what the user reads
      const forms = new Set(withExamples.map((c) => c.summary));
      for (const row of help.table!.rows) {
        const [summary, tries = ''] = row[1]!.split('. Try: ');
        if (forms.has(summary!)) for (const e of tries.split(' · ').filter(Boolean)) shown.add(e.replace(/^\/crime /, ''));
      }
      const view = await channelView(config, ctx.channel, t.store);
      expect(view.examples.length, 'the welcome card has examples').toBeGreaterThanOrEqual(3);
      // a welcome button never changes anything: no mute or unmute there
      expect(view.examples.filter((e) => /^(mute|unmute)\b/.test(e))).toEqual([]);
      expect(view.examples).toContain('brief');
      for (const e of view.examples) shown.add(e);
      expect(shown.size).toBeGreaterThan(8);
      for (const c of withExamples)
        expect(
          [...shown].some((e) => (c.name ? e.split(' ')[0] === c.name : true)),
          `an example of ${c.name ?? 'the default command'}`,
        ).toBe(true);
      for (const e of shown) {
        const r = await ask(e, channel);
        expect(answered(r), `"/crime ${e}" in #${channel}: ${r.kind}: ${r.title}: ${r.summary ?? ''}`).toBe(true);
      }
    });
  }
  it('the Cambridge and Fenland channels show different places', async () => {
    const cam = (await channelView(config, ctxFor('cambridge-csp').channel, t.store)).examples.join(' ');
    const fen = (await channelView(config, ctxFor('fenland-csp').channel, t.store)).examples.join(' ');
    expect(cam).toMatch(/market|cambridge/);
    expect(fen).toMatch(/fenland|wisbech|march/);
    expect(fen).not.toMatch(/cambridge/);
    expect(cam).not.toMatch(/fenland/);
  });
});

describe('help', () => {
  it('says each description once and mentions private', async () => {
    const r = await ask('help', 'cambridge-csp');
    const descriptions = r.table!.rows.map((row) => row[1]!.split('. Try: ')[0]);
    expect(new Set(descriptions).size).toBe(descriptions.length);
    expect(r.summary).toMatch(/`private`/);
    expect(r.summary).toMatch(/market ward private/);
  });
});

describe("the README's examples answer in the channel that shows them", () => {
  it('every `/crime ...` example in README.md', async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const examples = [...readme.matchAll(/`\/crime ([^`<>\[\]]+)`/g)].map((m) => m[1]!.trim()).filter((e) => !/^(failed|help)\b/.test(e) || e === 'help');
    // the CLI examples too: `wardwatch ask "..."`
    for (const m of readme.matchAll(/wardwatch ask "([^"]+)"/g)) examples.push(m[1]!);
    expect(examples.length).toBeGreaterThan(10);
    for (const e of new Set(examples)) {
      // The README shows the local page's first channel, #cambridge-csp; county examples are the countywide board's.
      const channel = /\bcounty\b/.test(e) ? 'countywide-board' : 'cambridge-csp';
      const r = await ask(e.replace(/ private$/, ''), channel);
      expect(answered(r), `README "/crime ${e}" in #${channel}: ${r.kind}: ${r.title}: ${r.summary ?? ''}`).toBe(true);
    }
  });
});

describe('follow-ups that lead somewhere', () => {
  for (const [q, channel] of [
    ['market ward', 'cambridge-csp'],
    ['cambridge', 'cambridge-csp'],
    ['compare market abbey', 'cambridge-csp'],
    ['compare market cambridge asb', 'cambridge-csp'],
    ['top asb cambridge', 'cambridge-csp'],
    ['fenland', 'fenland-csp'],
    ['top burglary fenland', 'fenland-csp'],
    ['market by type', 'cambridge-csp'],
    ['top asb districts', 'countywide-board'],
  ] as const) {
    it(`every button of "${q}" in #${channel} answers`, async () => {
      const r = await ask(q, channel);
      expect(r.kind).toBe('answer');
      for (const a of r.actions) {
        const next = await ask(a.command, channel);
        expect(answered(next), `"${a.label}" (${a.command}): ${next.kind}: ${next.title}: ${next.summary ?? ''}`).toBe(true);
      }
    });
  }
  it('the taxonomy is the one source the examples read', () => {
    expect(taxonomy().get('anti-social-behaviour')).toBeTruthy();
  });
});
