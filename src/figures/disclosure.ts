// The disclosure policy: what each channel is shown of each figure, decided in this one module for
// every reply (ask, top, compare, map, breakdowns, charts, alt text, follow-ups, JSON, summaries,
// briefs), because every figure is read through `seriesByArea` (src/figures/data.ts), which applies it.
// Alerts on protected measures are judged on the perturbed figures (`alertDisclosure`), in every channel.
//
// Decided from the data:
//  - police.uk street-level counts are published openly (anyone can count them from the monthly files),
//    so they are shown exactly in every channel: hiding them protects no one and ruins answers.
//  - What is not public is protected: the partnership's own extract (measures with `source: partnership`
//    in the taxonomy, and any composite summed from them) and the sensitive measures. In a channel not
//    cleared for small numbers (`clearance.smallNumbers: false`), every protected cell, and every total
//    built from protected cells, is shown perturbed by the cell key method (below); perturbed values
//    below the partnership's threshold read "fewer than 5". Sensitive measures stay refused in channels
//    not cleared for them (`measureAllowed` in suppression.ts).
//  - A channel cleared for small numbers sees protected cells exactly, except where exact figures would
//    give away a sensitive measure it is not cleared for by subtraction from a public total: the
//    partnership subgroups of a police.uk category that also has sensitive subgroups (violence with
//    injury, without injury, stalking beside rape and other sexual offences) stay perturbed there.
//
// The cell key method is the one the Office for National Statistics used for Census 2021 tables, after
// the Australian Bureau of Statistics' TableBuilder (Fraser & Wooton 2005, "A proposed method for
// confidentialising tabular output to protect against differencing", UNECE work session on statistical
// data confidentiality; ONS 2021, "Protecting personal data in Census 2021 results"; the ptable layout
// follows the `ptable`/`cellKey` R packages of Destatis and Statistics Austria):
//  - each record has a random key; a cell's key is the sum of its records' keys, modulo 1;
//  - a fixed perturbation table (ptable) maps the cell's value and key to a small adjustment;
//  - so the same cell (the same records) always gets the same adjustment, in every reply, channel and
//    replica, and asking again, or the same months under another name ("year ending March 2024" and
//    "2023/24"), gives nothing new; different cells get independent adjustments, so differencing two
//    totals (consecutive years ending, a district less its wards, police.uk less partnership subgroups)
//    gives the difference plus noise, never the hidden count.
// The store keeps counts, not records, so a stored row (source, measure, area, month, count) stands for
// its records: the sum of their keys is HMAC-SHA-256 of the row under a random secret kept in the store
// (shared by every replica, made once), taken as a 48-bit fraction. A reader who knows this code but not
// the secret cannot compute any key.
//
// Empty cells are perturbed too, which the ONS method does not do, because here every protected cell
// sits under an exact public total: police.uk's category count for the same area and months. If empty
// cells were never perturbed (or small true values always shown small), a shown figure would carry an
// exact bound ("not empty", "at least 5"), and beside a public police.uk count of 1, or a month whose
// police.uk count is 0, that bound pins which subgroup holds the crimes: the attack harness recovered
// such cells (Newnham, April 2022, from a financial year to date whose other month was public 0). So a
// cell with no records takes its key from its identity (HMAC of the measure, area and months), and
// every shown value, 0 and "fewer than 5" included, is consistent with every true value within
// `MAX_ADJUSTMENT` of it, 0 included. Moving one crime between two subgroups of the same police.uk
// count changes every cell it touches by 1, so no reply can tell the two apart unless one of those
// cells took the ptable's extreme adjustment (one key in 2^48). The price: an empty cell reads "fewer
// than 5" as before, and about 1 in 500 reads 5 or more.
//
// The ptable's adjustments follow a two-sided geometric distribution (the "geometric mechanism" of
// Ghosh, Roughgarden & Sundararajan 2009): P(adjustment = k) proportional to 0.3^|k|, so 54% of cells
// are unchanged, 86% move by at most 1 and 96% by at most 2 (95.8%), and the rare larger moves reach out to
// `MAX_ADJUSTMENT`. The long tail is the point: with bounded noise a reader could pin a cell whenever
// every cell of an equation took the largest adjustment the same way; here that takes an adjustment no
// key gives more often than once in 2^48, so no combination of replies pins a protected count (the
// attack harness in test/privacy/ checks this over several secrets), and an assumption of "at most 2"
// is wrong for 1 cell in 25.
import { createHmac, randomBytes } from 'node:crypto';
import type { ChannelConfig } from '../config/schema.ts';
import type { DataSource, MonthlyCount, Store } from '../store/types.ts';
import type { Taxonomy } from '../taxonomy/index.ts';
import type { EffectiveMeasure } from '../resolve/topic.ts';
import { monthRange, type Month, type Period } from '../core/periods.ts';
import type { Series } from './series.ts';

