// Alerts since the last meeting, for the brief and the monthly summary, as a channel may see them:
// alerting's own record (`store.alertHistory`) with who acknowledged each. Measures the channel may not
// see are left out; an alert about a small number keeps its measure and area but not its words.
import { storedAlertWords } from '../alerting/explain.ts';
import type { ChannelConfig } from '../config/schema.ts';
import { compareMonths, monthName, type Month } from '../core/periods.ts';
import { measureAllowed } from '../figures/suppression.ts';
import { OPEN_ALERT_STATES, type AlertRecord, type Store } from '../store/types.ts';
import type { Taxonomy } from '../taxonomy/index.ts';

export interface BriefAlert {
  id: number;
  /** The month it first fired, and the latest it was evaluated in. */
  sinceMonth: Month;
  lastMonth: Month;
  areaName: string;
  measureLabel: string;
  /** The alert's first line, or why it is not shown here. */
  headline: string;
  state: AlertRecord['state'];
  open: boolean;
  /** "Jo Bloggs (Slack), 3 May 2024"; null when nobody has. */
  acknowledged: string | null;
}

export interface AlertsSection {
  since: Month;
  available: boolean;
  items: BriefAlert[];
  /** Alerts on measures this channel may not see, counted, never described. */
  leftOut: number;
  note: string | null;
}

const STATE_WORDS: Record<AlertRecord['state'], string> = {
  firing: 'open',
  recovering: 'recovering',
  'no-data': 'open (no data this month)',
  resolved: 'back to normal',
  withdrawn: 'withdrawn (a revised month)',
  retired: 'closed (its rule was removed)',
};

export function stateWords(state: AlertRecord['state']): string {
  return STATE_WORDS[state] ?? state;
}

/** Alerts for the partnership that fired or were open since `since`, newest first. */
export async function alertsSince(
  store: Store,
  options: { partnership: string; since: Month; channel: ChannelConfig; taxonomy: Taxonomy; threshold: number },
): Promise<AlertsSection> {
  if (typeof (store as Partial<Store>).alertHistory !== 'function') {
    return { since: options.since, available: false, items: [], leftOut: 0, note: 'Alert history is not available in this deployment.' };
  }
  const rows = await store.alertHistory({ partnership: options.partnership, since: options.since });
  const { channel, taxonomy: tax } = options;
  let leftOut = 0;
  const items: BriefAlert[] = [];
  for (const a of rows) {
    const m = tax.get(a.measure);
    if (m && !measureAllowed(m, channel, (k) => tax.get(k)?.parent)) {
      leftOut++;
      continue;
    }
    // An alert's words carry exact counts: on protected data (the partnership's extract, sensitive
    // measures) a channel not cleared for small numbers is told that it fired, not its figures.
    const protectedMeasure = !!m && (m.source === 'partnership' || !!m.sensitive);
    const small = !channel.clearance.smallNumbers && protectedMeasure;
    const ack = [...a.acknowledgements].sort((x, y) => x.at.localeCompare(y.at)).at(-1);
    items.push({
      id: a.id,
      sinceMonth: a.sinceMonth,
      lastMonth: a.lastMonth,
      areaName: a.areaName,
      measureLabel: a.measureLabel,
      headline: small
        ? 'Figures not shown in this channel (partnership data).'
        : storedAlertWords(a, { smallNumbers: channel.clearance.smallNumbers, threshold: options.threshold }).headline,
      state: a.state,
      open: OPEN_ALERT_STATES.includes(a.state),
      acknowledged: ack
        ? `${ack.by} (${ack.surface}), ${new Date(ack.at).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' })}`
        : null,
    });
  }
  items.sort((x, y) => compareMonths(y.sinceMonth, x.sinceMonth) || x.areaName.localeCompare(y.areaName));
  return {
    since: options.since,
    available: true,
    items,
    leftOut,
    note: items.length || leftOut ? null : `No alerts since ${monthName(options.since)}.`,
  };
}
