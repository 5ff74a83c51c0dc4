// The map in words: highest and lowest, hotspots and whether they touch, where they are.
import { describe, expect, it } from 'vitest';
import { chartAltText } from '../../src/charts/index.ts';
import { adjacentGroups, whereWords } from '../../src/maps/index.ts';
import { CAMBRIDGE, fixtureRequest, wardsOf } from './helpers.ts';

describe('map text alternative', () => {
  const code = (name: string) => wardsOf([CAMBRIDGE]).find((w) => w.name === name)!.code;

  it('says the three central hotspots are adjacent, from shared boundaries, and where they are', () => {
    const { request } = fixtureRequest([CAMBRIDGE], { hotspots: [code('Market'), code('Petersfield'), code('West Chesterton')], emphasise: 'Market' });
    expect(request.adjacency?.length).toBeGreaterThanOrEqual(2);
    const alt = chartAltText(request);
    expect(alt).toMatch(/Three hotspots \(year ending April 2024\): the three hotspots are adjacent, in the centre of Cambridge: /);
    expect(alt).toMatch(/Market/);
    expect(alt).toMatch(/^Map: /);
    expect(alt).toMatch(/Highest: .+; lowest: /);
    expect(alt).toMatch(/Market, the ward asked about, is outlined: /);
    expect(alt).toMatch(/in 5 classes by natural breaks, darker for higher: /);
  });

  it('names hotspots that are apart one by one, with where each is', () => {
    const { request } = fixtureRequest([CAMBRIDGE], { hotspots: [code("King's Hedges"), code('Trumpington')] });
    expect(request.adjacency ?? []).toEqual([]);
    const alt = chartAltText(request);
    expect(alt).toMatch(/Two hotspots .*King's Hedges, in the north[^;]*of Cambridge; Trumpington, in the south[^.]*of Cambridge/);
  });

  it('emerging hotspots and hidden wards are named', () => {
    const { request } = fixtureRequest([CAMBRIDGE], { emerging: [code('Abbey')], uncleared: true });
    const alt = chartAltText(request);
    expect(alt).toMatch(/Emerging hotspot \(April 2024\): Abbey, in the (north-)?east of Cambridge/);
    const hidden = request.wards.filter((w) => w.hidden).map((w) => w.name);
    if (hidden.length) for (const n of hidden) expect(alt).toContain(n);
  });

  it('compass words and groups', () => {
    expect(whereWords([0.5, 0.5])).toBe('the centre');
    expect(whereWords([0.9, 0.1])).toBe('the north-east');
    expect(whereWords([0.1, 0.5])).toBe('the west');
    expect(
      adjacentGroups(
        ['a', 'b', 'c', 'd'],
        [
          ['a', 'b'],
          ['b', 'c'],
        ],
      ),
    ).toEqual([['a', 'b', 'c'], ['d']]);
  });
});
