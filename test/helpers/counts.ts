// Small read helpers over the Store for tests.
import type { DataSource, Store } from '../../src/store/types.ts';

/** For each of `areaCodes` (in order), the sum of `measures` from `source` in `month` (0 when absent). */
export async function sumsByArea(store: Store, areaCodes: string[], source: DataSource, measures: string[], month: string): Promise<number[]> {
  const m = new Map<string, number>();
  for (const c of await store.counts({ areaCodes, measures, source, from: month, to: month })) m.set(c.areaCode, (m.get(c.areaCode) ?? 0) + c.count);
  return areaCodes.map((a) => m.get(a) ?? 0);
}
