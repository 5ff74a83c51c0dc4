// The figures engine's door to the store: monthly series for an area and measure (composites summed
// from their members, partnership measures from the extract when it is loaded), with the months the
// data covers, which of them are synthetic, and what re-published months changed.
import { compareMonths, type Month } from '../core/periods.ts';
import type { Area, DataSource, Store } from '../store/types.ts';
import type { Measure, Taxonomy } from '../taxonomy/index.ts';
import { effectiveMeasure, type EffectiveMeasure } from '../resolve/topic.ts';
import { seriesFromRows, type Series } from './series.ts';

export interface Coverage {
  months: Month[];
  synthetic: Set<Month>;
  latest: Month | null;
  first: Month | null;
}

/** The months a source (or the overlap of several) holds, and which are synthetic. */
export function coverage(store: Store, sources: DataSource[]): Coverage {
  let months: Month[] | null = null;
  const synthetic = new Set<Month>();
  for (const source of sources) {
    const all = store.months(source);
    const real = new Set(store.realMonths(source));
    for (const m of all) if (!real.has(m)) synthetic.add(m);
    months = months === null ? all : months.filter((m) => all.includes(m));
  }
  const list = (months ?? []).sort(compareMonths);
  return { months: list, synthetic, latest: list[list.length - 1] ?? null, first: list[0] ?? null };
}

/** Whether the partnership extract holds a measure for an area (or, without an area, anywhere). */
export function partnershipHas(store: Store, measureKey: string, areaCodes: string[]): boolean {
  if (!store.months('partnership').length) return false;
  return store.counts({ areaCodes, measures: [measureKey], source: 'partnership' }).length > 0;
}

/** What the data can show for a measure in an area (see effectiveMeasure). */
export function measureFor(store: Store, tax: Taxonomy, area: Area, requested: Measure): EffectiveMeasure | { unavailable: string } {
  return effectiveMeasure(tax, requested, (key) => partnershipHas(store, key, [area.code]));
}

/** One series per area code for an effective measure, between `from` and `to` if given. */
export function seriesByArea(store: Store, eff: EffectiveMeasure, areaCodes: string[], range: { from?: Month; to?: Month } = {}): { series: Map<string, Series>; coverage: Coverage } {
  const sources = [...new Set(eff.parts.map((p) => p.source))];
  const cov = coverage(store, sources.length ? sources : ['police.uk']);
  const wanted = new Set(eff.parts.map((p) => `${p.source}\t${p.key}`));
  const rows = store.counts({
    areaCodes,
    measures: [...new Set(eff.parts.map((p) => p.key))],
    ...(sources.length === 1 ? { source: sources[0]! } : {}),
    ...(range.from ? { from: range.from } : {}),
    ...(range.to ? { to: range.to } : {}),
  });
  const byArea = new Map<string, Array<{ month: Month; count: number; synthetic: boolean }>>(areaCodes.map((c) => [c, []]));
  for (const r of rows) if (wanted.has(`${r.source}\t${r.measure}`)) byArea.get(r.areaCode)?.push(r);
  const months = cov.months.filter((m) => (!range.from || compareMonths(m, range.from) >= 0) && (!range.to || compareMonths(m, range.to) <= 0));
  const series = new Map<string, Series>();
  for (const code of areaCodes) series.set(code, seriesFromRows(byArea.get(code) ?? [], months, cov.synthetic));
  return { series, coverage: cov };
}

/** Ward placement for a month: how many counts came by map point and how many by LSOA best fit. */
export function placement(store: Store, eff: EffectiveMeasure, areaCode: string, month: Month): { byPolygon: number; byLsoa: number; byPartner: number } {
  const rows = store.counts({ areaCodes: [areaCode], measures: eff.parts.map((p) => p.key), from: month, to: month });
  const out = { byPolygon: 0, byLsoa: 0, byPartner: 0 };
  for (const r of rows) {
    out.byPolygon += r.byPolygon ?? 0;
    out.byLsoa += r.byLsoa ?? 0;
    out.byPartner += r.byPartner ?? 0;
  }
  return out;
}

/** Notes for months in [from, to] that were re-published, replacing an earlier version. */
export function revisionNotes(store: Store, sources: DataSource[], from: Month, to: Month, monthWords: (m: Month) => string): string[] {
  const notes: string[] = [];
  for (const r of store.releases()) {
    if (!r.revision || !r.month || !sources.includes(r.source as DataSource)) continue;
    if (compareMonths(r.month, from) < 0 || compareMonths(r.month, to) > 0) continue;
    notes.push(
      `${monthWords(r.month)} (${r.source}) was re-published on ${r.ingestedAt.slice(0, 10)}: these figures use the new version (force-wide total ${r.revision.previousTotal} -> ${r.revision.newTotal}).`,
    );
  }
  return notes;
}
