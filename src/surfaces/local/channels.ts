// The local page's view of the config: which channels it lists, what each may see, and the words the
// command box suggests (commands, places from the store, topics from the taxonomy).
import { forceAreaDistricts, forceDistrictsFrom } from '../../config/force-area.ts';
import { defaultLocalChannel } from '../../config/load.ts';
import type { ChannelConfig, Config, Partnership } from '../../config/schema.ts';
import { commands, type Command } from '../../core/dispatch.ts';
import { channelExamples } from '../../resolve/examples.ts';
import { taxonomy } from '../../taxonomy/index.ts';
import type { Store } from '../../store/types.ts';
import type { Taxonomy } from '../../taxonomy/index.ts';

/** The channels the page lists: the config's local channels, or one cleared for everything. */
export function localChannels(config: Config): ChannelConfig[] {
  const local = config.channels.filter((c) => c.platform === 'local');
  return local.length ? local : [defaultLocalChannel(config)];
}

export function partnershipOf(config: Config, channel: ChannelConfig): Partnership {
  const p = config.partnerships.find((x) => x.id === channel.partnership);
  if (!p) throw new Error(`channel "${channel.name}" names partnership "${channel.partnership}", which is not configured`);
  return p;
}

export interface ChannelView {
  name: string;
  partnership: string;
  /** "Cambridge" or "Cambridge, Fenland and 4 more" */
  areas: string;
  clearance: string;
  /** The welcome card's "Try" buttons: examples from this channel's own partnership (none until the data is loaded). */
  examples: string[];
}

/** The commands that ask about figures (the default command has no name). */
const QUESTION_COMMANDS = new Set(['compare', 'map', 'top']);

export async function channelView(config: Config, channel: ChannelConfig, store: Store | null): Promise<ChannelView> {
  const p = partnershipOf(config, channel);
  const known = store ? await store.areasByCode(p.areas) : new Map<string, never>();
  // Before the geography is loaded there are no names: say so rather than show ONS codes.
  const names = p.areas.map((code) => known.get(code)?.name ?? null).filter((n): n is string => !!n);
  if (!names.length) names.push(p.areas.length === 1 ? 'its area (loading)' : `${p.areas.length} areas (loading)`);
  const force = store ? await forceAreaDistricts(config, store) : forceDistrictsFrom(config, []);
  const areas =
    p.areas.length === force.codes.length && force.coveredBy(p.areas)
      ? `all of ${config.forceArea.name.replace(/ Constabulary$| Police$/, '')}`
      : names.length <= 3
        ? names.join(', ')
        : `${names.slice(0, 2).join(', ')} and ${names.length - 2} more`;
  const clearance = [
    channel.clearance.smallNumbers ? 'exact figures' : 'partnership figures adjusted, small ones hidden',
    channel.clearance.sensitive ? 'sensitive measures shown' : 'sensitive measures hidden',
  ].join(', ');
  // Examples are written from the partnership's own places, so each "Try" button answers here: five
  // questions, then the chair's brief. Commands that change something (mute, unmute) are never a
  // welcome button, and `alerts` says nothing on a quiet day.
  const all =
    store && known.size
      ? await channelExamples(
          { store, config, channel, partnership: p, taxonomy: taxonomy() },
          (await commands()).filter((c) => c.examples),
        )
      : [];
  const of = (pick: (name: string | null) => boolean) => all.filter((c) => pick(c.command.name));
  const questions = of((n) => !n || QUESTION_COMMANDS.has(n))
    .flatMap((c) => c.examples.slice(0, 2))
    .slice(0, 5);
  const examples = questions.length ? [...questions, ...of((n) => n === 'brief').flatMap((c) => c.examples.slice(0, 1))] : [];
  return { name: channel.name, partnership: p.name, areas, clearance, examples };
}

export interface Vocabulary {
  /** `examples`: the command's examples written from this channel's partnership (each answers here), for the suggestions. */
  commands: Array<{ name: string | null; summary: string; usage: string[]; examples?: string[] }>;
  places: Array<{ name: string; code: string; type: 'ward' | 'district'; district: string | null; inScope: boolean }>;
  topics: Array<{ key: string; label: string; synonyms: string[] }>;
}

export async function vocabulary(options: { store: Store | null; config: Config; channel: ChannelConfig; taxonomy: Taxonomy; commands: Command[] }): Promise<Vocabulary> {
  const { store, channel, taxonomy } = options;
  const partnership = partnershipOf(options.config, channel);
  const scope = new Set(partnership.areas);
  const [districts, wards] = store ? await Promise.all([store.areas('district'), store.areas('ward')]) : [[], []];
  const districtName = new Map(districts.map((d) => [d.code, d.name]));
  const places: Vocabulary['places'] = [
    ...districts.map((d) => ({ name: d.name, code: d.code, type: 'district' as const, district: null, inScope: scope.has(d.code) })),
    ...wards.map((w) => ({
      name: w.name,
      code: w.code,
      type: 'ward' as const,
      district: w.parentCode ? (districtName.get(w.parentCode) ?? null) : null,
      inScope: scope.has(w.code) || (w.parentCode !== null && scope.has(w.parentCode)),
    })),
  ];
  // in-scope places first, then by name, so the channel's own wards lead the suggestions
  places.sort((a, b) => Number(b.inScope) - Number(a.inScope) || a.name.localeCompare(b.name));
  const topics = taxonomy.measures
    .filter((m) => (channel.clearance.sensitive || !m.sensitive) && (channel.measures.length === 0 || channel.measures.includes(m.key)))
    .map((m) => ({ key: m.key, label: m.label, synonyms: m.synonyms }));
  // The channel's own examples for the suggestions; the static usage lines if they cannot be written.
  const examples = store && wards.length ? await channelExamples({ store, config: options.config, channel, partnership, taxonomy }, options.commands).catch(() => null) : null;
  return {
    commands: options.commands.map((c, i) => ({ name: c.name, summary: c.summary, usage: c.usage, ...(examples ? { examples: examples[i]!.examples } : {}) })),
    places,
    topics,
  };
}
