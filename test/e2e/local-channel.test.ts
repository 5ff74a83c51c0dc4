// End to end: `wardwatch serve` on a fresh store (first start loads the fixtures), driven in headless
// Chromium the way a newcomer uses it. Skipped, with a message, when /usr/bin/chromium is absent;
// under CI=true a missing Chromium fails instead.
// (docs/local-channel.png and docs/teams-view.png are taken by test/e2e/screens.test.ts, at 1366x900.)
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { hasChromium, launchChromium, requireChromium } from '../helpers/browser.ts';
import { childEnv, healthz, ROOT, startServe, stopChild, waitFor, type Served } from '../service/serve.ts';

const ARTIFACTS = join(ROOT, 'test-artifacts');
requireChromium('the local channel browser test');

/** `wardwatch serve` on a new store (the first start loads the fixtures): ready, having said 503 while loading. */
async function serveFresh(dbDir: string): Promise<{ served: Served; firstStartMs: number }> {
  const started = performance.now();
  const served = await startServe('serve', childEnv({ WARDWATCH_DB: join(dbDir, 'wardwatch.sqlite') }), 30_000);
  let sawLoading = false;
  // the loader can hold the event loop for a moment: a reset connection is retried
  await waitFor(
    () => `serve to be ready:\n${served.output()}`,
    async () => {
      const status = (await healthz(served))?.status;
      if (status === 503) sawLoading = true;
      return status === 200;
    },
    110_000,
    250,
  );
  expect(sawLoading).toBe(true);
  return { served, firstStartMs: performance.now() - started };
}

/** Runs in the page: texts whose colour against their effective background is below WCAG AA. */
const CONTRAST_CHECK = `(() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4));
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || seen.has(el) || !n.textContent.trim()) continue;
    seen.add(el);
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || style.visibility === 'hidden' || el.closest('[hidden],.visually-hidden,.skip-link,[aria-hidden=true]')) continue;
    if (el.closest('input')) continue;
    const fg = rgb(style.color).slice(0, 3), bg = background(el);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
    const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < need) out.push(el.className + ' "' + n.textContent.trim().slice(0, 30) + '" ' + ratio.toFixed(2));
  }
  return out;
})()`;

/** The reply messages in the visible pane. */
const visibleReplies = (page: Page) => page.locator('.pane:not([hidden]) article.msg--bot:not(.msg--pending)');

