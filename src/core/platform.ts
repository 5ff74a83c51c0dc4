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

export interface PostOptions {
  /** The outbox key: adapters that can carry it (Slack message metadata, the local log) record it with the message. */
  idempotencyKey?: string;
  /** Post as a thread reply under this platform message id (Slack thread_ts, Teams activity id, local message id). */
  threadOf?: string | null;
}

export interface ChatPlatform {
  readonly name: ChannelConfig['platform'];
  /** Posts a reply (with its chart, rendered by the platform adapter) to a configured channel. */
  post(channel: ChannelConfig, reply: Reply, options?: PostOptions): Promise<PostResult>;
  /**
   * Looks for a message already posted with this idempotency key (in the thread `threadOf`, when set),
   * posted no earlier than `since`. The outbox asks before retrying a post that may have reached the
   * platform (a timeout, or a dispatcher killed between the post and recording it). `undefined` when
   * none was found; platforms that cannot look omit the method (their retries may then duplicate).
   */
  findPosted?(channel: ChannelConfig, options: { idempotencyKey: string; threadOf?: string | null; since: Date }): Promise<PostResult | undefined>;
}
