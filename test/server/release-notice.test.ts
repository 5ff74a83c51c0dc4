// A landed month reaches every local channel once, through the local platform, with buttons scoped to
// the channel's own partnership.
import { describe, expect, it } from 'vitest';
import { LocalPlatform, MemoryMessageLog, MessageBus } from '../../src/surfaces/local/local-platform.ts';
import { postReleaseNotices } from '../../src/service/release-notice.ts';
import { fakeStore, testConfig } from './harness.ts';

describe('release notices', () => {
  it('posts one notice per local channel and month of a batch (police.uk and the extract together), idempotently', async () => {
    const config = testConfig();
    const log = new MemoryMessageLog();
    const bus = new MessageBus();
    const seen: string[] = [];
    bus.subscribe((m) => seen.push(`${m.channel}: ${m.reply.title}`));
    const deps = { config, store: fakeStore(), platform: new LocalPlatform(log, bus) };
    const event = { id: 7, kind: 'landed' as const, month: '2024-05', source: 'police.uk' as const, releaseId: 31, synthetic: true, at: '2024-06-20T09:00:00Z' };
    const extract = { ...event, id: 8, source: 'partnership' as const, releaseId: 32 };
    expect(await postReleaseNotices([event, extract], deps)).toBe(2);
    await postReleaseNotices([event, extract], deps);
    expect(seen).toEqual(['cambridge-csp: New data: May 2024', 'fenland-csp: New data: May 2024']);
    expect((await log.list('cambridge-csp', 5))[0]!.reply.summary).toMatch(/^Figures for May 2024 from police\.uk and the partnership's own extract are now loaded/);
    const fenland = (await log.list('fenland-csp', 5))[0]!.reply;
    expect(fenland.summary).toContain('synthetic');
    expect(fenland.summary).toContain('Fenland Community Safety Partnership');
    expect(fenland.actions.map((a) => a.command)).toEqual(['fenland', 'top asb fenland']);
    expect(fenland.notes[0]).toMatch(/^SYNTHETIC DATA/);
    // A revision of the same month is news of its own, said as a revision.
    await postReleaseNotices([{ ...event, id: 9, kind: 'revised', releaseId: 33 }], deps);
    expect(seen.slice(2)).toEqual(['cambridge-csp: Revised data: May 2024', 'fenland-csp: Revised data: May 2024']);
    expect((await log.list('fenland-csp', 5))[1]!.reply.summary).toContain('have been revised');
  });
});
