// `/crime map` through answer(), on the fixture store: the reply, its map request, and the drawn map.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { makeContext } from '../../src/core/context.ts';
import { answer } from '../../src/core/dispatch.ts';
import type { MapRequest, Reply } from '../../src/core/reply.ts';
import { chartAltText } from '../../src/charts/index.ts';
import { classColours, layoutMap, loadMapGeometry, renderMap } from '../../src/maps/index.ts';
import { decode } from '../charts/pixels.ts';
import { fixtureStore, type TempStore } from '../helpers/store.ts';
import { interiorPixels, pixel, rgbOf, same } from './helpers.ts';

let t: TempStore;
const { config } = loadConfig();
beforeAll(async () => {
  t = await fixtureStore({ history: true });
});
afterAll(async () => {
  await t?.cleanup();
});

const ask = (text: string, channel?: string): Promise<Reply> => answer(text, makeContext({ store: t.store, config, channel, now: new Date('2024-05-20T09:00:00Z') }));
const mapOf = (r: Reply): MapRequest => {
  expect(r.kind, `${r.title}: ${r.summary}`).toBe('answer');
  expect(r.chart?.kind).toBe('map');
  return r.chart as MapRequest;
};

describe('/crime map', () => {
  it("map burglary market: Cambridge's 14 wards, Market emphasised, rates per 1,000 over the year ending April 2024", async () => {
    const r = await ask('map burglary market', 'cambridge-csp');
    const m = mapOf(r);
    expect(m.areaName).toBe('Cambridge');
    expect(m.period).toBe('year ending April 2024');
    expect(m.unit).toBe('rate per 1,000');
    expect(m.wards).toHaveLength(14);
    expect(m.wards.filter((w) => w.emphasised).map((w) => w.name)).toEqual(['Market']);
    expect(m.classes.length).toBe(5);
    expect(m.method).toBe('jenks');
    expect(m.source).toMatch(/^Source: police\.uk/);
    expect(r.chartAlt).toMatch(/^Map: Cambridge: burglary per 1,000 residents by ward\./);
    expect(chartAltText(m)).toMatch(/Market, the ward asked about, is outlined/);
    expect(r.figures.map((f) => f.id)).toEqual(expect.arrayContaining(['highest', 'lowest', 'hotspots', 'emphasised']));
    expect(r.table!.rows).toHaveLength(14);
    expect(r.notes.join(' ')).toMatch(/Contains OS data © Crown copyright and database right/);
    expect(r.actions.map((a) => a.command)).toContain('top burglary cambridge');
    // it draws, and the image shows every ward in its class colour
    const png = await renderMap(t.store, m);
    const p = await decode(png);
    const geometry = await loadMapGeometry(
      t.store,
      m.wards.map((w) => w.code),
    );
    const layout = layoutMap(m, geometry);
    const colours = classColours(m.classes.length).map(rgbOf);
    for (const w of m.wards) for (const [x, y] of interiorPixels(geometry, layout, w.code, { inset: 7, max: 3 })) expect(pixel(p, x, y), w.name).toEqual(colours[w.class!]);
  });

  it('the same hotspots as /crime top, adjacency from shared boundaries', async () => {
    const m = mapOf(await ask('map burglary cambridge', 'cambridge-analysts'));
    const top = await ask('top burglary cambridge', 'cambridge-analysts');
    const topHot = (top.data as { ranking: Array<{ code: string; hotspot: boolean; emerging: boolean }> }).ranking;
    expect(
      m.wards
        .filter((w) => w.hotspot)
        .map((w) => w.code)
        .sort(),
    ).toEqual(
      topHot
        .filter((x) => x.hotspot)
        .map((x) => x.code)
        .sort(),
    );
    expect(
      m.wards
        .filter((w) => w.emerging)
        .map((w) => w.code)
        .sort(),
    ).toEqual(
      topHot
        .filter((x) => x.emerging)
        .map((x) => x.code)
        .sort(),
    );
    const geometry = await loadMapGeometry(
      t.store,
      m.wards.map((w) => w.code),
    );
    for (const [a, b] of m.adjacency ?? []) expect(geometry.adjacent.get(a)!.has(b)).toBe(true);
  });

  it('in a channel not cleared for small numbers, hidden wards have no value or class, are hatched, and show no class colour', async () => {
    // a partnership measure: police.uk counts are shown exactly everywhere (README "Disclosure policy")
    const cleared = mapOf(await ask('map deliberate fires cambridge', 'cambridge-analysts'));
    const r = await ask('map deliberate fires cambridge', 'cambridge-csp');
    const m = mapOf(r);
    const data = r.data as { wards: Array<{ code: string; count: number | null; hidden: string | null }> };
    const small = cleared.wards.filter((w) => w.value !== null).length; // every ward shown when cleared
    expect(small).toBe(14);
    const hidden = m.wards.filter((w) => w.hidden);
    expect(hidden.length).toBeGreaterThan(0);
    for (const w of hidden) {
      expect(w).toMatchObject({ value: null, class: null });
      expect(data.wards.find((x) => x.code === w.code)!.count).toBeNull();
    }
    for (const w of hidden)
      expect(r.table!.rows.find((row) => row[0]!.replace(' <', '') === w.name)!.slice(1, 3)).toEqual(['not shown', w.hidden === 'small-number' ? 'fewer than 5' : 'not shown']);
    const p = await decode(await renderMap(t.store, m, { size: 'compact' }));
    const geometry = await loadMapGeometry(
      t.store,
      m.wards.map((w) => w.code),
    );
    const layout = layoutMap(m, geometry, 'compact');
    const colours = classColours(m.classes.length).map(rgbOf);
    for (const w of hidden)
      for (const [x, y] of interiorPixels(geometry, layout, w.code, { step: 1, inset: 2 })) for (const c of colours) expect(same(pixel(p, x, y), c), w.name).toBe(false);
    // the table lists hidden wards after the shown ones, in name order
    const names = r.table!.rows.map((row) => row[0]!.replace(' <', ''));
    const tail = names.slice(names.length - hidden.length);
    expect(tail).toEqual(hidden.map((w) => w.name).sort((a, b) => a.localeCompare(b)));
  });

  it('the county: all 120 wards in 6 districts, in the countywide channel only', async () => {
    const m = mapOf(await ask('map violence county', 'countywide-board'));
    expect(m.wards).toHaveLength(120);
    expect(m.districts).toHaveLength(6);
    expect(new Set(m.wards.map((w) => w.district)).size).toBe(6);
    expect(JSON.stringify(m).length).toBeLessThan(25_000);
    const refused = await ask('map violence county', 'fenland-csp');
    expect(refused.kind).toBe('error');
    expect(refused.title).toBe('Outside this partnership');
  });

  it('a district outside the partnership is refused; no place maps the partnership', async () => {
    const r = await ask('map burglary cambridge', 'fenland-csp');
    expect(r.kind).toBe('error');
    expect(r.title).toBe('Outside this partnership');
    const own = mapOf(await ask('map asb', 'fenland-csp'));
    expect(own.areaName).toBe('Fenland');
    expect(own.wards).toHaveLength(18);
  });

  it('a period asked for, and the measure words', async () => {
    const m = mapOf(await ask('map shoplifting cambridge ye sep', 'cambridge-analysts'));
    expect(m.period).toBe('year ending September 2023');
    expect(m.measureLabel).toMatch(/Shoplifting/);
  });

  it('a top reply offers "Show on a map", and that follow-up draws the same area, ward and period', async () => {
    const cases: Array<[string, string | undefined, number, string | undefined]> = [
      ['top asb cambridge', undefined, 14, undefined],
      ['top burglary market ye mar', undefined, 14, 'E05013057'],
      ['top asb fenland', 'fenland-csp', 0, undefined],
      ['top violence cambridgeshire', 'countywide-board', 120, undefined],
    ];
    for (const [question, channel, wards, emphasised] of cases) {
      const top = await ask(question, channel);
      expect(top.kind, `${question}: ${top.summary}`).toBe('answer');
      const action = top.actions.find((a) => a.label === 'Show on a map');
      expect(action, question).toBeDefined();
      const m = mapOf(await ask(action!.command, channel));
      if (wards) expect(m.wards, question).toHaveLength(wards);
      else expect(m.wards.length).toBeGreaterThan(10);
      if (emphasised) expect(m.wards.find((w) => w.code === emphasised)?.emphasised, question).toBe(true);
      expect(m.title.toLowerCase()).toContain((top.data as { measure: { label: string } }).measure.label.toLowerCase().split(' ')[0]!);
      if (question.includes('ye mar')) expect(JSON.stringify(m)).toMatch(/March 2024|Mar 2024/);
    }
  });

  it('is listed by help', async () => {
    const help = await ask('help');
    // its examples are written from the channel's own places and priority topics
    expect(help.table!.rows.some((row) => row[0]!.includes('map <topic>') && /\/crime map \w/.test(row[1]!))).toBe(true);
  });
});
