// Examples a channel can run: the places and topics of the channel's own partnership, so every
// example shown (help, the welcome card, the README's "try") answers in the channel that shows it.
// Commands write their examples as functions of these places (Command.examples); help and the
// welcome card fill them in for the asking channel.
import { forceDistrictsFrom } from '../config/force-area.ts';
import type { ChannelConfig, Config, Partnership } from '../config/schema.ts';
import type { Command, ExamplePlaces } from '../core/dispatch.ts';
import { financialYearLabel, reportingYear } from '../core/periods.ts';
import type { Area, Store } from '../store/types.ts';
import type { Measure, Taxonomy } from '../taxonomy/index.ts';
import { measureAllowed } from '../figures/suppression.ts';
import { measureFor, seriesByArea } from '../figures/data.ts';
import { placeIndex, type PlaceIndex } from './places.ts';
import { placeText } from './question.ts';

export type { ExamplePlaces };

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
/** Topics every channel may see, used when the priorities give too few. */
const FALLBACK_TOPICS = ['anti-social-behaviour', 'burglary', 'shoplifting', 'violent-crime', 'vehicle-crime'];

/** How a measure is typed in an example: "asb", "shoplifting", "residential burglary". */
export function exampleTopic(m: Measure): string {
  const words = m.key.split('-');
  return words.length <= 2 ? words.join(' ') : (m.synonyms[0] ?? words.join(' '));
}

export interface ExampleContext {
  store: Store;
  config: Config;
  channel: ChannelConfig;
  partnership: Partnership;
  taxonomy: Taxonomy;
}

const cache = new WeakMap<Store, Map<string, Promise<ExamplePlaces | null>>>();

/** The places and topics examples are written from, for a channel; null when no geography is loaded. */
export function examplePlaces(ctx: ExampleContext): Promise<ExamplePlaces | null> {
  let perStore = cache.get(ctx.store);
  if (!perStore) cache.set(ctx.store, (perStore = new Map()));
  const key = `${ctx.channel.name}|${ctx.partnership.id}`;
  let hit = perStore.get(key);
  if (!hit) {
    hit = build(ctx);
    perStore.set(key, hit);
    // A failed or empty read is not kept: the store may be loading.
    hit.then(
      (v) => (v ? undefined : perStore.delete(key)),
      () => perStore.delete(key),
    );
  }
  return hit;
}

async function build(ctx: ExampleContext): Promise<ExamplePlaces | null> {
  const index = await placeIndex(ctx.store);
  const districts = ctx.partnership.areas.map((c) => index.byCode.get(c.toLowerCase())).filter((a): a is Area => !!a && a.type === 'district');
  const district = districts[0];
  if (!district) return null;
  const wards = index.areas.filter((a) => a.type === 'ward' && a.parentCode === district.code);
  const busiest = await busiestWards(ctx, district, wards);
  const [w1, w2] = busiest.length >= 2 ? busiest : [...busiest, ...wards.filter((w) => !busiest.includes(w))];
  if (!w1 || !w2) return null;
  const allowed = (m: Measure) => measureAllowed(m, ctx.channel, (k) => ctx.taxonomy.get(k)?.parent);
  const topics: string[] = [];
  for (const key of [...ctx.partnership.priorityMeasures, ...FALLBACK_TOPICS]) {
    const m = ctx.taxonomy.get(key);
    if (!m || m.key === 'all-crime' || !allowed(m)) continue;
    // Only topics the data answers as asked (no fallback to another measure).
    if (!(await answersAsAsked(ctx, district, m))) continue;
    const typed = exampleTopic(m);
    if (!topics.includes(typed)) topics.push(typed);
    if (topics.length >= 4) break;
  }
  const forceDistricts = forceDistrictsFrom(ctx.config, index.areas);
  const latest = (await ctx.store.months('police.uk')).at(-1);
  return {
    ward: text(w1, index),
    ward2: text(w2, index),
    district: text(district, index),
    district2: districts[1] ? text(districts[1], index) : null,
    county: forceDistricts.coveredBy(ctx.partnership.areas),
    topics: topics.length ? topics : ['asb'],
    yearEnd: `ye ${MONTHS[ctx.partnership.reportingYearEnd - 1]}`,
    yearLabel: latest ? financialYearLabel(reportingYear(latest, ctx.partnership.reportingYearEnd).from) : '2023/24',
  };
}

/** Whether the data answers a measure for an area as itself; a store that cannot say is taken at its word. */
async function answersAsAsked(ctx: ExampleContext, area: Area, m: Measure): Promise<boolean> {
  try {
    const eff = await measureFor(ctx.store, ctx.taxonomy, area, m);
    return !('unavailable' in eff) && eff.measure.key === m.key;
  } catch {
    return m.source !== 'partnership';
  }
}

function text(a: Area, index: PlaceIndex): string {
  return placeText(a, index);
}

/** The district's wards with the most crime in the latest month, busiest first (two at most). */
async function busiestWards(ctx: ExampleContext, district: Area, wards: Area[]): Promise<Area[]> {
  if (wards.length === 0) return [];
  try {
    return await busiestByCount(ctx, district, wards);
  } catch {
    return wards.slice(0, 2);
  }
}

async function busiestByCount(ctx: ExampleContext, district: Area, wards: Area[]): Promise<Area[]> {
  const eff = await measureFor(ctx.store, ctx.taxonomy, district, ctx.taxonomy.require('all-crime'));
  if ('unavailable' in eff) return wards.slice(0, 2);
  const latest = (await ctx.store.months('police.uk')).at(-1);
  if (!latest) return wards.slice(0, 2);
  const { series } = await seriesByArea(
    ctx.store,
    eff,
    wards.map((w) => w.code),
    { from: latest, to: latest },
  );
  const count = (w: Area) => series.get(w.code)?.points.at(-1)?.count ?? -1;
  return [...wards].sort((a, b) => count(b) - count(a) || a.name.localeCompare(b.name)).slice(0, 2);
}

/** Every example of every command for a channel, as typed after the prefix, with the command's summary. */
export async function channelExamples(ctx: ExampleContext, all: Command[]): Promise<Array<{ command: Command; examples: string[] }>> {
  const places = await examplePlaces(ctx);
  return all.map((c) => ({ command: c, examples: places && c.examples ? c.examples(places) : c.usage }));
}
