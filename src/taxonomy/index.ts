import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

export const MeasureSchema = z.strictObject({
  key: z.string().regex(/^[a-z][a-z0-9-]*$/, 'lower-case letters, digits and hyphens'),
  label: z.string().min(1),
  source: z.enum(['police.uk', 'partnership', 'composite']),
  kind: z.enum(['crime', 'asb', 'incident']),
  parent: z.string().optional(),
  policeUkName: z.string().optional(),
  sensitive: z.boolean().default(false),
  members: z.array(z.string()).optional(),
  policeUkMembers: z.array(z.string()).optional(),
  policeUkNote: z.string().optional(),
  synonyms: z.array(z.string()).default([]),
});
export const TaxonomyFileSchema = z.strictObject({ measures: z.array(MeasureSchema).min(1) });

export type Measure = z.infer<typeof MeasureSchema>;
export type MeasureSource = Measure['source'];

/** Lower-case, apostrophes dropped, '&' read as 'and', punctuation folded to single spaces. */
export function normaliseWords(text: string): string {
  return text
    .toLowerCase()
    .replace(/[’'`]/g, '')
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

export class Taxonomy {
  readonly measures: readonly Measure[];
  private readonly byKey = new Map<string, Measure>();
  private readonly byPhrase = new Map<string, Measure>();
  private readonly byPoliceUkName = new Map<string, Measure>();

  constructor(measures: Measure[], origin = 'taxonomy') {
    this.measures = measures;
    const problems: string[] = [];
    measures.forEach((m, i) => {
      if (this.byKey.has(m.key)) problems.push(`${origin}: measures[${i}].key "${m.key}" is defined twice`);
      this.byKey.set(m.key, m);
      if (m.policeUkName) this.byPoliceUkName.set(m.policeUkName, m);
    });
    measures.forEach((m, i) => {
      if (m.parent && !this.byKey.has(m.parent)) problems.push(`${origin}: measures[${i}].parent "${m.parent}" is not a measure key`);
      for (const field of ['members', 'policeUkMembers'] as const) {
        for (const member of m[field] ?? []) {
          if (!this.byKey.has(member)) problems.push(`${origin}: measures[${i}].${field} names "${member}", which is not a measure key`);
        }
      }
      if (m.source === 'composite' && !m.members?.length) problems.push(`${origin}: measures[${i}] "${m.key}" is a composite with no members`);
      if (m.source === 'police.uk' && !m.policeUkName) problems.push(`${origin}: measures[${i}] "${m.key}" comes from police.uk but has no policeUkName`);
      for (const phrase of [m.key, m.label, ...m.synonyms].map(normaliseWords)) {
        const other = this.byPhrase.get(phrase);
        if (other && other.key !== m.key) problems.push(`${origin}: "${phrase}" names both "${other.key}" and "${m.key}"`);
        this.byPhrase.set(phrase, m);
      }
    });
    if (problems.length) throw new Error(problems.join('\n'));
  }

  get(key: string): Measure | undefined {
    return this.byKey.get(key);
  }

  require(key: string): Measure {
    const m = this.byKey.get(key);
    if (!m) throw new Error(`unknown measure key "${key}"`);
    return m;
  }

  /** A key, label or synonym, as typed: "Dwelling burglary", "asb", "bike theft". */
  resolve(text: string): Measure | undefined {
    return this.byPhrase.get(normaliseWords(text));
  }

  /** Every phrase that names a measure (normalised), longest first, for greedy matching in commands. */
  phrases(): Array<{ phrase: string; measure: Measure }> {
    return [...this.byPhrase.entries()].map(([phrase, measure]) => ({ phrase, measure })).sort((a, b) => b.phrase.length - a.phrase.length);
  }

  byPoliceUk(crimeType: string): Measure | undefined {
    return this.byPoliceUkName.get(crimeType);
  }

  policeUkMeasures(): Measure[] {
    return this.measures.filter((m) => m.source === 'police.uk');
  }

  children(key: string): Measure[] {
    return this.measures.filter((m) => m.parent === key);
  }
}

const TAXONOMY_PATH = fileURLToPath(new URL('./taxonomy.yaml', import.meta.url));

export function loadTaxonomy(path = TAXONOMY_PATH): Taxonomy {
  const parsed = TaxonomyFileSchema.safeParse(parseYaml(readFileSync(path, 'utf8')));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${path}: ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(lines.join('\n'));
  }
  return new Taxonomy(parsed.data.measures, path);
}

let shared: Taxonomy | undefined;
/** The project's taxonomy, loaded once. */
export function taxonomy(): Taxonomy {
  shared ??= loadTaxonomy();
  return shared;
}
