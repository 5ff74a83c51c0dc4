// The figures engine's door to the store: monthly series for an area and measure (composites summed
// from their members, partnership measures from the extract when it is loaded), with the months the
// data covers, which of them are synthetic, and what re-published months changed.
import { compareMonths, type Month } from '../core/periods.ts';
import type { Area, DataSource, MonthlyCount, Store } from '../store/types.ts';
import type { Disclosure } from './disclosure.ts';
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
export async function coverage(store: Store, sources: DataSource[]): Promise<Coverage> {
  let months: Month[] | null = null;
  const synthetic = new Set<Month>();
  const held = await Promise.all(sources.map((source) => Promise.all([store.months(source), store.realMonths(source)])));
  for (const [all, realMonths] of held) {
    const real = new Set(realMonths);
    for (const m of all) if (!real.has(m)) synthetic.add(m);
    months = months === null ? all : months.filter((m) => all.includes(m));
  }
  const list = (months ?? []).sort(compareMonths);
  return { months: list, synthetic, latest: list[list.length - 1] ?? null, first: list[0] ?? null };
}

/** Whether the partnership extract holds a measure for an area (or, without an area, anywhere). */
export async function partnershipHas(store: Store, measureKey: string, areaCodes: string[]): Promise<boolean> {
  return (await partnershipMeasures(store, [measureKey], areaCodes)).has(measureKey);
}

/** Which of `measureKeys` the partnership extract holds for the areas: one read for them all. */
export async function partnershipMeasures(store: Store, measureKeys: readonly string[], areaCodes: string[]): Promise<Set<string>> {
  if (!measureKeys.length || !(await store.months('partnership')).length) return new Set();
  return new Set(await store.measuresHeld({ areaCodes, measures: [...measureKeys], source: 'partnership' }));
}

/**
 * The test effectiveMeasure() and childMeasures() ask ("does the extract hold this measure here?"),
 * answered for every partnership measure of the taxonomy at once, so it can stay a plain predicate.
 */
export async function partnershipTest(store: Store, tax: Taxonomy, areaCodes: string[]): Promise<(key: string) => boolean> {
  const held = await partnershipMeasures(
    store,
    tax.measures.filter((m) => m.source === 'partnership').map((m) => m.key),
    areaCodes,
  );
  return (key) => held.has(key);
}

/** What the data can show for a measure in an area (see effectiveMeasure). */
export async function measureFor(store: Store, tax: Taxonomy, area: Area, requested: Measure, has?: (key: string) => boolean): Promise<EffectiveMeasure | { unavailable: string }> {
  return effectiveMeasure(tax, requested, has ?? (await partnershipTest(store, tax, [area.code])));
}

/** One series per area code for an effective measure, between `from` and `to` if given. */
export async function seriesByArea(
  store: Store,
  eff: EffectiveMeasure,
  areaCodes: string[],
  range: { from?: Month; to?: Month } = {},
  /** What the asking channel may see (src/figures/disclosure.ts); omitted = exact, for tools only. */
  disclosure?: Disclosure,
): Promise<{ series: Map<string, Series>; coverage: Coverage }> {
  return (await seriesByMeasure(store, [eff], areaCodes, range, disclosure))[0]!;
}

/**
 * seriesByArea for several effective measures (a breakdown's children), in the order given, with one read
 * of the counts for them all: each measure's series are the ones seriesByArea would give it.
 */
export async function seriesByMeasure(
  store: Store,
  effs: readonly EffectiveMeasure[],
  areaCodes: string[],
  range: { from?: Month; to?: Month } = {},
  disclosure?: Disclosure,
): Promise<Array<{ series: Map<string, Series>; coverage: Coverage }>> {
  if (!effs.length) return [];
  const allSources = [...new Set(effs.flatMap((eff) => eff.parts.map((p) => p.source)))];
  const rows = await store.counts({
    areaCodes,
    measures: [...new Set(effs.flatMap((eff) => eff.parts.map((p) => p.key)))],
    ...(allSources.length === 1 ? { source: allSources[0]! } : {}),
    ...(range.from ? { from: range.from } : {}),
    ...(range.to ? { to: range.to } : {}),
  });
  return Promise.all(
    effs.map(async (eff) => {
      const sources = [...new Set(eff.parts.map((p) => p.source))];
      const cov = await coverage(store, sources.length ? sources : ['police.uk']);
      const wanted = new Set(eff.parts.map((p) => `${p.source}\t${p.key}`));
      const byArea = new Map<string, MonthlyCount[]>(areaCodes.map((c) => [c, []]));
      for (const r of rows) if (wanted.has(`${r.source}\t${r.measure}`)) byArea.get(r.areaCode)?.push(r);
      const months = cov.months.filter((m) => (!range.from || compareMonths(m, range.from) >= 0) && (!range.to || compareMonths(m, range.to) <= 0));
      const series = new Map<string, Series>();
      for (const code of areaCodes) {
        const exact = seriesFromRows(byArea.get(code) ?? [], months, cov.synthetic);
        series.set(code, disclosure ? disclosure.apply(eff, exact, byArea.get(code) ?? [], code) : exact);
      }
      return { series, coverage: cov };
    }),
  );
}

/** Ward placement for a month: how many counts came by map point and how many by LSOA best fit. */
export async function placement(store: Store, eff: EffectiveMeasure, areaCode: string, month: Month): Promise<{ byPolygon: number; byLsoa: number; byPartner: number }> {
  const rows = await store.counts({ areaCodes: [areaCode], measures: eff.parts.map((p) => p.key), from: month, to: month });
  const out = { byPolygon: 0, byLsoa: 0, byPartner: 0 };
  for (const r of rows) {
    out.byPolygon += r.byPolygon ?? 0;
    out.byLsoa += r.byLsoa ?? 0;
    out.byPartner += r.byPartner ?? 0;
  }
  return out;
}

/** Notes for months in [from, to] that were re-published, replacing an earlier version. */
export async function revisionNotes(
  store: Store,
  sources: DataSource[],
  from: Month,
  to: Month,
  monthWords: (m: Month) => string,
  /** the sources whose force-wide totals may be given (not the partnership's where its figures are perturbed) */
  options: { totals?: DataSource[] } = {},
): Promise<string[]> {
  const notes: string[] = [];
  for (const r of await store.revisedReleases()) {
    if (!r.revision || !r.month || !sources.includes(r.source as DataSource)) continue;
    if (compareMonths(r.month, from) < 0 || compareMonths(r.month, to) > 0) continue;
    const totals = (options.totals ?? sources).includes(r.source as DataSource) ? ` (force-wide total ${r.revision.previousTotal} -> ${r.revision.newTotal})` : '';
    notes.push(`${monthWords(r.month)} (${r.source}) was re-published on ${r.ingestedAt.slice(0, 10)}: these figures use the new version${totals}.`);
  }
  return notes;
}
