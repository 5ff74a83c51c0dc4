// The local platform adapter: posting to a `platform: local` channel records the message in a log
// (the store, so it survives restarts; memory in tests and before the store is open) and pushes it to
// every open page over Server-Sent Events. Delivery is idempotent on the outbox's key.
import { EventEmitter } from 'node:events';
import type { ChannelConfig } from '../../config/schema.ts';
import { DeliveryError, type ChatPlatform, type PostResult } from '../../core/platform.ts';
import type { Reply } from '../../core/reply.ts';
import type { LocalChannelMessage, Store } from '../../store/types.ts';

/** A delivered message; its id increases across all channels and is also the SSE event id. */
export type LocalMessage = LocalChannelMessage;

export interface LocalMessageLog {
  /** Appends a message; with a key already seen, returns the earlier message and adds nothing. */
  append(input: { channel: string; reply: Reply; postedAt: string; idempotencyKey: string | null }): { message: LocalMessage; duplicate: boolean };
  /** The latest `limit` messages of a channel, oldest first. */
  list(channel: string, limit: number): LocalMessage[];
  /** Every message with an id above `afterId`, oldest first (for SSE resume). */
  after(afterId: number, limit: number): LocalMessage[];
  /** The highest message id so far (0 when empty). */
  latestId(): number;
}

export class MemoryMessageLog implements LocalMessageLog {
  private readonly messages: LocalMessage[] = [];

  append(input: Omit<LocalMessage, 'id'>): { message: LocalMessage; duplicate: boolean } {
    const earlier = input.idempotencyKey ? this.messages.find((m) => m.idempotencyKey === input.idempotencyKey) : undefined;
    if (earlier) return { message: earlier, duplicate: true };
    const message = { ...input, id: (this.messages.at(-1)?.id ?? 0) + 1 };
    this.messages.push(message);
    return { message, duplicate: false };
  }

  list(channel: string, limit: number): LocalMessage[] {
    return this.messages.filter((m) => m.channel === channel).slice(-limit);
  }

  after(afterId: number, limit: number): LocalMessage[] {
    return this.messages.filter((m) => m.id > afterId).slice(0, limit);
  }

  latestId(): number {
    return this.messages.at(-1)?.id ?? 0;
  }
}

/** The log kept in the store (table local_messages), so history and idempotency survive restarts. */
export class StoreMessageLog implements LocalMessageLog {
  private latest: number | undefined;

  constructor(private readonly store: Store) {}

  append(input: Omit<LocalMessage, 'id'>): { message: LocalMessage; duplicate: boolean } {
    const result = this.store.appendLocalMessage(input);
    this.latest = Math.max(this.latestId(), result.message.id);
    return result;
  }

  list(channel: string, limit: number): LocalMessage[] {
    return this.store.localMessages({ channel, limit });
  }

  after(afterId: number, limit: number): LocalMessage[] {
    return this.store.localMessages({ afterId, limit });
  }

  latestId(): number {
    this.latest ??= this.store.localMessages({ afterId: 0, limit: Number.MAX_SAFE_INTEGER }).at(-1)?.id ?? 0;
    return this.latest;
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

  async post(channel: ChannelConfig, reply: Reply, options: { idempotencyKey?: string } = {}): Promise<PostResult> {
    if (channel.platform !== 'local') throw new DeliveryError(`channel "${channel.name}" is a ${channel.platform} channel, not a local one`, false);
    let result: ReturnType<LocalMessageLog['append']>;
    try {
      result = this.log.append({ channel: channel.name, reply, postedAt: this.clock().toISOString(), idempotencyKey: options.idempotencyKey ?? null });
    } catch (err) {
      throw new DeliveryError(`could not record the local message: ${err instanceof Error ? err.message : String(err)}`, true);
    }
    if (!result.duplicate) this.bus.publish(result.message);
    return { messageId: String(result.message.id) };
  }
}
