// The ChatPlatform port for Slack: how the alert outbox posts alerts, digests, summaries and briefs to a
// configured channel by ID. Posts to one channel are serialised and spaced (Slack allows about one
// message a second per channel). A 429 is honoured: a short Retry-After is waited out here, a longer one
// comes back to the outbox as a retryable DeliveryError carrying retryAfterMs. Every other failure is a
// DeliveryError too (retryable or not); nothing is swallowed.
//
// Each post carries the outbox's marker (deliver.ts `outboxMarker`) so that `findPosted` can tell,
// before a retry, whether an earlier attempt reached Slack after all. That look-back reads the channel's
// recent history and needs the bot scopes channels:history (public channels) and groups:history
// (private ones). They are optional: without them `findPosted` says it cannot check, and the outbox
// posts again (at least once: a duplicate only when an attempt's outcome was lost).
import type { WebClient } from '@slack/web-api';
import type { ChannelConfig } from '../../config/schema.ts';
import { DeliveryError, type ChatPlatform, type PostOptions, type PostResult } from '../../core/platform.ts';
import type { Reply } from '../../core/reply.ts';
import { classifySlackError, outboxMarker, postReply, type ChartSupport } from './deliver.ts';

export interface SlackPlatformOptions extends ChartSupport {
  /** A client with `rejectRateLimitedCalls: true`, so a 429 reaches this adapter instead of being retried blindly. */
  client: WebClient;
  /** The bot token for a channel's workspace; undefined when Wardwatch is not installed there. */
  tokenFor(channel: Extract<ChannelConfig, { platform: 'slack' }>): Promise<string | undefined>;
  /** Minimum gap between two posts to the same channel (default 1100 ms). */
  minIntervalMs?: number;
  /** A Retry-After up to this long is waited out inside `post` (default 5000 ms); longer goes back to the outbox. */
  maxInlineWaitMs?: number;
  /** Rate-limited attempts inside one `post` before handing back to the outbox (default 3). */
  maxAttempts?: number;
  log?: (msg: string) => void;
  /** Every failed Web API call (the connection monitor decides whether it says Slack is away). */
  onSlackError?: (err: unknown) => void;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class SlackPlatform implements ChatPlatform {
  readonly name = 'slack' as const;
  private readonly lanes = new Map<string, Promise<unknown>>();
  private readonly lastPostAt = new Map<string, number>();
  private readonly done = new Map<string, PostResult>();
  private readonly inFlight = new Map<string, Promise<PostResult>>();

  constructor(private readonly options: SlackPlatformOptions) {}

  post(channel: ChannelConfig, reply: Reply, options: PostOptions = {}): Promise<PostResult> {
    const key = options.idempotencyKey;
    if (key) {
      const known = this.done.get(key);
      if (known) return Promise.resolve(known);
      const running = this.inFlight.get(key);
      if (running) return running;
    }
    if (channel.platform !== 'slack') {
      return Promise.reject(new DeliveryError(`channel "${channel.name}" is a ${channel.platform} channel, not a Slack one`, false));
    }
    // One lane per channel: posts wait for the previous one, then for the spacing.
    const lane = this.lanes.get(channel.slackChannelId) ?? Promise.resolve();
    const run = lane.catch(() => undefined).then(() => this.deliver(channel, reply, options));
    this.lanes.set(
      channel.slackChannelId,
      run.catch(() => undefined),
    );
    if (key) {
      this.inFlight.set(key, run);
      run.then(
        (r) => {
          this.inFlight.delete(key);
          this.done.set(key, r);
          if (this.done.size > 5000) this.done.delete(this.done.keys().next().value as string);
        },
        () => this.inFlight.delete(key),
      );
    }
    return run;
  }

  /**
   * Looks back over the channel (or the thread) from `since` for a message carrying this key's marker.
   * Throws a retryable DeliveryError when Slack cannot be asked now, a non-retryable one when this
   * token may not read history (missing_scope): then nobody can tell, and the caller decides.
   */
  async findPosted(channel: ChannelConfig, options: { idempotencyKey: string; threadOf?: string | null; since: Date }): Promise<PostResult | undefined> {
    if (channel.platform !== 'slack') throw new DeliveryError(`channel "${channel.name}" is a ${channel.platform} channel, not a Slack one`, false);
    const token = await this.token(channel);
    const marker = outboxMarker(options.idempotencyKey);
    const thread = options.threadOf && !options.threadOf.startsWith('file:') ? options.threadOf : null;
    // Slack's oldest is exclusive, in seconds; a minute's margin for clocks that disagree.
    const oldest = String(Math.max(0, Math.floor(options.since.getTime() / 1000) - 60));
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      type Found = {
        messages?: Array<{ ts?: string; thread_ts?: string; blocks?: Array<{ block_id?: string }> }>;
        response_metadata?: { next_cursor?: string };
        has_more?: boolean;
      };
      let res: Found;
      try {
        const args = { token, channel: channel.slackChannelId, oldest, limit: 200, ...(cursor ? { cursor } : {}) };
        res = (thread ? await this.options.client.conversations.replies({ ...args, ts: thread }) : await this.options.client.conversations.history(args)) as Found;
      } catch (err) {
        this.options.onSlackError?.(err);
        const failure = classifySlackError(err);
        const cannot = ['missing_scope', 'not_allowed_token_type', 'not_in_channel', 'channel_not_found'].includes(failure.reason);
        throw new DeliveryError(
          `could not look in channel "${channel.name}" for an earlier delivery: ${failure.reason}${failure.reason === 'missing_scope' ? ' (the bot token lacks channels:history / groups:history)' : ''}`,
          !cannot && failure.retryable,
          failure.retryAfterMs,
        );
      }
      for (const m of res.messages ?? []) {
        if (m.ts && m.blocks?.some((b) => b.block_id === marker)) return { messageId: m.ts };
      }
      cursor = res.response_metadata?.next_cursor || undefined;
      if (!cursor) return undefined;
    }
    return undefined;
  }

