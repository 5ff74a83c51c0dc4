// The alerting part of the Store port (migration 5), on both stores: alert episodes upserted by
// fingerprint and first month, the notification log written once per key, acknowledgements, mutes and
// the partnership history briefs read.
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertRecord, Store } from '../../src/store/types.ts';
import { tempStoreOn, type DialectStore } from '../helpers/store.ts';

const alert = (over: Partial<Omit<AlertRecord, 'id' | 'updatedAt'>> = {}): Omit<AlertRecord, 'id' | 'updatedAt'> => ({
  fingerprint: 'residential-burglary-spike|E05013057|residential-burglary',
  rule: 'residential-burglary-spike',
  kind: 'spike',
  severity: 'warning',
  areaCode: 'E05013057',
  areaName: 'Market',
  measure: 'residential-burglary',
  measureLabel: 'Residential burglary',
  partnerships: ['cambridge'],
  sinceMonth: '2024-05',
  lastMonth: '2024-05',
  state: 'firing',
  observed: 12,
  expected: 4.2,
  upperBound: 9.5,
  probability: 0.0013,
  explanation: { headline: 'Market: residential burglary 12 in May 2024, about 4 expected', sentence: 'Higher than expected.' },
  resolvedMonth: null,
  ...over,
});

describe.each(['sqlite', 'postgres'] as const)('alerting store contract (%s)', (kind) => {
  let t: DialectStore;
  let store: Store;
  afterEach(async () => t?.cleanup());
  const open = async () => {
    t = await tempStoreOn(kind);
    store = t.store;
    expect(await store.schemaVersion()).toBeGreaterThanOrEqual(5);
  };

  it('saves episodes by (fingerprint, first month), updating in place; queries by state, partnership and month', async () => {
    await open();
    const [a] = await store.saveAlerts([alert()]);
    expect(a).toMatchObject({ ...alert(), id: expect.any(Number) as number });
    const [b] = await store.saveAlerts([alert({ lastMonth: '2024-06', state: 'no-data', observed: null, explanation: { headline: 'x', sentence: 'y', noData: 'late' } })]);
    expect(b!.id).toBe(a!.id);
    expect(b).toMatchObject({ state: 'no-data', lastMonth: '2024-06', observed: null, explanation: { noData: 'late' } });
    const [c] = await store.saveAlerts([alert({ sinceMonth: '2024-09', lastMonth: '2024-09', partnerships: ['countywide', 'cambridge'] })]);
    expect(c!.id).not.toBe(a!.id);
    expect(c!.partnerships).toEqual(['cambridge', 'countywide']);
    expect((await store.alerts({ states: ['no-data'] })).map((x) => x.id)).toEqual([a!.id]);
    expect((await store.alerts({ partnership: 'countywide' })).map((x) => x.id)).toEqual([c!.id]);
    expect((await store.alerts({ partnership: 'cambridge', since: '2024-07' })).map((x) => x.id)).toEqual([c!.id]);
    expect((await store.alerts({ partnership: 'cambridg' })).length).toBe(0);
    expect(await store.alerts({ ids: [] })).toEqual([]);
  });

  it('writes each notification-log key once, whoever writes it', async () => {
    await open();
    const [a] = await store.saveAlerts([alert()]);
    const n = {
      key: `firing:${a!.id}:cambridge-csp`,
      alertId: a!.id,
      channel: 'cambridge-csp',
      kind: 'firing',
      month: '2024-05',
      messageKey: 'digest:cambridge-csp:2024-05',
      muteKey: null,
      observed: 12,
    };
    expect(await store.recordAlertNotices([n, { ...n, key: 'landed:cambridge-csp:2024-05', alertId: null, kind: 'landed' }])).toEqual({ inserted: 2 });
    expect(await store.recordAlertNotices([{ ...n, observed: 99 }])).toEqual({ inserted: 0 });
    const got = await store.alertNotices({ alertIds: [a!.id] });
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ ...n, observed: 12 });
    expect((await store.alertNotices({ keys: ['landed:cambridge-csp:2024-05'] }))[0]!.alertId).toBeNull();
    expect(await store.alertNotices({ kinds: ['held'] })).toEqual([]);
  });

  it('acknowledges an alert with who, when, where and the value then; history for a partnership carries them', async () => {
    await open();
    const [a] = await store.saveAlerts([alert()]);
    expect(await store.acknowledgeAlert({ alertId: 999_999, by: 'U1', at: '2024-06-20T09:00:00.000Z', surface: 'slack' })).toBeUndefined();
    const done = await store.acknowledgeAlert({ alertId: a!.id, by: 'U1', at: '2024-06-20T09:00:00.000Z', surface: 'slack' });
    expect(done!.acknowledgement).toMatchObject({ alertId: a!.id, by: 'U1', surface: 'slack', observed: 12 });
    const history = await store.alertHistory({ partnership: 'cambridge', since: '2024-01' });
    expect(history).toHaveLength(1);
    expect(history[0]!.acknowledgements.map((k) => k.by)).toEqual(['U1']);
    expect(await store.alertHistory({ partnership: 'fenland', since: '2024-01' })).toEqual([]);
  });

  it('keeps mutes with their window; an ended mute is not in force', async () => {
    await open();
    const m = await store.addAlertMute({
      channel: 'cambridge-csp',
      areaCode: 'E05013057',
      measure: null,
      rule: null,
      from: '2024-06-01T00:00:00.000Z',
      until: '2024-06-08T00:00:00.000Z',
      reason: 'roadworks',
      by: 'U1',
    });
    expect(m).toMatchObject({ channel: 'cambridge-csp', areaCode: 'E05013057', reason: 'roadworks', endedAt: null });
    expect((await store.alertMutes({ activeAt: '2024-06-03T00:00:00.000Z' })).map((x) => x.id)).toEqual([m.id]);
    expect(await store.alertMutes({ activeAt: '2024-06-09T00:00:00.000Z' })).toEqual([]);
    await store.endAlertMute(m.id, '2024-06-02T00:00:00.000Z');
    expect(await store.alertMutes({ activeAt: '2024-06-03T00:00:00.000Z' })).toEqual([]);
    expect((await store.alertMutes())[0]!.endedAt).toBe('2024-06-02T00:00:00.000Z');
    expect(await store.endAlertMute(424242, '2024-06-02T00:00:00.000Z')).toBeUndefined();
  });

  it('writes episodes and log entries in one transaction: a failure leaves neither', async () => {
    await open();
    await expect(
      store.transaction(async (tx) => {
        const [a] = await tx.saveAlerts([alert()]);
        await tx.recordAlertNotices([{ key: `firing:${a!.id}:c`, alertId: a!.id, channel: 'c', kind: 'firing', month: '2024-05', messageKey: null, muteKey: null, observed: 1 }]);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await store.alerts()).toEqual([]);
    expect(await store.alertNotices({})).toEqual([]);
  });
});
