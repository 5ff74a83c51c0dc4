// The force area's districts, from one place. The config gives either a list of district codes or
// `districts: all` (a national deployment: every district in the loaded geography). `all` is resolved
// against the store each time it is asked, not when the config is loaded: the geography may be ingested
// after the config is read (`wardwatch config check` on an empty store, a serve whose inbox then takes
// the ONS lookup). The parsed config keeps `districts: null` for `all`, so code that reads the field
// without going through here does not type-check.
import type { Area, Store } from '../store/types.ts';
import type { Config } from './schema.ts';

/** The districts (LAD codes) of the force area, resolved. */
export interface ForceDistricts {
  /** In the configured order, or for `districts: all` the store's districts by code. */
  readonly codes: readonly string[];
  /** True for `districts: all`. */
  readonly all: boolean;
  has(code: string): boolean;
  /** Whether these areas include every district of the force area (the countywide board); false before any district is known. */
  coveredBy(areas: readonly string[]): boolean;
}

/** The force area's districts, given the store's districts (or every stored area: only districts are taken). */
export function forceDistrictsFrom(config: Config, storeAreas: readonly Pick<Area, 'code' | 'type'>[]): ForceDistricts {
  const configured = config.forceArea.districts;
  const codes =
    configured ??
    storeAreas
      .filter((a) => a.type === 'district')
      .map((a) => a.code)
      .sort();
  const set = new Set(codes);
  return {
    codes,
    all: configured === null,
    has: (code) => set.has(code),
    coveredBy: (areas) => {
      if (set.size === 0) return false;
      const given = new Set(areas);
      for (const c of set) if (!given.has(c)) return false;
      return true;
    },
  };
}

/** The force area's districts: the configured list, or for `districts: all` every district the store holds now. */
export async function forceAreaDistricts(config: Config, store: Pick<Store, 'areas'>): Promise<ForceDistricts> {
  return forceDistrictsFrom(config, config.forceArea.districts === null ? await store.areas('district') : []);
}

/**
 * Districts in England and Wales (ONS, April 2023: 296 in England, 22 in Wales): the most a force area
 * can hold, used to scale the force-area plausibility bounds (src/ingest/validate.ts).
 */
export const ENGLAND_AND_WALES_DISTRICTS = 318;

/**
 * How many districts the force area holds, for bounds that scale with it: the configured list's length,
 * or for `districts: all` (not known until the geography is loaded) the whole of England and Wales.
 */
export function forceDistrictCountBound(config: Config | null | undefined): number {
  const configured = config?.forceArea.districts;
  return configured ? configured.length : ENGLAND_AND_WALES_DISTRICTS;
}
