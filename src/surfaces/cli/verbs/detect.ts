// `wardwatch detect <file> [--from YYYY-MM] [--json] [--set name=value ...]`: run the spike detector
// (Farrington-flexible) on one monthly series, so an analyst can check a series of their own.
// Input: CSV with a header `month,count[,population]`, or JSON
// {"series":[{"month":"2019-01","count":4,"population":6500}], "params":{...}}.
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { Verb } from '../main.ts';
import { InputError, UserError } from '../../../core/errors.ts';
import { isMonth, monthIndex, addMonths } from '../../../core/periods.ts';
import {
  DEFAULT_FARRINGTON_PARAMS,
  FARRINGTON_PARAM_NAMES,
  ParameterError,
  farringtonFlexible,
  monthsOfHistoryNeeded,
  resolveFarringtonParams,
  type FarringtonParams,
} from '../../../detect/index.ts';
import { durationWords, formatCount } from '../../../detect/explain.ts';

const USAGE = `usage: wardwatch detect <file> [--from YYYY-MM] [--json] [--set name=value ...]

Runs the Farrington-flexible spike detector on a monthly series and judges each month on the
months before it.

  <file>            CSV with a header row month,count[,population] (month as YYYY-MM), or JSON:
                    {"series":[{"month":"2019-01","count":4}], "params":{"alpha":0.01}}
  --from YYYY-MM    first month to judge (default: the first month with enough history)
  --json            print {"params":{...}, "results":[...]} instead of a table
  --set name=value  change a parameter (R farringtonFlexible names; repeatable; wins over JSON params)
                    e.g. --set alpha=0.01 --set limit54=5,1 --set thresholdMethod=delta

parameters and defaults:
${FARRINGTON_PARAM_NAMES.map((k) => `  ${k.padEnd(21)}${JSON.stringify(DEFAULT_FARRINGTON_PARAMS[k])}`).join('\n')}`;

interface SeriesInput {
  months: string[];
  counts: number[];
  population?: number[];
  params: Record<string, unknown>;
}

const detect: Verb = {
  summary: 'run the spike detector on a monthly series',
  async run(args) {
    let file: string | undefined;
    let from: string | undefined;
    let json = false;
    const sets: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a === '--help' || a === '-h') {
        console.log(USAGE);
        return 0;
      } else if (a === '--json') json = true;
      else if (a === '--from') from = required(args[++i], '--from', 'a month as YYYY-MM');
      else if (a.startsWith('--from=')) from = a.slice(7);
      else if (a === '--set') sets.push(required(args[++i], '--set', 'name=value'));
      else if (a.startsWith('--set=')) sets.push(a.slice(6));
      else if (a.startsWith('-')) throw new UserError(`unknown option "${a}"\n\n${USAGE}`);
      else if (file === undefined) file = a;
      else throw new UserError(`only one input file is allowed, found "${file}" and "${a}"`);
    }
    if (!file) throw new UserError(`no input file\n\n${USAGE}`);
    if (from !== undefined && !isMonth(from)) throw new UserError(`--from: expected a month as YYYY-MM, found "${from}"`);

    const input = readSeries(file);
    const overrides: Record<string, unknown> = { ...input.params };
    const setNames = new Set<string>();
    for (const s of sets) {
      const eq = s.indexOf('=');
      if (eq <= 0) throw new UserError(`--set: expected name=value, found "${s}"`);
      const name = s.slice(0, eq).trim();
      overrides[name] = parseValue(name, s.slice(eq + 1).trim());
      setNames.add(name);
    }
    let params: FarringtonParams;
    try {
      params = resolveFarringtonParams(overrides as Partial<FarringtonParams>);
    } catch (err) {
      // A bad value from the JSON file's params names the file and field; one from --set names --set.
      if (err instanceof ParameterError && err.param in input.params && !setNames.has(err.param)) {
        throw new InputError(file, null, `params.${err.param}`, err.expected, typeof err.found === 'string' ? `${err.found} (a string)` : JSON.stringify(err.found));
      }
      if (err instanceof ParameterError) throw new UserError(err.message);
      throw err;
    }
    if (params.populationOffset && !input.population) {
      throw new InputError(file, null, 'population', 'a population column (populationOffset is true)');
    }
    const first = input.months[0]!;
    const last = input.months[input.months.length - 1]!;
    if (from !== undefined && (monthIndex(from) < monthIndex(first) || monthIndex(from) > monthIndex(last))) {
      throw new UserError(`--from ${from} is outside the series (${first} to ${last})`);
    }
    const needed = monthsOfHistoryNeeded(params);
    if (from === undefined && input.months.length <= needed) {
      throw new UserError(
        `not enough history to test any month: needs ${durationWords(needed)} before the first month judged, the series has ${durationWords(input.months.length)} (${first} to ${last}). ` +
          'Use --from to see the months anyway, or lower b (e.g. --set b=3).',
      );
    }
    const results = farringtonFlexible(input.counts, input.months, params, { population: input.population, from });
    const used = { ...params, pastWeeksNotIncluded: params.pastWeeksNotIncluded ?? params.w };

    if (json) {
      const out = {
        params: used,
        results: results.map((r) => ({
          month: r.month,
          count: r.count,
          expected: r.expected,
          upperbound: r.upperbound,
          alarm: r.alarm,
          probability: r.probability,
          explanation: r.explanation.sentence,
        })),
      };
      console.log(JSON.stringify(out, null, 2));
      return 0;
    }
    const rows = results.map((r) => [
      r.month,
      String(r.count),
      r.expected === null ? '-' : formatCount(r.expected),
      r.upperbound === null ? '-' : formatCount(r.upperbound),
      r.alarm ? 'SPIKE' : r.status === 'tested' ? '' : r.status,
    ]);
    const head = ['month', 'count', 'expected', 'upper', ''];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (r: string[]) =>
      r
        .map((c, i) => (i === 0 || i === 4 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
        .join('  ')
        .trimEnd();
    console.log(line(head));
    for (const r of rows) console.log(line(r));
    const alarms = results.filter((r) => r.alarm);
    console.log('');
    console.log(
      `${alarms.length} spike${alarms.length === 1 ? '' : 's'} in ${results.length} month${results.length === 1 ? '' : 's'} judged (alpha ${params.alpha}, ${params.thresholdMethod} threshold, b = ${params.b} years, w = ${params.w}).`,
    );
    for (const r of alarms) console.log(`- ${r.explanation.sentence}`);
    const last3 = results[results.length - 1];
    if (last3 && !last3.alarm) console.log(`Latest: ${last3.explanation.sentence}`);
    return 0;
  },
};

