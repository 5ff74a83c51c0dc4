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

export class ServiceState extends EventEmitter<{ change: [StatusSnapshot] }> {
  phase: Phase = 'starting';
  store: Store | null = null;
  progress: Progress | null = null;
  error: string | null = null;

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

  /** Tell listeners the data changed (a month landed) without a phase change. */
  changed(): void {
    this.emit('change', this.snapshot());
  }

  snapshot(): StatusSnapshot {
    let months: Month[] = [];
    let real: Month[] = [];
    // While loading, the store is being written; reading it then is fine for SQLite (one connection)
    // but says little, so report data only once ready.
    if (this.store && this.phase === 'ready') {
      try {
        months = this.store.months();
        real = this.store.realMonths();
      } catch {
        // reported as unreachable by the health check
      }
    }
    return {
      phase: this.phase,
      progress: this.progress,
      error: this.error,
      latestMonth: months.at(-1) ?? null,
      latestRealMonth: real.at(-1) ?? null,
      months: months.length,
    };
  }
}
