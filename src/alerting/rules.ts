// Alert rules: one YAML file a rule in the folder the config's `alertRules` names (alerts/ by default),
// validated with zod. Every problem names the file, the line and the field, and what was expected, so an
// analyst can fix a rule without reading code. The format is documented in alerts/README.md.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseYamlWithLines } from '../config/load.ts';
import { z } from 'zod';
import type { Config } from '../config/schema.ts';
import { UserError } from '../core/errors.ts';
import { FARRINGTON_PARAM_NAMES, ParameterError, resolveFarringtonParams, type FarringtonParams } from '../detect/index.ts';
import { taxonomy } from '../taxonomy/index.ts';

const ruleId = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a rule id: lower-case letters, digits, hyphens');
const gssCode = z.string().regex(/^[EWSN]\d{8}$/, 'an ONS area code such as E05013050');
const months = (what: string, max: number) => z.number().int(`${what}: a whole number of months`).min(0).max(max);

/** Hotspot test settings (exact Poisson test against the parent's rate, Benjamini-Hochberg FDR). */
const HotspotSettingsSchema = z.strictObject({
  /** False discovery rate across the sibling wards (0.05: of the wards flagged, about 1 in 20 could be chance). */
  fdr: z.number().gt(0).lt(1).default(0.05),
  /** Fewest crimes a ward needs to be called a hotspot (never below the small-number threshold). */
  minCount: z.number().int().min(1).default(10),
  /** Emerging: months before this one in which the ward must not have been a hotspot. */
  previous: z.number().int().min(1).max(24).default(3),
});

const ThresholdSchema = z.strictObject({
  /** What is compared with the line: the count, the rate per 1,000 residents, or the change in the count. */
  value: z.enum(['count', 'rate', 'change']),
  /** The period the value covers, ending in the month evaluated. */
  period: z.enum(['month', 'year-ending']).default('year-ending'),
  /** For a change: what it is compared with (default: the year before for year-ending, the same month last year for a month). */
  comparedWith: z.enum(['previous-year', 'previous-month', 'same-month-last-year']).optional(),
  /** The line: a percentage for a change, a count or a rate per 1,000 otherwise. Fires when the value is above it. */
  above: z.number(),
  /** For a change: it must also be more than this many offences. */
  minimumChange: z.number().min(0).default(0),
  /** For a change: no alert when the earlier figure is below this ("no calc"). */
  minimumBase: z.number().min(0).default(10),
});

const RecordSchema = z.strictObject({
  /** The count must be at least this. */
  minCount: z.number().int().min(1).default(10),
  /** "Highest since" only when the earlier month as high is at least this many months back. */
  minMonthsSince: z.number().int().min(12).max(600).default(36),
});

const InhibitSchema = z.strictObject({
  /** The measures this rule's alert holds back for the same area and month: 'descendants' (its sub-measures) or a list of keys. */
  measures: z.union([z.literal('descendants'), z.array(z.string()).min(1)]).default('descendants'),
  /** Which kinds of alert it holds back (default: spikes). */
  kinds: z.array(z.enum(['spike', 'hotspot', 'emerging-hotspot', 'threshold', 'record'])).default(['spike']),
});

const TargetSchema = z.union([
  z.enum(['all', 'not-countywide']),
  z.array(z.string().min(1)).min(1),
  z.strictObject({
    partnerships: z.union([z.enum(['all', 'not-countywide']), z.array(z.string().min(1)).min(1)]).optional(),
    channels: z.array(z.string().min(1)).min(1).optional(),
  }),
]);

