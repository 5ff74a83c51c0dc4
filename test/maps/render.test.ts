// The map drawn: every ward filled with its class colour, hidden wards hatched (never a class colour),
// labels apart and inside the map, the layout true to the ground (Cambridge's wards where they are).
import { describe, expect, it } from 'vitest';
import { renderChart, chartAltText } from '../../src/charts/index.ts';
import type { MapRequest } from '../../src/core/reply.ts';
import { classColours, drawMap, layoutMap, MAP_STYLE, renderMap, renderMapPng, toBng, type MapLayout } from '../../src/maps/index.ts';
import { decode, pngSize, type Pixels } from '../charts/pixels.ts';
import { boundaryStore, CAMBRIDGE, FENLAND, fixtureRequest, interiorPixels, pixel, rgbOf, same, wardsOf } from './helpers.ts';

const classRgb = (req: MapRequest) => classColours(req.classes.length).map(rgbOf);

async function drawn(req: MapRequest, geometry: Parameters<typeof renderMapPng>[1], size: 'full' | 'compact' = 'full'): Promise<{ p: Pixels; layout: MapLayout }> {
  const png = renderMapPng(req, geometry, { size });
  return { p: await decode(png), layout: layoutMap(req, geometry, size) };
}

/** How many pixels of the map area have exactly each class colour, and the hatch's stripe colour. */
function colourCounts(p: Pixels, layout: MapLayout, colours: Array<[number, number, number]>): number[] {
  const n = new Array<number>(colours.length).fill(0);
  const { x, y, width, height } = layout.mapBox;
  for (let j = y; j < y + height; j++)
    for (let i = x; i < x + width; i++) {
      const c = pixel(p, i, j);
      colours.forEach((k, idx) => {
        if (same(c, k)) n[idx]!++;
      });
    }
  return n;
}

describe('every ward is drawn in its class colour', () => {
  for (const [name, districts] of [
    ['Cambridge', [CAMBRIDGE]],
    ['Fenland', [FENLAND]],
  ] as const) {
    it(`${name}: a point inside each ward has its class's colour; every class colour is on the map`, async () => {
      const { request, geometry } = fixtureRequest([...districts], { hotspots: [], emphasise: undefined });
      const { p, layout } = await drawn(request, geometry);
      const colours = classRgb(request);
      expect(layout.drawn.length).toBe(request.wards.length);
      for (const w of request.wards) {
        let pts = interiorPixels(geometry, layout, w.code, { inset: 4, max: 5 });
        if (!pts.length) pts = interiorPixels(geometry, layout, w.code, { step: 1, inset: 2, max: 5 });
        // a ward with no pixel clear of labels is a small one under its own or a neighbour's label
        if (!pts.length) expect(geometry.wards.get(w.code)!.area / layout.metresPerPixel ** 2, `${w.name}: no clear interior pixel`).toBeLessThan(3000);
        for (const [x, y] of pts) expect(pixel(p, x, y), `${w.name} at ${x},${y}`).toEqual(colours[w.class!]);
      }
      // distinct fill colours against the data: one per class, each class's colour present
      const counts = colourCounts(p, layout, colours);
      request.classes.forEach((c, i) => expect(counts[i], `class ${i} (${c.label})`).toBeGreaterThan(0));
      expect(new Set(request.wards.map((w) => w.class)).size).toBe(request.classes.length);
    });
  }

  it('the county: all 120 wards drawn, each sampled ward in its class colour (full and compact)', async () => {
    const { request, geometry } = fixtureRequest('all');
    expect(request.wards.length).toBe(120);
    for (const size of ['full', 'compact'] as const) {
      const { p, layout } = await drawn(request, geometry, size);
      const colours = classRgb(request);
      let sampled = 0;
      for (const w of request.wards) {
        const pts = interiorPixels(geometry, layout, w.code, { step: 2, inset: 3, max: 3 });
        if (pts.length) sampled++;
        for (const [x, y] of pts) expect(pixel(p, x, y), `${w.name} (${size})`).toEqual(colours[w.class!]);
      }
      // a few city-centre wards are only a few pixels across at county scale and under a label
      expect(sampled, size).toBeGreaterThanOrEqual(size === 'full' ? 110 : 95);
      const counts = colourCounts(p, layout, colours);
      request.classes.forEach((_, i) => expect(counts[i]).toBeGreaterThan(0));
    }
  });
});