/** Cell keys are fractions with this many bits (the ptable's key intervals are integers below 2^KEY_BITS). */
export const KEY_BITS = 48;
const KEY_SPACE = 2 ** KEY_BITS;

/** The geometric ratio of the ptable: P(k) proportional to RATIO^|k|. */
export const PTABLE_RATIO = 0.3;

export interface PTableRow {
  adjustment: number;
  /** probability of this adjustment, as a share of the key space */
  probability: number;
  /** key interval [from, to) in integer keys below 2^KEY_BITS */
  from: number;
  to: number;
}

/** The perturbation table, for any value, 0 included; a value that would go below 0 reads 0. */
export const PTABLE: readonly PTableRow[] = buildPTable(PTABLE_RATIO);

/** The largest adjustment any key can give (the table's reach at 48-bit key resolution). */
export const MAX_ADJUSTMENT = Math.max(...PTABLE.map((r) => Math.abs(r.adjustment)));

function buildPTable(ratio: number): PTableRow[] {
  const weights: Array<{ k: number; w: number }> = [];
  const norm = (1 - ratio) / (1 + ratio);
  for (let k = -60; k <= 60; k++) {
    const w = Math.floor(KEY_SPACE * norm * ratio ** Math.abs(k));
    if (w >= 1) weights.push({ k, w });
  }
  // Whatever the floors lost goes to "unchanged", so the intervals cover the key space exactly.
  const lost = KEY_SPACE - weights.reduce((s, x) => s + x.w, 0);
  weights.find((x) => x.k === 0)!.w += lost;
  const rows: PTableRow[] = [];
  let at = 0;
  for (const { k, w } of weights) {
    rows.push({ adjustment: k, probability: w / KEY_SPACE, from: at, to: at + w });
    at += w;
  }
  return rows;
}

/** The shown value of a cell: its value plus the ptable's adjustment for its key (never below 0). */
export function perturb(value: number, cellKey: number): number {
  if (value < 0) return value;
  let lo = 0;
  let hi = PTABLE.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cellKey >= PTABLE[mid]!.to) lo = mid + 1;
    else hi = mid;
  }
  return Math.max(0, value + PTABLE[lo]!.adjustment);
}

/** Sum of cell keys modulo 1 (as integers modulo 2^KEY_BITS). */
export function addKeys(a: number, b: number): number {
  return (a + b) % KEY_SPACE;
}

export type DisclosureMode = 'exact' | 'perturbed';

export interface Disclosure {
  /** The partnership's small-number threshold ("fewer than 5"). */
  readonly threshold: number;
  /** How this channel is shown the figures of an effective measure. */
  mode(eff: Pick<EffectiveMeasure, 'parts' | 'measure' | 'requested'>): DisclosureMode;
  /** The series as this channel may see it: perturbed points and totals where the mode says so. */
  apply(eff: Pick<EffectiveMeasure, 'parts' | 'measure' | 'requested'>, series: Series, rows: readonly MonthlyCount[], areaCode: string): Series;
  /** Whether the channel is cleared for sensitive measures (the by-type total rule in commands/ask.ts). */
  readonly sensitiveCleared: boolean;
}

