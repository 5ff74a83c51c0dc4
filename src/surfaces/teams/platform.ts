// The ChatPlatform port for `platform: teams`: how the outbox posts alerts, digests, summaries and briefs
// to a channel or chat where the app is installed, with the conversation reference the bot stored when
// it was installed there or last heard from it. A digest in a channel starts a new thread
// (POST /v3/conversations); a follow-up (`threadOf`, the thread's root message id) is a reply in it
// (POST /v3/conversations/{id};messageid={root}/activities). In a group or 1:1 chat, which have no threads, both
// are messages in the chat.
import { Client as ConnectorClient } from '@microsoft/teams.api';
import { toThreadedConversationId } from '@microsoft/teams.apps';
import type { ChannelConfig } from '../../config/schema.ts';
import { DeliveryError, type ChatPlatform, type PostOptions, type PostResult } from '../../core/platform.ts';
import type { Reply } from '../../core/reply.ts';
import type { ChartLinks } from '../../charts/links.ts';
import type { Store, TeamsConversationRef } from '../../store/types.ts';
import { baseConversationId } from './activity.ts';
import { CARD_CONTENT_TYPE, replyCard, type AdaptiveCard } from './cards.ts';
import { classifyTeamsError, deliveryError } from './errors.ts';
import { cardChartUrl, cardDocumentUrl } from './links.ts';

/** The SDK's HTTP client (axios underneath), already carrying the bot's token. */
export type ConnectorHttp = ConstructorParameters<typeof ConnectorClient>[1];

export interface TeamsPlatformOptions {
  store: Store;
  /** The bot's HTTP client, with its token (the App's `api.http`). */
  http: ConnectorHttp;
  charts?: ChartLinks | undefined;
  publicUrl?: string | undefined;
  log?: (line: string) => void;
}

/** A connector client for a conversation's service URL (given with a trailing slash, which the client would double). */
export function connectorFor(serviceUrl: string, http: ConnectorHttp): ConnectorClient {
  return new ConnectorClient(serviceUrl.replace(/\/+$/, ''), http);
}

export function cardActivity(card: AdaptiveCard, summary?: string): Record<string, unknown> {
  return { type: 'message', ...(summary ? { summary } : {}), attachments: [{ contentType: CARD_CONTENT_TYPE, content: card }] };
}

export class TeamsPlatform implements ChatPlatform {
  readonly name = 'teams' as const;
  private readonly done = new Map<string, PostResult>();

  constructor(private readonly options: TeamsPlatformOptions) {}

  /** The stored reference for a configured channel; for a channel the bot never heard from, one of the same tenant's. */
  async reference(channel: Extract<ChannelConfig, { platform: 'teams' }>): Promise<TeamsConversationRef> {
    const id = baseConversationId(channel.teamsConversationId);
    const ref = await this.options.store.teamsConversation(id);
    if (ref) {
      if (!ref.installed) throw new DeliveryError(`Wardwatch was removed from the Teams conversation of channel "${channel.name}": add the app there again`, false);
      return ref;
    }
    // A channel of a team the app is installed in, never written in since: the team's channels share
    // the tenant and region, so any reference of that team tells us where to post.
    const known = (await this.options.store.teamsConversations()).filter((r) => r.installed && r.conversationType === 'channel');
    const endpoints = new Set(known.map((r) => `${r.serviceUrl}|${r.tenantId}|${r.botId}`));
    if (known.length && endpoints.size === 1 && id.endsWith('@thread.tacv2')) {
      return { ...known[0]!, conversationId: id, name: channel.name, teamId: null };
    }
    throw new DeliveryError(
      `Wardwatch has no Teams conversation reference for channel "${channel.name}" (${id}): install the app in that team, or @mention Wardwatch there once, so Teams tells it where to post`,
      false,
    );
  }

  async post(channel: ChannelConfig, reply: Reply, options: PostOptions = {}): Promise<PostResult> {
    if (channel.platform !== 'teams') throw new DeliveryError(`channel "${channel.name}" is a ${channel.platform} channel, not a Teams one`, false);
    const key = options.idempotencyKey;
    const known = key ? this.done.get(key) : undefined;
    if (known) return known;
    const ref = await this.reference(channel);
    const chart = await cardChartUrl(this.options.charts, this.options.publicUrl, reply.chart);
    const doc = await cardDocumentUrl(this.options.store, this.options.publicUrl, reply.attachment);
    const rendered = replyCard(reply, { mode: 'bot', chartUrl: chart.url, chartNote: chart.note, documentUrl: doc.url, documentNote: doc.note, channel: channel.name });
    if (rendered.rowsLeftOut > 0) this.options.log?.(`teams: "${reply.title}" for ${channel.name}: ${rendered.rowsLeftOut} table rows left out to fit the card limit`);
    const activity = cardActivity(rendered.card, reply.title);
    const api = connectorFor(ref.serviceUrl, this.options.http);
    const what = `Teams refused the post to channel "${channel.name}"`;
    let result: PostResult;
    try {
      if (options.threadOf) {
        if (ref.conversationType === 'channel') {
          // A reply in the thread: the channel's id with the root message's (what the SDK's own threading sends).
          const res = await api.conversations.createActivity(toThreadedConversationId(ref.conversationId, options.threadOf), { ...activity, replyToId: options.threadOf } as never);
          result = { messageId: String(res.id ?? '') };
        } else {
          const res = await api.conversations.createActivity(ref.conversationId, { ...activity, replyToId: options.threadOf } as never);
          result = { messageId: String(res.id ?? '') };
        }
      } else if (ref.conversationType === 'channel') {
        const res = (await api.conversations.create({
          isGroup: true,
          bot: { id: ref.botId },
          channelData: { channel: { id: ref.conversationId }, ...(ref.tenantId ? { tenant: { id: ref.tenantId } } : {}) },
          ...(ref.tenantId ? { tenantId: ref.tenantId } : {}),
          activity: activity as never,
        })) as { id?: string; activityId?: string };
        // The thread's root message id: what later replies (threadOf) go under.
        result = { messageId: String(res.activityId ?? /;messageid=(\d+)/.exec(res.id ?? '')?.[1] ?? '') };
      } else {
        const res = await api.conversations.createActivity(ref.conversationId, activity as never);
        result = { messageId: String(res.id ?? '') };
      }
    } catch (err) {
      const failure = classifyTeamsError(err);
      if (failure.status === 403 || failure.status === 404) {
        // Not in the conversation any more (the app was removed, the channel deleted): not retryable.
        throw deliveryError(`${what} (is Wardwatch still installed there?)`, { ...failure, retryable: false });
      }
      throw deliveryError(what, failure);
    }
    if (!result.messageId) throw new DeliveryError(`${what}: the Bot Connector returned no message id`, true);
    if (key) {
      this.done.set(key, result);
      if (this.done.size > 5000) this.done.delete(this.done.keys().next().value as string);
    }
    return result;
  }
}
