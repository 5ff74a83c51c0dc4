// Headless Chromium for the browser tests (test/e2e, test/ux/first-screen): Debian's /usr/bin/chromium
// driven by playwright-core. Outside CI a missing browser skips the test with a message; under CI=true it
// is a failing test instead, so CI can never pass without having run them.
import { existsSync } from 'node:fs';
import { expect, it } from 'vitest';
import type { Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
const inCI = process.env.CI === 'true' || process.env.CI === '1';

/** Says what is skipped (outside CI) or registers a failing test (in CI) when Chromium is absent. */
export function requireChromium(what: string): void {
  if (hasChromium) return;
  if (inCI) it(`has Chromium to run ${what} in CI`, () => expect(existsSync(CHROMIUM), `${CHROMIUM} is not installed: CI must run ${what} (apt-get install chromium)`).toBe(true));
  else console.warn(`\n  SKIPPED ${what}: ${CHROMIUM} is not installed (apt-get install chromium)\n`);
}

/** A headless Chromium with nothing of its own reaching the network. */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