/** Everything exact: for tools, benchmarks and the CLI's own checks, never for a channel's replies. */
export const EXACT_DISCLOSURE: Disclosure = {
  threshold: 5,
  sensitiveCleared: true,
  mode: () => 'exact',
  apply: (_eff, series) => series,
};

/** Whether an effective measure's figures contain anything that is not public. */
export function isProtected(eff: Pick<EffectiveMeasure, 'parts' | 'measure' | 'requested'>): boolean {
  return eff.measure.sensitive === true || eff.requested.sensitive === true || eff.parts.some((p) => p.source === 'partnership');
}

/**
 * Partnership subgroups whose police.uk parent also has sensitive subgroups: with the public total,
 * their exact counts would give the sensitive ones by subtraction.
 */
export function beside(tax: Taxonomy, key: string): boolean {
  const m = tax.get(key);
  if (!m || m.source !== 'partnership' || m.sensitive || !m.parent) return false;
  return tax.children(m.parent).some((c) => c.sensitive);
}

export function disclosureModeFor(eff: Pick<EffectiveMeasure, 'parts' | 'measure' | 'requested'>, channel: Pick<ChannelConfig, 'clearance'>, tax: Taxonomy): DisclosureMode {
  if (!isProtected(eff)) return 'exact';
  if (!channel.clearance.smallNumbers) return 'perturbed';
  if (channel.clearance.sensitive) return 'exact';
  return eff.parts.some((p) => p.source === 'partnership' && beside(tax, p.key)) ? 'perturbed' : 'exact';
}

/** The name of the record-key secret in the store's link_secrets (tests seed it to fix the perturbation). */
export const RECORD_KEY_SECRET_NAME = 'disclosure:record-keys';
const SECRET_NAME = RECORD_KEY_SECRET_NAME;
const secrets = new WeakMap<Store, Promise<Buffer>>();

/** The store's record-key secret (made on first use, the same for every replica). */
export function recordKeySecret(store: Store): Promise<Buffer> {
  let s = secrets.get(store);
  if (!s) {
    s = store.linkSecret(SECRET_NAME, randomBytes(32).toString('hex')).then((hex) => Buffer.from(hex, 'hex'));
    // A failed read is retried by the next caller, not cached.
    s.catch(() => secrets.delete(store));
    secrets.set(store, s);
  }
  return s;
}

/** Row keys by secret: HMAC of the row, cached (a bounded map; rows repeat across replies). */
export class RowKeys {
  private readonly cache = new Map<string, number>();
  constructor(private readonly secret: Buffer) {}

  /** The sum of a stored row's record keys, as an integer below 2^KEY_BITS. */
  key(source: DataSource | string, measure: string, areaCode: string, month: Month, count: number): number {
    return this.keyOf(`${source}\t${measure}\t${areaCode}\t${month}\t${count}`);
  }

  private keyOf(id: string): number {
    let k = this.cache.get(id);
    if (k === undefined) {
      const mac = createHmac('sha256', this.secret).update(id).digest();
      k = mac.readUIntBE(0, 6); // 48 bits
      if (this.cache.size >= 200_000) this.cache.clear();
      this.cache.set(id, k);
    }
    return k;
  }

  /**
   * The key of an empty cell (no records to sum): from the cell's identity, the measures, area and
   * months, so the same empty cell gets the same adjustment every time and different ones independent
   * ones. Apart from row keys by its prefix (a row's id starts with its source).
   */
  emptyKey(parts: readonly string[], areaCode: string, from: Month, to: Month): number {
    return this.keyOf(`empty\t${[...parts].sort().join(',')}\t${areaCode}\t${from}\t${to}`);
  }
}

