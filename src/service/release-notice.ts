// When a month of data lands and no alerting or summary service is listening yet, each local channel
// still hears about it: a short notice through the local platform (the same path alerts take), with
// buttons to ask about the partnership's own area. Once the alerting work hooks into the scheduler,
// its monthly summary takes this notice's place.
import type { Config } from '../config/schema.ts';
import type { ChatPlatform } from '../core/platform.ts';
import { monthName } from '../core/periods.ts';
import type { Reply } from '../core/reply.ts';
import type { Store } from '../store/types.ts';
import { localChannels, partnershipOf } from '../surfaces/local/channels.ts';
import type { DataLanded } from './scheduler.ts';

export function releaseNotice(event: DataLanded, partnershipName: string, areaNames: string[]): Reply {
  const month = monthName(event.month);
  const first = areaNames[0]?.toLowerCase();
  return {
    kind: 'answer',
    title: `New data: ${month}`,
    summary: `${event.source} figures for ${month} are now loaded${event.synthetic ? ' (synthetic, for demonstration)' : ''}. The ${partnershipName}'s figures, charts and rankings include it from now on.`,
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

/** Posts a release notice to every local channel, once per month and channel (idempotent). */
export async function postReleaseNotices(event: DataLanded, deps: { config: Config; store: Store; platform: ChatPlatform }): Promise<number> {
  let posted = 0;
  for (const channel of localChannels(deps.config)) {
    const partnership = partnershipOf(deps.config, channel);
    const names = partnership.areas.map((code) => deps.store.area(code)?.name ?? code);
    const countywide = partnership.areas.length === deps.config.forceArea.districts.length;
    await deps.platform.post(channel, releaseNotice(event, partnership.name, countywide ? [] : names), {
      idempotencyKey: `release-notice:${event.source}:${event.month}:${channel.name}`,
    });
    posted++;
  }
  return posted;
}
