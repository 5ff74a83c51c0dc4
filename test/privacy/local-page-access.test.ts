// The local page reachable beyond loopback (issue 16, item 8): a token names the channels it may ask
// as, so the client cannot choose one (a cleared channel included); on loopback without a token the
// page behaves as before. Its event streams are capped per client (429) and in total (503). All
// through HTTP against the real app.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { ChartLinks } from '../../src/charts/links.ts';
import { Scheduler } from '../../src/service/scheduler.ts';
import { ServiceState } from '../../src/service/state.ts';
import { createApp, type LocalAppOptions } from '../../src/surfaces/local/app.ts';
import { resolveBinding } from '../../src/surfaces/local/guard.ts';
import { LocalPlatform, MemoryMessageLog, MessageBus } from '../../src/surfaces/local/local-platform.ts';
import { fakeStore } from '../server/harness.ts';

const CONFIG = `
forceArea: { name: Cambridgeshire Constabulary, districts: [E07000008, E07000010] }
timezone: Europe/London
partnerships:
  - { id: cambridge, name: Cambridge City Community Safety Partnership, areas: [E07000008] }
  - { id: fenland, name: Fenland Community Safety Partnership, areas: [E07000010] }
channels:
  - { name: cambridge-csp, platform: local, partnership: cambridge }
  - { name: cambridge-analysts, platform: local, partnership: cambridge, clearance: { smallNumbers: true, sensitive: true } }
  - { name: fenland-csp, platform: local, partnership: fenland }
`;
const CSP = 'cambridge-csp-token-0123456789';
const ANALYSTS = 'cambridge-analysts-token-0123456789';
const BARE = 'bare-local-token-0123456789';

let closeAll: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of closeAll.splice(0)) await c();
});

async function start(binding: LocalAppOptions['binding']) {
  const config = parseConfig(CONFIG, 'test.yaml').config;
  const state = new ServiceState();
  // the server harness's fake store; what else the page reads of a store (its command box's examples) answers empty
  const fake = fakeStore() as unknown as Record<string, unknown>;
  const store = new Proxy(fake, { get: (o, k) => (k in o ? o[k as string] : typeof k === 'string' ? async () => [] : undefined) }) as unknown as ReturnType<typeof fakeStore>;
  state.attachStore(store);
  state.ready();
  const messages = new MemoryMessageLog();
  const bus = new MessageBus();
  const scheduler = new Scheduler({ timezone: config.timezone, log: () => {} });
  const { app, closeStreams } = createApp({ config, state, scheduler, messages, bus, charts: new ChartLinks(store, null), binding, simulateMonth: null });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  closeAll.push(async () => {
    closeStreams();
    await scheduler.stop();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  return { base, config, platform: new LocalPlatform(messages, bus) };
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
async function askAs(base: string, token: string | null, channel: string) {
  const res = await fetch(`${base}/api/ask`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? bearer(token) : {}) },
    body: JSON.stringify({ channel, text: '/weather' }),
  });
  return res.status;
}

/** An open event stream; resolves once the headers are in. */
async function stream(base: string, token: string | null) {
  const controller = new AbortController();
  const res = await fetch(`${base}/api/events`, { headers: { Accept: 'text/event-stream', ...(token ? bearer(token) : {}) }, signal: controller.signal });
  const events: Array<{ event: string; data: any }> = [];
  if (res.status === 200)
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const f = Object.fromEntries(
              block
                .split('\n')
                .filter((l) => l && !l.startsWith(':'))
                .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]),
            );
            if (f.event) events.push({ event: f.event, data: JSON.parse(f.data ?? 'null') });
          }
        }
      } catch {
        // aborted
      }
    })();
  else await res.body?.cancel();
  return { status: res.status, retryAfter: res.headers.get('retry-after'), events, close: () => controller.abort() };
}

