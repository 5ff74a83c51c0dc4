// The platform port: how the core posts to a channel without knowing Slack, Teams or the local page.
// Alerts, digests, summaries and briefs are delivered through this port from the outbox.
import type { ChannelConfig } from '../config/schema.ts';
import type { Reply } from './reply.ts';

export interface PostResult {
  /** The platform's id for the posted message (Slack ts, Teams activity id, local message id). */
  messageId: string;
}

/** A delivery failure; `retryAfterMs` set when the platform asked us to wait (HTTP 429). */
export class DeliveryError extends Error {
  override name = 'DeliveryError';
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export interface ChatPlatform {
  readonly name: ChannelConfig['platform'];
  /** Posts a reply (with its chart, rendered by the platform adapter) to a configured channel. */
  post(channel: ChannelConfig, reply: Reply, options?: { idempotencyKey?: string }): Promise<PostResult>;
}
