// The local channel's HTTP surface: health states, the ask API, charts, history and the page.
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Reply } from '../../src/core/reply.ts';
import { fakeStore, startHarness, type Harness } from './harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function ask(base: string, body: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${base}/api/ask`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

describe('GET /healthz', () => {
  it('is 503 while starting, with no store', async () => {
    h = await startHarness({ store: null, ready: false });
    const res = await fetch(`${h.base}/healthz`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as any;
    expect(body).toMatchObject({ status: 'starting', store: { reachable: false, kind: null } });
  });

  it('is 503 while the fixtures load, and says how far it has got', async () => {
    h = await startHarness({ ready: false });
    h.state.loading({ message: 'police.uk 2024-03', done: 3, total: 10 });
    const res = await fetch(`${h.base}/healthz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 'loading', store: { reachable: true }, loading: { done: 3, total: 10 } });
  });

  it('is 200 when ready: store reachable, latest month, scheduler state', async () => {
    h = await startHarness();
    h.scheduler.register({ name: 'data-check', cron: '30 6 * * *', description: 'test', run() {} });
    h.scheduler.start();
    const res = await fetch(`${h.base}/healthz`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body).toMatchObject({ status: 'ok', store: { reachable: true, kind: 'sqlite' }, data: { latestMonth: '2024-04', months: 2 } });
    expect(body.scheduler).toMatchObject({ state: 'running', timezone: 'Europe/London' });
    expect(body.scheduler.jobs[0]).toMatchObject({ name: 'data-check', cron: '30 6 * * *' });
    expect(Date.parse(body.scheduler.jobs[0].nextRun)).toBeGreaterThan(Date.now());
  });

  it('is 503 when the store cannot be read', async () => {
    h = await startHarness({ store: fakeStore(['2024-04'], { broken: true }) });
    const res = await fetch(`${h.base}/healthz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 'unavailable', store: { reachable: false } });
  });

  it('is 503 when the store file has been deleted or replaced under the running service', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wardwatch-health-'));
    const file = join(dir, 'wardwatch.sqlite');
    writeFileSync(file, 'db');
    try {
      h = await startHarness({ storeFile: file });
      expect((await fetch(`${h.base}/healthz`)).status).toBe(200);
      // replaced: a new file renamed over it (made while the old one exists, so a different inode)
      writeFileSync(`${file}.new`, 'another db');
      renameSync(`${file}.new`, file);
      const replaced = await fetch(`${h.base}/healthz`);
      expect(replaced.status).toBe(503);
      expect(await replaced.json()).toMatchObject({ status: 'unavailable', store: { reachable: false, problem: expect.stringContaining('replaced') } });
      rmSync(file);
      const gone = await fetch(`${h.base}/healthz`);
      expect(gone.status).toBe(503);
      expect(await gone.json()).toMatchObject({ status: 'unavailable', store: { reachable: false, problem: expect.stringContaining('no longer exists') } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a failed start', async () => {
    h = await startHarness({ ready: false });
    h.state.failed(new Error('fixtures/police-uk/2024-01.csv:12: expected a month'));
    const res = await fetch(`${h.base}/healthz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 'failed', error: expect.stringContaining('2024-01.csv:12') });
  });
});

describe('POST /api/ask', () => {
  it('says it wants JSON when the body is not JSON (a form post, text/plain), instead of "no channel named null"', async () => {
    h = await startHarness();
    for (const [type, body] of [
      ['text/plain', '{"channel":"cambridge-csp","text":"help"}'],
      ['application/x-www-form-urlencoded', 'channel=cambridge-csp&text=help'],
    ]) {
      const res = await fetch(`${h.base}/api/ask`, { method: 'POST', headers: { 'Content-Type': type! }, body });
      expect(res.status, type).toBe(415);
      expect(((await res.json()) as any).error).toContain('application/json');
    }
  });

  it('runs the command as the chosen channel and returns the reply and its HTML', async () => {
    h = await startHarness();
    const { status, json } = await ask(h.base, { channel: 'fenland-csp', text: '/crime help' });
    expect(status).toBe(200);
    expect(json.command).toBe('help');
    expect(json.reply.kind).toBe('help');
    expect(json.reply.summary).toContain('Fenland Community Safety Partnership');
    expect(json.html).toContain('Wardwatch: what you can ask');
    expect(json.html).toContain('Only visible to you');
    expect(json.html).toMatch(/<button type="button" class="action" data-command="[^"]+"/);
    expect(typeof json.ms).toBe('number');
  });

  it('accepts the text with or without /crime, and refuses other slash commands with a reply', async () => {
    h = await startHarness();
    expect((await ask(h.base, { channel: 'cambridge-csp', text: 'help' })).json.reply.kind).toBe('help');
    const other = await ask(h.base, { channel: 'cambridge-csp', text: '/weather tomorrow' });
    expect(other.status).toBe(200);
    expect(other.json.reply).toMatchObject({ kind: 'error' });
    expect(other.json.html).toContain('<code>/crime help</code>');
  });

  it('rejects unknown or non-local channels, bad bodies and over-long text', async () => {
    h = await startHarness();
    expect((await ask(h.base, { channel: 'nowhere', text: 'help' })).status).toBe(404);
    expect((await ask(h.base, { channel: 'cambridge-slack', text: 'help' })).status).toBe(404);
    expect((await ask(h.base, { channel: 'cambridge-csp' })).status).toBe(400);
    expect((await ask(h.base, { channel: 'cambridge-csp', text: 'x'.repeat(501) })).status).toBe(400);
    const res = await fetch(`${h.base}/api/ask`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{not json' });
    expect(res.status).toBe(400);
  });

  it('is 503 with the loading state until the data is loaded', async () => {
    h = await startHarness({ ready: false });
    h.state.loading({ message: 'synthetic history', done: 1, total: 4 });
    const { status, json } = await ask(h.base, { channel: 'cambridge-csp', text: 'help' });
    expect(status).toBe(503);
    expect(json.error).toContain('Loading data');
  });

  it('escapes everything from a reply and serves its chart as a PNG, rendered once', async () => {
    const reply: Reply = {
      kind: 'answer',
      title: 'Market <script>alert(1)</script>',
      summary: 'Burglary saw a decrease of 10% (-27 offences) & more',
      figures: [{ id: 'latest-month', label: 'April 2024', value: 12, display: '12', period: 'April 2024', wording: '12 offences in April 2024' }],
      chart: { kind: 'trend', title: 'Market ward: burglary', areaName: 'Market', measureLabel: 'Burglary', series: [{ month: '2024-04', count: 12 }], source: 'police.uk' },
      chartAlt: 'Line chart of burglary in Market ward',
      notes: ['Source: police.uk'],
      actions: [{ label: 'By crime type', command: 'market ward by type' }],
    };
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const rendered: string[] = [];
    h = await startHarness({ renderer: (request, size) => (rendered.push(`${request.kind}:${size}`), png) });
    // deliver a reply with a chart through the local platform and read it back from the channel's history
    await h.platform.post(h.config.channels[0]!, reply);
    const history = (await (await fetch(`${h.base}/api/channels/cambridge-csp`)).json()) as any;
    expect(history.html).not.toContain('<script>');
    expect(history.html).toContain('Market &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(history.html).toContain('&amp; more');
    expect(history.html).toContain('alt="Line chart of burglary in Market ward"');
    const src = /src="(\/charts\/[A-Za-z0-9_-]{22}\.png)"/.exec(history.html)?.[1];
    expect(src).toBeDefined();
    const chart = await fetch(`${h.base}${src}`);
    expect(chart.status).toBe(200);
    expect(chart.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await chart.arrayBuffer())).toEqual(png);
    await fetch(`${h.base}${src}`);
    expect(rendered).toEqual(['trend:full']); // rendered once, then cached
    expect((await fetch(`${h.base}/charts/${'0'.repeat(22)}.png`)).status).toBe(404);
    expect((await fetch(`${h.base}/charts/..%2Fpackage.json`)).status).toBe(404);
  });
});

describe('the page', () => {
  it('lists the local channels with their scope and renders the command box', async () => {
    h = await startHarness();
    const root = await fetch(`${h.base}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/c/cambridge-csp');
    const res = await fetch(`${h.base}/c/fenland-csp`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    const page = await res.text();
    expect(page).toContain('<html lang="en-GB">');
    expect(page).toContain('data-channel="cambridge-csp"');
    expect(page).toContain('Fenland CSP · Fenland');
    expect(page).not.toContain('cambridge-slack');
    expect(page).toMatch(/<a class="channel-link" href="\/c\/fenland-csp" data-channel="fenland-csp" aria-current="page">/);
    expect(page).toContain('role="log"');
    expect(page).toContain('aria-live="polite"');
    expect(page).toContain('<label for="composer-input"');
    expect(page).toContain('role="combobox"');
    // nothing is loaded from another origin
    expect(page).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect((await fetch(`${h.base}/c/nowhere`)).status).toBe(404);
    for (const asset of ['local.js', 'local.css', 'icon.svg']) expect((await fetch(`${h.base}/assets/${asset}`)).status).toBe(200);
    const css = await (await fetch(`${h.base}/assets/local.css`)).text();
    expect(css).not.toMatch(/url\(\s*['"]?https?:|@import/);
  });

  it("offers commands, the channel's places first, and the topics it is cleared for", async () => {
    h = await startHarness();
    const v = (await (await fetch(`${h.base}/api/vocabulary?channel=fenland-csp`)).json()) as any;
    expect(v.commands.some((c: { name: string }) => c.name === 'help')).toBe(true);
    expect(v.places[0]).toMatchObject({ name: 'Fenland', inScope: true });
    expect(v.places.find((p: { name: string }) => p.name === 'Market')).toMatchObject({ type: 'ward', district: 'Cambridge', inScope: false });
    expect(v.places.find((p: { name: string }) => p.name === 'March North')).toMatchObject({ inScope: true });
    expect(v.topics.some((t: { label: string }) => /burglary/i.test(t.label))).toBe(true);
  });

  it('offers the demo control only when it is wired in', async () => {
    h = await startHarness();
    expect(await (await fetch(`${h.base}/c/cambridge-csp`)).text()).not.toContain('Simulate next month');
    expect((await fetch(`${h.base}/api/dev/simulate-month`, { method: 'POST' })).status).toBe(404);
    await h.close();
    h = await startHarness({ simulateMonth: async () => ({ month: '2024-05', summary: 'May 2024 loaded' }) });
    expect(await (await fetch(`${h.base}/c/cambridge-csp`)).text()).toContain('Simulate next month');
    const res = await fetch(`${h.base}/api/dev/simulate-month`, { method: 'POST' });
    expect(await res.json()).toEqual({ month: '2024-05', summary: 'May 2024 loaded' });
  });
});