describe('hidden wards in a channel not cleared for small numbers', () => {
  for (const districts of [[CAMBRIDGE], [FENLAND], [CAMBRIDGE, FENLAND]])
    it(`are hatched, carry no value or class in the request, and show no class colour anywhere inside (${districts.join(', ')})`, async () => {
      const { request, geometry } = fixtureRequest(districts, { uncleared: true });
      const hidden = request.wards.filter((w) => w.hidden);
      expect(hidden.length).toBeGreaterThan(0);
      let checked = 0;
      for (const w of hidden) expect(w).toMatchObject({ value: null, class: null });
      for (const size of ['full', 'compact'] as const) {
        const { p, layout } = await drawn(request, geometry, size);
        const colours = classRgb(request);
        const stripe = rgbOf(MAP_STYLE.hatchStripe),
          base = rgbOf(MAP_STYLE.hatchBase);
        for (const w of hidden) {
          const pts = interiorPixels(geometry, layout, w.code, { step: 2, inset: 2 });
          let stripes = 0,
            bases = 0;
          for (const [x, y] of pts) {
            const c = pixel(p, x, y);
            for (const k of colours) expect(same(c, k), `${w.name} (${size}) shows a class colour at ${x},${y}`).toBe(false);
            // grey: the stripes (antialiased at full size) darker, the base light
            const grey = Math.max(...c) - Math.min(...c) <= 2;
            if (grey && c[0]! <= 200) stripes++;
            if (c.every((v, i) => Math.abs(v - base[i]!) <= 3)) bases++;
          }
          if (pts.length < 30) continue; // a small ward mostly under a label
          checked++;
          expect(stripes, `${w.name} hatch stripes`).toBeGreaterThan(pts.length * 0.1);
          expect(bases, `${w.name} hatch base`).toBeGreaterThan(pts.length * 0.1);
        }
        expect(checked, 'hidden wards with enough clear pixels').toBeGreaterThan(0);
        // shown wards are never hatched
        for (const w of request.wards.filter((x) => !x.hidden)) {
          for (const [x, y] of interiorPixels(geometry, layout, w.code, { max: 3, inset: 4 })) expect(pixel(p, x, y)).toEqual(colours[w.class!]);
        }
      }
    });

  it('a request that (wrongly) gives a hidden ward a class is still drawn hatched', async () => {
    const { request, geometry } = fixtureRequest([CAMBRIDGE], { uncleared: true });
    const tampered: MapRequest = { ...request, wards: request.wards.map((w) => (w.hidden ? { ...w, class: 0, value: 1 } : w)) };
    const { p, layout } = await drawn(tampered, geometry);
    const c0 = classRgb(request)[0]!;
    for (const w of tampered.wards.filter((x) => x.hidden))
      for (const [x, y] of interiorPixels(geometry, layout, w.code, { inset: 2 })) expect(same(pixel(p, x, y), c0)).toBe(false);
  });

  it('the legend gives the reason', async () => {
    const { request, geometry } = fixtureRequest([CAMBRIDGE], { uncleared: true });
    expect(request.legend?.small).toMatch(/Fewer than 5/);
    const text = chartAltText(request);
    expect(text).toMatch(/Hatched, not shown \(fewer than 5 offences\)/);
    expect(layoutMap(request, geometry).legendBox.height).toBeGreaterThan(0);
  });
});

