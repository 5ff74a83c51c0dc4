// Reading Bot Framework activities: where one came from (the conversation to link and to post back to),
// what the user typed once the @mention is taken out, and what a card button sent back.
import type { ChannelConfig, Config } from '../../config/schema.ts';
import type { TeamsConversationRef } from '../../store/types.ts';
import type { CardData } from './cards.ts';

/** The parts of an activity Wardwatch reads (the SDK's types are wider; this is what the wire carries). */
export interface WireActivity {
  type: string;
  id?: string;
  name?: string;
  text?: string;
  value?: unknown;
  serviceUrl?: string;
  channelId?: string;
  replyToId?: string;
  action?: string;
  from?: { id: string; name?: string; aadObjectId?: string };
  recipient?: { id: string; name?: string };
  conversation?: { id: string; conversationType?: string; tenantId?: string; name?: string; isGroup?: boolean };
  channelData?: {
    tenant?: { id?: string };
    team?: { id?: string; name?: string };
    channel?: { id?: string; name?: string };
    eventType?: string;
  };
  entities?: Array<{ type: string; mentioned?: { id: string; name?: string }; text?: string }>;
  membersAdded?: Array<{ id: string }>;
  membersRemoved?: Array<{ id: string }>;
}

export type TeamsChannel = Extract<ChannelConfig, { platform: 'teams' }>;

/** A conversation id without its thread part: "19:x@thread.tacv2;messageid=123" -> "19:x@thread.tacv2". */
export function baseConversationId(id: string): string {
  const cut = id.indexOf(';messageid=');
  return cut >= 0 ? id.slice(0, cut) : id;
}

/** The thread's root message id in a channel conversation id, if any. */
export function threadRootOf(id: string): string | undefined {
  return /;messageid=(\d+)/.exec(id)?.[1];
}

export function conversationKind(a: WireActivity): TeamsConversationRef['conversationType'] {
  const t = a.conversation?.conversationType;
  if (t === 'channel' || t === 'groupChat' || t === 'personal') return t;
  if (a.channelData?.channel?.id) return 'channel';
  return a.conversation?.isGroup ? 'groupChat' : 'personal';
}

/** The id a config channel links to: a channel's own id (not the thread's), or the chat's. */
export function conversationAddress(a: WireActivity): string {
  const kind = conversationKind(a);
  if (kind === 'channel') return baseConversationId(a.channelData?.channel?.id ?? a.conversation?.id ?? '');
  return baseConversationId(a.conversation?.id ?? '');
}

/** The reference to keep for proactive posts, or undefined when the activity lacks what one needs. */
export function referenceOf(a: WireActivity, at: string, installed = true): Omit<TeamsConversationRef, 'firstSeenAt'> | undefined {
  const conversationId = conversationAddress(a);
  if (!conversationId || !a.serviceUrl || !a.recipient?.id) return undefined;
  const kind = conversationKind(a);
  return {
    conversationId,
    conversationType: kind,
    serviceUrl: a.serviceUrl,
    tenantId: a.conversation?.tenantId ?? a.channelData?.tenant?.id ?? null,
    botId: a.recipient.id,
    teamId: a.channelData?.team?.id ?? null,
    name: (kind === 'channel' ? (a.channelData?.channel?.name ?? (a.channelData?.team?.name ? `${a.channelData.team.name} (General)` : undefined)) : a.conversation?.name) ?? null,
    installed,
    updatedAt: at,
  };
}

/** The configured Teams channel for an activity's conversation. */
export function teamsChannelFor(config: Config, a: WireActivity): TeamsChannel | undefined {
  const address = conversationAddress(a);
  if (!address) return undefined;
  return config.channels.find((c): c is TeamsChannel => c.platform === 'teams' && baseConversationId(c.teamsConversationId) === address);
}

const ENTITIES: Record<string, string> = { '&nbsp;': ' ', '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&apos;': "'" };

/**
 * What the user typed, with every @mention (`<at>Wardwatch</at>`) and any markup taken out. The SDK's own
 * mention stripping runs after routes are chosen (a route on the raw text never matched in a channel), so
 * Wardwatch reads the text itself.
 */
export function questionText(a: WireActivity): string {
  return (a.text ?? '')
    .replace(/<at\b[^>]*>.*?<\/at>/gis, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&(nbsp|amp|lt|gt|quot|#39|apos);/g, (m) => ENTITIES[m] ?? m)
    .replace(/\s+/g, ' ')
    .trim();
}

/** What a card button sent (Action.Submit's data arrives as the message's `value`; Action.Execute's in value.action.data). */
export function cardData(a: WireActivity): CardData | undefined {
  const v = a.value as { wardwatch?: unknown; command?: unknown; alertId?: unknown; channel?: unknown; action?: { data?: unknown } } | undefined;
  const data = (a.type === 'invoke' ? (v?.action?.data as typeof v) : v) ?? undefined;
  if (!data || typeof data !== 'object') return undefined;
  if (data.wardwatch === 'run' && typeof data.command === 'string' && data.command.trim()) return { wardwatch: 'run', command: data.command.slice(0, 500) };
  if (data.wardwatch === 'ack' && (typeof data.alertId === 'string' || typeof data.alertId === 'number')) {
    return { wardwatch: 'ack', alertId: String(data.alertId), ...(typeof data.channel === 'string' ? { channel: data.channel } : {}) };
  }
  return undefined;
}

/** Whether the bot itself was among the members added (the app was installed here) or removed. */
export function botAdded(a: WireActivity): boolean {
  return (a.membersAdded ?? []).some((m) => m.id === a.recipient?.id) || (a.type === 'installationUpdate' && a.action === 'add');
}

export function botRemoved(a: WireActivity): boolean {
  return (a.membersRemoved ?? []).some((m) => m.id === a.recipient?.id) || (a.type === 'installationUpdate' && a.action === 'remove');
}
