// Issue 17, "the first screen is the answer", measured on the real thing: `wardwatch serve` (its page,
// stylesheet, client script and chart PNGs) in headless Chromium at 1366x900, the size of the most
// common laptop screen. After `/crime market ward`, the reply from its first line to the end of its
// chart fits in the message pane, above its notes, with "About these figures" collapsed; the Teams view
// shows the same reply as its Adaptive Card with the About part behind its own toggle. Saves the
// screenshots to test-artifacts/ and, with UPDATE_DOCS_SCREENSHOT=1, to docs/ (local-channel.png,
// teams-view.png). Skipped with a message when /usr/bin/chromium is absent (a failure under CI=true).
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { fixtureStore, type TempStore } from '../helpers/store.ts';
import { hasChromium, launchChromium, requireChromium } from '../helpers/browser.ts';
import { childEnv, ROOT, startServe, stopChild, waitReady, type Served } from '../service/serve.ts';

const ARTIFACTS = join(ROOT, 'test-artifacts');
requireChromium('the screens browser test');

const VIEWPORT = { width: 1366, height: 900 };

function saveShot(name: string) {
  if (process.env.UPDATE_DOCS_SCREENSHOT === '1') copyFileSync(join(ARTIFACTS, name), join(ROOT, 'docs', name));
}

describe.skipIf(!hasChromium)('the first screen, in the served page (Chromium, 1366x900)', () => {
  let t: TempStore;
  let served: Served;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    t = await fixtureStore({ history: true });
    await t.store.close();
    // a copy of the fixture store with its history: no first-start load
    served = await startServe('serve', childEnv({ WARDWATCH_DB: t.path, WARDWATCH_DEV_CONTROLS: '0', WARDWATCH_FIXTURES: 'never' }));
    await waitReady(served, 60_000);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: VIEWPORT, deviceScaleFactor: 1 });
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    if (served) await stopChild(served);
    await t?.cleanup();
  });

  it('/crime market ward: title to chart within the pane, above the notes; About collapsed', async () => {
    await page.goto(served.url, { waitUntil: 'load' });
    await page.locator('#status-text.status--ready').waitFor();
    const input = page.locator('#composer-input');
    await input.fill('/crime market ward');
    await input.press('Enter');
    const answer = page
      .locator('.pane:not([hidden]) article.msg--answer')
      .filter({ has: page.locator('.figures') })
      .first();
    await answer.waitFor();
    const img = answer.locator('.chart img');
    await page.waitForFunction((el: any) => el && el.complete && el.naturalWidth > 0, await img.elementHandle());
    // Scroll the answer's first line to the top of the message pane, as a reader would.
    await page.evaluate(`(() => {
      const el = document.querySelector('.pane:not([hidden]) article.msg--answer');
      const log = document.getElementById('messages');
      log.scrollTop += el.getBoundingClientRect().top - log.getBoundingClientRect().top;
    })()`);
    const box = (await page.evaluate(`(() => {
      const a = document.querySelector('.pane:not([hidden]) article.msg--answer');
      const r = (el) => el.getBoundingClientRect();
      const pane = r(document.getElementById('messages'));
      const about = a.querySelector('details.about');
      return { paneTop: pane.top, paneBottom: pane.bottom, top: r(a).top, chartBottom: r(a.querySelector('figure.chart')).bottom,
        notesTop: r(a.querySelector('.notes')).top, innerHeight: window.innerHeight, aboutOpen: about ? about.open : null,
        firstLine: (a.querySelector('.reply-summary, .summary, p') || a).textContent.trim().slice(0, 80) };
    })()`)) as { paneTop: number; paneBottom: number; top: number; chartBottom: number; notesTop: number; innerHeight: number; aboutOpen: boolean | null; firstLine: string };
    const above = box.chartBottom - box.top;
    console.log(`market ward at 1366x900: ${Math.round(above)} px from its first line to the end of its chart; pane ${Math.round(box.paneBottom - box.paneTop)} px`);
    expect(above, `reply above its notes: ${Math.round(above)} px; pane ${Math.round(box.paneBottom - box.paneTop)} px`).toBeLessThanOrEqual(box.paneBottom - box.paneTop);
    expect(box.chartBottom).toBeLessThanOrEqual(box.innerHeight);
    expect(box.notesTop).toBeGreaterThanOrEqual(box.chartBottom);
    expect(box.aboutOpen).toBe(false);
    await page.screenshot({ path: join(ARTIFACTS, 'local-channel.png') });
    saveShot('local-channel.png');
  }, 90_000);

  it('the Teams view: the same reply as its Adaptive Card, About these figures behind its own toggle', async () => {
    const toggle = page.locator('#teams-view');
    await toggle.click();
    expect(await toggle.getAttribute('aria-pressed')).toBe('true');
    const card = page.locator('.pane:not([hidden]) article.msg--answer .teams-card-view .ac-card').first();
    await card.waitFor();
    const buttons = await card.locator('button').allTextContents();
    expect(buttons.map((b) => b.trim())).toEqual(expect.arrayContaining([expect.stringMatching(/^Notes and sources \(\d+\)$/), 'About these figures']));
    const text = (await card.textContent()) ?? '';
    expect(text).toMatch(/⚠ .*synthetic/);
    // About is hidden until its toggle is pressed, then shown
    const aboutVisible = () => card.locator('[id$="wardwatch-about"]').isVisible();
    expect(await aboutVisible()).toBe(false);
    await card.locator('button', { hasText: 'About these figures' }).click();
    await expect.poll(aboutVisible).toBe(true);
    // The screenshot: the whole card, with About open (a taller window, so the card is seen whole).
    await page.setViewportSize({ width: VIEWPORT.width, height: 1500 });
    await page.evaluate(`(() => {
      const el = document.querySelector('.pane:not([hidden]) article.msg--answer');
      const log = document.getElementById('messages');
      log.scrollTop += el.getBoundingClientRect().top - log.getBoundingClientRect().top - 8;
    })()`);
    await page.screenshot({ path: join(ARTIFACTS, 'teams-view.png') });
    saveShot('teams-view.png');
    await card.locator('button', { hasText: 'About these figures' }).click();
    expect(await aboutVisible()).toBe(false);
    await page.setViewportSize(VIEWPORT);
    await toggle.click();
  }, 60_000);
});