  private async token(channel: Extract<ChannelConfig, { platform: 'slack' }>): Promise<string> {
    const token = await this.options.tokenFor(channel);
    if (!token) {
      throw new DeliveryError(
        `Wardwatch has no Slack bot token for channel "${channel.name}"${channel.slackTeamId ? ` (workspace ${channel.slackTeamId})` : ''}: install the app there or set SLACK_BOT_TOKEN`,
        false,
      );
    }
    return token;
  }

  private async deliver(channel: Extract<ChannelConfig, { platform: 'slack' }>, reply: Reply, options: PostOptions): Promise<PostResult> {
    const o = this.options;
    const sleep = o.sleep ?? defaultSleep;
    const log = o.log ?? (() => {});
    const token = await this.token(channel);
    // A file upload's message has no ts to thread under (Slack returns only the file id): post in the channel.
    const threadTs = options.threadOf && !options.threadOf.startsWith('file:') ? options.threadOf : undefined;
    if (options.threadOf && !threadTs) log(`slack: ${channel.name}: the parent message was a file upload with no ts; posting in the channel instead of its thread`);
    const marker = options.idempotencyKey ? outboxMarker(options.idempotencyKey) : undefined;
    const maxAttempts = o.maxAttempts ?? 3;
    for (let attempt = 1; ; attempt += 1) {
      const gap = (o.minIntervalMs ?? 1100) - (Date.now() - (this.lastPostAt.get(channel.slackChannelId) ?? 0));
      if (gap > 0) await sleep(gap);
      try {
        const posted = await postReply(o.client, { channelId: channel.slackChannelId, token, threadTs, marker }, reply, o, { log });
        return { messageId: posted.messageId };
      } catch (err) {
        o.onSlackError?.(err);
        const failure = classifySlackError(err);
        const waitMs = failure.retryAfterMs;
        if (failure.reason === 'ratelimited' && waitMs !== undefined && waitMs <= (o.maxInlineWaitMs ?? 5000) && attempt < maxAttempts) {
          log(`slack: rate limited posting to ${channel.name}; waiting ${waitMs} ms (attempt ${attempt} of ${maxAttempts})`);
          await sleep(waitMs);
          continue;
        }
        throw new DeliveryError(`Slack refused the post to channel "${channel.name}" (${channel.slackChannelId}): ${failure.reason}`, failure.retryable, waitMs);
      } finally {
        this.lastPostAt.set(channel.slackChannelId, Date.now());
      }
    }
  }
}