const grants = () =>
  resolveBinding({
    WARDWATCH_HOST: '0.0.0.0',
    WARDWATCH_LOCAL_TOKEN: BARE,
    WARDWATCH_LOCAL_TOKENS: JSON.stringify({ [CSP]: ['cambridge-csp'], [ANALYSTS]: ['cambridge-analysts', 'cambridge-csp'] }),
    WARDWATCH_EVENT_STREAMS_PER_CLIENT: '2',
    WARDWATCH_EVENT_STREAMS_MAX: '3',
  });

describe('beyond loopback, a token names the channels it may ask as', () => {
  it('reads the tokens and their channels from the environment, and refuses bad ones', () => {
    const b = grants();
    expect(b.grants).toEqual([
      { token: BARE, channels: 'uncleared' },
      { token: CSP, channels: ['cambridge-csp'] },
      { token: ANALYSTS, channels: ['cambridge-analysts', 'cambridge-csp'] },
    ]);
    expect(b.streams).toEqual({ perClient: 2, total: 3 });
    expect(resolveBinding({ WARDWATCH_HOST: '0.0.0.0', WARDWATCH_LOCAL_TOKEN: BARE, WARDWATCH_LOCAL_CHANNELS: 'fenland-csp, #cambridge-csp' }).grants).toEqual([
      { token: BARE, channels: ['fenland-csp', 'cambridge-csp'] },
    ]);
    expect(resolveBinding({ WARDWATCH_HOST: '0.0.0.0', WARDWATCH_LOCAL_TOKENS: JSON.stringify({ [CSP]: ['cambridge-csp'] }) }).token).toBe(CSP);
    expect(() => resolveBinding({ WARDWATCH_HOST: '0.0.0.0', WARDWATCH_LOCAL_TOKENS: '{oops' })).toThrow(/must be JSON/);
    // the env file's single quotes, passed through as part of the value by docker --env-file
    expect(resolveBinding({ WARDWATCH_HOST: '0.0.0.0', WARDWATCH_LOCAL_TOKENS: `'${JSON.stringify({ [CSP]: ['cambridge-csp'] })}'` }).token).toBe(CSP);
    expect(() => resolveBinding({ WARDWATCH_HOST: '0.0.0.0', WARDWATCH_LOCAL_TOKENS: '{"short": ["cambridge-csp"]}' })).toThrow(/at least 16 characters/);
    expect(() => resolveBinding({ WARDWATCH_HOST: '0.0.0.0', WARDWATCH_LOCAL_TOKENS: JSON.stringify({ [CSP]: [] }) })).toThrow(/list of channel names/);
    expect(() => resolveBinding({ WARDWATCH_EVENT_STREAMS_MAX: 'lots' })).toThrow(/WARDWATCH_EVENT_STREAMS_MAX must be a whole number/);
  });

  it('refuses to start when a token names a channel that is not configured', async () => {
    await expect(start({ ...grants(), grants: [{ token: CSP, channels: ['cambridge-board'] }] })).rejects.toThrow(/names "cambridge-board", which is not a local channel/);
  });

  it('the client cannot ask as a channel its token does not name, a cleared one least of all', async () => {
    const { base } = await start(grants());
    expect(await askAs(base, CSP, 'cambridge-csp')).toBe(200);
    expect(await askAs(base, CSP, 'cambridge-analysts')).toBe(404);
    expect(await askAs(base, CSP, 'fenland-csp')).toBe(404);
    expect(await askAs(base, ANALYSTS, 'cambridge-analysts')).toBe(200);
    expect(await askAs(base, ANALYSTS, 'fenland-csp')).toBe(404);
    // WARDWATCH_LOCAL_TOKEN alone: the channels cleared for nothing
    expect(await askAs(base, BARE, 'cambridge-csp')).toBe(200);
    expect(await askAs(base, BARE, 'fenland-csp')).toBe(200);
    expect(await askAs(base, BARE, 'cambridge-analysts')).toBe(404);
    expect(await askAs(base, null, 'cambridge-csp')).toBe(401);
    expect(await askAs(base, 'wrong-token-wrong-token', 'cambridge-csp')).toBe(401);

    // the page lists only the token's channels, and will not open another
    const page = await (await fetch(`${base}/c/cambridge-csp`, { headers: bearer(CSP) })).text();
    expect(page).toContain('data-channel="cambridge-csp"');
    expect(page).not.toContain('cambridge-analysts');
    expect(page).not.toContain('fenland-csp');
    expect((await fetch(`${base}/c/cambridge-analysts`, { headers: bearer(CSP) })).status).toBe(404);
    expect((await fetch(`${base}/api/channels/cambridge-analysts`, { headers: bearer(CSP) })).status).toBe(404);
    expect((await fetch(`${base}/api/vocabulary?channel=cambridge-analysts`, { headers: bearer(CSP) })).status).toBe(404);
    const root = await fetch(`${base}/`, { headers: bearer(ANALYSTS), redirect: 'manual' });
    expect(root.headers.get('location')).toBe('/c/cambridge-csp'); // the first of its channels, in config order
  });

  it("a token's event stream carries only its channels' messages", async () => {
    const { base, config, platform } = await start({ ...grants(), streams: { perClient: 5, total: 10 } });
    const csp = await stream(base, CSP);
    const analysts = await stream(base, ANALYSTS);
    expect([csp.status, analysts.status]).toEqual([200, 200]);
    await expect.poll(() => csp.events.some((e) => e.event === 'status') && analysts.events.some((e) => e.event === 'status')).toBe(true);
    const reply = { kind: 'answer' as const, title: 'Rape in Market ward: 3 in April', summary: 'cleared figures', figures: [], notes: [], actions: [] };
    await platform.post(
      config.channels.find((c) => c.name === 'cambridge-analysts')!,
      reply,
      { idempotencyKey: 'a1' },
    );
    await platform.post(
      config.channels.find((c) => c.name === 'cambridge-csp')!,
      { ...reply, title: 'New data: May 2024' },
      { idempotencyKey: 'c1' },
    );
    await expect.poll(() => analysts.events.filter((e) => e.event === 'message').length).toBe(2);
    await expect.poll(() => csp.events.filter((e) => e.event === 'message').length).toBe(1);
    expect(csp.events.filter((e) => e.event === 'message').map((e) => e.data.channel)).toEqual(['cambridge-csp']);
    csp.close();
    analysts.close();
  });

  it("caps event streams: 429 beyond a client's share, 503 beyond the total, and a closed stream frees its place", async () => {
    const { base } = await start(grants()); // 2 per client, 3 in all
    const a1 = await stream(base, CSP);
    const a2 = await stream(base, CSP);
    const a3 = await stream(base, CSP);
    expect([a1.status, a2.status, a3.status]).toEqual([200, 200, 429]);
    expect(a3.retryAfter).toBe('30');
    const b1 = await stream(base, ANALYSTS);
    expect(b1.status).toBe(200);
    const b2 = await stream(base, ANALYSTS);
    expect(b2.status).toBe(503);
    a1.close();
    await expect
      .poll(async () => {
        const s = await stream(base, ANALYSTS);
        if (s.status === 200) s.close();
        return s.status;
      })
      .toBe(200);
    for (const s of [a2, b1]) s.close();
  });
});

describe('on loopback with no token, as before', () => {
  it('any local channel may be asked as, and a client may open a few streams', async () => {
    const { base } = await start(resolveBinding({ PORT: '0' }));
    expect(await askAs(base, null, 'cambridge-analysts')).toBe(200);
    expect(await askAs(base, null, 'fenland-csp')).toBe(200);
    const open = [await stream(base, null), await stream(base, null), await stream(base, null)];
    expect(open.map((s) => s.status)).toEqual([200, 200, 200]);
    for (const s of open) s.close();
  });
});
