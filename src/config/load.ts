import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { UserError } from '../core/errors.ts';
import { taxonomy } from '../taxonomy/index.ts';
import { ConfigSchema, type ChannelConfig, type Config } from './schema.ts';

export const DEFAULT_CONFIG_FILE = 'wardwatch.config.yaml';

export interface LoadedConfig {
  config: Config;
  file: string;
  /** Absolute folder of alert rule files. */
  alertRulesDir: string;
}

/** The config path: $WARDWATCH_CONFIG, else ./wardwatch.config.yaml. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.WARDWATCH_CONFIG ?? DEFAULT_CONFIG_FILE);
}

/** Reads and validates a config file. Every problem names the key path and its line. */
export function loadConfig(file = configPath()): LoadedConfig {
  if (!existsSync(file)) throw new UserError(`config file ${file} not found (set WARDWATCH_CONFIG or create ${DEFAULT_CONFIG_FILE})`);
  return parseConfig(readFileSync(file, 'utf8'), file);
}

/**
 * Parses a YAML file keeping line numbers: throws UserError (file:line) on a YAML error, and gives the
 * line of a key path (the deepest node on it that exists) for zod issues. Config and alert rules share it.
 */
export function parseYamlWithLines(text: string, file: string): { doc: ReturnType<typeof parseDocument>; lineOf: (path: ReadonlyArray<PropertyKey>) => number | undefined } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0]?.line ?? lineCounter.linePos(e.pos[0]).line;
    throw new UserError(`${file}${line ? `:${line}` : ''}: not valid YAML: ${e.message.split('\n')[0]}`);
  }
  const lineOf = (path: ReadonlyArray<PropertyKey>): number | undefined => {
    let node: unknown = doc.contents;
    let lastGood = node;
    for (const key of path) {
      if (isMap(node) || isSeq(node)) {
        const next = (node as { get(k: unknown, keepScalar: boolean): unknown }).get(key, true);
        if (next === undefined) break;
        node = next;
        lastGood = node;
      } else break;
    }
    const range = (lastGood as Node | undefined)?.range;
    return range ? lineCounter.linePos(range[0]).line : undefined;
  };
  return { doc, lineOf };
}

export function parseConfig(text: string, file: string): LoadedConfig {
  const { doc, lineOf } = parseYamlWithLines(text, file);
  const parsed = ConfigSchema.safeParse(doc.toJS());
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const line = lineOf(issue.path);
      problems.push(`${file}${line ? `:${line}` : ''}: ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
    }
  } else {
    const tax = taxonomy();
    const check = (path: Array<string | number>, key: string) => {
      if (!tax.get(key)) {
        const line = lineOf(path);
        problems.push(`${file}${line ? `:${line}` : ''}: ${path.join('.')}: expected a measure key from the taxonomy, found "${key}"`);
      }
    };
    parsed.data.partnerships.forEach((p, i) => p.priorityMeasures.forEach((k, j) => check(['partnerships', i, 'priorityMeasures', j], k)));
    parsed.data.channels.forEach((c, i) => c.measures.forEach((k, j) => check(['channels', i, 'measures', j], k)));
  }
  if (problems.length || !parsed.success) throw new UserError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  return { config: parsed.data, file, alertRulesDir: resolve(dirname(file), parsed.data.alertRules) };
}

/**
 * The channel used when none is named (CLI, tests): a local channel cleared for everything, on the
 * countywide board (the partnership covering every configured district), else the partnership with the
 * most areas. With `districts: all` the districts are only known from the store, and the board covering
 * them all is the partnership with the most areas, so both spellings of one deployment pick the same one.
 */
export function defaultLocalChannel(config: Config): ChannelConfig {
  const configured = config.forceArea.districts;
  const largest = config.partnerships.reduce((best, p) => (p.areas.length > best.areas.length ? p : best), config.partnerships[0]!);
  const countywide = (configured && config.partnerships.find((p) => configured.every((d) => p.areas.includes(d)))) || largest;
  return {
    name: 'local-cli',
    platform: 'local',
    partnership: countywide.id,
    clearance: { smallNumbers: true, sensitive: true },
    measures: [],
  };
}

export function findChannel(config: Config, name: string): ChannelConfig | undefined {
  return config.channels.find((c) => c.name === name);
}