describe('labels', () => {
  for (const [name, districts, size] of [
    ['Cambridge', [CAMBRIDGE], 'full'],
    ['Fenland', [FENLAND], 'full'],
    ['the county', 'all', 'full'],
    ['the county', 'all', 'compact'],
    ['Cambridge', [CAMBRIDGE], 'compact'],
  ] as const) {
    it(`${name} (${size}): boxes do not overlap each other or the markers, and sit inside the map`, () => {
      const codes = wardsOf(districts === 'all' ? 'all' : [...districts]).map((w) => w.code);
      const { request, geometry } = fixtureRequest(districts === 'all' ? 'all' : [...districts], {
        hotspots: codes.slice(0, 4),
        emerging: codes.slice(3, 6),
        emphasise: wardsOf(districts === 'all' ? 'all' : [...districts])[7]!.name,
      });
      const layout = layoutMap(request, geometry, size);
      expect(layout.labels.length).toBeGreaterThanOrEqual(size === 'full' ? 5 : 3);
      expect(layout.labels.some((l) => l.emphasised)).toBe(true);
      const boxes = layout.labels.map((l) => l.box);
      const overlap = (a: (typeof boxes)[0], b: (typeof boxes)[0]) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
      for (let i = 0; i < boxes.length; i++) {
        const b = boxes[i]!;
        expect(
          b.x >= layout.mapBox.x && b.y >= layout.mapBox.y && b.x + b.width <= layout.mapBox.x + layout.mapBox.width && b.y + b.height <= layout.mapBox.y + layout.mapBox.height,
        ).toBe(true);
        for (let j = i + 1; j < boxes.length; j++) expect(overlap(b, boxes[j]!), `${layout.labels[i]!.code} / ${layout.labels[j]!.code}`).toBe(false);
        for (const m of layout.markers) if (!(layout.labels[i]!.marker === m.box)) expect(overlap(b, m.box)).toBe(false);
      }
      // every emerging ward is marked, in its label or at its interior point
      for (const w of request.wards.filter((x) => x.emerging)) expect(layout.markers.some((m) => m.code === w.code)).toBe(true);
    });
  }
});

describe('projection: British National Grid, north up, one scale', () => {
  it("keeps Cambridge's wards in their true relative positions (label points, east-west and north-south order)", () => {
    const { request, geometry } = fixtureRequest([CAMBRIDGE]);
    const layout = layoutMap(request, geometry);
    const wards = wardsOf([CAMBRIDGE]);
    const at = new Map(wards.map((w) => [w.code, layout.toPixel(...toBng(w.lon, w.lat))]));
    let pairs = 0;
    for (const a of wards)
      for (const b of wards) {
        if (a === b) continue;
        const [ax, ay] = at.get(a.code)!,
          [bx, by] = at.get(b.code)!;
        if (a.bngE < b.bngE - 100) {
          expect(ax, `${a.name} west of ${b.name}`).toBeLessThan(bx);
          pairs++;
        }
        if (a.bngN > b.bngN + 100) {
          expect(ay, `${a.name} north of ${b.name}`).toBeLessThan(by);
          pairs++;
        }
      }
    expect(pairs).toBeGreaterThan(150);
    // and the interior points the map labels at, named
    const pole = (name: string) => layout.toPixel(...geometry.wards.get(wards.find((w) => w.name === name)!.code)!.pole);
    expect(pole('Newnham')[0]).toBeLessThan(pole('Market')[0]);
    expect(pole('Market')[0]).toBeLessThan(pole('Abbey')[0]);
    expect(pole("King's Hedges")[1]).toBeLessThan(pole('Market')[1]);
    expect(pole('Market')[1]).toBeLessThan(pole('Trumpington')[1]);
    expect(pole("Queen Edith's")[1]).toBeGreaterThan(pole('Petersfield')[1]);
  });

  it('uses one scale for both axes (distances on the map match ground distances both ways) and a true scale bar', () => {
    const { request, geometry } = fixtureRequest([CAMBRIDGE]);
    const layout = layoutMap(request, geometry);
    const [x0, y0] = layout.toPixel(545000, 258000);
    const [x1, y1] = layout.toPixel(546000, 259000);
    expect(x1 - x0).toBeCloseTo(y0 - y1, 6);
    expect(layout.scaleBar.pixels).toBeCloseTo(layout.scaleBar.metres / layout.metresPerPixel, 6);
    expect([1000, 2000, 2500, 5000]).toContain(layout.scaleBar.metres);
  });
});

