// A token bucket: at most `rate` requests a second on average, with bursts of up to `burst`. police.uk
// limits each client with a leaky bucket of 15 requests a second and a burst of 30 (then HTTP 429,
// data.police.uk/docs/api-call-limits); the watcher stays below that at 10 a second, bursts of 15.
// Takers are served in order, so concurrent workers share the one budget.

export class TokenBucket {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly rate: number,
    readonly burst: number,
    private readonly clock: () => number = () => performance.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    if (!(rate > 0) || !(burst >= 1)) throw new Error(`token bucket: rate ${rate} and burst ${burst} must be positive`);
    this.tokens = burst;
    this.last = clock();
  }

  /** Resolves when the caller may send one request. */
  take(): Promise<void> {
    const turn = this.queue.then(() => this.takeOne());
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /** After a 429: nobody sends for `ms`, and then at the steady rate (no burst straight after). */
  pause(ms: number): void {
    this.refill();
    this.tokens = Math.min(this.tokens, 1 - (ms / 1000) * this.rate);
  }

  private refill(): void {
    const now = this.clock();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
  }

  private async takeOne(): Promise<void> {
    for (;;) {
      this.refill();
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await this.sleep(Math.max(1, Math.ceil(((1 - this.tokens) / this.rate) * 1000)));
    }
  }
}
