// Issue 17: "the first screen is the answer". The market ward reply, as the local page renders it
// (its real HTML, stylesheet and chart PNG), in Chromium at 1366x900: everything above its notes
// (title, summary, key figures, chart) fits in the message pane, and the method is collapsed under
// "About these figures". Skipped with a message when /usr/bin/chromium is absent (fails under CI).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderChart } from '../../src/charts/index.ts';
import { loadConfig } from '../../src/config/load.ts';
import { makeContext } from '../../src/core/context.ts';
import { answer } from '../../src/core/dispatch.ts';
import { html, renderReply } from '../../src/surfaces/local/html.ts';
import { renderPage } from '../../src/surfaces/local/page.ts';
import { channelView } from '../../src/surfaces/local/channels.ts';
import { fixtureStore, type TempStore } from '../helpers/store.ts';
import { hasChromium, launchChromium, requireChromium } from '../helpers/browser.ts';

const ROOT = join(import.meta.dirname, '../..');
requireChromium('the first-screen test');

let t: TempStore;
const { config } = loadConfig();
beforeAll(async () => {
  t = await fixtureStore({ history: true });
});
afterAll(() => t?.cleanup());

async function pageFor(question: string, channel: string): Promise<string> {
  const ctx = makeContext({ store: t.store, config, channel, now: new Date('2024-05-20T09:00:00Z') });
  const reply = await answer(question, ctx);
  const png = reply.chart ? renderChart(reply.chart, { size: 'full' }) : null;
  const message = renderReply({
    domId: 'm1',
    reply,
    chartUrl: png ? `data:image/png;base64,${png.toString('base64')}` : undefined,
    postedAt: new Date('2024-05-20T09:00:00Z'),
    timezone: 'Europe/London',
    origin: 'answer',
  });
  const view = await channelView(config, ctx.channel, t.store);
  const css = readFileSync(join(ROOT, 'src/surfaces/local/assets/local.css'), 'utf8');
  // The page as served, with the stylesheet inline and no script (nothing else to load).
  return renderPage({
    channel: view,
    channels: [view],
    pane: html`<div class="pane" data-channel="${channel}">${message}</div>`,
    lastEventId: 0,
    status: { phase: 'ready', latestMonth: '2024-04' } as never,
    timezone: 'Europe/London',
    devControls: false,
    assetVersion: 'test',
  })
    .replace(/<link rel="stylesheet"[^>]*>/, `<style>${css}</style>`)
    .replace(/<script type="module"[^>]*><\/script>/, '');
}

describe.skipIf(!hasChromium)('the first screen is the answer (Chromium, 1366x900)', () => {
  it('the market ward reply fits above its notes; "About these figures" is collapsed', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1366, height: 900 }, deviceScaleFactor: 1 });
      await page.setContent(await pageFor('market ward', 'cambridge-csp'), { waitUntil: 'load' });
      // (evaluated in the page, given as text: this project's TypeScript has no DOM types)
      await page.waitForFunction('document.querySelector("article.msg img")?.complete === true');
      const box = (await page.evaluate(`(() => {
        const rect = (sel) => document.querySelector(sel).getBoundingClientRect();
        const about = document.querySelector('article.msg details.about');
        return { paneHeight: rect('#messages').height, msgTop: rect('article.msg').top, chartBottom: rect('article.msg figure.chart').bottom,
          notesTop: rect('article.msg .notes').top, aboutOpen: about ? about.open : null, aboutText: about ? about.textContent : '' };
      })()`)) as { paneHeight: number; msgTop: number; chartBottom: number; notesTop: number; aboutOpen: boolean | null; aboutText: string };
      // from the top of the message to the end of its chart, within one pane's height
      expect(
        box.chartBottom - box.msgTop,
        `reply height above the notes: ${Math.round(box.chartBottom - box.msgTop)} px, pane ${Math.round(box.paneHeight)} px`,
      ).toBeLessThanOrEqual(box.paneHeight);
      expect(box.notesTop).toBeGreaterThanOrEqual(box.chartBottom);
      expect(box.aboutOpen).toBe(false);
      expect(box.aboutText).toMatch(/About these figures/);
      expect(box.aboutText).toMatch(/Farrington/);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
