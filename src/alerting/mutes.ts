// Mute windows: from the config file (`mutes:`) and from chat (`/crime mute ...`, kept in the store).
// A mute matches on every field it gives (channel, area, measure, rule); an area mute covers the
// area's wards, a measure mute its sub-measures. Muting defers: what a mute holds back is recorded in
// the notification log and posted once when the window ends (Alertmanager's mute_time_intervals rely
// on a repeat interval to send later; monthly data has none, so the end of the window is the trigger).
import type { Config, MuteConfig } from '../config/schema.ts';
import { addDays, zonedInstant } from '../core/periods.ts';
import type { AlertMute, AlertRecord, Store } from '../store/types.ts';
import { taxonomy } from '../taxonomy/index.ts';

export interface MuteWindow {
  /** 'config:<index>' or 'store:<id>'. */
  key: string;
  channel: string | null;
  areaCode: string | null;
  measure: string | null;
  rule: string | null;
  from: string;
  until: string;
  reason: string;
  by: string;
  /** Chat mutes can be ended from chat; config mutes by editing the file. */
  source: 'config' | 'chat';
  storeId: number | null;
}

/** A config date or instant as an ISO instant: a day starts at midnight in `timezone`; `end` gives the end of that day. */
export function instantOf(text: string, timezone: string, end: boolean): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return zonedInstant(end ? addDays(text, 1) : text, '00:00', timezone).toISOString();
  return new Date(text).toISOString();
}

/**
 * Who set a chat mute or acknowledged from a command, as the channel it was done in shows them (a Slack
 * mention renders as the user's name there); "someone in <channel>" when the surface did not say.
 */
export function whoAsked(ctx: { user?: { id: string; surface: string } | undefined; channel: { name: string } }): string {
  const u = ctx.user;
  if (!u) return `someone in ${ctx.channel.name}`;
  if (u.surface === 'slack') return `<@${u.id}>`;
  if (u.surface === 'local') return 'the local page';
  if (u.surface === 'teams') return `Teams user ${u.id}`;
  return u.id;
}

export function configMutes(config: Config): MuteWindow[] {
  return (config.mutes ?? []).map((m: MuteConfig, i) => ({
    key: `config:${i}`,
    channel: m.channel ?? null,
    areaCode: m.area ?? null,
    measure: m.measure ?? null,
    rule: m.rule ?? null,
    from: m.from ? instantOf(m.from, config.timezone, false) : new Date(0).toISOString(),
    until: instantOf(m.until, config.timezone, true),
    reason: m.reason,
    by: 'the configuration file',
    source: 'config',
    storeId: null,
  }));
}

export function storeMuteWindow(m: AlertMute): MuteWindow {
  return {
    key: `store:${m.id}`,
    channel: m.channel,
    areaCode: m.areaCode,
    measure: m.measure,
    rule: m.rule,
    from: m.from,
    until: m.endedAt && m.endedAt < m.until ? m.endedAt : m.until,
    reason: m.reason,
    by: m.by,
    source: 'chat',
    storeId: m.id,
  };
}

/** Every mute in force at `now`. */
export async function activeMutes(store: Store, config: Config, now: Date): Promise<MuteWindow[]> {
  const at = now.toISOString();
  return [...configMutes(config).filter((m) => m.from <= at && at < m.until), ...(await store.alertMutes({ activeAt: at })).map(storeMuteWindow)];
}

export interface MuteSubject {
  channel: string;
  rule: string;
  areaCode: string;
  /** The ward's district, so a district mute covers its wards. */
  districtCode: string | null;
  measure: string;
}

/** An alert in a channel, as a mute sees it (districtCode: its ward's district). */
export function alertSubject(channel: string, a: Pick<AlertRecord, 'rule' | 'areaCode' | 'measure'>, districtCode: string | null): MuteSubject {
  return { channel, rule: a.rule, areaCode: a.areaCode, districtCode, measure: a.measure };
}

/** Whether a mute covers an alert in a channel. */
export function muteMatches(m: MuteWindow, s: MuteSubject): boolean {
  if (m.channel !== null && m.channel !== s.channel) return false;
  if (m.rule !== null && m.rule !== s.rule) return false;
  if (m.areaCode !== null && m.areaCode !== s.areaCode && m.areaCode !== s.districtCode) return false;
  if (m.measure !== null) {
    const tax = taxonomy();
    let ok = false;
    for (let k: string | undefined = s.measure, depth = 0; k && depth < 10; k = tax.get(k)?.parent, depth++) if (k === m.measure) ok = true;
    if (!ok) return false;
  }
  return true;
}

/** "residential burglary in Market until 30 June 2024 (roadworks; set by U123)" */
export function describeMute(m: MuteWindow, names: { area?: string | undefined; measure?: string | undefined }, timezone: string): string {
  const what =
    [names.measure ?? (m.measure ? m.measure : null), names.area ? `in ${names.area}` : m.areaCode ? `in ${m.areaCode}` : null, m.rule ? `(rule ${m.rule})` : null]
      .filter(Boolean)
      .join(' ') || 'every alert';
  return `${what} until ${untilWords(m.until, timezone)} (${m.reason}; set by ${m.by})`;
}

/** An instant as a London day and time: "30 June 2024, 09:00". Midnight reads as the day before's end. */
export function untilWords(iso: string, timezone: string): string {
  const d = new Date(iso);
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(d);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  if (get('hour') === '00' && get('minute') === '00') {
    const before = new Date(d.getTime() - 60_000);
    const p2 = new Intl.DateTimeFormat('en-GB', { timeZone: timezone, day: 'numeric', month: 'long', year: 'numeric' }).format(before);
    return `the end of ${p2}`;
  }
  return `${get('day')} ${get('month')} ${get('year')}, ${get('hour')}:${get('minute')}`;
}
