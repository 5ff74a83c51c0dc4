// A stored alert's words reach channels without a fresh finding (held back by a mute and released,
// acknowledged, listed in a brief): they must follow the channel's small-number clearance as a fresh
// digest does, including for alerts stored before the hidden wording was kept with them.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acknowledgeFromChannel } from '../../src/alerting/acknowledge.ts';
import { storedAlertWords } from '../../src/alerting/explain.ts';
import { releaseHeldAlerts } from '../../src/alerting/held.ts';
import { alertsSince } from '../../src/brief/alerts.ts';
import { loadConfig } from '../../src/config/load.ts';
import { makeContext } from '../../src/core/context.ts';
import { answer } from '../../src/core/dispatch.ts';
import type { AlertRecord, Store } from '../../src/store/types.ts';
import { taxonomy } from '../../src/taxonomy/index.ts';
import { fixtureStore, type TempStore } from '../helpers/store.ts';

const { config } = loadConfig(join(import.meta.dirname, '../../wardwatch.config.yaml'));
const channel = (name: string) => config.channels.find((c) => c.name === name)!;
const uncleared = channel('cambridge-csp');
const cleared = channel('cambridge-analysts');
const threshold = config.partnerships.find((p) => p.id === 'cambridge')!.smallNumberThreshold;
const MARKET = 'E05013057';

const exactHeadline = 'Market: burglary 3 in May 2024, about 0.4 expected';
const exactSentence = 'Higher than expected for the time of year (up to 2 is usual): about a 1 in 200 chance.';

function alertRow(fingerprint: string, explanation: AlertRecord['explanation']): Omit<AlertRecord, 'id' | 'updatedAt'> {
  return {
    fingerprint,
    rule: 'priority-measures-spike',
    kind: 'spike',
    severity: 'warning',
    areaCode: MARKET,
    areaName: 'Market',
    measure: 'burglary',
    measureLabel: 'Burglary',
    partnerships: ['cambridge'],
    sinceMonth: '2024-05',
    lastMonth: '2024-05',
    state: 'firing',
    observed: 3,
    expected: 0.4,
    upperBound: 2,
    probability: 0.005,
    explanation,
    resolvedMonth: null,
  };
}

describe('stored alert words follow the channel', () => {
  let t: TempStore;
  let store: Store;
  let old: AlertRecord;
  let kept: AlertRecord;
  beforeAll(async () => {
    t = await fixtureStore();
    store = t.store;
    [old, kept] = (await store.saveAlerts([
      alertRow(`priority-measures-spike|${MARKET}|burglary`, { headline: exactHeadline, sentence: exactSentence }),
      alertRow(`priority-measures-spike|${MARKET}|burglary-kept`, {
        headline: exactHeadline,
        sentence: exactSentence,
        hidden: { [String(threshold)]: { headline: `Market: burglary fewer than ${threshold} in May 2024`, sentence: 'Higher than expected for the time of year.' } },
      }),
    ])) as [AlertRecord, AlertRecord];
  });
  afterAll(async () => t?.cleanup());

  it('as stored for a cleared channel; the kept hidden words, or the fact without the figure, for one that is not', () => {
    expect(storedAlertWords(old, { smallNumbers: true, threshold })).toEqual({ headline: exactHeadline, sentence: exactSentence });
    expect(storedAlertWords(kept, { smallNumbers: false, threshold })).toEqual({
      headline: `Market: burglary fewer than ${threshold} in May 2024`,
      sentence: 'Higher than expected for the time of year.',
    });
    const fallback = storedAlertWords(old, { smallNumbers: false, threshold });
    expect(fallback.headline).toBe(`Market: burglary fewer than ${threshold} in May 2024`);
    expect(`${fallback.headline} ${fallback.sentence}`).not.toMatch(/\b[0-4]\b|expected|usual/);
    // a figure that is not small is shown as stored, cleared or not
    expect(storedAlertWords({ ...old, observed: 12 }, { smallNumbers: false, threshold })).toEqual({ headline: exactHeadline, sentence: exactSentence });
  });

  it('/crime alerts lists it without the hidden count in an uncleared channel, with it where cleared', async () => {
    const there = await answer('alerts', makeContext({ store, config, channel: uncleared.name }));
    const shown = JSON.stringify({ summary: there.summary, data: there.data });
    expect(shown).toContain(`Market: burglary fewer than ${threshold} in May 2024 (#${old.id})`);
    expect(shown).not.toContain('burglary 3');
    expect(shown).not.toContain('up to 2');
    const analysts = await answer('alerts', makeContext({ store, config, channel: cleared.name }));
    expect(analysts.summary).toContain(`${exactHeadline} (#${old.id})`);
  });

  it('acknowledging from an uncleared channel does not repeat the hidden count; a cleared channel sees it', async () => {
    const there = await acknowledgeFromChannel({ store, config, channel: uncleared, alertId: old.id, by: 'U1', surface: 'slack' });
    expect(there.notes).toEqual([`Market: burglary fewer than ${threshold} in May 2024`]);
    const analysts = await acknowledgeFromChannel({ store, config, channel: cleared, alertId: kept.id, by: 'U2', surface: 'slack' });
    expect(analysts.notes).toEqual([exactHeadline]);
  });

  it('a held alert released after its mute ends is worded for each channel', async () => {
    await store.recordAlertNotices(
      [uncleared, cleared].map((c) => ({
        key: `held:${old.id}:${c.name}:test`,
        alertId: old.id,
        channel: c.name,
        kind: 'held',
        month: '2024-05',
        messageKey: null,
        muteKey: 'store:1',
        observed: 3,
      })),
    );
    const released = await releaseHeldAlerts({ store, config, now: new Date('2024-06-20T10:00:00Z'), dryRun: true });
    const text = (name: string) => JSON.stringify(released.messages.filter((m) => m.channel === name).map((m) => m.reply));
    expect(text(uncleared.name)).toContain(`fewer than ${threshold}`);
    expect(text(uncleared.name)).not.toContain('burglary 3');
    expect(text(uncleared.name)).not.toContain('up to 2');
    expect(text(cleared.name)).toContain('burglary 3');
  });

  it('the brief lists it without the hidden count for an uncleared channel', async () => {
    const list = await alertsSince(store, { partnership: 'cambridge', since: '2024-04', channel: uncleared, taxonomy: taxonomy(), threshold });
    const mine = list.items.filter((i) => i.id === old.id);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.headline).toBe(`Market: burglary fewer than ${threshold} in May 2024`);
    const open = await alertsSince(store, { partnership: 'cambridge', since: '2024-04', channel: cleared, taxonomy: taxonomy(), threshold });
    expect(open.items.find((i) => i.id === old.id)!.headline).toBe(exactHeadline);
  });
});
