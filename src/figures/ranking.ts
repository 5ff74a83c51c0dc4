// Sibling areas ranked and tested for `/crime top`: a ranking by empirical Bayes (smoothed) rate so
// a small ward with a handful of crimes does not top the table, hotspots against the parent area's
// rate, and emerging hotspots month by month. The statistics are detection's (src/detect/hotspots.ts);
// this module shapes the store's counts for them and keeps the areas that cannot be tested aside.
import type { Month } from '../core/periods.ts';
import { emergingHotspots, findHotspots, shrunkRates, type AreaCount, type EmergingHotspotFinding, type HotspotFinding } from '../detect/index.ts';
import { ratePer1000, sameValue, type RankItem } from './compute.ts';

export interface SmoothedRanked extends RankItem {
  /** Crimes per 1,000 residents as observed; null without a count or a population. */
  rate: number | null;
  /** Empirical Bayes rate per 1,000 (Marshall 1991): pulled towards the overall rate, more for small areas. */
  smoothedRate: number | null;
  /** Weight on the area's own rate (0 = all the overall rate, 1 = all its own). */
  weight: number | null;
  /** 1 = highest smoothed rate; areas whose smoothed rates are equal share a rank. */
  rank: number | null;
  joint: boolean;
}

const testable = (it: RankItem): it is RankItem & { count: number; population: number } => it.count !== null && it.population !== null && it.population > 0;

/** Areas ranked by smoothed rate, highest first; areas without a count or population go last, unranked. */
export function rankBySmoothedRate(items: RankItem[]): SmoothedRanked[] {
  const ok = items.filter(testable);
  const shrunk = new Map(shrunkRates(ok.map((it) => ({ code: it.code, name: it.name, count: it.count, population: it.population }))).map((s) => [s.code, s]));
  const rated: SmoothedRanked[] = ok
    .map((it) => ({
      ...it,
      rate: ratePer1000(it.count, it.population),
      smoothedRate: shrunk.get(it.code)!.shrunkRate,
      weight: shrunk.get(it.code)!.weight,
      rank: null as number | null,
      joint: false,
    }))
    .sort((a, b) => b.smoothedRate! - a.smoothedRate! || a.name.localeCompare(b.name));
  rated.forEach((r, i) => {
    const prev = rated[i - 1];
    // A tie only when the smoothed rates are equal, not when they read the same to one decimal.
    r.rank = prev && sameValue(prev.smoothedRate!, r.smoothedRate!) ? prev.rank : i + 1;
  });
  for (const r of rated) r.joint = rated.filter((o) => o.rank === r.rank).length > 1;
  const rest = items.filter((it) => !testable(it)).map((it) => ({ ...it, rate: ratePer1000(it.count, it.population), smoothedRate: null, weight: null, rank: null, joint: false }));
  return [...rated, ...rest];
}

/**
 * The ranking as a channel not cleared for small numbers may see it, when some counts are hidden.
 * The smoothed rates are hidden then (each depends on every count), and the order by them would
 * still give hidden counts away: two hidden wards of the same population, one ranked above the
 * other, and a total of the hidden ones, can pin each count. So the areas whose counts are shown
 * are ranked by their recorded rate (or, without rates, ordered by count), which the reader can
 * check, and the hidden ones follow unranked, in name order.
 */
export function rankWithoutHidden(ranked: SmoothedRanked[], hidden: (code: string) => boolean, by: 'rate' | 'count'): SmoothedRanked[] {
  const key = (r: SmoothedRanked) => (by === 'rate' ? r.rate : r.count);
  const unranked = (r: SmoothedRanked): SmoothedRanked => ({ ...r, rank: null, joint: false });
  const shown = ranked
    .filter((r) => !hidden(r.code) && key(r) !== null)
    .map(unranked)
    .sort((a, b) => key(b)! - key(a)! || a.name.localeCompare(b.name));
  if (by === 'rate') {
    shown.forEach((r, i) => {
      const prev = shown[i - 1];
      r.rank = prev && sameValue(key(prev)!, key(r)!) ? prev.rank : i + 1;
    });
    for (const r of shown) r.joint = shown.filter((o) => o.rank === r.rank).length > 1;
  }
  const byName = (a: SmoothedRanked, b: SmoothedRanked) => a.name.localeCompare(b.name);
  const hiddenRows = ranked
    .filter((r) => hidden(r.code))
    .map(unranked)
    .sort(byName);
  const rest = ranked.filter((r) => !hidden(r.code) && key(r) === null).map(unranked);
  return [...shown, ...hiddenRows, ...rest];
}

export interface HotspotSettings {
  /** False discovery rate across the siblings (default 0.05). */
  fdr: number;
  /** Fewest crimes an area needs to be called a hotspot. */
  minCount: number;
  /** Months before the latest that an emerging hotspot must not have been a hotspot in. */
  previous: number;
}

export const DEFAULT_HOTSPOT_SETTINGS: Readonly<HotspotSettings> = Object.freeze({ fdr: 0.05, minCount: 5, previous: 3 });

function areaCounts(items: RankItem[]): AreaCount[] {
  return items.filter(testable).map((it) => ({ code: it.code, name: it.name, count: it.count, population: it.population }));
}

/**
 * Hotspots over a period (e.g. the year ending): each area with a count and a population against its
 * population share of those areas together (the parent, when every sibling is there).
 */
export function periodHotspots(items: RankItem[], parentName: string, periodWords: string, settings: HotspotSettings = DEFAULT_HOTSPOT_SETTINGS): HotspotFinding[] {
  const areas = areaCounts(items);
  if (areas.length < 2) return [];
  return findHotspots(areas, { fdr: settings.fdr, minCount: settings.minCount, parent: { name: parentName }, period: periodWords });
}

/**
 * Emerging hotspots in the last month given: a hotspot that month and in none of the
 * `settings.previous` months before it, each month tested the same way. `months` oldest first. With
 * fewer previous months than that, nothing is called emerging (the detector's rule).
 */
export function monthlyEmergingHotspots(
  months: Array<{ month: Month; items: RankItem[] }>,
  parentName: string,
  monthWords: (m: Month) => string,
  settings: HotspotSettings = DEFAULT_HOTSPOT_SETTINGS,
): EmergingHotspotFinding[] {
  const periods = months.map((mo) => ({ period: mo.month, areas: areaCounts(mo.items) }));
  if (!periods.length || periods.some((p) => p.areas.length < 2)) return [];
  return emergingHotspots(periods, {
    fdr: settings.fdr,
    minCount: settings.minCount,
    previous: settings.previous,
    parent: { name: parentName },
    period: monthWords(periods[periods.length - 1]!.period),
  });
}