function required(v: string | undefined, option: string, what: string): string {
  if (v === undefined) throw new UserError(`${option}: expected ${what}`);
  return v;
}

/** Parse a --set value into the type the parameter takes. */
function parseValue(name: string, raw: string): unknown {
  if (!(FARRINGTON_PARAM_NAMES as string[]).includes(name)) {
    throw new UserError(`--set: unknown parameter "${name}" (known: ${FARRINGTON_PARAM_NAMES.join(', ')})`);
  }
  const def = DEFAULT_FARRINGTON_PARAMS[name as keyof FarringtonParams];
  if (name === 'limit54') {
    const m = /^(?:c\(|\[)?\s*(-?[\d.]+)\s*,\s*(-?[\d.]+)\s*(?:\)|\])?$/.exec(raw);
    if (!m) throw new UserError(`--set limit54: expected cases,periods such as 5,1, found "${raw}"`);
    return [Number(m[1]), Number(m[2])];
  }
  if (name === 'pastWeeksNotIncluded' && (raw === 'null' || raw === 'NULL')) return null;
  if (typeof def === 'boolean' || name === 'populationOffset') {
    if (/^(true|TRUE|T|yes)$/.test(raw)) return true;
    if (/^(false|FALSE|F|no)$/.test(raw)) return false;
    throw new UserError(`--set ${name}: expected true or false, found "${raw}"`);
  }
  if (typeof def === 'number' || name === 'pastWeeksNotIncluded') {
    const n = Number(raw);
    if (raw === '' || !Number.isFinite(n)) throw new UserError(`--set ${name}: expected a number, found "${raw}"`);
    return n;
  }
  return raw.replace(/^["']|["']$/g, '');
}

function readSeries(file: string): SeriesInput {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  const trimmed = text.replace(/^\uFEFF/, '').trimStart();
  return file.toLowerCase().endsWith('.json') || trimmed.startsWith('{') ? readJson(file, trimmed) : readCsv(file, text.replace(/^\uFEFF/, ''));
}

interface Row {
  line: number | null;
  where: string; // field prefix for JSON ("series[3]."), empty for CSV
  month: unknown;
  count: unknown;
  population: unknown;
}

function readCsv(file: string, text: string): SeriesInput {
  let records: string[][];
  try {
    records = parse(text, { skip_empty_lines: true, trim: true, relax_column_count: false }) as string[][];
  } catch (err) {
    const e = err as { lines?: number; message: string };
    throw new InputError(file, e.lines ?? null, null, 'a CSV file with the same number of columns on every line', e.message);
  }
  if (records.length === 0) throw new InputError(file, 1, null, 'a header row month,count[,population]', '');
  const header = records[0]!.map((h) => h.toLowerCase());
  const mi = header.indexOf('month');
  const ci = header.indexOf('count');
  const pi = header.indexOf('population');
  if (mi < 0 || ci < 0) throw new InputError(file, 1, mi < 0 ? 'month' : 'count', 'a header row month,count[,population]', records[0]!.join(','));
  const extra = header.find((h) => !['month', 'count', 'population'].includes(h));
  if (extra !== undefined) throw new InputError(file, 1, extra, 'only the columns month, count and population', extra);
  // line numbers: csv-parse skips empty lines, so recover them from the text
  const lineNumbers: number[] = [];
  text.split(/\r?\n/).forEach((l, i) => {
    if (l.trim() !== '') lineNumbers.push(i + 1);
  });
  const rows: Row[] = records.slice(1).map((r, i) => ({
    line: lineNumbers[i + 1] ?? i + 2,
    where: '',
    month: r[mi],
    count: r[ci],
    population: pi >= 0 ? r[pi] : undefined,
  }));
  return validateRows(file, rows, pi >= 0, {});
}

function readJson(file: string, text: string): SeriesInput {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new InputError(file, null, null, 'valid JSON', (err as Error).message);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new InputError(file, null, null, 'a JSON object {"series":[...], "params":{...}}', Array.isArray(doc) ? 'an array' : typeof doc);
  const o = doc as Record<string, unknown>;
  const unknownKey = Object.keys(o).find((k) => k !== 'series' && k !== 'params');
  if (unknownKey) throw new InputError(file, null, unknownKey, 'only "series" and "params" at the top level', unknownKey);
  if (!Array.isArray(o.series)) throw new InputError(file, null, 'series', 'an array of {"month":"YYYY-MM","count":n}', JSON.stringify(o.series) ?? 'nothing');
  const params = o.params ?? {};
  if (typeof params !== 'object' || params === null || Array.isArray(params))
    throw new InputError(file, null, 'params', 'an object of parameter names and values', JSON.stringify(params));
  for (const k of Object.keys(params)) {
    if (!(FARRINGTON_PARAM_NAMES as string[]).includes(k)) throw new InputError(file, null, `params.${k}`, `a known parameter (${FARRINGTON_PARAM_NAMES.join(', ')})`, k);
  }
  const hasPopulation = o.series.some((r) => typeof r === 'object' && r !== null && 'population' in r);
  const rows: Row[] = o.series.map((r, i) => {
    if (typeof r !== 'object' || r === null) throw new InputError(file, null, `series[${i}]`, 'an object {"month":"YYYY-MM","count":n}', JSON.stringify(r));
    const rec = r as Record<string, unknown>;
    const bad = Object.keys(rec).find((k) => !['month', 'count', 'population'].includes(k));
    if (bad) throw new InputError(file, null, `series[${i}].${bad}`, 'only month, count and population', bad);
    return { line: null, where: `series[${i}].`, month: rec.month, count: rec.count, population: rec.population };
  });
  return validateRows(file, rows, hasPopulation, params as Record<string, unknown>);
}

function validateRows(file: string, rows: Row[], hasPopulation: boolean, params: Record<string, unknown>): SeriesInput {
  if (rows.length === 0) throw new InputError(file, null, 'month', 'at least one month of data', 'none');
  const months: string[] = [];
  const counts: number[] = [];
  const population: number[] = [];
  rows.forEach((r, i) => {
    const month = typeof r.month === 'string' ? r.month.trim() : r.month;
    if (typeof month !== 'string' || !isMonth(month)) {
      const found = String(month ?? '');
      const hint = /^\d{4}-\d{2}-\d{2}/.test(found) ? ' (one row per calendar month, not dates)' : '';
      throw new InputError(file, r.line, `${r.where}month`, `a month as YYYY-MM${hint}`, found);
    }
    if (i > 0) {
      const prev = months[i - 1]!;
      const expected = addMonths(prev, 1);
      if (month !== expected) {
        const what =
          monthIndex(month) <= monthIndex(prev) ? 'months in order with no repeats' : `${expected}, the month after ${prev} (no gaps: give 0 for a month with no crimes)`;
        throw new InputError(file, r.line, `${r.where}month`, what, month);
      }
    }
    const count = typeof r.count === 'string' ? (r.count.trim() === '' ? NaN : Number(r.count)) : r.count;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
      throw new InputError(file, r.line, `${r.where}count`, 'a whole number of 0 or more', String(r.count ?? ''));
    }
    months.push(month);
    counts.push(count);
    if (hasPopulation) {
      const pop = typeof r.population === 'string' ? (r.population.trim() === '' ? NaN : Number(r.population)) : r.population;
      if (typeof pop !== 'number' || !Number.isFinite(pop) || pop <= 0) {
        throw new InputError(file, r.line, `${r.where}population`, 'a population greater than 0 (on every row, or on none)', String(r.population ?? ''));
      }
      population.push(pop);
    }
  });
  return { months, counts, population: hasPopulation ? population : undefined, params };
}

export default detect;
