// Issue 17, "reading the answer": the words, figures and charts a chair reads, through answer() on
// the fixture store and, for charts, the PNG's pixels (test/charts/pixels.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderChart } from '../../src/charts/index.ts';
import { ROLE } from '../../src/charts/palette.ts';
import { loadConfig } from '../../src/config/load.ts';
import { makeContext } from '../../src/core/context.ts';
import { answer } from '../../src/core/dispatch.ts';
import type { ChartRequest, Reply } from '../../src/core/reply.ts';
import { rankByRate } from '../../src/figures/compute.ts';
import { changePhrase, describeChange } from '../../src/figures/wording.ts';
import { decode, hex, near, type Pixels } from '../charts/pixels.ts';
import { fixtureStore, type TempStore } from '../helpers/store.ts';

let t: TempStore;
const { config } = loadConfig();
beforeAll(async () => {
  t = await fixtureStore({ history: true });
});
afterAll(() => t?.cleanup());

const ask = (text: string, channel = 'cambridge-csp'): Promise<Reply> => answer(text, makeContext({ store: t.store, config, channel, now: new Date('2024-05-20T09:00:00Z') }));
const data = (r: Reply) => r.data as Record<string, any>;
const words = (r: Reply) => [r.title, r.summary ?? '', ...r.figures.flatMap((f) => [f.display, f.wording]), ...r.notes, ...(r.about ?? [])].join('\n');
const fig = (r: Reply, id: string) => r.figures.find((f) => f.id === id) ?? (data(r).figures as Reply['figures']).find((f) => f.id === id);
const wordCount = (s: string) => s.split(/\s+/).filter(Boolean).length;

