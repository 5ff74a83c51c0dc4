// A landed month reaches every local channel once, through the outbox (idempotency key, dispatcher,
// local platform), with buttons scoped to the channel's own partnership.
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { OutboxDispatcher } from '../../src/service/outbox.ts';
import { postReleaseNotices } from '../../src/service/release-notice.ts';
import { LocalPlatform, MemoryMessageLog, MessageBus } from '../../src/surfaces/local/local-platform.ts';
import { tempStore, type TempStore } from '../helpers/store.ts';
import { testConfig } from './harness.ts';

const stores: TempStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.cleanup();
});

async function setUp(config: Config) {
  const t = await tempStore();
  stores.push(t);
  await t.store.upsertAreas([
    { code: 'E07000008', name: 'Cambridge', type: 'district', parentCode: null },
    { code: 'E07000010', name: 'Fenland', type: 'district', parentCode: null },
  ]);
  const log = new MemoryMessageLog();
  const bus = new MessageBus();
  const seen: string[] = [];
  bus.subscribe((m) => seen.push(`${m.channel}: ${m.reply.title}`));
  const dispatcher = new OutboxDispatcher({ store: t.store, config, platforms: { local: new LocalPlatform(log, bus) }, owner: 'test' });
  return { store: t.store, log, seen, dispatcher, deps: { config, store: t.store } };
}

const event = { id: 7, kind: 'landed' as const, month: '2024-05', source: 'police.uk' as const, releaseId: 31, synthetic: true, at: '2024-06-20T09:00:00Z' };
const extract = { ...event, id: 8, source: 'partnership' as const, releaseId: 32 };

describe('release notices', () => {
  it('enqueues one notice per local channel and month of a batch (police.uk and the extract together), delivered once through the outbox', async () => {
    const { store, log, seen, dispatcher, deps } = await setUp(testConfig());
    expect(await postReleaseNotices([event, extract], deps)).toBe(2);
    expect(await postReleaseNotices([event, extract], deps)).toBe(0); // the same batch again: nothing new
    expect(seen).toEqual([]); // written to the outbox, not posted
    const queued = await store.outboxMessages({ limit: 10 });
    expect(queued.map((m) => [m.channel, m.kind, m.state, m.idempotencyKey]).sort()).toEqual([
      ['cambridge-csp', 'release-notice', 'pending', 'release-notice:landed:2024-05:31,32:cambridge-csp'],
      ['fenland-csp', 'release-notice', 'pending', 'release-notice:landed:2024-05:31,32:fenland-csp'],
    ]);
    const outcomes = await dispatcher.drain();
    expect(outcomes.map((o) => o.outcome)).toEqual(['sent', 'sent']);
    expect(await dispatcher.drain()).toEqual([]);
    expect(seen.sort()).toEqual(['cambridge-csp: New data: May 2024', 'fenland-csp: New data: May 2024']);
    expect((await log.list('cambridge-csp', 5))[0]!.reply.summary).toMatch(/^Figures for May 2024 from police\.uk and the partnership's own extract are now loaded/);
    const fenland = (await log.list('fenland-csp', 5))[0]!.reply;
    expect(fenland.summary).toContain('synthetic');
    expect(fenland.summary).toContain('Fenland Community Safety Partnership');
    expect(fenland.actions.map((a) => a.command)).toEqual(['fenland', 'top asb fenland']);
    expect(fenland.notes[0]).toMatch(/^SYNTHETIC DATA/);
    expect((await store.outboxMessages({ limit: 10 })).every((m) => m.state === 'sent' && m.platformMessageId)).toBe(true);
    // A revision of the same month is news of its own, said as a revision.
    expect(await postReleaseNotices([{ ...event, id: 9, kind: 'revised', releaseId: 33 }], deps)).toBe(2);
    await dispatcher.drain();
    expect(seen.slice(2).sort()).toEqual(['cambridge-csp: Revised data: May 2024', 'fenland-csp: Revised data: May 2024']);
    expect((await log.list('fenland-csp', 5))[1]!.reply.summary).toContain('have been revised');
  });

  it('with no local channel configured, the page’s own channel gets the notice through the outbox too', async () => {
    const config = parseConfig(
      `
forceArea: { name: Cambridgeshire Constabulary, districts: [E07000008, E07000010] }
timezone: Europe/London
partnerships:
  - { id: countywide, name: Countywide Board, areas: [E07000008, E07000010] }
channels:
  - { name: board-slack, platform: slack, slackChannelId: C0123456789, partnership: countywide }
`,
      'test.yaml',
    ).config;
    const { seen, dispatcher, deps } = await setUp(config);
    expect(await postReleaseNotices([event], deps)).toBe(1);
    const outcomes = await dispatcher.drain();
    expect(outcomes.map((o) => [o.outcome])).toEqual([['sent']]);
    expect(seen).toEqual(['local-cli: New data: May 2024']);
  });
});
