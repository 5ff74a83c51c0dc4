// The scheduler: cron in the configured time zone, jobs given `now`, one fire per scheduled time across
// replicas (claims in the store), catch-up of missed fires on start; and the durable data events.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { previousFire } from '../../src/service/coordination.ts';
import { DataEventConsumers } from '../../src/service/data-events.ts';
import { dataCheckJob, Scheduler } from '../../src/service/scheduler.ts';
import type { MonthlyCount, Store } from '../../src/store/types.ts';
import { tempStore, testRelease, type TempStore } from '../helpers/store.ts';

let stores: TempStore[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const t of stores.splice(0)) await t.cleanup();
});

const count = (month: string, n: number): MonthlyCount => ({
  source: 'police.uk',
  month,
  areaType: 'ward',
  areaCode: 'W1',
  measure: 'burglary',
  count: n,
  byPolygon: n,
  synthetic: false,
});
async function land(store: Store, month: string, checksum = month): Promise<void> {
  await store.replaceMonth({
    source: 'police.uk',
    month,
    counts: [count(month, 3)],
    release: testRelease('police.uk', month, checksum, { rowsRead: 3, placedByPolygon: 3 }),
  });
}

describe('Scheduler', () => {
  it('fires jobs on wall-clock time in Europe/London across the clocks going forward', async () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2025-03-28T12:00:00Z'));
    const scheduler = new Scheduler({ timezone: 'Europe/London', log: () => {} });
    const fired: string[] = [];
    scheduler.register({ name: 'morning', cron: '0 9 * * *', description: 'test', run: ({ fireAt, reason }) => void fired.push(`${fireAt.toISOString()} ${reason}`) });
    await scheduler.start();
    expect((await scheduler.status()).jobs[0]!.nextRun).toBe('2025-03-29T09:00:00.000Z');
    await vi.advanceTimersByTimeAsync(3 * 86_400_000);
    await scheduler.stop();
    expect(fired).toEqual(['2025-03-29T09:00:00.000Z scheduled', '2025-03-30T08:00:00.000Z scheduled', '2025-03-31T08:00:00.000Z scheduled']);
    expect(await scheduler.status()).toMatchObject({ state: 'stopped', jobs: [{ name: 'morning', nextRun: null, lastRun: { ok: true, reason: 'scheduled' } }] });
  });

  it('records a failing job (here and in the store) and keeps going', async () => {
    const t = await tempStore();
    stores.push(t);
    const log: string[] = [];
    const scheduler = new Scheduler({ timezone: 'Europe/London', log: (l) => log.push(l), now: () => new Date('2024-05-20T06:30:00Z'), store: t.store, replicaId: 'r1' });
    scheduler.register({ name: 'flaky', cron: '* * * * *', description: 'test', run: () => Promise.reject(new Error('police.uk unreachable')) });
    await expect(scheduler.runNow('flaky')).rejects.toThrow('police.uk unreachable');
    const status = await scheduler.status();
    expect(status.replica).toBe('r1');
    expect(status.jobs[0]!.lastRun).toMatchObject({ at: '2024-05-20T06:30:00.000Z', ok: false, error: 'police.uk unreachable', reason: 'invoked' });
    expect(status.jobs[0]!.lastFire).toMatchObject({ fireAt: '2024-05-20T06:30:00.000Z', claimedBy: 'r1', reason: 'invoked', ok: false, error: 'police.uk unreachable' });
    expect(log[0]).toContain('"flaky" failed');
  });

  it('rejects a bad cron expression, a duplicate name and a name with a colon', () => {
    const scheduler = new Scheduler({ timezone: 'Europe/London', log: () => {} });
    expect(() => scheduler.register({ name: 'x', cron: '61 * * * *', description: '', run() {} })).toThrow(/invalid cron expression/);
    scheduler.register({ name: 'x', cron: '0 * * * *', description: '', run() {} });
    expect(() => scheduler.register({ name: 'x', cron: '0 * * * *', description: '', run() {} })).toThrow(/already registered/);
    expect(() => scheduler.register({ name: 'a:b', cron: '0 * * * *', description: '', run() {} })).toThrow(/may not contain ':'/);
  });

  it('two replicas on one store: every scheduled second fires exactly once, and each fire is recorded with who ran it', async () => {
    const t = await tempStore();
    stores.push(t);
    const ran: string[] = [];
    const replicas = ['A', 'B'].map((id) => {
      const s = new Scheduler({ timezone: 'Europe/London', log: () => {}, store: t.store, replicaId: id });
      s.register({ name: 'tick', cron: '* * * * * *', description: 'every second', run: ({ fireAt }) => void ran.push(`${fireAt.toISOString()} ${id}`) });
      return s;
    });
    await Promise.all(replicas.map((r) => r.start()));
    await new Promise((r) => setTimeout(r, 3500));
    await Promise.all(replicas.map((r) => r.stop()));
    const slots = ran.map((r) => r.split(' ')[0]!);
    expect(slots.length).toBeGreaterThanOrEqual(3);
    expect(new Set(slots).size).toBe(slots.length); // no slot ran twice
    const last = (await t.store.lastJobFires()).get('tick');
    expect(last && ran).toContain(`${last!.fireAt} ${last!.claimedBy}`);
    expect(last).toMatchObject({ reason: 'scheduled', ok: true });
  });

  it('on start, a fire missed within the catch-up window runs once (also when two replicas start together), and not again', async () => {
    const t = await tempStore();
    stores.push(t);
    const now = new Date('2026-12-01T09:00:00Z'); // 09:00 in London; the 06:30 fire was missed
    const ran: string[] = [];
    const logs: string[] = [];
    const make = (id: string, at = now) => {
      const s = new Scheduler({ timezone: 'Europe/London', log: (l) => void logs.push(l), store: t.store, replicaId: id, now: () => at });
      s.register({
        name: 'daily',
        cron: '30 6 * * *',
        description: '',
        catchUpMs: 26 * 3600_000,
        run: ({ fireAt, reason }) => void ran.push(`${fireAt.toISOString()} ${reason} ${id}`),
      });
      s.register({ name: 'no-catch-up', cron: '30 6 * * *', description: '', run: () => void ran.push('never') });
      return s;
    };
    const first = [make('A'), make('B')];
    await Promise.all(first.map((s) => s.start()));
    await Promise.all(first.map((s) => s.stop()));
    expect(ran).toHaveLength(1);
    expect(ran[0]).toMatch(/^2026-12-01T06:30:00.000Z catch-up [AB]$/);
    const again = make('C');
    await again.start();
    await again.stop();
    expect(ran).toHaveLength(1);
    // A job that never ran on this store was not "missed" (a new deployment's first start); one that ran was.
    expect(logs.filter((l) => l.includes('"daily"'))).toEqual(['scheduler: "daily" has not run on this store yet; running its 2026-12-01T06:30:00.000Z fire now']);
    const nextDay = make('D', new Date('2026-12-02T09:00:00Z'));
    await nextDay.start();
    await nextDay.stop();
    expect(ran.at(-1)).toBe('2026-12-02T06:30:00.000Z catch-up D');
    expect(logs.at(-1)).toBe('scheduler: "daily" missed its 2026-12-02T06:30:00.000Z fire while no replica ran; running it now');
  });

  it('previousFire reads the expression in the time zone and stays inside the window', () => {
    expect(previousFire('30 6 * * *', 'Europe/London', new Date('2026-07-01T09:00:00Z'), 86_400_000)?.toISOString()).toBe('2026-07-01T05:30:00.000Z'); // BST
    expect(previousFire('30 6 * * *', 'Europe/London', new Date('2026-12-01T06:29:00Z'), 86_400_000)?.toISOString()).toBe('2026-11-30T06:30:00.000Z');
    expect(previousFire('30 6 * * *', 'Europe/London', new Date('2026-12-01T06:29:00Z'), 3600_000)).toBeNull();
    expect(previousFire('*/10 * * * * *', 'Europe/London', new Date('2026-12-01T06:29:37.5Z'), 60_000)?.toISOString()).toBe('2026-12-01T06:29:30.000Z');
  });
});

