// Durable "month landed" events: the store records one with every release (same transaction), and
// each consumer (the release notice today; alerts and summaries next) keeps a cursor in the store. A
// replica takes an event by moving the consumer's cursor past it with a compare-and-set, so across
// replicas each event reaches each consumer once, and a month ingested while the service was down
// (or by the CLI beside it) is processed when a replica next looks.
import type { DataEvent, Store } from '../store/types.ts';

/**
 * Gets the events not yet handled, oldest first, as one batch (up to 100): what one ingest brought
 * (police.uk and the partnership extract of a month) arrives together, so a consumer can group it,
 * as Alertmanager groups alerts, instead of posting once per file.
 */
export type DataEventHandler = (events: DataEvent[]) => unknown;

export interface PumpResult {
  /** Events handled by this replica, by consumer. */
  handled: Record<string, number>;
  failed: Array<{ consumer: string; eventId: number; error: string }>;
}

const BATCH = 100;

export class DataEventConsumers {
  private readonly consumers: Array<{ name: string; fn: DataEventHandler }> = [];
  private timer: NodeJS.Timeout | null = null;
  private pumping: Promise<PumpResult> | null = null;
  private again = false;

  constructor(
    private readonly store: Store,
    private readonly log: (line: string) => void = (l) => console.log(l),
  ) {}

  /**
   * Adds a consumer. One never seen before starts after the newest event already stored: what was
   * loaded before it existed (the first start's fixtures, years of history) is not news.
   */
  async register(name: string, fn: DataEventHandler): Promise<void> {
    if (this.consumers.some((c) => c.name === name)) throw new Error(`data events: a consumer named "${name}" is already registered`);
    await this.store.initConsumerCursor(name, await this.store.lastDataEventId());
    this.consumers.push({ name, fn });
  }

  get names(): string[] {
    return this.consumers.map((c) => c.name);
  }

  /** Hands every new event to every consumer; concurrent calls share one run (and queue one more). */
  pump(): Promise<PumpResult> {
    if (this.pumping) {
      this.again = true;
      return this.pumping;
    }
    this.pumping = (async () => {
      const total: PumpResult = { handled: {}, failed: [] };
      do {
        this.again = false;
        for (const c of this.consumers) await this.drain(c, total);
      } while (this.again);
      return total;
    })().finally(() => {
      this.pumping = null;
    });
    return this.pumping;
  }

  /** Looks for new events every `intervalMs` (events written by the CLI or another replica). */
  startPolling(intervalMs: number): void {
    this.stopPolling();
    this.timer = setInterval(() => {
      this.pump().catch((err: unknown) => this.log(`data events: ${err instanceof Error ? err.message : String(err)}`));
    }, intervalMs);
    this.timer.unref();
  }

  stopPolling(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Waits for a pump in progress (for a clean shutdown). */
  async idle(): Promise<void> {
    await this.pumping?.catch(() => undefined);
  }

  private async drain(c: { name: string; fn: DataEventHandler }, total: PumpResult): Promise<void> {
    for (;;) {
      const cursor = (await this.store.consumerCursor(c.name)) ?? 0;
      const events = await this.store.dataEvents(cursor, BATCH);
      if (!events.length) return;
      // Take them: only the replica whose compare-and-set succeeds handles this batch. At most once: a
      // replica killed while handling loses the batch for this consumer (the outbox makes delivery durable).
      if (!(await this.store.advanceConsumerCursor(c.name, cursor, events.at(-1)!.id))) continue;
      try {
        await c.fn(events);
        total.handled[c.name] = (total.handled[c.name] ?? 0) + events.length;
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        total.failed.push({ consumer: c.name, eventId: events[0]!.id, error });
        this.log(
          `data events: consumer "${c.name}" failed on events ${events[0]!.id}-${events.at(-1)!.id} (${[...new Set(events.map((e) => `${e.source} ${e.month}`))].join(', ')}): ${error}`,
        );
      }
    }
  }
}
