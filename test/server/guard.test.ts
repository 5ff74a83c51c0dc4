// The binding rule: loopback by default; anywhere else only with a token, which the page then requires.
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveBinding } from '../../src/surfaces/local/guard.ts';
import { startHarness, type Harness } from './harness.ts';

const TOKEN = 'correct-horse-battery-staple';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('resolveBinding', () => {
  it('binds 127.0.0.1:3000 by default, with no token', () => {
    expect(resolveBinding({})).toEqual({ host: '127.0.0.1', port: 3000, token: null, loopback: true, pageEnabled: true });
    expect(resolveBinding({ PORT: '0', WARDWATCH_HOST: 'localhost' })).toMatchObject({ port: 0, loopback: true });
    expect(resolveBinding({ WARDWATCH_HOST: '::1' })).toMatchObject({ loopback: true });
  });

  it('refuses to bind elsewhere without a token, or with a short one', () => {
    expect(() => resolveBinding({ WARDWATCH_HOST: '0.0.0.0' })).toThrow(/set WARDWATCH_LOCAL_TOKEN/);
    expect(() => resolveBinding({ WARDWATCH_HOST: '192.168.1.20', WARDWATCH_LOCAL_TOKEN: '   ' })).toThrow(/WARDWATCH_LOCAL_TOKEN/);
    expect(() => resolveBinding({ WARDWATCH_HOST: '0.0.0.0', WARDWATCH_LOCAL_TOKEN: 'short' })).toThrow(/at least 16 characters/);
    // the token alone may ask as the channels cleared for nothing (issue 16: a token names its channels)
    expect(resolveBinding({ WARDWATCH_HOST: '0.0.0.0', WARDWATCH_LOCAL_TOKEN: TOKEN })).toEqual({
      host: '0.0.0.0',
      port: 3000,
      token: TOKEN,
      loopback: false,
      pageEnabled: true,
      grants: [{ token: TOKEN, channels: 'uncleared' }],
    });
  });

  it('lets a Slack-only deployment bind elsewhere with the page switched off', () => {
    expect(resolveBinding({ WARDWATCH_HOST: '0.0.0.0', WARDWATCH_LOCAL_PAGE: 'off' })).toEqual({ host: '0.0.0.0', port: 3000, token: null, loopback: false, pageEnabled: false });
    expect(() => resolveBinding({ WARDWATCH_LOCAL_PAGE: 'maybe' })).toThrow(/"on" or "off"/);
  });

  it('rejects a port that is not a number', () => {
    expect(() => resolveBinding({ PORT: 'http' })).toThrow(/PORT must be a port number/);
  });
});

describe('the page switched off', () => {
  it('answers /healthz but not the page or the API', async () => {
    h = await startHarness({ binding: { token: null, loopback: false, pageEnabled: false } });
    expect((await fetch(`${h.base}/healthz`)).status).toBe(200);
    expect((await fetch(`${h.base}/c/cambridge-csp`, { headers: { Accept: 'text/html' } })).status).toBe(404);
    const ask = await fetch(`${h.base}/api/ask`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ channel: 'cambridge-csp', text: 'help' }),
    });
    expect(ask.status).toBe(404);
  });
});

describe('the token, when bound beyond loopback', () => {
  it('is required by the page and the API, but not by /healthz', async () => {
    h = await startHarness({ binding: { token: TOKEN, loopback: false } });
    expect((await fetch(`${h.base}/healthz`)).status).toBe(200);
    const page = await fetch(`${h.base}/c/cambridge-csp`, { headers: { Accept: 'text/html' } });
    expect(page.status).toBe(401);
    expect(await page.text()).toContain('WARDWATCH_LOCAL_TOKEN');
    expect((await fetch(`${h.base}/api/vocabulary?channel=cambridge-csp`)).status).toBe(401);
    expect((await fetch(`${h.base}/assets/local.js`)).status).toBe(401);
    const ask = await fetch(`${h.base}/api/ask`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ channel: 'cambridge-csp', text: 'help' }),
    });
    expect(ask.status).toBe(401);
    expect((await fetch(`${h.base}/c/cambridge-csp`, { headers: { Authorization: 'Bearer wrong-token-wrong-token' } })).status).toBe(401);
  });

  it('accepts a Bearer header', async () => {
    h = await startHarness({ binding: { token: TOKEN, loopback: false } });
    const res = await fetch(`${h.base}/api/vocabulary?channel=cambridge-csp`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
  });

  it('turns ?token= into an HttpOnly cookie and drops it from the address', async () => {
    h = await startHarness({ binding: { token: TOKEN, loopback: false } });
    const first = await fetch(`${h.base}/c/fenland-csp?token=${TOKEN}`, { redirect: 'manual', headers: { Accept: 'text/html' } });
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe('/c/fenland-csp');
    const setCookie = first.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^wardwatch_token=/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    const cookie = setCookie.split(';')[0]!;
    const page = await fetch(`${h.base}/c/fenland-csp`, { headers: { Cookie: cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('#fenland-csp');
  });
});

describe('on loopback', () => {
  function get(base: string, path: string, headers: Record<string, string>): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = request(`${base}${path}`, { headers }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('needs no token but refuses a foreign Host (DNS rebinding) and cross-site writes', async () => {
    h = await startHarness();
    expect(await get(h.base, '/c/cambridge-csp', {})).toBe(200);
    expect(await get(h.base, '/c/cambridge-csp', { Host: 'localhost:3000' })).toBe(200);
    expect(await get(h.base, '/c/cambridge-csp', { Host: 'attacker.example' })).toBe(403);
    const res = await fetch(`${h.base}/api/ask`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: 'http://attacker.example' },
      body: JSON.stringify({ channel: 'cambridge-csp', text: 'help' }),
    });
    expect(res.status).toBe(403);
  });
});
