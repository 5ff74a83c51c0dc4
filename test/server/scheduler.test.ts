// The scheduler: cron in the configured time zone, jobs given `now`, data-landed listeners.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { dataCheckJob, Scheduler } from '../../src/service/scheduler.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('Scheduler', () => {
  it('fires jobs on wall-clock time in Europe/London across the clocks going forward', async () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2025-03-28T12:00:00Z'));
    const scheduler = new Scheduler({ timezone: 'Europe/London', log: () => {} });
    const fired: string[] = [];
    scheduler.register({ name: 'morning', cron: '0 9 * * *', description: 'test', run: ({ now, reason }) => void fired.push(`${now.toISOString()} ${reason}`) });
    scheduler.start();
    expect(scheduler.status().jobs[0]!.nextRun).toBe('2025-03-29T09:00:00.000Z');
    await vi.advanceTimersByTimeAsync(3 * 86_400_000);
    await scheduler.stop();
    expect(fired).toEqual(['2025-03-29T09:00:00.000Z scheduled', '2025-03-30T08:00:00.000Z scheduled', '2025-03-31T08:00:00.000Z scheduled']);
    expect(scheduler.status()).toMatchObject({ state: 'stopped', jobs: [{ name: 'morning', nextRun: null, lastRun: { ok: true } }] });
  });

  it('records a failing job and keeps going', async () => {
    const log: string[] = [];
    const scheduler = new Scheduler({ timezone: 'Europe/London', log: (l) => log.push(l), now: () => new Date('2024-05-20T06:30:00Z') });
    scheduler.register({ name: 'flaky', cron: '* * * * *', description: 'test', run: () => Promise.reject(new Error('police.uk unreachable')) });
    await expect(scheduler.runNow('flaky')).rejects.toThrow('police.uk unreachable');
    expect(scheduler.status().jobs[0]!.lastRun).toMatchObject({ at: '2024-05-20T06:30:00.000Z', ok: false, error: 'police.uk unreachable' });
    expect(log[0]).toContain('"flaky" failed');
  });

  it('rejects a bad cron expression and a duplicate name', () => {
    const scheduler = new Scheduler({ timezone: 'Europe/London', log: () => {} });
    expect(() => scheduler.register({ name: 'x', cron: '61 * * * *', description: '', run() {} })).toThrow(/invalid cron expression/);
    scheduler.register({ name: 'x', cron: '0 * * * *', description: '', run() {} });
    expect(() => scheduler.register({ name: 'x', cron: '0 * * * *', description: '', run() {} })).toThrow(/already registered/);
  });

  it('the daily data check announces a new month once, to every listener, even if one fails', async () => {
    const now = new Date('2024-06-01T05:30:00Z');
    const scheduler = new Scheduler({ timezone: 'Europe/London', log: () => {}, now: () => now });
    let latest = '2024-04';
    const heard: string[] = [];
    scheduler.onDataLanded('broken', () => {
      throw new Error('boom');
    });
    scheduler.onDataLanded('alerts', (e) => void heard.push(`${e.month} via ${e.via} at ${e.now.toISOString()}`));
    scheduler.register(dataCheckJob({ scheduler, latestMonth: () => latest }));
    expect(scheduler.status().jobs[0]).toMatchObject({ name: 'data-check', cron: '30 6 * * *' });
    await scheduler.runNow('data-check');
    expect(heard).toEqual([]);
    latest = '2024-05';
    await scheduler.runNow('data-check');
    await scheduler.runNow('data-check');
    expect(heard).toEqual(['2024-05 via data-check at 2024-06-01T05:30:00.000Z']);
  });

  it('the daily data check does not announce again a month that was already announced (simulate next month, an ingest)', async () => {
    const scheduler = new Scheduler({ timezone: 'Europe/London', log: () => {} });
    let latest = '2024-04';
    const heard: string[] = [];
    scheduler.onDataLanded('alerts', (e) => void heard.push(`${e.month} via ${e.via} synthetic=${e.synthetic}`));
    scheduler.register(dataCheckJob({ scheduler, latestMonth: () => latest }));
    latest = '2024-05';
    await scheduler.dataLanded({ month: '2024-05', source: 'police.uk', synthetic: true, via: 'simulate' });
    await scheduler.runNow('data-check');
    expect(heard).toEqual(['2024-05 via simulate synthetic=true']);
  });
});