describe('sizes, bytes and the request', () => {
  it('full is 1000 px wide, compact 640 px and a 16-colour PNG under 40 KB; the same request gives the same bytes', () => {
    const { request, geometry } = fixtureRequest('all', { uncleared: true });
    const full = renderMapPng(request, geometry);
    const compact = renderMapPng(request, geometry, { size: 'compact' });
    expect(pngSize(full).width).toBe(1000);
    expect(pngSize(compact).width).toBe(640);
    expect(compact[25]).toBe(3); // colour type: indexed
    expect(compact.length).toBeLessThan(40_000);
    expect(renderMapPng(request, geometry).equals(full)).toBe(true);
    expect(renderMapPng(request, geometry, { size: 'compact' }).equals(compact)).toBe(true);
  });

  it('nothing is clipped: the whole of every ward lies inside the map area', () => {
    for (const districts of [[CAMBRIDGE], [FENLAND], 'all'] as const) {
      const { request, geometry } = fixtureRequest(districts === 'all' ? 'all' : [...districts]);
      for (const size of ['full', 'compact'] as const) {
        const layout = layoutMap(request, geometry, size);
        const [x0, y1] = layout.toPixel(geometry.bbox[0], geometry.bbox[1]);
        const [x1, y0] = layout.toPixel(geometry.bbox[2], geometry.bbox[3]);
        expect(x0).toBeGreaterThanOrEqual(layout.mapBox.x);
        expect(y0).toBeGreaterThanOrEqual(layout.mapBox.y);
        expect(x1).toBeLessThanOrEqual(layout.mapBox.x + layout.mapBox.width);
        expect(y1).toBeLessThanOrEqual(layout.mapBox.y + layout.mapBox.height);
        expect(layout.legendBox.y + layout.legendBox.height).toBeLessThanOrEqual(layout.height);
        expect(layout.legendBox.x + layout.legendBox.width).toBeLessThanOrEqual(layout.width);
      }
    }
  });

  it('the request is small, JSON-serialisable and holds no geometry', () => {
    const { request } = fixtureRequest('all', { hotspots: ['E05013050', 'E05013051'] });
    const json = JSON.stringify(request);
    expect(JSON.parse(json)).toEqual(request);
    expect(json).not.toMatch(/coordinates|Polygon/);
    expect(json.length).toBeLessThan(25_000);
  });

  it('renderChart refuses a map (it has no geometry); renderMap loads the geometry once and draws it', async () => {
    const { request, geometry } = fixtureRequest([CAMBRIDGE]);
    expect(() => renderChart(request)).toThrow(/maps need geometry: use renderMap/);
    const store = boundaryStore();
    const png = await renderMap(store, request);
    expect(png.equals(renderMapPng(request, geometry))).toBe(true);
    expect(store.calls).toHaveLength(1);
    expect([...store.calls[0]!].sort()).toEqual(request.wards.map((w) => w.code).sort());
  });

  it('a ward with no boundary is left undrawn (and the rest drawn)', () => {
    const { request, geometry } = fixtureRequest([CAMBRIDGE]);
    const extra: MapRequest = { ...request, wards: [...request.wards, { code: 'E05999999', name: 'Nowhere', value: 1, class: 0 }] };
    const { layout } = drawMap(extra, geometry);
    expect(layout.missing).toEqual(['E05999999']);
    expect(layout.drawn).toHaveLength(request.wards.length);
  });
});