describe('shorter replies: the method behind "About these figures", each caveat once', () => {
  it('the market ward reply: notes are caveats, the method is in `about`, no jargon reaches the notes', async () => {
    const r = await ask('market ward');
    expect(r.about?.length).toBeGreaterThanOrEqual(2);
    const notes = r.notes.join(' ');
    for (const jargon of ['Farrington', 'empirical Bayes', 'false discovery', 'muan', 'no calc']) expect(notes, jargon).not.toContain(jargon);
    // the population-estimate source is said once in the whole reply
    expect(words(r).match(/LSOA count/g)?.length ?? 0).toBe(1);
    expect(words(r).match(/estimated population/gi)?.length ?? 0).toBeLessThanOrEqual(2);
    // what a chair reads first (summary, key figures and notes) is short
    const firstRead = [r.summary ?? '', ...r.figures.map((f) => f.wording), ...r.notes].join(' ');
    expect(wordCount(firstRead)).toBeLessThan(200);
    expect(r.figures.length).toBe(4);
  });
  it('top: the ranking and hotspot method are in `about`, said in plain words with the method named', async () => {
    const r = await ask('top burglary cambridge');
    expect(r.notes.join(' ')).not.toMatch(/empirical Bayes|false discovery|Poisson/);
    expect(r.about!.join(' ')).toMatch(/allows for population size/);
    expect(r.about!.join(' ')).toMatch(/Marshall's empirical Bayes/);
    expect(r.figures[0]!.wording).not.toMatch(/allowing for ward size/);
  });
  it('districts are never "allowing for ward size"', async () => {
    const r = await ask('top asb districts', 'countywide-board');
    expect(words(r)).not.toMatch(/ward size/);
  });
});

describe('synthetic months named beside the figures they feed', () => {
  it('the year ending April 2024 and its comparison year are tagged; "highest since" says how much is synthetic', async () => {
    const r = await ask('market ward');
    expect(fig(r, 'year-ending')!.synthetic).toBe('8 of 12 months synthetic; year before too');
    expect(fig(r, 'year-ending')!.wording).toMatch(/\(3,482, synthetic\)/);
    expect(fig(r, 'month')!.synthetic).toBe('compared with synthetic April 2023');
    expect(r.summary).toMatch(/synthetic months: illustrative/);
    for (const f of data(r).figures as Reply['figures']) if (f.id === 'record') expect(f.synthetic).toMatch(/synthetic/);
  });
  it('a partnership measure, synthetic in every month, reads as illustrative, never as a plain record', async () => {
    const r = await ask('market asb nuisance');
    expect(r.summary).toMatch(/^Illustrative \(synthetic data\)/);
    expect(fig(r, 'month')!.synthetic).toBe('synthetic');
    const record = (data(r).figures as Reply['figures']).find((f) => f.id === 'record');
    if (record) expect(record.synthetic).toBe('synthetic');
  });
  it('ranking and by-type chart PNGs carry the synthetic badge; the same charts on real data do not', async () => {
    const top = await ask('top burglary fenland', 'fenland-csp');
    const byType = await ask('market by type');
    for (const r of [top, byType]) {
      const chart = r.chart as Extract<ChartRequest, { kind: 'ranking' | 'year-ending' }>;
      expect(chart.synthetic, chart.kind).toMatch(/Synthetic/);
      const withBadge = await decode(renderChart(chart));
      const without = await decode(renderChart({ ...chart, synthetic: undefined } as ChartRequest));
      const badge = { x: Math.round(withBadge.width * 0.75), y: 0, width: Math.round(withBadge.width * 0.25), height: Math.round(withBadge.height * 0.1) };
      expect(near(withBadge, badge, hex('#fff3cd'), 4), `${chart.kind} badge`).toBeGreaterThan(200);
      expect(near(without, badge, hex('#fff3cd'), 4), `${chart.kind} without synthetic data`).toBe(0);
    }
  });
});

describe('the spike test in words: never "within range" of a month below the band', () => {
  it('a month that is not an alarm is "not higher than expected", and the band is named from the expected level to the alert threshold', async () => {
    for (const q of ['market ward', 'market burglary', 'fenland asb', 'abbey shoplifting']) {
      const r = await ask(q, q.startsWith('fenland') ? 'fenland-csp' : 'cambridge-csp');
      expect(words(r), q).not.toMatch(/within range|within the expected range/);
      const spike = r.figures.find((f) => f.id === 'spike');
      if (spike && !data(r).detection.latest.alarm) expect(spike.display, q).toBe('not higher than expected');
    }
    const r = await ask('market ward');
    expect(r.about!.join(' ')).toMatch(/from the expected level up to the alert threshold/);
  });
});

describe('compare: one rate ratio, from unrounded rates', () => {
  it('compare romsey abbey: "Abbey 1.6 × Romsey" beside "Abbey\'s rate is 1.6 times Romsey\'s", value from the unrounded rates', async () => {
    const r = await ask('compare romsey abbey');
    const ratio = r.figures.find((f) => f.id === 'rate-ratio')!;
    const times = /([\d.]+) times/.exec(ratio.wording)![1]!;
    expect(ratio.display).toBe(`Abbey ${times} × Romsey`);
    expect(r.summary).toContain(`Abbey's rate is ${times} times Romsey's`);
    // the value is Romsey's rate over Abbey's, divided before rounding
    const rate = (code: string) => {
      const figs = data(r).figures[code] as Reply['figures'];
      const ye = figs.find((f) => f.id === 'year-ending')!.value!;
      const pop =
        data(r).areas.find((a: { code: string }) => a.code === code) &&
        (figs
          .find((f) => f.id === 'rate')!
          .wording.match(/population ([\d,]+)/)![1]!
          .replace(/,/g, '') as string);
      return (ye / Number(pop)) * 1000;
    };
    const [romsey, abbey] = (data(r).areas as Array<{ code: string }>).map((a) => a.code);
    expect(ratio.value).toBe(Math.round((rate(romsey!) / rate(abbey!)) * 100) / 100);
  });
});

describe('top burglary fenland: the chart matches the table', () => {
  it('every ranked ward is charted, the emerging ward is labelled emerging (not hotspot)', async () => {
    const r = await ask('top burglary fenland', 'fenland-csp');
    const chart = r.chart as Extract<ChartRequest, { kind: 'ranking' }>;
    const ranking = data(r).ranking as Array<{ code: string; hotspot: boolean; emerging: boolean; rank: number | null }>;
    expect(chart.bars.length).toBe(ranking.filter((x) => x.rank !== null).length);
    expect(chart.bars.length).toBe(r.table!.rows.length);
    for (const row of ranking) {
      const bar = chart.bars.find((b) => b.code === row.code)!;
      expect(!!bar.hotspot, row.code).toBe(row.hotspot);
      expect(!!bar.emerging, row.code).toBe(row.emerging && !row.hotspot);
    }
    const emergingOnly = chart.bars.filter((b) => b.emerging);
    expect(emergingOnly.length).toBeGreaterThan(0);
    // hotspot and emerging bars are drawn differently (the emerging hatching is lighter)
    const img = await decode(renderChart(chart));
    expect(near(img, { x: 0, y: 0, width: img.width, height: img.height }, hex('#fbe3d2'), 6)).toBeGreaterThan(100);
  });
  it('the reference line does not run through value labels', async () => {
    // One short bar whose label crosses the reference rate, one long bar: the line is drawn first, under them.
    const base: Extract<ChartRequest, { kind: 'ranking' }> = {
      kind: 'ranking',
      title: 'Test',
      measureLabel: 'Burglary',
      period: 'year ending April 2024',
      bars: [
        { code: 'A', name: 'Alpha', rate: 1, count: 12345 },
        { code: 'B', name: 'Beta', rate: 3, count: 20 },
      ],
      source: 'test',
    };
    const withLine = await decode(renderChart({ ...base, reference: { label: 'Whole', rate: 1.25 } }));
    const noLine = await decode(renderChart(base));
    const rows = barRows(noLine);
    expect(rows.length).toBe(2);
    const alpha = rows[1]!; // lower bar: the smaller rate
    const diffColumns = columnsThatDiffer(withLine, noLine, { y0: Math.round(withLine.height * 0.2), y1: Math.round(withLine.height * 0.8) });
    expect(diffColumns.length, 'the line is drawn').toBeGreaterThan(0);
    // in Alpha's row (its label crosses the line's x), no pixel differs: the label sits over the line
    // (the label's own height: the middle of the bar's row)
    const mid = (alpha.y0 + alpha.y1) / 2;
    const half = 6; // the label text, about 12 px high at full size
    for (const x of diffColumns) for (let y = Math.ceil(mid - half); y <= mid + half; y++) expect(differs(withLine, noLine, x, y), `(${x},${y})`).toBe(false);
  });
  it('a column that says "not shown" in every row is left out', async () => {
    for (const [q, channel] of [
      ['top robbery cambridge', 'cambridge-csp'],
      ['top drugs cambridge', 'cambridge-csp'],
      ['top burglary cambridge', 'cambridge-csp'],
      ['top possession of weapons cambridge', 'cambridge-csp'],
    ] as const) {
      const r = await ask(q, channel);
      if (!r.table) continue;
      r.table.columns.forEach((c, i) =>
        expect(
          r.table!.rows.every((row) => row[i] === 'not shown'),
          `${q}: column "${c}"`,
        ).toBe(false),
      );
    }
  });
});

describe('wording', () => {
  it('a percentage that rounds to 0 reads "about the same", not "a decrease of 0%"', () => {
    expect(changePhrase(describeChange(300, 299, 10), { kind: 'crime' })).toBe('about the same (-1 offence)');
    expect(changePhrase(describeChange(12, 16, 10), { kind: 'crime' })).toBe('an increase of 33% (+4 offences)');
    expect(changePhrase(describeChange(6, 10, 10), { kind: 'crime' })).toBe('an increase of 4 offences (too few for a percentage)');
  });
  it('joint ranks only when the rates are equal: 2.647 and 2.618 rank 15th and 16th', () => {
    const ranked = rankByRate([
      { code: 'a', name: 'A', count: 2647, population: 1_000_000 },
      { code: 'b', name: 'B', count: 2618, population: 1_000_000 },
      { code: 'c', name: 'C', count: 10, population: 1000 },
      { code: 'd', name: 'D', count: 20, population: 2000 },
    ]);
    expect(ranked.map((r) => [r.code, r.rank, r.joint])).toEqual([
      ['c', 1, true],
      ['d', 1, true],
      ['a', 3, false],
      ['b', 4, false],
    ]);
  });
  it('a ward with no offences reads "No offences in the year", not "the joint 9th highest rate (0.0 per 1,000; 0 offences)"', async () => {
    // Rape is recorded nowhere in the fixtures' Cambridge wards in some years: find a ward with a zero year.
    const r = await ask('market possession of weapons', 'cambridge-analysts');
    const rank = fig(r, 'rank');
    expect(rank?.wording ?? '').not.toMatch(/0\.0 per 1,000; 0 offences/);
  });
  it('the 5-year average names its months: "April 2019 to April 2023"', async () => {
    const f = (data(await ask('market ward')).figures as Reply['figures']).find((x) => x.id === 'five-year-average')!;
    expect(f.period).toBe('April 2019 to April 2023');
  });
});

/** Runs of rows that hold the ordinary bar colour a little right of the plot's left edge (top to bottom). */
function barRows(p: Pixels): Array<{ y0: number; y1: number }> {
  const colour = hex(ROLE.ordinary);
  // the bars start where the plot starts: find the leftmost column with bar colour
  // below the legend (which has a swatch of the same colour)
  const top = Math.round(p.height * 0.2);
  let x = -1;
  for (let cx = 0; cx < p.width && x < 0; cx++) if (near(p, { x: cx, y: top, width: 1, height: p.height - top }, colour, 8) > 5) x = cx + 3;
  const rows: Array<{ y0: number; y1: number }> = [];
  let start = -1;
  for (let y = top; y < p.height; y++) {
    const on = near(p, { x, y, width: 1, height: 1 }, colour, 8) === 1;
    if (on && start < 0) start = y;
    if (!on && start >= 0) {
      rows.push({ y0: start, y1: y - 1 });
      start = -1;
    }
  }
  return rows;
}

function differs(a: Pixels, b: Pixels, x: number, y: number): boolean {
  const i = (y * a.width + x) * 4;
  return Math.abs(a.data[i]! - b.data[i]!) + Math.abs(a.data[i + 1]! - b.data[i + 1]!) + Math.abs(a.data[i + 2]! - b.data[i + 2]!) > 30;
}

/** Columns with pixels that differ between two same-size images, between rows y0 and y1. */
function columnsThatDiffer(a: Pixels, b: Pixels, rows: { y0: number; y1: number }): number[] {
  const out: number[] = [];
  for (let x = 0; x < a.width; x++) {
    let n = 0;
    for (let y = rows.y0; y < rows.y1; y++) if (differs(a, b, x, y)) n++;
    if (n > 10) out.push(x);
  }
  return out;
}