export const RuleSchema = z
  .strictObject({
    /** Stable id, used in fingerprints and mutes; defaults to the file name without .yaml. */
    id: ruleId.optional(),
    /** What a chair reads: "Residential burglary spike by ward". */
    title: z.string().min(1),
    description: z.string().optional(),
    kind: z.enum(['spike', 'hotspot', 'emerging-hotspot', 'threshold', 'record']),
    /** Taxonomy keys, or the word `priority`: each partnership's own priority measures. */
    measures: z.union([z.literal('priority'), z.array(z.string().min(1)).min(1)]),
    /** wards | districts (of each partnership the rule goes to) | a list of ONS codes. */
    areas: z.union([z.enum(['wards', 'districts']), z.array(gssCode).min(1)]),
    /** Where it goes: all partnerships, the district ones (not the countywide board), a list of partnership ids, or {partnerships, channels}. */
    to: TargetSchema.default('all'),
    severity: z.enum(['info', 'warning', 'critical']).default('warning'),
    /** Months in a row the condition must hold before the alert fires (1 = the first month). */
    pending: months('pending', 12).min(1).default(1),
    /** Months the alert stays open after the condition clears, before "back to normal" (hysteresis). */
    keepFiring: months('keepFiring', 12).default(1),
    /** Fire at once, whatever `pending` says, when the chance of a month this high is below this. */
    fireAtOnceBelow: z.number().gt(0).lt(1).default(0.001),
    /** spike: Farrington-flexible parameters (R farringtonFlexible names), over the Wardwatch defaults. */
    params: z.record(z.string(), z.unknown()).optional(),
    /** hotspot, emerging-hotspot: the test's settings; hotspot also takes `period`. */
    hotspot: HotspotSettingsSchema.optional(),
    period: z.enum(['month', 'year-ending']).optional(),
    threshold: ThresholdSchema.optional(),
    record: RecordSchema.optional(),
    inhibits: InhibitSchema.optional(),
  })
  .superRefine((r, ctx) => {
    if (r.kind === 'threshold' && !r.threshold) ctx.addIssue({ code: 'custom', path: ['threshold'], message: 'a threshold rule needs `threshold: { value, period, above }`' });
    if (r.kind !== 'threshold' && r.threshold)
      ctx.addIssue({ code: 'custom', path: ['threshold'], message: `only a threshold rule takes \`threshold\` (this rule is a ${r.kind})` });
    if (r.kind !== 'spike' && r.params) ctx.addIssue({ code: 'custom', path: ['params'], message: `only a spike rule takes Farrington \`params\` (this rule is a ${r.kind})` });
    if (r.kind !== 'record' && r.record) ctx.addIssue({ code: 'custom', path: ['record'], message: `only a record rule takes \`record\` (this rule is a ${r.kind})` });
    if (r.hotspot && r.kind !== 'hotspot' && r.kind !== 'emerging-hotspot')
      ctx.addIssue({ code: 'custom', path: ['hotspot'], message: `only hotspot rules take \`hotspot\` (this rule is a ${r.kind})` });
    if (r.period && r.kind !== 'hotspot')
      ctx.addIssue({ code: 'custom', path: ['period'], message: 'only a hotspot rule takes `period` (a threshold gives it inside `threshold`)' });
    if ((r.kind === 'hotspot' || r.kind === 'emerging-hotspot') && r.areas !== 'wards')
      ctx.addIssue({ code: 'custom', path: ['areas'], message: 'a hotspot rule compares the wards of each district: expected `areas: wards`' });
    if (r.threshold?.value === 'change' && r.threshold.period === 'month' && r.threshold.comparedWith === 'previous-year')
      ctx.addIssue({ code: 'custom', path: ['threshold', 'comparedWith'], message: 'a month is compared with previous-month or same-month-last-year' });
    if (r.threshold && r.threshold.value !== 'change' && r.threshold.comparedWith)
      ctx.addIssue({ code: 'custom', path: ['threshold', 'comparedWith'], message: 'only a change is compared with something' });
  });

export type RuleInput = z.infer<typeof RuleSchema>;

/** A validated rule, with its defaults filled in and where it came from. */
export interface AlertRule extends Omit<RuleInput, 'id' | 'params' | 'hotspot'> {
  id: string;
  file: string;
  /** spike rules: the parameters in force (defaults plus the rule's own), echoed in every explanation. */
  params: FarringtonParams | null;
  hotspot: z.infer<typeof HotspotSettingsSchema>;
}

