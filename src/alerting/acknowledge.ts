// Acknowledge: the one call behind every surface's Acknowledge button (Slack and the local page here,
// Teams in src/surfaces/teams). It records who and when, and stops the reminders for that alert until it
// resolves or gets worse. A channel can acknowledge only an alert it could see.
import type { ChannelConfig, Config } from '../config/schema.ts';
import { monthName } from '../core/periods.ts';
import { errorReply, type Reply } from '../core/reply.ts';
import type { Store } from '../store/types.ts';
import { channelMaySee } from './audience.ts';
import { storedAlertWords } from './explain.ts';
import { whoFor } from './who.ts';

/** "alerts ack 12" (the button's command; "acknowledge" too) -> 12; anything else -> null. */
export function parseAckCommand(text: string): number | null {
  const m = /^\s*(?:\/crime\s+)?alerts?\s+(?:ack|acknowledge)\s+#?(\d{1,12})\s*$/i.exec(text);
  return m ? Number(m[1]) : null;
}

export interface AcknowledgeInput {
  store: Store;
  config: Config;
  channel: ChannelConfig;
  alertId: number;
  /** Who, as the surface names them. */
  by: string;
  /** How to show who in the reply (a Slack mention, a name); default `by`. */
  byLabel?: string;
  surface: string;
  now?: Date;
}

/** Acknowledges an alert from a channel and says so (a reply for that channel). */
export async function acknowledgeFromChannel(input: AcknowledgeInput): Promise<Reply> {
  const { store, config, channel } = input;
  const partnership = config.partnerships.find((p) => p.id === channel.partnership);
  const [alert] = await store.alerts({ ids: [input.alertId] });
  const area = alert ? await store.area(alert.areaCode) : undefined;
  if (!alert || !partnership || !channelMaySee(channel, partnership, alert, area?.parentCode ?? null, null)) {
    return errorReply('No such alert here', `This channel has no alert #${input.alertId}. \`/crime alerts\` lists the ones open here.`, [
      { label: 'Open alerts', command: 'alerts' },
    ]);
  }
  const at = (input.now ?? new Date()).toISOString();
  const done = await store.acknowledgeAlert({ alertId: alert.id, by: input.by, at, surface: input.surface });
  const who = input.byLabel ?? whoFor(input.by, channel.platform);
  const open = alert.state === 'firing' || alert.state === 'recovering' || alert.state === 'no-data';
  return {
    kind: 'alerts',
    title: `Acknowledged: ${alert.areaName} ${alert.measureLabel.toLowerCase()}`,
    summary: open
      ? `${who} acknowledged this alert (open since ${monthName(alert.sinceMonth)}). No more reminders about it until it is back to normal, or gets worse.`
      : `${who} acknowledged this alert. It is already ${alert.state === 'withdrawn' ? 'withdrawn' : 'back to normal'}.`,
    figures: [],
    notes: [storedAlertWords(alert, { smallNumbers: channel.clearance.smallNumbers, threshold: partnership.smallNumberThreshold }).headline],
    actions: [{ label: 'Open alerts', command: 'alerts' }],
    data: { acknowledged: { alertId: alert.id, by: input.by, at, surface: input.surface, acknowledgementId: done?.acknowledgement.id ?? null } },
  };
}