const rowKeysBySecret = new WeakMap<Buffer, RowKeys>();

/** The disclosure policy for a channel, with the store's secret. */
export function disclosurePolicy(options: { channel: Pick<ChannelConfig, 'clearance'>; threshold: number; taxonomy: Taxonomy; secret: Buffer }): Disclosure {
  const { channel, threshold, taxonomy: tax, secret } = options;
  let keys = rowKeysBySecret.get(secret);
  if (!keys) rowKeysBySecret.set(secret, (keys = new RowKeys(secret)));
  const rowKeys = keys;
  const mode = (eff: Pick<EffectiveMeasure, 'parts' | 'measure' | 'requested'>) => disclosureModeFor(eff, channel, tax);
  return {
    threshold,
    sensitiveCleared: channel.clearance.sensitive,
    mode,
    apply(eff, series, rows, areaCode) {
      if (mode(eff) === 'exact') return series;
      return perturbedSeries(series, rows, eff, rowKeys, areaCode);
    },
  };
}

/** The disclosure policy of a command's channel. */
export async function disclosureFor(ctx: {
  store: Store;
  channel: Pick<ChannelConfig, 'clearance'>;
  partnership: { smallNumberThreshold: number };
  taxonomy: Taxonomy;
}): Promise<Disclosure> {
  return disclosurePolicy({ channel: ctx.channel, threshold: ctx.partnership.smallNumberThreshold, taxonomy: ctx.taxonomy, secret: await recordKeySecret(ctx.store) });
}

/**
 * What alerts on protected measures are judged and worded on (src/alerting/evaluate.ts): the figures a
 * channel not cleared for small numbers is shown, the same cells its replies give. Whether an alert
 * fires, and every number in it, is then computed from published figures only, so it says nothing the
 * replies do not; judged on exact figures, an alert gave the exact count and, by firing, "at least 5".
 */
export async function alertDisclosure(store: Store, taxonomy: Taxonomy, threshold = 5): Promise<Disclosure> {
  return disclosurePolicy({ channel: { clearance: { smallNumbers: false, sensitive: true } }, threshold, taxonomy, secret: await recordKeySecret(store) });
}

/**
 * A series whose months are perturbed cells and whose totals (`totalFor`) are cells of their own: the
 * sum of the months' true values, perturbed by the sum of their keys (an empty cell by its own key).
 * The true values stay inside the closure; the points hold only what may be shown.
 */
export function perturbedSeries(series: Series, rows: readonly MonthlyCount[], eff: Pick<EffectiveMeasure, 'parts'>, keys: RowKeys, areaCode: string): Series {
  const wanted = new Set(eff.parts.map((p) => `${p.source}\t${p.key}`));
  const parts = [...wanted];
  const keyOf = new Map<Month, number>();
  for (const r of rows) {
    if (!wanted.has(`${r.source}\t${r.measure}`) || r.count <= 0) continue;
    keyOf.set(r.month, addKeys(keyOf.get(r.month) ?? 0, keys.key(r.source, r.measure, r.areaCode, r.month, r.count)));
  }
  const trueOf = new Map<Month, number | null>(series.points.map((p) => [p.month, p.count]));
  const cell = (months: Month[]): number | null => {
    if (!months.length) return null;
    let value = 0;
    let key = 0;
    for (const mo of months) {
      const v = trueOf.get(mo);
      if (v === undefined || v === null) return null;
      value += v;
      key = addKeys(key, keyOf.get(mo) ?? 0);
    }
    // An empty cell is perturbed too (see the header): a shown figure never says "not empty".
    if (value === 0) key = keys.emptyKey(parts, areaCode, months[0]!, months[months.length - 1]!);
    return perturb(value, key);
  };
  return {
    points: series.points.map((p) => ({ ...p, count: p.count === null ? null : cell([p.month]) })),
    disclosed: { total: (period: Period) => cell(monthRange(period.from, period.to)) },
  };
}
