// Quiet hours: a daily window of wall-clock time in the service's time zone (Europe/London) during
// which a channel gets no automatic posts. Delivery is deferred to the window's end, never dropped.
// Wall-clock times are turned into instants through src/core/periods.ts (zonedInstant), so "07:00"
// is 07:00 GMT in winter and 07:00 BST (06:00 UTC) in summer, also on the night the clocks change.
import { addDays, dayInZone, zonedInstant } from './periods.ts';

export interface QuietHours {
  /** "HH:MM", local time: the window starts here... */
  from: string;
  /** ...and ends here (earlier than `from` for a window over midnight, e.g. 21:00 to 07:00). */
  to: string;
}

/**
 * The instant the quiet window holding `at` ends, or null when `at` is outside it (or the window is
 * empty: from === to). The window includes `from` and excludes `to`.
 */
export function quietHoursEnd(at: Date, quiet: QuietHours, timeZone: string): Date | null {
  if (quiet.from === quiet.to) return null;
  const day = dayInZone(at, timeZone);
  const t = at.getTime();
  const start = zonedInstant(day, quiet.from, timeZone).getTime();
  const end = zonedInstant(day, quiet.to, timeZone).getTime();
  if (quiet.from < quiet.to) return t >= start && t < end ? new Date(end) : null;
  // Over midnight: the evening part of today's window, or the morning part of yesterday's.
  if (t >= start) return zonedInstant(addDays(day, 1), quiet.to, timeZone);
  if (t < end) return new Date(end);
  return null;
}
