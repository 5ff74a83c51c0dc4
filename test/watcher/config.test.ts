// The watcher's settings: validated with the config (file:line, key path, what was expected), the inbox
// relative to the config file, and the two environment overrides.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { watcherSettings } from '../../src/watcher/index.ts';

const FILE = new URL('../../wardwatch.config.yaml', import.meta.url).pathname;
const BASE = readFileSync(FILE, 'utf8');

describe('watcher settings', () => {
  it('defaults: no inbox, police.uk off at 10 requests a second, bursts of 15', () => {
    const s = watcherSettings(parseConfig(BASE, FILE).config, {});
    expect(s.inbox).toBeNull();
    expect(s.policeUk).toMatchObject({ enabled: false, baseUrl: 'https://data.police.uk/api', ratePerSecond: 10, burst: 15, timeoutMs: 30_000, revisionMonths: 3 });
  });

  it('refuses what police.uk would refuse, and bad crons and URLs, naming the line', () => {
    const text = `${BASE}\nwatcher:\n  inboxCron: "every minute"\n  policeUkApi:\n    ratePerSecond: 20\n    burst: 31\n    baseUrl: ftp://data.police.uk\n`;
    const lines = text.split('\n');
    const line = (needle: string) => lines.findIndex((l) => l.includes(needle)) + 1;
    let message = '';
    try {
      parseConfig(text, 'w.yaml');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain(`w.yaml:${line('inboxCron')}: watcher.inboxCron: expected a cron expression such as "*/5 * * * *"`);
    expect(message).toContain(`w.yaml:${line('ratePerSecond')}: watcher.policeUkApi.ratePerSecond: at most 15: police.uk refuses more (HTTP 429)`);
    expect(message).toContain(`w.yaml:${line('burst: 31')}: watcher.policeUkApi.burst: at most 30`);
    expect(message).toContain(`w.yaml:${line('baseUrl')}: watcher.policeUkApi.baseUrl: expected an http(s) URL`);
  });

  it('reads the inbox relative to the config file; the environment overrides the inbox and the API', () => {
    const config = parseConfig(`${BASE}\nwatcher:\n  inbox: drop\n  policeUkApi:\n    enabled: true\n`, FILE).config;
    expect(watcherSettings(config, { WARDWATCH_CONFIG: FILE }).inbox).toBe(join(dirname(FILE), 'drop'));
    const env = { WARDWATCH_CONFIG: FILE, WARDWATCH_INBOX: '/srv/inbox', WARDWATCH_POLICE_UK_API: 'http://127.0.0.1:9/api' };
    expect(watcherSettings(config, env)).toMatchObject({ inbox: '/srv/inbox', policeUk: { enabled: true, baseUrl: 'http://127.0.0.1:9/api' } });
    expect(() => watcherSettings(config, { WARDWATCH_POLICE_UK_API: 'data.police.uk' })).toThrow(/WARDWATCH_POLICE_UK_API: expected an http\(s\) URL/);
  });
});
