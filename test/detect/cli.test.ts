import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import detect from '../../src/surfaces/cli/verbs/detect.ts';
import { addMonths } from '../../src/core/periods.ts';
import { Random, simulateSeries } from '../../src/detect/simulate.ts';

let dir: string;
let months: string[];
let counts: number[];

function csv(name: string, body: string): string {
  const file = join(dir, name);
  writeFileSync(file, body);
  return file;
}

async function run(args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  try {
    const code = await detect.run(args);
    return { code, out: lines.join('\n') };
  } finally {
    spy.mockRestore();
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wardwatch-detect-'));
  const rng = new Random(7);
  const sim = simulateSeries(rng, { mean: 12, phi: 1.5, trend: 0, seasonality: 0.3 }, 96);
  counts = sim.counts;
  counts[95] = 60; // an obvious spike in the last month
  months = counts.map((_, i) => addMonths('2016-05', i));
});

afterEach(() => vi.restoreAllMocks());

describe('wardwatch detect', () => {
  it('reads CSV and prints the exact JSON shape, judging from the first month with enough history', async () => {
    const file = csv('ok.csv', 'month,count\n' + months.map((m, i) => `${m},${counts[i]}`).join('\n') + '\n');
    const { code, out } = await run([file, '--json']);
    expect(code).toBe(0);
    const doc = JSON.parse(out) as { params: Record<string, unknown>; results: Record<string, unknown>[] };
    expect(Object.keys(doc)).toEqual(['params', 'results']);
    expect(doc.params).toMatchObject({ b: 5, w: 1, alpha: 0.005, limit54: [5, 1], thresholdMethod: 'muan', pastWeeksNotIncluded: 3, fitFun: 'algo.farrington.fitGLM.flexible' });
    expect(doc.results[0]!.month).toBe(months[61]); // 12 b + w months of history first
    expect(Object.keys(doc.results[0]!)).toEqual(['month', 'count', 'expected', 'upperbound', 'alarm', 'probability', 'explanation']);
    const lastResult = doc.results[doc.results.length - 1]!;
    expect(lastResult).toMatchObject({ month: months[95], count: 60, alarm: true });
    expect(lastResult.explanation).toMatch(/higher than expected/);
    expect(lastResult.explanation).toMatch(/by chance/);
    expect(lastResult.explanation).not.toMatch(/significant/i);
  });

  it('reads JSON with params, and --set wins over them', async () => {
    const file = join(dir, 'ok.json');
    writeFileSync(file, JSON.stringify({ series: months.map((m, i) => ({ month: m, count: counts[i] })), params: { alpha: 0.01, b: 3 } }));
    const { out } = await run([file, '--json', '--set', 'alpha=0.02', '--set', 'limit54=3,2', '--from', months[90]!]);
    const doc = JSON.parse(out) as { params: Record<string, unknown>; results: { month: string }[] };
    expect(doc.params).toMatchObject({ alpha: 0.02, b: 3, limit54: [3, 2] });
    expect(doc.results.map((r) => r.month)).toEqual(months.slice(90));
  });

  it('explains months without enough history when --from asks for them', async () => {
    const file = csv(
      'short.csv',
      'month,count\n' +
        months
          .slice(0, 30)
          .map((m, i) => `${m},${counts[i]}`)
          .join('\n'),
    );
    await expect(run([file])).rejects.toThrow(/not enough history to test any month: needs 5 years and 1 month/);
    const { out } = await run([file, '--json', '--from', months[14]!]);
    const doc = JSON.parse(out) as { results: { explanation: string; alarm: boolean }[] };
    expect(doc.results[0]!.explanation).toMatch(/not enough history: needs 5 years and 1 month, has 14 months/);
    expect(doc.results[0]!.alarm).toBe(false);
  });

  it('prints a readable table', async () => {
    const file = csv('table.csv', 'month,count,population\n' + months.map((m, i) => `${m},${counts[i]},6500`).join('\n'));
    const { out } = await run([file, '--set', 'populationOffset=true']);
    expect(out).toMatch(/^month\s+count\s+expected\s+upper/);
    expect(out).toMatch(/SPIKE/);
    expect(out).toMatch(/1 spike in 35 months judged/);
  });

  const bad: [string, string, RegExp][] = [
    ['dates.csv', 'month,count\n2019-01-15,3\n', /dates\.csv:2: field "month": expected a month as YYYY-MM \(one row per calendar month, not dates\), found "2019-01-15"/],
    ['gap.csv', 'month,count\n2019-01,3\n2019-02,4\n2019-04,1\n', /gap\.csv:4: field "month": expected 2019-03, the month after 2019-02 \(no gaps/],
    ['order.csv', 'month,count\n2019-02,3\n2019-01,4\n', /order\.csv:3: field "month": expected months in order with no repeats/],
    ['negative.csv', 'month,count\n2019-01,3\n2019-02,-1\n', /negative\.csv:3: field "count": expected a whole number of 0 or more, found "-1"/],
    ['fraction.csv', 'month,count\n2019-01,2.5\n', /fraction\.csv:2: field "count": expected a whole number/],
    ['header.csv', 'date,crimes\n2019-01,2\n', /header\.csv:1: field "month": expected a header row month,count/],
    ['population.csv', 'month,count,population\n2019-01,2,0\n', /population\.csv:2: field "population": expected a population greater than 0/],
  ];
  for (const [name, body, message] of bad) {
    it(`rejects ${name}`, async () => {
      await expect(run([csv(name, body)])).rejects.toThrow(message);
    });
  }

  it('rejects bad JSON input naming the field', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({
        series: [
          { month: '2019-01', count: 2 },
          { month: '2019-02', count: 'x' },
        ],
      }),
    );
    await expect(run([file])).rejects.toThrow(/bad\.json: field "series\[1\]\.count": expected a whole number of 0 or more, found "x"/);
    writeFileSync(file, JSON.stringify({ series: [{ month: '2019-01', count: 2 }], params: { alpah: 0.1 } }));
    await expect(run([file])).rejects.toThrow(/field "params\.alpah": expected a known parameter/);
  });

  it('an out-of-range value in the JSON params names the file and field; the same from --set names the parameter', async () => {
    const file = join(dir, 'bad-params.json');
    writeFileSync(file, JSON.stringify({ series: months.map((m, i) => ({ month: m, count: counts[i] })), params: { alpha: '0.01', b: 30 } }));
    await expect(run([file])).rejects.toThrow(/bad-params\.json: field "params\.b": expected a whole number from 1 to 20, found "30"/);
    await expect(run([file, '--set', 'b=3'])).rejects.toThrow(/bad-params\.json: field "params\.alpha": expected a number strictly between 0 and 0\.5, found "0\.01 \(a string\)"/);
    await expect(run([file, '--set', 'b=3', '--set', 'alpha=0.9'])).rejects.toThrow(/^parameter alpha: expected .* found 0\.9$/);
  });

  it('rejects unknown and out-of-range parameters', async () => {
    const file = csv('params.csv', 'month,count\n' + months.map((m, i) => `${m},${counts[i]}`).join('\n'));
    await expect(run([file, '--set', 'alpah=0.1'])).rejects.toThrow(/unknown parameter "alpah"/);
    await expect(run([file, '--set', 'alpha=1.5'])).rejects.toThrow(/parameter alpha: expected a number strictly between 0 and 0.5, found 1.5/);
    await expect(run([file, '--set', 'w=7'])).rejects.toThrow(/parameter w: expected a whole number from 0 to 5/);
    await expect(run([file, '--set', 'noPeriods=11'])).rejects.toThrow(/parameter noPeriods: expected a whole number from 1 to 10/);
    await expect(run([file, '--set', 'thresholdMethod=poisson'])).rejects.toThrow(/thresholdMethod: expected "delta", "nbPlugin" or "muan"/);
    await expect(run([file, '--set', 'populationOffset=true'])).rejects.toThrow(/field "population": expected a population column/);
    await expect(run([file, '--from', '2031-01'])).rejects.toThrow(/--from 2031-01 is outside the series/);
  });

  it('exits non-zero through the real CLI on bad input and zero on good input', () => {
    const good = csv('cli.csv', 'month,count\n' + months.map((m, i) => `${m},${counts[i]}`).join('\n'));
    const out = execFileSync(process.execPath, ['bin/wardwatch.js', 'detect', good, '--json'], { encoding: 'utf8' });
    expect(JSON.parse(out).results.length).toBe(35);
    const r = spawnSync(process.execPath, ['bin/wardwatch.js', 'detect', csv('cli-bad.csv', 'month,count\n2019-01,-3\n')], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/wardwatch detect: .*cli-bad\.csv:2: field "count"/);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace
  });
});
