// The notification-log stage: what each channel was told of each alert, and what this month should tell
// it (Alertmanager's needsUpdate, adapted): new alerts, open ones worth a reminder, back to normal,
// withdrawn; held back while a mute covers them. Every entry has a key unique forever, so a second run for
// the same release says nothing twice.
import type { ChannelConfig, Config, Partnership } from '../config/schema.ts';
import { addMonths, type Month } from '../core/periods.ts';
import type { AlertAcknowledgement, AlertNotice, AlertRecord, Area } from '../store/types.ts';
import { taxonomy } from '../taxonomy/index.ts';
import { channelMaySee } from './audience.ts';
import type { DigestLine } from './digest.ts';
import { isOpen } from './episodes.ts';
import type { Finding } from './evaluate.ts';
import type { Inhibited } from './inhibit.ts';
import { alertSubject, describeMute, muteMatches, type MuteWindow } from './mutes.ts';

export type NewNotice = Omit<AlertNotice, 'at'>;

export type WithdrawnLine = DigestLine & { was: number | null; threadOf: string | null };

/** The key of a channel's digest for a month: its first message, which updates thread under. */
export function digestKey(channel: string, month: Month): string {
  return `digest:${channel}:${month}`;
}

/** The key of a digest line's entry: one per (kind, alert, channel), ever (Alertmanager's rule). */
export function lineNoticeKey(kind: 'firing' | 'resolved' | 'correction', alertId: number, channel: string): string {
  return `${kind}:${alertId}:${channel}`;
}

/** The notification-log entry of a digest line. */
export function lineNotice(
  kind: 'firing' | 'resolved' | 'correction',
  line: { alertId: number; observed: number | null },
  channel: string,
  month: Month,
  messageKey: string,
): NewNotice {
  return { key: lineNoticeKey(kind, line.alertId, channel), alertId: line.alertId, channel, kind, month, messageKey, muteKey: null, observed: line.observed };
}

/** The key of the entry for a channel's message of the month not about one alert: its first digest, or the monthly summary folded into it. */
export function monthNoticeKey(kind: 'landed' | 'summary', channel: string, month: Month): string {
  return `${kind}:${channel}:${month}`;
}

export function monthNotice(kind: 'landed' | 'summary', channel: string, month: Month, messageKey: string): NewNotice {
  return { key: monthNoticeKey(kind, channel, month), alertId: null, channel, kind, month, messageKey, muteKey: null, observed: null };
}

/** The entry of what a mute held back: posted when the mute ends (releaseHeldAlerts). */
function heldNotice(kind: 'held' | 'held-resolved', a: AlertRecord, channel: string, month: Month, mute: MuteWindow): NewNotice {
  return { key: `${kind}:${a.id}:${channel}:${mute.key}`, alertId: a.id, channel, kind, month, messageKey: null, muteKey: mute.key, observed: a.observed };
}

/** What one channel is told this month. */
export interface ChannelNews {
  newAlerts: DigestLine[];
  stillOpen: DigestLine[];
  /** Open from earlier months and reminded once already: counted, not listed. */
  olderOpen: number;
  resolved: DigestLine[];
  withdrawn: WithdrawnLine[];
  /** The mutes in force over what this month speaks of, in words. */
  muted: string[];
  /** Held and worsened entries (the lines' own entries come with their message). */
  notices: NewNotice[];
}

/** What the log says one channel should hear this month about `alerts` (every alert this month speaks about). */
export function channelNews(input: {
  config: Config;
  channel: ChannelConfig;
  partnership: Partnership;
  month: Month;
  alerts: Iterable<AlertRecord>;
  findings: ReadonlyMap<string, Finding>;
  inhibited: ReadonlyMap<string, Inhibited>;
  areas: ReadonlyMap<string, Area>;
  /** The log's entries and acknowledgements for these alerts. */
  notices: readonly AlertNotice[];
  noticeKeys: ReadonlySet<string>;
  acks: readonly AlertAcknowledgement[];
  mutes: readonly MuteWindow[];
  /** The channel's digest line for an alert. */
  line: (a: AlertRecord) => DigestLine;
}): ChannelNews {
  const { config, channel, partnership, month, areas, notices, noticeKeys, acks, line } = input;
  const news: ChannelNews = { newAlerts: [], stillOpen: [], olderOpen: 0, resolved: [], withdrawn: [], muted: [], notices: [] };
  const mutedWords = new Set<string>();
  for (const a of input.alerts) {
    const f = input.findings.get(a.fingerprint);
    const district = areas.get(a.areaCode)?.parentCode ?? null;
    if (!channelMaySee(channel, partnership, a, district, f?.channels ?? null)) continue;
    const announced = notices.find((n) => n.alertId === a.id && n.channel === channel.name && n.kind === 'firing');
    const mute = input.mutes.find((m) => muteMatches(m, alertSubject(channel.name, a, district)));
    if (mute)
      mutedWords.add(
        describeMute(mute, { area: areas.get(mute.areaCode ?? '')?.name, measure: mute.measure ? taxonomy().get(mute.measure)?.label.toLowerCase() : undefined }, config.timezone),
      );
    if (a.state === 'firing' && !announced) {
      if (input.inhibited.has(a.fingerprint)) continue; // listed under what holds it back, or in the data-quality line
      if (mute) news.notices.push(heldNotice('held', a, channel.name, month, mute));
      else news.newAlerts.push(line(a));
      continue;
    }
    if (!announced) continue; // recovering or without data, never announced: nothing to say (Alertmanager rule 3)
    if (isOpen(a.state)) {
      if (mute) continue;
      const l = line(a);
      const ack = acks.filter((k) => k.alertId === a.id).at(-1);
      const worse = ack && ack.observed !== null && a.observed !== null && a.observed >= Math.max(ack.observed * 1.2, ack.observed + 3);
      if (ack && !worse) continue; // acknowledged: no reminder until it resolves or gets worse
      if (ack && worse) {
        l.worse = { was: ack.observed, by: ack.by, at: ack.at };
        news.notices.push({
          key: `worsened:${a.id}:${channel.name}:${month}`,
          alertId: a.id,
          channel: channel.name,
          kind: 'worsened',
          month,
          messageKey: digestKey(channel.name, month),
          muteKey: null,
          observed: a.observed,
        });
      }
      // Reminded once, in the month after it was announced; after that only when it gets worse or
      // loses its data, and otherwise counted (`/crime alerts` lists them all).
      if (l.worse || a.state === 'no-data' || announced.month === addMonths(month, -1)) news.stillOpen.push(l);
      else news.olderOpen++;
    } else if (a.state === 'resolved' && !noticeKeys.has(lineNoticeKey('resolved', a.id, channel.name))) {
      if (mute) news.notices.push(heldNotice('held-resolved', a, channel.name, month, mute));
      else news.resolved.push(line(a));
    } else if (a.state === 'withdrawn' && !noticeKeys.has(lineNoticeKey('correction', a.id, channel.name))) {
      news.withdrawn.push({ ...line(a), was: announced.observed, threadOf: announced.messageKey });
    }
  }
  news.muted = [...mutedWords];
  return news;
}
