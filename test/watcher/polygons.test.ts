// The watcher's request polygons cover their wards (every fixture ward), the split pieces cover the
// polygon, the token bucket spends its burst then the steady rate (on an injected clock), and
// Retry-After is read as seconds or a date.
import { readdirSync, readFileSync } from 'node:fs';
import { booleanPointInPolygon } from '@turf/boolean-point-in-polygon';
import type { Feature, FeatureCollection, MultiPolygon, Polygon } from 'geojson';
import { describe, expect, it } from 'vitest';
import { retryAfterMs } from '../../src/watcher/police-uk-api.ts';
import { convexHull, enclosingPolygon, polyParameter, pushOutward, requestPolygon, splitPolygon, verticesOf, type LngLat } from '../../src/watcher/polygons.ts';
import { TokenBucket } from '../../src/watcher/token-bucket.ts';

const GEO = new URL('../../fixtures/geography/', import.meta.url).pathname;
const wards: Array<Feature<Polygon | MultiPolygon>> = readdirSync(GEO)
  .filter((f) => f.startsWith('wards-') && f.endsWith('.geojson'))
  .flatMap((f) => (JSON.parse(readFileSync(GEO + f, 'utf8')) as FeatureCollection<Polygon | MultiPolygon>).features);

const asPolygon = (ring: readonly LngLat[]) => ({ type: 'Polygon' as const, coordinates: [[...ring, ring[0]!]] });
/** The polygon as the API reads it back from the `poly` parameter (6 decimals). */
const asSent = (ring: readonly LngLat[]): LngLat[] =>
  polyParameter(ring)
    .split(':')
    .map((p) => p.split(',').map(Number))
    .map(([lat, lng]) => [lng!, lat!]);

describe('request polygons', () => {
  it('contain every point of every fixture ward, with at most 100 corners', () => {
    expect(wards.length).toBe(120);
    let corners = 0;
    for (const w of wards) {
      const poly = requestPolygon(w);
      corners = Math.max(corners, poly.length);
      expect(poly.length).toBeLessThanOrEqual(100);
      const sent = asPolygon(asSent(poly));
      for (const v of verticesOf(w)) expect(booleanPointInPolygon(v, sent, { ignoreBoundary: true })).toBe(true);
    }
    expect(corners).toBeGreaterThan(3);
  });

  it('reduce a many-cornered hull by growing it, never cutting it', () => {
    const circle: LngLat[] = Array.from({ length: 400 }, (_, i) => [Math.cos((i / 400) * 2 * Math.PI), Math.sin((i / 400) * 2 * Math.PI)]);
    const hull = convexHull(circle);
    expect(hull).toHaveLength(400);
    const reduced = enclosingPolygon(hull, 12);
    expect(reduced.length).toBeLessThanOrEqual(12);
    // Kept corners and the corners beside a removed edge lie on the new edges: allow for rounding there.
    const grown = asPolygon(pushOutward(reduced, 1e-9));
    for (const p of hull) expect(booleanPointInPolygon(p, grown)).toBe(true);
    expect(hull.filter((p) => booleanPointInPolygon(p, asPolygon(reduced), { ignoreBoundary: true })).length).toBeGreaterThan(0);
  });

  it('split into pieces that together cover the polygon', () => {
    const poly = requestPolygon(wards[0]!);
    const pieces = splitPolygon(poly);
    expect(pieces.length).toBe(4);
    const xs = poly.map((p) => p[0]),
      ys = poly.map((p) => p[1]);
    let inside = 0;
    for (let i = 0; i <= 40; i++)
      for (let j = 0; j <= 40; j++) {
        const p: LngLat = [Math.min(...xs) + ((Math.max(...xs) - Math.min(...xs)) * i) / 40, Math.min(...ys) + ((Math.max(...ys) - Math.min(...ys)) * j) / 40];
        if (!booleanPointInPolygon(p, asPolygon(poly))) continue;
        inside++;
        expect(pieces.some((piece) => booleanPointInPolygon(p, asPolygon(asSent(piece))))).toBe(true);
      }
    expect(inside).toBeGreaterThan(100);
    // And again: the pieces split further.
    expect(splitPolygon(pieces[0]!).length).toBeGreaterThanOrEqual(1);
  });
});

describe('TokenBucket', () => {
  it('lets the burst through, then one request per 1/rate seconds; a pause holds everyone', async () => {
    let now = 0;
    const slept: number[] = [];
    const bucket = new TokenBucket(
      10,
      15,
      () => now,
      async (ms) => {
        slept.push(ms);
        now += ms;
      },
    );
    const times: number[] = [];
    for (let i = 0; i < 25; i++) {
      await bucket.take();
      times.push(now);
    }
    expect(times.slice(0, 15)).toEqual(Array(15).fill(0));
    // Then 100 ms apart: in the first second 15 + 10 at most.
    expect(times.slice(15).map((t, i) => t - (times[14 + i] ?? 0))).toEqual(Array(10).fill(100));
    bucket.pause(2000);
    const before = now;
    await bucket.take();
    expect(now - before).toBe(2000);
    await bucket.take();
    expect(now - before).toBe(2100); // no burst straight after a 429
  });
});

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates, and caps them', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs(null)).toBeNull();
    expect(retryAfterMs('soon')).toBeNull();
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:05 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(5000);
    expect(retryAfterMs('100000')).toBe(300_000);
  });
});
