// When a month of data lands (or is revised) and no alerting or summary service is listening yet, each
// local channel still hears about it: a short notice through the local platform (the same path alerts
// take), with buttons to ask about the partnership's own area. It is a consumer of the store's data
// events, so a month ingested while the service was down is announced once when it comes up.
import type { Config } from '../config/schema.ts';
import type { ChatPlatform } from '../core/platform.ts';
import { monthName } from '../core/periods.ts';
import type { Reply } from '../core/reply.ts';
import type { DataEvent, Store } from '../store/types.ts';
import { localChannels, partnershipOf } from '../surfaces/local/channels.ts';

export function releaseNotice(event: Pick<DataEvent, 'kind' | 'source' | 'month' | 'synthetic'>, partnershipName: string, areaNames: string[]): Reply {
  const month = monthName(event.month);
  const first = areaNames[0]?.toLowerCase();
  return {
    kind: 'answer',
    title: event.kind === 'revised' ? `Revised data: ${month}` : `New data: ${month}`,
    summary:
      event.kind === 'revised'
        ? `${event.source} figures for ${month} have been revised${event.synthetic ? ' (synthetic, for demonstration)' : ''}. The ${partnershipName}'s figures, charts and rankings use the new version from now on.`
        : `${event.source} figures for ${month} are now loaded${event.synthetic ? ' (synthetic, for demonstration)' : ''}. The ${partnershipName}'s figures, charts and rankings include it from now on.`,
    figures: [],
    notes: [
      event.synthetic ? 'SYNTHETIC DATA: generated for demonstration, not real police.uk data.' : 'Source: police.uk street-level crime and ASB, Open Government Licence v3.0.',
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

/** Posts a release notice to every local channel, once per data event and channel (idempotent). */
export async function postReleaseNotices(event: DataEvent, deps: { config: Config; store: Store; platform: ChatPlatform }): Promise<number> {
  let posted = 0;
  for (const channel of localChannels(deps.config)) {
    const partnership = partnershipOf(deps.config, channel);
    const areas = await deps.store.areasByCode(partnership.areas);
    const names = partnership.areas.map((code) => areas.get(code)?.name ?? code);
    const countywide = partnership.areas.length === deps.config.forceArea.districts.length;
    await deps.platform.post(channel, releaseNotice(event, partnership.name, countywide ? [] : names), {
      idempotencyKey: `release-notice:${event.source}:${event.month}:${event.releaseId}:${channel.name}`,
    });
    posted++;
  }
  return posted;
}
