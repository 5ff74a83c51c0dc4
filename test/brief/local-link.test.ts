// The brief on the local page: `/crime brief` answers with a link to the PDF, and the link draws it on
// demand (for the channel that asked, through the stored descriptor) as the real app serves it on loopback.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ChartLinks } from '../../src/charts/links.ts';
import { loadConfig } from '../../src/config/load.ts';
import { briefPdfRenderer } from '../../src/service/briefs.ts';
import { renderAnyChart } from '../../src/service/charts.ts';
import { Scheduler } from '../../src/service/scheduler.ts';
import { ServiceState } from '../../src/service/state.ts';
import { createApp } from '../../src/surfaces/local/app.ts';
import { MemoryMessageLog, MessageBus } from '../../src/surfaces/local/local-platform.ts';
import { fixtureStore, type TempStore } from '../helpers/store.ts';

let t: TempStore;
let server: Server;
let base: string;
let dir: string;

beforeAll(async () => {
  t = await fixtureStore({ history: true });
  dir = mkdtempSync(join(tmpdir(), 'wardwatch-brief-link-'));
  const { config } = loadConfig('wardwatch.config.yaml');
  const state = new ServiceState();
  state.attachStore(t.store);
  state.ready();
  const { app } = createApp({
    config,
    state,
    scheduler: new Scheduler({ timezone: config.timezone, log: () => {} }),
    messages: new MemoryMessageLog(),
    bus: new MessageBus(),
    charts: new ChartLinks(t.store, (request, size) => renderAnyChart(t.store, request, size)),
    binding: { token: null, loopback: true },
    briefPdf: briefPdfRenderer(t.store, config),
  });
  server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 300_000);
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await t?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

it('links the PDF from the answer and draws it when the link is opened', async () => {
  const res = await fetch(`${base}/api/ask`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ channel: 'cambridge-csp', text: '/crime brief' }),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { html: string; reply: { kind: string; attachment: { filename: string } } };
  expect(body.reply.kind).toBe('brief');
  const link = /href="(\/briefs\/[A-Za-z0-9_-]{22}\.pdf)"/.exec(body.html)?.[1];
  expect(link, body.html).toBeTruthy();
  const pdf = await fetch(`${base}${link}`);
  expect(pdf.status).toBe(200);
  expect(pdf.headers.get('content-type')).toMatch(/application\/pdf/);
  expect(pdf.headers.get('content-disposition')).toBe(`inline; filename="${body.reply.attachment.filename}"`);
  const bytes = Buffer.from(await pdf.arrayBuffer());
  expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
  const file = join(dir, 'linked.pdf');
  writeFileSync(file, bytes);
  const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' });
  expect(text).toContain("Chair's brief");
  expect(text.replace(/\s+/g, ' ')).toContain('#cambridge-csp: partnership figures adjusted (small ones not shown), sensitive measures not shown');
  expect((await fetch(`${base}/briefs/AAAAAAAAAAAAAAAAAAAAAA.pdf`)).status).toBe(404);
}, 120_000);
