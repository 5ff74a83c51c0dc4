// The local page's suggestions (src/surfaces/local/assets/suggest.js, the module local.js uses), run
// on the vocabulary the server sends (/api/vocabulary, real fixture store): after "market bur" the
// burglary topics come before a ward outside the partnership; after "top " the channel's own `top`
// examples are offered, and each of them answers in that channel.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureStore, type TempStore } from '../helpers/store.ts';
import { startHarness, type Harness } from './harness.ts';

interface Suggestion {
  text: string;
  detail: string;
  kind: 'command' | 'place' | 'topic';
  value: string;
}
let t: TempStore;
let h: Harness;
// plain browser JavaScript: imported by its path, as the page's script imports it
let ranking: { prepareVocabulary(v: unknown): unknown; suggest(value: string, v: unknown): Suggestion[] };
const vocab = new Map<string, unknown>();
beforeAll(async () => {
  t = await fixtureStore();
  h = await startHarness({ store: t.store });
  ranking = await import(pathToFileURL(join(import.meta.dirname, '../../src/surfaces/local/assets/suggest.js')).href);
}, 300_000);
afterAll(async () => {
  await h?.close();
  await t?.cleanup();
});
const vocabulary = async (channel: string) => {
  if (!vocab.has(channel)) {
    const res = await fetch(`${h.base}/api/vocabulary?channel=${channel}`);
    expect(res.status).toBe(200);
    vocab.set(channel, ranking.prepareVocabulary(await res.json()));
  }
  return vocab.get(channel)!;
};
const suggest = async (value: string, channel = 'cambridge-csp') => ranking.suggest(value, await vocabulary(channel));
const ask = async (text: string, channel: string) => {
  const res = await fetch(`${h.base}/api/ask`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ channel, text }) });
  expect(res.status).toBe(200);
  return (await res.json()) as { reply?: { kind: string; title: string } };
};

describe('suggestions', () => {
  it('after "market bur": the burglary topics first, a ward outside the partnership after every topic', async () => {
    const v = (await vocabulary('cambridge-csp')) as { places: Array<{ name: string; inScope: boolean }> };
    // the case the issue met: Burwell (East Cambridgeshire) is in the vocabulary, outside this partnership
    expect(v.places.find((p) => p.name === 'Burwell')).toMatchObject({ inScope: false });
    const s = await suggest('market bur');
    expect(s[0]).toMatchObject({ kind: 'topic', text: 'burglary', value: 'market burglary ' });
    const lastTopic = s.map((x) => x.kind).lastIndexOf('topic');
    const firstOutside = s.findIndex((x) => x.detail.includes('outside this partnership'));
    expect(lastTopic).toBeGreaterThan(0);
    if (firstOutside >= 0) expect(firstOutside).toBeGreaterThan(lastTopic);
    // with nothing before it, an outside ward still comes after the topics
    const alone = await suggest('bur');
    const burwell = alone.findIndex((x) => x.text === 'burwell ward');
    expect(alone.findIndex((x) => x.kind === 'topic')).toBeGreaterThanOrEqual(0);
    if (burwell >= 0) expect(burwell).toBeGreaterThan(alone.map((x) => x.kind).lastIndexOf('topic'));
  });

  it("keeps the channel's own places first when the place is what is typed", async () => {
    const s = await suggest('market ab');
    expect(s[0]).toMatchObject({ kind: 'place', text: 'abbey ward', value: 'market abbey ward ' });
    expect(await suggest('market ward ')).toEqual([]);
  });

  it('after "top ": the channel\'s own top examples, each answering in that channel, then topics', async () => {
    for (const channel of ['cambridge-csp', 'fenland-csp']) {
      const s = await suggest('top ', channel);
      expect(s.length).toBeGreaterThanOrEqual(3);
      const commands = s.filter((x) => x.kind === 'command');
      expect(commands.length).toBeGreaterThanOrEqual(1);
      expect(s.slice(0, commands.length).every((x) => x.kind === 'command' && x.value.startsWith('/crime top '))).toBe(true);
      for (const c of commands) {
        const r = await ask(c.value, channel);
        expect(r.reply?.kind, `${channel}: ${c.value}`).toBe('answer');
      }
      expect(s.some((x) => x.kind === 'topic' && x.value.startsWith('top '))).toBe(true);
    }
    expect(await suggest('compare ')).not.toEqual([]);
    expect(await suggest('nonsense ')).toEqual([]);
  });
});