/** Parses one rule file's text. Throws UserError listing every problem as file:line: field: message. */
export function parseRule(text: string, file: string, config?: Config): AlertRule {
  const { doc, lineOf } = parseYamlWithLines(text, file);
  const where = (path: ReadonlyArray<PropertyKey>) => {
    const line = lineOf(path);
    return `${file}${line ? `:${line}` : ''}: ${path.join('.') || '(top level)'}`;
  };
  const problems: string[] = [];
  const parsed = RuleSchema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${where(issue.path)}: ${issue.message}`);
    throw new UserError(`invalid alert rule:\n  ${problems.join('\n  ')}`);
  }
  const r = parsed.data;
  const tax = taxonomy();
  if (Array.isArray(r.measures))
    r.measures.forEach((k, i) => {
      if (!tax.get(k)) problems.push(`${where(['measures', i])}: expected a measure key from the taxonomy (src/taxonomy/taxonomy.yaml), found "${k}"`);
    });
  if (r.inhibits && Array.isArray(r.inhibits.measures))
    r.inhibits.measures.forEach((k, i) => {
      if (!tax.get(k)) problems.push(`${where(['inhibits', 'measures', i])}: expected a measure key from the taxonomy, found "${k}"`);
    });
  let params: FarringtonParams | null = null;
  if (r.kind === 'spike') {
    try {
      params = resolveFarringtonParams(normaliseParams(r.params ?? {}));
    } catch (err) {
      if (!(err instanceof ParameterError)) throw err;
      const known = (FARRINGTON_PARAM_NAMES as string[]).includes(err.param);
      problems.push(`${where(known ? ['params', err.param] : ['params'])}: ${err.message}`);
    }
  }
  if (config) {
    const ids = new Set(config.partnerships.map((p) => p.id));
    const names = new Set(config.channels.map((c) => c.name));
    const partnerships = Array.isArray(r.to) ? r.to : typeof r.to === 'object' && Array.isArray(r.to.partnerships) ? r.to.partnerships : [];
    const path = Array.isArray(r.to) ? ['to'] : ['to', 'partnerships'];
    partnerships.forEach((p, i) => {
      if (!ids.has(p)) problems.push(`${where([...path, i])}: expected a partnership id from the configuration (${[...ids].join(', ')}), found "${p}"`);
    });
    const channels = typeof r.to === 'object' && !Array.isArray(r.to) ? (r.to.channels ?? []) : [];
    channels.forEach((c, i) => {
      if (!names.has(c)) problems.push(`${where(['to', 'channels', i])}: expected a channel name from the configuration, found "${c}"`);
    });
  }
  if (problems.length) throw new UserError(`invalid alert rule:\n  ${problems.join('\n  ')}`);
  const id = r.id ?? basename(file).replace(/\.ya?ml$/i, '');
  if (!/^[a-z0-9][a-z0-9-]*$/.test(id))
    throw new UserError(`${file}: id: the file name gives the rule id "${id}": rename the file or set \`id:\` (lower-case letters, digits, hyphens)`);
  const { params: _ignored, hotspot, ...rest } = r;
  return { ...rest, id, file, params, hotspot: hotspot ?? HotspotSettingsSchema.parse({}) };
}

/** YAML gives `limit54: [5, 1]` as an array already; accept "5,1" too, as `wardwatch detect --set` does. */
function normaliseParams(params: Record<string, unknown>): Partial<FarringtonParams> {
  const out: Record<string, unknown> = { ...params };
  if (typeof out.limit54 === 'string') out.limit54 = out.limit54.split(',').map((s) => Number(s.trim()));
  return out as Partial<FarringtonParams>;
}

/** Every *.yaml rule in a folder, sorted by file name. A missing folder has no rules. Ids must be unique. */
export function loadRules(dir: string, config?: Config): AlertRule[] {
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir)
    .filter((f) => /\.ya?ml$/i.test(f))
    .sort();
  const problems: string[] = [];
  const rules: AlertRule[] = [];
  const seen = new Map<string, string>();
  for (const f of files) {
    const file = join(dir, f);
    try {
      const rule = parseRule(readFileSync(file, 'utf8'), file, config);
      const earlier = seen.get(rule.id);
      if (earlier) problems.push(`${file}: id: the rule id "${rule.id}" is already used by ${earlier}`);
      seen.set(rule.id, file);
      rules.push(rule);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      problems.push(...err.message.replace(/^invalid alert rule:\n\s*/, '').split(/\n\s*/));
    }
  }
  if (problems.length) throw new UserError(`invalid alert rules:\n  ${problems.join('\n  ')}`);
  return rules;
}
