// How replicas share scheduled work: node-cron's RunCoordinator over the store's job-fire claim table
// (insert-if-absent per job and scheduled time: the one insert that succeeds runs the job), and the
// catch-up of fires missed while no replica was running. An advisory lock alone is not enough: two
// replicas whose timers fire 300 ms apart both run (see docs and round2 research, section 3.3).
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import cron, { type RunCoordinator } from 'node-cron';
import type { JobFire, Store } from '../store/types.ts';

/** This process's name among replicas: $WARDWATCH_REPLICA_ID, else host, pid and a random tail. */
export function replicaId(env: NodeJS.ProcessEnv = process.env): string {
  const given = env.WARDWATCH_REPLICA_ID?.trim();
  if (given) return given.slice(0, 64);
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/**
 * Whether a claimant is a process on this host that no longer runs (only for the default replica ids,
 * which carry host and pid): then its claim is abandoned now, without waiting for it to go stale.
 */
export function claimantDiedHere(claimedBy: string): boolean {
  const m = /^(.*)-(\d+)-[0-9a-f]{6}$/.exec(claimedBy);
  if (!m || m[1] !== hostname()) return false;
  const pid = Number(m[2]);
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** node-cron keys a fire as `<task name>:<ISO time of the slot>`. */
export function parseFireKey(key: string): { job: string; fireAt: string } {
  const m = /^(.*):(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z)$/.exec(key);
  if (!m) throw new Error(`scheduler: unexpected run key "${key}"`);
  return { job: m[1]!, fireAt: new Date(m[2]!).toISOString() };
}

export class StoreRunCoordinator implements RunCoordinator {
  constructor(
    private readonly store: Store,
    private readonly replica: string,
  ) {}

  async shouldRun(key: string): Promise<boolean> {
    const { job, fireAt } = parseFireKey(key);
    return this.store.claimJobFire({ job, fireAt, claimedBy: this.replica, reason: 'scheduled' });
  }
}

/**
 * The latest time at or before `now` (and after `now - windowMs`) that `expression` names in
 * `timezone`, or null. Scans minute by minute (with the expression's seconds), newest first.
 */
export function previousFire(expression: string, timezone: string, now: Date, windowMs: number): Date | null {
  const seconds = cron.parse(expression).second;
  // A throwaway task only for its time matcher (never started): it reads the expression in the zone.
  const probe = cron.createTask(expression, () => undefined, { timezone });
  try {
    const startMinute = Math.floor(now.getTime() / 60_000) * 60_000;
    const oldest = now.getTime() - windowMs;
    for (let minute = startMinute; minute + 59_000 >= oldest; minute -= 60_000) {
      for (const s of [...seconds].sort((a, b) => b - a)) {
        const at = minute + s * 1000;
        if (at > now.getTime() || at < oldest) continue;
        if (probe.match(new Date(at))) return new Date(at);
      }
    }
    return null;
  } finally {
    void probe.destroy();
  }
}

/** What /healthz says of a job's last fire: when, for which slot, who ran it, how it went. */
export function describeFire(f: JobFire | undefined): Record<string, unknown> | null {
  if (!f) return null;
  return {
    fireAt: f.fireAt,
    claimedBy: f.claimedBy,
    claimedAt: f.claimedAt,
    reason: f.reason,
    finishedAt: f.finishedAt,
    ok: f.ok,
    ...(f.error ? { error: f.error } : {}),
    ms: f.ms,
  };
}