describe.skipIf(!hasChromium)('the local channel in a browser', () => {
  let dir: string;
  let served: Served;
  let firstStartMs: number;
  let browser: Browser;
  let page: Page;
  const external: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wardwatch-e2e-'));
    ({ served, firstStartMs } = await serveFresh(dir));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, deviceScaleFactor: 1 });
    page.on('request', (req) => {
      if (!req.url().startsWith(served.url) && !req.url().startsWith('data:')) external.push(req.url());
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    if (served) await stopChild(served);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers /crime market ward with figures and a chart, follows a button, and applies the channel scope', async () => {
    console.log(`first start (fixtures loaded, ready): ${(firstStartMs / 1000).toFixed(1)} s`);
    const t0 = performance.now();
    await page.goto(served.url, { waitUntil: 'load' });
    console.log(`page load: ${Math.round(performance.now() - t0)} ms`);
    await expect.poll(() => page.locator('h1').textContent()).toContain('cambridge-csp');
    expect(await page.locator('.channel-link').count()).toBe(4);
    await page.locator('#status-text.status--ready').waitFor();

    // suggestions: type the start of a place, pick it with the keyboard
    const input = page.locator('#composer-input');
    await input.click();
    await input.pressSequentially('/crime mark');
    await page.locator('#suggestions [role=option]').first().waitFor();
    expect(await input.getAttribute('aria-expanded')).toBe('true');
    const option = page.locator('#suggestions [role=option]', { hasText: 'market ward' }).first();
    await option.waitFor();
    const options = await page.locator('#suggestions [role=option] .suggestion-text').allTextContents();
    for (let i = 0; i <= options.indexOf('market ward'); i++) await input.press('ArrowDown');
    await input.press('Enter');
    expect(await input.inputValue()).toBe('/crime market ward ');

    // ask: Enter submits
    const askStarted = performance.now();
    await input.press('Enter');
    const answer = visibleReplies(page)
      .filter({ has: page.locator('.figures') })
      .first();
    await answer.waitFor();
    console.log(`ask round trip in the page: ${Math.round(performance.now() - askStarted)} ms`);
    expect(await answer.locator('.reply-title').textContent()).toContain('Market');
    expect(await answer.locator('.figure').count()).toBeGreaterThanOrEqual(3);
    expect((await answer.locator('.figure-value').first().textContent())?.trim()).not.toBe('');
    const img = answer.locator('.chart img');
    await page.waitForFunction((el: any) => el && el.complete && el.naturalWidth > 0, await img.elementHandle());
    expect(await img.evaluate((el: any) => el.naturalWidth as number)).toBeGreaterThan(400);
    expect(await img.getAttribute('alt')).toMatch(/Market/);

    // a follow-up button runs its command and its reply arrives
    const before = await visibleReplies(page).count();
    const button = answer.locator('.actions button').first();
    const command = await button.getAttribute('data-command');
    await button.click();
    await expect.poll(() => visibleReplies(page).count(), { timeout: 15_000 }).toBe(before + 1);
    expect(await page.locator('.pane:not([hidden]) .msg--user').last().textContent()).toContain(`/crime ${command}`);
    const followUp = visibleReplies(page).last();
    expect((await followUp.locator('.reply-title').textContent())?.trim()).not.toBe('');
    expect(await followUp.getAttribute('class')).not.toContain('msg--error');

    // the screenshot: the Market ward answer in view, figures and chart
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.setViewportSize({ width: 1400, height: 1280 });
    await answer.scrollIntoViewIfNeeded();
    await page.evaluate(() => {
      const doc = (globalThis as any).document;
      const el = doc.querySelector('.pane:not([hidden]) article.msg--answer');
      const log = doc.getElementById('messages');
      if (el) log.scrollTop += el.getBoundingClientRect().top - log.getBoundingClientRect().top - 72;
    });
    await page.screenshot({ path: join(ARTIFACTS, 'local-channel-1400.png') });

    await page.setViewportSize({ width: 1400, height: 1000 });

    // switch channel: Fenland's channel may not see a Cambridge ward
    await page.locator('.channel-link[data-channel="fenland-csp"]').click();
    await expect.poll(() => page.locator('h1').textContent()).toContain('fenland-csp');
    expect(await page.locator('.channel-link[data-channel="fenland-csp"]').getAttribute('aria-current')).toBe('page');
    expect(await page.locator('#channel-meta').textContent()).toContain('Fenland');
    expect(page.url()).toMatch(/\/c\/fenland-csp$/);
    await input.fill('/crime market ward');
    await input.press('Enter');
    const refusal = page.locator('.pane[data-channel="fenland-csp"] article.msg--bot.msg--error').last();
    await refusal.waitFor();
    const refusalText = (await refusal.textContent()) ?? '';
    expect(refusalText).toMatch(/outside/i);
    expect(refusalText).toContain('Fenland');
    await page.screenshot({ path: join(ARTIFACTS, 'local-channel-fenland.png') });

    // back to Cambridge: its conversation is still there
    await page.locator('.channel-link[data-channel="cambridge-csp"]').click();
    await page.locator('.pane[data-channel="cambridge-csp"]:not([hidden]) .msg--answer .figures').first().waitFor();

    // contrast: every visible text on the page meets WCAG AA (4.5:1; 3:1 for large text)
    const failures = await page.evaluate(CONTRAST_CHECK);
    expect(failures).toEqual([]);

    // simulate next month: the landed month's alert digest is posted to every channel and arrives live (SSE)
    // (beside it, the monthly summary: the digest is the "month landed" message now that alerts/ ships rules)
    await page.locator('#simulate').click();
    const digestTitle = /^Cambridge City: (no new alerts|\d+ new alerts?) in \w+ \d{4}$/;
    const arrived = page
      .locator('.pane[data-channel="cambridge-csp"]:not([hidden]) article.msg--delivered.msg--new')
      .filter({ has: page.locator('.reply-title', { hasText: digestTitle }) });
    await arrived.first().waitFor({ timeout: 60_000 });
    expect(await arrived.count()).toBe(1);
    expect(await arrived.first().locator('.reply-title').textContent()).toMatch(digestTitle);
    await expect.poll(() => page.locator('#simulate-result').textContent(), { timeout: 10_000 }).toMatch(/loaded/);
    // Fenland hears of it too (its digest, and its own monthly summary): unread, at most those two.
    await expect.poll(async () => Number(await page.locator('.channel-link[data-channel="fenland-csp"] .unread .count').textContent())).toBeGreaterThanOrEqual(1);
    expect(Number(await page.locator('.channel-link[data-channel="fenland-csp"] .unread .count').textContent())).toBeLessThanOrEqual(2);
    expect(await page.locator('.channel-link[data-channel="fenland-csp"] .unread').isVisible()).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'local-channel-simulated.png') });

    expect(external).toEqual([]);
  }, 120_000);

  it('escapes hostile questions, keeps tables readable and the command box in reach on a narrow screen', async () => {
    const askIn = async (text: string) => {
      const n = await visibleReplies(page).count();
      await page.locator('#composer-input').fill(text);
      await page.locator('#composer-input').press('Enter');
      await expect.poll(() => visibleReplies(page).count(), { timeout: 15_000 }).toBe(n + 1);
      return visibleReplies(page).last();
    };
    await page.setViewportSize({ width: 900, height: 800 });
    await page.goto(`${served.url}c/cambridge-analysts`, { waitUntil: 'load' });
    await page.locator('#status-text.status--ready').waitFor();

    // nothing a user types runs as markup, in the server's HTML or the client's own echo of the question
    for (const hostile of ['"><img src=x onerror="window.__xss=1"> ward', '<script>window.__xss=2</script>', "market ward' onmouseover='window.__xss=3"])
      await askIn(`/crime ${hostile}`);
    expect(await page.evaluate(() => (globalThis as any).__xss)).toBeUndefined();
    expect(await page.locator('.pane:not([hidden]) img[onerror], .pane:not([hidden]) script, .pane:not([hidden]) [onmouseover]').count()).toBe(0);

    // the help table: long example commands in the first column must not squeeze the second to a sliver
    const help = await askIn('/crime help');
    const widths = await help
      .locator('tbody tr')
      .first()
      .evaluate((tr: any) => [...tr.children].map((c: any) => c.getBoundingClientRect().width));
    expect(widths[1]).toBeGreaterThan(220);

    // narrow: the page scrolls as a whole; the question asked is brought into view, the box stays in reach
    await page.setViewportSize({ width: 420, height: 850 });
    const answer = await askIn('/crime help');
    const [askedTop, composerTop, composerBottom] = await page.evaluate(() => {
      const doc = (globalThis as any).document;
      const asked = [...doc.querySelectorAll('.pane:not([hidden]) .msg--user')].at(-1);
      const box = doc.getElementById('composer').getBoundingClientRect();
      return [asked.getBoundingClientRect().top, box.top, box.bottom];
    });
    expect(askedTop).toBeGreaterThanOrEqual(-1);
    expect(askedTop).toBeLessThan(850);
    expect(composerTop).toBeGreaterThan(0);
    expect(composerBottom).toBeLessThanOrEqual(851);
    expect(await answer.locator('.reply-title').textContent()).toContain('what you can ask');
    await page.screenshot({ path: join(ARTIFACTS, 'local-channel-narrow.png') });
    await page.setViewportSize({ width: 1400, height: 1000 });
  }, 60_000);

  it('stops cleanly on SIGTERM', async () => {
    const t0 = performance.now();
    expect((await stopChild(served)).code).toBe(0);
    console.log(`stopped in ${Math.round(performance.now() - t0)} ms`);
    expect(served.output()).toContain('SIGTERM: stopping');
  }, 30_000);
});
