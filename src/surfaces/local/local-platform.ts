// The local platform adapter: posting to a `platform: local` channel records the message in a log
// (the store, so it survives restarts; memory in tests and before the store is open) and pushes it to
// every open page over Server-Sent Events. Delivery is idempotent on the outbox's key.
import { EventEmitter } from 'node:events';
import type { ChannelConfig } from '../../config/schema.ts';
import { DeliveryError, type ChatPlatform, type PostOptions, type PostResult } from '../../core/platform.ts';
import type { Reply } from '../../core/reply.ts';
import type { LocalChannelMessage, Store } from '../../store/types.ts';

/** A delivered message; its id increases across all channels and is also the SSE event id. */
export type LocalMessage = LocalChannelMessage;

export interface LocalMessageLog {
  /** Appends a message; with a key already seen, returns the earlier message and adds nothing. */
  append(input: {
    channel: string;
    reply: Reply;
    postedAt: string;
    idempotencyKey: string | null;
    threadOf?: string | null;
  }): Promise<{ message: LocalMessage; duplicate: boolean }>;
  /** The latest `limit` messages of a channel, oldest first. */
  list(channel: string, limit: number): Promise<LocalMessage[]>;
  /** Every message with an id above `afterId`, oldest first (for SSE resume). */
  after(afterId: number, limit: number): Promise<LocalMessage[]>;
  /** The highest message id so far (0 when empty). */
  latestId(): Promise<number>;
}

export class MemoryMessageLog implements LocalMessageLog {
  private readonly messages: LocalMessage[] = [];

  async append(input: Omit<LocalMessage, 'id'>): Promise<{ message: LocalMessage; duplicate: boolean }> {
    const earlier = input.idempotencyKey ? this.messages.find((m) => m.idempotencyKey === input.idempotencyKey) : undefined;
    if (earlier) return { message: earlier, duplicate: true };
    const message = { ...input, threadOf: input.threadOf ?? null, id: (this.messages.at(-1)?.id ?? 0) + 1 };
    this.messages.push(message);
    return { message, duplicate: false };
  }

  async list(channel: string, limit: number): Promise<LocalMessage[]> {
    return this.messages.filter((m) => m.channel === channel).slice(-limit);
  }

  async after(afterId: number, limit: number): Promise<LocalMessage[]> {
    return this.messages.filter((m) => m.id > afterId).slice(0, limit);
  }

  async latestId(): Promise<number> {
    return this.messages.at(-1)?.id ?? 0;
  }
}

/** The log kept in the store (table local_messages), so history and idempotency survive restarts and every replica sees one log. */
export class StoreMessageLog implements LocalMessageLog {
  constructor(private readonly store: Store) {}

  async append(input: Omit<LocalMessage, 'id'>): Promise<{ message: LocalMessage; duplicate: boolean }> {
    return this.store.appendLocalMessage(input);
  }

  list(channel: string, limit: number): Promise<LocalMessage[]> {
    return this.store.localMessages({ channel, limit });
  }

  after(afterId: number, limit: number): Promise<LocalMessage[]> {
    return this.store.localMessages({ afterId, limit });
  }

  /** Read from the store each time: another replica may have posted since. */
  latestId(): Promise<number> {
    return this.store.latestLocalMessageId();
  }
}

/** Fan-out of delivered messages to listeners (the SSE streams). */
export class MessageBus {
  private readonly emitter = new EventEmitter();
  constructor() {
    this.emitter.setMaxListeners(0);
  }
  publish(message: LocalMessage): void {
    this.emitter.emit('message', message);
  }
  /** How many listeners (open event streams) there are. */
  listenerCount(): number {
    return this.emitter.listenerCount('message');
  }
  subscribe(fn: (message: LocalMessage) => void): () => void {
    this.emitter.on('message', fn);
    return () => this.emitter.off('message', fn);
  }
}

export class LocalPlatform implements ChatPlatform {
  readonly name = 'local' as const;

  constructor(
    private readonly log: LocalMessageLog,
    private readonly bus: MessageBus,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Posts to the channel, or as a reply in the thread of local message `threadOf`. Idempotent on the key. */
  async post(channel: ChannelConfig, reply: Reply, options: PostOptions = {}): Promise<PostResult> {
    if (channel.platform !== 'local') throw new DeliveryError(`channel "${channel.name}" is a ${channel.platform} channel, not a local one`, false);
    let result: Awaited<ReturnType<LocalMessageLog['append']>>;
    try {
      result = await this.log.append({
        channel: channel.name,
        reply,
        postedAt: this.clock().toISOString(),
        idempotencyKey: options.idempotencyKey ?? null,
        threadOf: options.threadOf ?? null,
      });
    } catch (err) {
      throw new DeliveryError(`could not record the local message: ${err instanceof Error ? err.message : String(err)}`, true);
    }
    if (!result.duplicate) this.bus.publish(result.message);
    return { messageId: String(result.message.id) };
  }
}

/**
 * Follows the message log for messages this process did not post (another replica, the CLI) and
 * publishes them to this process's open pages. Ids come from the store, so a message posted here is
 * published once: by post() at once, and skipped by the tail. It re-reads a short overlap, because on
 * PostgreSQL a lower id can commit just after a higher one.
 */
export class MessageTail {
  private timer: NodeJS.Timeout | null = null;
  private watermark = 0;
  private readonly seen = new Set<number>();
  private running: Promise<void> | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly log: LocalMessageLog,
    private readonly bus: MessageBus,
    private readonly onError: (line: string) => void = () => {},
    private readonly overlap = 20,
  ) {}

  /** Starts after the newest message now stored (history is read by the page itself). */
  async start(intervalMs: number): Promise<void> {
    this.watermark = await this.log.latestId();
    // What this process publishes itself is not published again.
    this.unsubscribe = this.bus.subscribe((m) => this.remember(m.id));
    this.timer = setInterval(() => void this.poll(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** One look at the log (also called by tests). */
  poll(): Promise<void> {
    this.running ??= (async () => {
      try {
        const fresh = await this.log.after(Math.max(0, this.watermark - this.overlap), 500);
        for (const m of fresh) {
          if (this.seen.has(m.id)) continue;
          this.bus.publish(m); // remember() runs through the subscription
        }
      } catch (err) {
        this.onError(`local messages: could not read new messages: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  private remember(id: number): void {
    this.seen.add(id);
    if (id > this.watermark) this.watermark = id;
    // Keep only what the overlap can still reach.
    if (this.seen.size > this.overlap * 20) for (const old of this.seen) if (old < this.watermark - this.overlap) this.seen.delete(old);
  }
}
