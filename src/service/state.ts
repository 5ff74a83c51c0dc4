// What the service is doing: starting, loading fixtures (with progress), ready, or failed. The health
// endpoint reports it, the page shows it, and every change is pushed to open pages.
import { EventEmitter } from 'node:events';
import type { Month } from '../core/periods.ts';
import type { Store } from '../store/types.ts';

export type Phase = 'starting' | 'loading' | 'ready' | 'failed';

export interface Progress {
  message: string;
  done?: number | undefined;
  total?: number | undefined;
}

export interface StatusSnapshot {
  phase: Phase;
  progress: Progress | null;
  error: string | null;
  latestMonth: Month | null;
  /** Latest month from a real (non-synthetic) file. */
  latestRealMonth: Month | null;
  months: number;
}

/**
 * A chat surface's connection (Slack; later Teams), for /healthz's `surfaces`: `degraded` with a
 * reason, `since`, `nextRetry` while it cannot reach its platform. A degraded surface does not make the
 * service unhealthy: the local page, the scheduler and the other surfaces carry on.
 */
export interface SurfaceHealth {
  state: 'starting' | 'ok' | 'degraded' | 'stopped';
  reason: string | null;
  since: string;
  nextRetry?: string | null;
}

export class ServiceState extends EventEmitter<{ change: [StatusSnapshot] }> {
  phase: Phase = 'starting';
  private readonly surfaceHealth = new Map<string, SurfaceHealth>();
  store: Store | null = null;
  progress: Progress | null = null;
  error: string | null = null;
  /** The change events on their way out: each waits for the one before, so they arrive in order. */
  private emitting: Promise<void> = Promise.resolve();

  constructor(store?: Store) {
    super();
    this.setMaxListeners(0);
    if (store) this.store = store;
  }

  attachStore(store: Store): void {
    this.store = store;
    this.changed();
  }

  loading(progress: Progress): void {
    this.phase = 'loading';
    this.progress = progress;
    this.changed();
  }

  ready(): void {
    this.phase = 'ready';
    this.progress = null;
    this.changed();
  }

  failed(err: unknown): void {
    this.phase = 'failed';
    this.error = err instanceof Error ? err.message : String(err);
    this.changed();
  }

  /** Records a surface's health (called on every change). */
  setSurface(name: string, health: SurfaceHealth): void {
    this.surfaceHealth.set(name, { ...health });
  }

  /** Each surface's health, by name ({} when none runs). */
  surfaces(): Record<string, SurfaceHealth> {
    return Object.fromEntries([...this.surfaceHealth].map(([name, h]) => [name, { ...h }]));
  }

  /** Tell listeners the data changed (a month landed) without a phase change. */
  changed(): void {
    // The snapshot reads the store, so it is sent when read; snapshots go out in the order of the changes.
    const next = this.snapshot();
    this.emitting = this.emitting
      .then(() => next)
      .then((s) => void this.emit('change', s))
      .catch((err: unknown) => console.error('service state: a change listener failed:', err));
  }

  /** The state as of the call, with the data the store holds (read once ready). */
  async snapshot(): Promise<StatusSnapshot> {
    const { store, phase, progress, error } = this;
    let months: Month[] = [];
    let real: Month[] = [];
    // While loading, the store is being written; reading it then is fine for SQLite (one connection)
    // but says little, so report data only once ready.
    if (store && phase === 'ready') {
      try {
        [months, real] = await Promise.all([store.months(), store.realMonths()]);
      } catch {
        // reported as unreachable by the health check
      }
    }
    return {
      phase,
      progress,
      error,
      latestMonth: months.at(-1) ?? null,
      latestRealMonth: real.at(-1) ?? null,
      months: months.length,
    };
  }
}