describe('data events', () => {
  it('a new consumer starts after what is already stored; each later event reaches it once across replicas; the cursor outlives a restart', async () => {
    const t = await tempStore();
    stores.push(t);
    await land(t.store, '2024-01'); // before the consumer existed: not news
    const heard: string[] = [];
    const replicaA = new DataEventConsumers(t.store, () => {});
    const replicaB = new DataEventConsumers(t.store, () => {});
    const batches: string[] = [];
    await replicaA.register('notice', (events) => void (batches.push('A'), events.forEach((e) => heard.push(`A ${e.kind} ${e.month}`))));
    await replicaB.register('notice', (events) => void (batches.push('B'), events.forEach((e) => heard.push(`B ${e.kind} ${e.month}`))));
    await land(t.store, '2024-02');
    await land(t.store, '2024-02', 'revised-file');
    await land(t.store, '2024-03');
    await Promise.all([replicaA.pump(), replicaB.pump(), replicaA.pump()]);
    expect(heard.map((h) => h.slice(2))).toEqual(['landed 2024-02', 'revised 2024-02', 'landed 2024-03']);
    expect(batches).toHaveLength(1); // what was waiting arrives as one batch, on one replica
    // "restart": a new consumer object with the same name picks up where the store says
    await land(t.store, '2024-04');
    const restarted = new DataEventConsumers(t.store, () => {});
    const after: string[] = [];
    await restarted.register('notice', (events) => void after.push(...events.map((e) => e.month)));
    await restarted.pump();
    await restarted.pump();
    expect(after).toEqual(['2024-04']);
  });

  it('a failing consumer is reported, does not stop the others, and the data check says so', async () => {
    const t = await tempStore();
    stores.push(t);
    const log: string[] = [];
    const consumers = new DataEventConsumers(t.store, (l) => log.push(l));
    const heard: string[] = [];
    await consumers.register('broken', () => {
      throw new Error('boom');
    });
    await consumers.register('alerts', (events) => void heard.push(...events.map((e) => e.month)));
    await land(t.store, '2024-05');
    const scheduler = new Scheduler({ timezone: 'Europe/London', log: () => {}, store: t.store, replicaId: 'r' });
    scheduler.register(dataCheckJob({ consumers }));
    expect((await scheduler.status()).jobs[0]).toMatchObject({ name: 'data-check', cron: '30 6 * * *' });
    await expect(scheduler.runNow('data-check')).rejects.toThrow(/broken on event \d+: boom/);
    expect(heard).toEqual(['2024-05']);
    expect(log.join('\n')).toContain('consumer "broken" failed');
    await scheduler.runNow('data-check'); // nothing new: nothing fails, nothing is heard twice
    expect(heard).toEqual(['2024-05']);
  });
});
