// The ChatPlatform port for Slack: how the alert outbox posts alerts, digests, summaries and briefs to a
// configured channel by ID. Posts to one channel are serialised and spaced (Slack allows about one
// message a second per channel). A 429 is honoured: a short Retry-After is waited out here, a longer one
// comes back to the outbox as a retryable DeliveryError carrying retryAfterMs. Every other failure is a
// DeliveryError too (retryable or not); nothing is swallowed.
import type { WebClient } from '@slack/web-api';
import type { ChannelConfig } from '../../config/schema.ts';
import { DeliveryError, type ChatPlatform, type PostResult } from '../../core/platform.ts';
import type { Reply } from '../../core/reply.ts';
import { classifySlackError, postReply, type ChartSupport } from './deliver.ts';

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

  post(channel: ChannelConfig, reply: Reply, options: { idempotencyKey?: string } = {}): Promise<PostResult> {
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
    const run = lane.catch(() => undefined).then(() => this.deliver(channel, reply));
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

  private async deliver(channel: Extract<ChannelConfig, { platform: 'slack' }>, reply: Reply): Promise<PostResult> {
    const o = this.options;
    const sleep = o.sleep ?? defaultSleep;
    const log = o.log ?? (() => {});
    const token = await o.tokenFor(channel);
    if (!token) {
      throw new DeliveryError(
        `Wardwatch has no Slack bot token for channel "${channel.name}"${channel.slackTeamId ? ` (workspace ${channel.slackTeamId})` : ''}: install the app there or set SLACK_BOT_TOKEN`,
        false,
      );
    }
    const maxAttempts = o.maxAttempts ?? 3;
    for (let attempt = 1; ; attempt += 1) {
      const gap = (o.minIntervalMs ?? 1100) - (Date.now() - (this.lastPostAt.get(channel.slackChannelId) ?? 0));
      if (gap > 0) await sleep(gap);
      try {
        const posted = await postReply(o.client, { channelId: channel.slackChannelId, token }, reply, o, { log });
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
