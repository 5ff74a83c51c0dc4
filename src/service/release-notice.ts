// When a month of data lands (or is revised) and no alerting or summary service is listening yet, each
// local channel still hears about it: a short notice, with buttons to ask about the partnership's own
// area, written to the outbox (the same path alerts take: delivered by the dispatcher, leased, retried,
// and once only by its idempotency key). It is a consumer of the store's data events, so a month
// ingested while the service was down is announced once when it comes up.
import { forceAreaDistricts } from '../config/force-area.ts';
import type { Config } from '../config/schema.ts';
import { monthName } from '../core/periods.ts';
import type { Reply } from '../core/reply.ts';
import type { DataEvent, NewOutboxMessage, Store } from '../store/types.ts';
import { localChannels, partnershipOf } from '../surfaces/local/channels.ts';

/** A month's events as one notice: which sources landed or were revised, synthetic or not. */
export interface MonthNews {
  month: DataEvent['month'];
  kind: DataEvent['kind'];
  sources: DataEvent['source'][];
  synthetic: boolean;
  releaseIds: number[];
}

/** Groups a batch of events by month and kind (landed / revised), in month order. */
export function groupByMonth(events: readonly DataEvent[]): MonthNews[] {
  const groups = new Map<string, MonthNews>();
  for (const e of events) {
    const key = `${e.month}:${e.kind}`;
    const g = groups.get(key) ?? { month: e.month, kind: e.kind, sources: [], synthetic: true, releaseIds: [] };
    if (!g.sources.includes(e.source)) g.sources.push(e.source);
    g.synthetic &&= e.synthetic;
    g.releaseIds.push(e.releaseId);
    groups.set(key, g);
  }
  return [...groups.values()].sort((a, b) => (a.month === b.month ? a.kind.localeCompare(b.kind) : a.month < b.month ? -1 : 1));
}

const SOURCE_NAMES: Record<DataEvent['source'], string> = { 'police.uk': 'police.uk', partnership: "the partnership's own extract" };

export function releaseNotice(news: MonthNews, partnershipName: string, areaNames: string[]): Reply {
  const month = monthName(news.month);
  const first = areaNames[0]?.toLowerCase();
  const what = `figures for ${month} from ${news.sources.map((s) => SOURCE_NAMES[s]).join(' and ')}`;
  const synthetic = news.synthetic ? ' (synthetic, for demonstration)' : '';
  return {
    kind: 'answer',
    title: news.kind === 'revised' ? `Revised data: ${month}` : `New data: ${month}`,
    summary:
      news.kind === 'revised'
        ? `${capitalise(what)} have been revised${synthetic}. The ${partnershipName}'s figures, charts and rankings use the new version from now on.`
        : `${capitalise(what)} are now loaded${synthetic}. The ${partnershipName}'s figures, charts and rankings include them from now on.`,
    figures: [],
    notes: [
      news.synthetic ? 'SYNTHETIC DATA: generated for demonstration, not real police.uk data.' : 'Source: police.uk street-level crime and ASB, Open Government Licence v3.0.',
      'Alerts and the monthly summary are posted here when alert rules are configured.',
    ],
    actions: first
      ? [
          { label: `${areaNames[0]} this month`, command: first },
          { label: `Top ASB wards in ${areaNames[0]}`, command: `top asb ${first}` },
        ]
      : [],
  };
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Enqueues one notice per month (and kind) of the batch for every local channel; returns how many were
 * new (a batch handed over again enqueues nothing: the key names the releases, the month and the channel).
 */
export async function postReleaseNotices(events: readonly DataEvent[], deps: { config: Config; store: Store }): Promise<number> {
  const months = groupByMonth(events);
  if (!months.length) return 0;
  // Each channel's area names, read once for the batch.
  const channels = localChannels(deps.config).map((channel) => ({ channel, partnership: partnershipOf(deps.config, channel) }));
  const areas = await deps.store.areasByCode([...new Set(channels.flatMap((c) => c.partnership.areas))]);
  const force = await forceAreaDistricts(deps.config, deps.store);
  const messages: NewOutboxMessage[] = [];
  for (const news of months) {
    for (const { channel, partnership } of channels) {
      const names = partnership.areas.map((code) => areas.get(code)?.name ?? code);
      const countywide = partnership.areas.length === force.codes.length;
      messages.push({
        idempotencyKey: `release-notice:${news.kind}:${news.month}:${[...news.releaseIds].sort((a, b) => a - b).join(',')}:${channel.name}`,
        channel: channel.name,
        kind: 'release-notice',
        reply: releaseNotice(news, partnership.name, countywide ? [] : names),
      });
    }
  }
  if (!messages.length) return 0;
  return (await deps.store.enqueueOutbox(messages)).inserted;
}
