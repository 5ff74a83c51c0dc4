// Messages posted to a local channel through the platform port reach open pages over SSE, once.
import { afterEach, describe, expect, it } from 'vitest';
import type { Reply } from '../../src/core/reply.ts';
import { DeliveryError } from '../../src/core/platform.ts';
import { startHarness, type Harness } from './harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const alert: Reply = {
  kind: 'alerts',
  title: 'Residential burglary in Market ward is unusually high',
  summary: '14 offences in May 2024 against an expected 3 to 9.',
  figures: [],
  notes: ['About 1 month in 200 would be this high by chance.'],
  actions: [{ label: 'Why?', command: 'alerts' }],
};

interface SseEvent {
  event: string;
  id?: string;
  data: any;
}

/** Opens the event stream and collects parsed events. */
async function openStream(url: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { Accept: 'text/event-stream', ...headers }, signal: controller.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const events: SseEvent[] = [];
  const waiters: Array<() => void> = [];
  (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = Object.fromEntries(
            block
              .split('\n')
              .filter((l) => l && !l.startsWith(':'))
              .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]),
          );
          if (fields.event) {
            events.push({ event: fields.event, id: fields.id, data: JSON.parse(fields.data ?? 'null') });
            waiters.splice(0).forEach((w) => w());
          }
        }
      }
    } catch {
      // aborted
    }
  })();
  const waitFor = async (pred: (e: SseEvent[]) => boolean, ms = 5000) => {
    const deadline = Date.now() + ms;
    while (!pred(events)) {
      if (Date.now() > deadline) throw new Error(`timed out; events so far: ${JSON.stringify(events.map((e) => e.event))}`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 50);
      });
    }
  };
  return { events, waitFor, close: () => controller.abort() };
}

describe('SSE delivery of local messages', () => {
  it('pushes a posted alert to an open page as rendered HTML, and a repeat with the same key not at all', async () => {
    h = await startHarness();
    const stream = await openStream(`${h.base}/api/events?after=0`);
    await stream.waitFor((e) => e.some((x) => x.event === 'status'));
    const channel = h.config.channels.find((c) => c.name === 'cambridge-csp')!;
    const first = await h.platform.post(channel, alert, { idempotencyKey: 'spike:market:residential-burglary:2024-05' });
    const again = await h.platform.post(channel, alert, { idempotencyKey: 'spike:market:residential-burglary:2024-05' });
    expect(again.messageId).toBe(first.messageId);
    await stream.waitFor((e) => e.some((x) => x.event === 'message'));
    await new Promise((r) => setTimeout(r, 100));
    const messages = stream.events.filter((e) => e.event === 'message');
    expect(messages).toHaveLength(1);
    expect(messages[0]!.id).toBe(first.messageId);
    expect(messages[0]!.data).toMatchObject({ channel: 'cambridge-csp', kind: 'alerts', title: alert.title });
    expect(messages[0]!.data.html).toContain('badge--alert');
    expect(messages[0]!.data.html).toContain('Residential burglary in Market ward is unusually high');
    expect(messages[0]!.data.html).toContain(`id="m-${first.messageId}"`);
    stream.close();

    // and it is in the channel's history for a page opened later
    const page = await (await fetch(`${h.base}/c/cambridge-csp`)).text();
    expect(page).toContain('Residential burglary in Market ward is unusually high');
    expect(await (await fetch(`${h.base}/c/fenland-csp`)).text()).not.toContain('Residential burglary in Market ward');
  });

  it('replays what a reconnecting page missed (Last-Event-ID)', async () => {
    h = await startHarness();
    const channel = h.config.channels[0]!;
    const one = await h.platform.post(channel, { ...alert, title: 'first' });
    await h.platform.post(channel, { ...alert, title: 'second' });
    await h.platform.post(h.config.channels[1]!, { ...alert, title: 'third, in fenland' });
    const stream = await openStream(`${h.base}/api/events`, { 'Last-Event-ID': one.messageId });
    await stream.waitFor((e) => e.filter((x) => x.event === 'message').length === 2);
    expect(stream.events.filter((e) => e.event === 'message').map((e) => e.data.title)).toEqual(['second', 'third, in fenland']);
    stream.close();
  });

  it('pushes status changes (loading progress, then ready)', async () => {
    h = await startHarness({ ready: false });
    const stream = await openStream(`${h.base}/api/events`);
    h.state.loading({ message: 'synthetic history', done: 2, total: 4 });
    h.state.ready();
    await stream.waitFor((e) => e.some((x) => x.event === 'status' && x.data.phase === 'ready'));
    const statuses = stream.events.filter((e) => e.event === 'status').map((e) => e.data);
    expect(statuses.some((s) => s.phase === 'loading' && s.text.includes('50%'))).toBe(true);
    expect(statuses.at(-1)).toMatchObject({ phase: 'ready', latestMonth: '2024-04' });
    stream.close();
  });

  it('lets go of a stream (bus and status listeners) when the page goes away, and when the server closes it', async () => {
    h = await startHarness();
    const baseline = h.state.listenerCount('change');
    const counts = () => [h!.bus.listenerCount(), h!.state.listenerCount('change') - baseline];
    const gone = await openStream(`${h.base}/api/events`);
    await gone.waitFor((e) => e.some((x) => x.event === 'status'));
    expect(counts()).toEqual([1, 1]);
    gone.close();
    await expect.poll(counts).toEqual([0, 0]);

    const open = await openStream(`${h.base}/api/events`);
    await open.waitFor((e) => e.some((x) => x.event === 'status'));
    expect(counts()).toEqual([1, 1]);
    h.closeStreams();
    await expect.poll(counts).toEqual([0, 0]);
    open.close();
  });

  it('refuses to post to a channel that is not local', async () => {
    h = await startHarness();
    const slack = h.config.channels.find((c) => c.platform === 'slack')!;
    await expect(h.platform.post(slack, alert)).rejects.toBeInstanceOf(DeliveryError);
  });
});

describe('the store-backed message log', () => {
  it('keeps history and idempotency across a restart', async () => {
    const { tempStore } = await import('../helpers/store.ts');
    const { openStore } = await import('../../src/store/open.ts');
    const { LocalPlatform, MessageBus, StoreMessageLog } = await import('../../src/surfaces/local/local-platform.ts');
    const { testConfig } = await import('./harness.ts');
    const t = await tempStore();
    try {
      const channel = testConfig().channels[0]!;
      const delivered: number[] = [];
      const bus = new MessageBus();
      bus.subscribe((m) => delivered.push(m.id));
      const first = await new LocalPlatform(new StoreMessageLog(t.store), bus).post(channel, alert, { idempotencyKey: 'k1' });
      await new LocalPlatform(new StoreMessageLog(t.store), bus).post(testConfig().channels[1]!, { ...alert, title: 'fenland' });
      await t.store.close();
      const reopened = await openStore({ path: t.path });
      try {
        const log = new StoreMessageLog(reopened);
        const again = await new LocalPlatform(log, bus).post(channel, alert, { idempotencyKey: 'k1' });
        expect(again.messageId).toBe(first.messageId);
        expect(delivered).toEqual([1, 2]);
        expect((await log.list('cambridge-csp', 10)).map((m) => m.reply.title)).toEqual([alert.title]);
        expect((await log.after(1, 10)).map((m) => m.channel)).toEqual(['fenland-csp']);
        expect(await log.latestId()).toBe(2);
        expect((await log.list('cambridge-csp', 10))[0]!.reply).toEqual(alert);
      } finally {
        await reopened.close();
      }
    } finally {
      await t.cleanup();
    }
  });
});
