// `wardwatch alerts` through the real CLI on a store loaded with the fixtures and the synthetic history.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/kysely.ts';
import { fixtureStore, type TempStore } from '../helpers/store.ts';

let t: TempStore;
beforeAll(async () => {
  t = await fixtureStore({ history: true });
  await t.store.close(); // the CLI opens the file itself
}, 120_000);
afterAll(() => t?.cleanup());

const cli = (...args: string[]) => spawnSync(process.execPath, ['bin/wardwatch.js', 'alerts', ...args], { encoding: 'utf8', env: { ...process.env, WARDWATCH_DB: t.path } });
async function checksum(): Promise<string> {
  const s = await openSqliteStore(t.path);
  try {
    return await s.contentChecksum();
  } finally {
    await s.close();
  }
}

describe('wardwatch alerts', () => {
  it('--dry-run --json prints the issue shape and changes nothing', async () => {
    const before = await checksum();
    const r = cli('--month', '2024-04', '--dry-run', '--json');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('alerts: evaluating 7 rules for April 2024 (dry run: nothing is written)');
    const out = JSON.parse(r.stdout) as { month: string; findings: Array<Record<string, unknown>>; digests: Array<Record<string, unknown>> };
    expect(Object.keys(out)).toEqual(['month', 'findings', 'digests']);
    expect(out.month).toBe('2024-04');
    expect(out.findings.length).toBeGreaterThan(0);
    for (const f of out.findings)
      expect(Object.keys(f)).toEqual(['rule', 'kind', 'areaCode', 'areaName', 'measure', 'month', 'observed', 'expected', 'upperBound', 'state', 'explanation']);
    expect(out.digests.length).toBe(4);
    for (const d of out.digests) expect(Object.keys(d)).toEqual(['channel', 'partnership', 'alerts', 'resolved', 'text']);
    expect(await checksum()).toBe(before);
  });

  it('without --dry-run queues the digests once; a second run queues nothing; --history lists what fired', async () => {
    const first = cli('--month', '2024-04');
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/\n4 message\(s\) queued in the outbox/);
    const second = cli('--month', '2024-04');
    expect(second.stdout).toContain('Nothing new to post: every channel has already had this month.');
    expect(second.stdout).toMatch(/\n0 message\(s\) queued/);
    const history = cli('--history', '--json');
    const alerts = (JSON.parse(history.stdout) as { alerts: Array<{ state: string; partnerships: string[] }> }).alerts;
    expect(alerts.length).toBeGreaterThan(0);
    expect(alerts.every((a) => a.partnerships.length > 0)).toBe(true);
  });

  it('a bad month is a clear error', () => {
    const r = cli('--month', '2024-13');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('--month: expected a month as YYYY-MM, found "2024-13"');
  });
});
