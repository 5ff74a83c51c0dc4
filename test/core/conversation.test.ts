// The conversation port: one handler for every surface. What each surface hands in, what it gets back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { handleQuestion, parsePrivacy, stripPrefix, type Responder } from '../../src/core/conversation.ts';
import type { Reply } from '../../src/core/reply.ts';
import { fixtureStore, type TempStore } from '../helpers/store.ts';

let t: TempStore;
let config: Config;
beforeAll(async () => {
  t = await fixtureStore();
  config = loadConfig(new URL('../../wardwatch.config.yaml', import.meta.url).pathname).config;
});
afterAll(async () => t.cleanup());

function recorder(prefix = '/crime', options: { failDelivery?: boolean; slowWorking?: boolean } = {}) {
  const seen: { delivered: Array<{ reply: Reply; private: boolean; asked: string }>; working: number; apologies: string[] } = { delivered: [], working: 0, apologies: [] };
  const responder: Responder = {
    prefix,
    canAnswerPrivately: true,
    async deliver(reply, o) {
      if (options.slowWorking) await new Promise((r) => setTimeout(r, 50)); // a slow surface: still "working"
      if (options.failDelivery) throw new Error('channel_not_found: xoxb-secret-token');
      seen.delivered.push({ reply, ...o });
    },
    async working() {
      seen.working++;
    },
    async apologise(reason) {
      seen.apologies.push(reason);
    },
  };
  return { responder, seen };
}

const channel = () => config.channels.find((c) => c.name === 'cambridge-csp') ?? config.channels[0]!;

describe('handleQuestion', () => {
  it('answers as the channel, reads "private" anywhere, strips the surface prefix, and writes one audit line without the question', async () => {
    const { responder, seen } = recorder();
    const audit: string[] = [];
    const out = await handleQuestion({ surface: 'local', userId: 'u1', channel: channel(), text: '/crime market ward (private)' }, responder, {
      store: t.store,
      config,
      audit: (l) => audit.push(l),
    });
    expect(out.outcome).toBe('answered');
    expect(seen.delivered).toHaveLength(1);
    expect(seen.delivered[0]!.private).toBe(true);
    expect(seen.delivered[0]!.asked).toBe('market ward');
    expect(seen.delivered[0]!.reply.kind).toBe('answer');
    expect(seen.delivered[0]!.reply.title).toMatch(/Market/);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatch(/^local: answered user=u1 channel=\S+ command=market words=2 private reply=answer \d+ms$/);
    expect(audit[0]).not.toContain('market ward');
  });

  it('a surface signal of privacy (a button in a private answer) is kept; errors and help are private anyway', async () => {
    const { responder, seen } = recorder();
    await handleQuestion({ surface: 'slack', userId: 'u', channel: channel(), text: 'market ward', private: true }, responder, { store: t.store, config });
    await handleQuestion({ surface: 'slack', userId: 'u', channel: channel(), text: 'help' }, responder, { store: t.store, config });
    await handleQuestion({ surface: 'slack', userId: 'u', channel: channel(), text: 'market ward' }, responder, { store: t.store, config });
    expect(seen.delivered.map((d) => [d.reply.kind, d.private])).toEqual([
      ['answer', true],
      ['help', true],
      ['answer', false],
    ]);
  });

  it("help and examples use the surface's own prefix", async () => {
    const { responder, seen } = recorder('crime');
    await handleQuestion({ surface: 'teams', userId: 'u', channel: channel(), text: 'crime help' }, responder, { store: t.store, config });
    const help = seen.delivered[0]!.reply;
    expect(help.kind).toBe('help');
    expect(help.table!.rows.every((r) => r[0]!.startsWith('crime '))).toBe(true);
    expect(JSON.stringify(help)).not.toContain('/crime');
    const { responder: r2, seen: s2 } = recorder('crime');
    await handleQuestion({ surface: 'teams', userId: 'u', channel: channel(), text: 'nowhereville burglary' }, r2, { store: t.store, config });
    expect(s2.delivered[0]!.reply.summary).toContain('`crime help`');
  });

  it('a delivery failure becomes an apology with the reason the surface gives, never a secret', async () => {
    const { responder, seen } = recorder('/crime', { failDelivery: true });
    const audit: string[] = [];
    const out = await handleQuestion({ surface: 'slack', userId: 'u', channel: channel(), text: 'market ward' }, responder, {
      store: t.store,
      config,
      audit: (l) => audit.push(l),
      describeError: () => 'the channel was not found',
    });
    expect(out.outcome).toBe('delivery-failed');
    expect(seen.apologies).toEqual(['the channel was not found']);
    expect(audit.join('\n')).not.toContain('xoxb');
  });

  it('the "working on it" notice comes only when the answer takes longer than the threshold', async () => {
    const fast = recorder();
    await handleQuestion({ surface: 'slack', userId: 'u', channel: channel(), text: 'help' }, fast.responder, { store: t.store, config, workingNoticeMs: 60_000 });
    expect(fast.seen.working).toBe(0);
    const slow = recorder('/crime', { slowWorking: true });
    const out = await handleQuestion({ surface: 'slack', userId: 'u', channel: channel(), text: 'market ward burglary' }, slow.responder, {
      store: t.store,
      config,
      workingNoticeMs: 5,
    });
    expect(slow.seen.working).toBe(1);
    expect(out.workingNotice).toBe(true);
  });
});

describe('parsePrivacy and stripPrefix', () => {
  it('strip only whole words', () => {
    expect(parsePrivacy('Private. market')).toEqual({ text: 'market', private: true });
    expect(parsePrivacy('privateer market')).toEqual({ text: 'privateer market', private: false });
    expect(stripPrefix('/crime market ward', '/crime')).toBe('market ward');
    expect(stripPrefix('crime market ward', 'crime')).toBe('market ward');
    expect(stripPrefix('crimes in market', 'crime')).toBe('crimes in market');
    expect(stripPrefix('/CRIME', '/crime')).toBe('');
  });
});
