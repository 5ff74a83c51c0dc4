// The alerting consumer of the store's data events: each month a batch brings (police.uk and the
// partnership extract of one ingest arrive together) runs the pipeline once, oldest month first; a
// month that only came as a revision runs it as a revision (corrections, never a second "month landed").
import type { Config } from '../config/schema.ts';
import { compareMonths, type Month } from '../core/periods.ts';
import type { DataEvent, Store } from '../store/types.ts';
import { releaseHeldAlerts } from './held.ts';
import { runAlertPipeline, type PipelineResult } from './pipeline.ts';
import type { AlertRule } from './rules.ts';

const SOURCE_WORDS: Record<DataEvent['source'], string> = { 'police.uk': 'police.uk', partnership: "the partnership's own extract" };

export interface MonthRelease {
  month: Month;
  trigger: 'landed' | 'revised';
  sources: string[];
  synthetic: boolean;
}

/** The months of a batch of events, oldest first: landed if any event landed it, else revised. */
export function releasesOf(events: readonly DataEvent[]): MonthRelease[] {
  const byMonth = new Map<Month, MonthRelease>();
  for (const e of events) {
    const r = byMonth.get(e.month) ?? { month: e.month, trigger: 'revised' as const, sources: [], synthetic: true };
    if (e.kind === 'landed') r.trigger = 'landed';
    if (!r.sources.includes(SOURCE_WORDS[e.source])) r.sources.push(SOURCE_WORDS[e.source]);
    r.synthetic &&= e.synthetic;
    byMonth.set(e.month, r);
  }
  return [...byMonth.values()].sort((a, b) => compareMonths(a.month, b.month));
}

/** Handles one batch of data events; returns each month's result. */
export async function handleDataEvents(
  events: readonly DataEvent[],
  deps: { store: Store; config: Config; rules: readonly AlertRule[]; now?: () => Date; log?: (line: string) => void },
): Promise<PipelineResult[]> {
  const out: PipelineResult[] = [];
  for (const r of releasesOf(events)) {
    const result = await runAlertPipeline({
      store: deps.store,
      config: deps.config,
      rules: deps.rules,
      month: r.month,
      trigger: r.trigger,
      sources: r.sources,
      synthetic: r.synthetic,
      now: deps.now?.() ?? new Date(),
      ...(deps.log ? { log: deps.log } : {}),
    });
    const firing = result.findings.filter((f) => f.state === 'firing').length;
    deps.log?.(`alerts: ${r.month} (${r.trigger}): ${firing} firing, ${result.messages.length} message(s), ${result.enqueued} queued for delivery`);
    out.push(result);
  }
  return out;
}

/** The scheduled look at mutes that have ended: what they held back is posted once. */
export function muteReleaseJob(deps: { store: Store; config: Config; now: () => Date; log: (line: string) => void; cron?: string }) {
  return {
    name: 'alerts-mutes',
    cron: deps.cron ?? '*/15 * * * *',
    description: 'posts, once, the alerts a mute held back after the mute ends',
    catchUpMs: 0,
    async run() {
      const { enqueued } = await releaseHeldAlerts({ store: deps.store, config: deps.config, now: deps.now() });
      if (enqueued) deps.log(`alerts: ${enqueued} message(s) held back by ended mutes queued for delivery`);
    },
  };
}
