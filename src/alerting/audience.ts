// Which channels may hear about an alert: the pipeline's digests, `/crime alerts` and acknowledging all
// ask here, so a channel never hears of an alert outside its partnership or above its clearance.
import type { ChannelConfig, Partnership } from '../config/schema.ts';
import { measureAllowed } from '../figures/suppression.ts';
import type { AlertRecord } from '../store/types.ts';
import { taxonomy } from '../taxonomy/index.ts';

/** Whether an alert's area lies in the channel's partnership (a ward by its district). */
function inScope(alert: Pick<AlertRecord, 'areaCode'>, areaParent: string | null, p: Partnership): boolean {
  return p.areas.includes(alert.areaCode) || (areaParent !== null && p.areas.includes(areaParent));
}

/** The one place that decides whether a channel may hear about an alert: its partnership, its rule's channels, its clearance. */
export function channelMaySee(
  channel: ChannelConfig,
  partnership: Partnership,
  alert: Pick<AlertRecord, 'areaCode' | 'measure' | 'partnerships'>,
  areaParent: string | null,
  ruleChannels: string[] | null,
): boolean {
  const tax = taxonomy();
  const m = tax.get(alert.measure);
  if (!m) return false;
  if (!alert.partnerships.includes(partnership.id)) return false;
  if (ruleChannels && !ruleChannels.includes(channel.name)) return false;
  if (!inScope(alert, areaParent, partnership)) return false;
  return measureAllowed(m, channel, (k) => tax.get(k)?.parent);
}
