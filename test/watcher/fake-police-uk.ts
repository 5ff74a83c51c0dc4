// A local fake of the police.uk API (loopback only), serving the fixture street CSVs as the API's JSON:
//   GET  /api/crimes-street-dates, GET /api/crime-last-updated
//   POST /api/crimes-street/all-crime (form: poly=lat,lng:..., date=YYYY-MM), GET with the same query
//   GET  /api/crimes-no-location?category=all-crime&force=...&date=...
// As police.uk does: a polygon holding more than `maxCrimes` crimes is a 503; more than 15 requests a
// second (leaky bucket, burst 30) is a 429. Planted faults (a 429 with Retry-After, a 500, a hang) hit
// chosen crime requests. Every request is recorded with its arrival time, so a test can count requests
// per second and see which crimes were served.
//
// The crime objects follow the shape in the police.uk docs (data.police.uk/docs/method/crime-street):
// coordinates as strings, persistent_id (empty for ASB), a numeric id, location.street.name,
// outcome_status null for ASB. Category slugs are police.uk's (/api/crime-categories), written out here
// rather than read from the project's taxonomy, so the test checks the mapping instead of repeating it.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { booleanPointInPolygon } from '@turf/boolean-point-in-polygon';
import { parse } from 'csv-parse/sync';

/** police.uk's category slug for each CSV `Crime type` (from /api/crime-categories). */
export const SLUG_BY_CRIME_TYPE: Record<string, string> = {
  'Anti-social behaviour': 'anti-social-behaviour',
  'Bicycle theft': 'bicycle-theft',
  Burglary: 'burglary',
  'Criminal damage and arson': 'criminal-damage-arson',
  Drugs: 'drugs',
  'Other crime': 'other-crime',
  'Other theft': 'other-theft',
  'Possession of weapons': 'possession-of-weapons',
  'Public order': 'public-order',
  Robbery: 'robbery',
  Shoplifting: 'shoplifting',
  'Theft from the person': 'theft-from-the-person',
  'Vehicle crime': 'vehicle-crime',
  'Violence and sexual offences': 'violent-crime',
};

export interface FakeCrime {
  category: string;
  location_type: string;
  location: { latitude: string; longitude: string; street: { id: number; name: string } } | null;
  context: string;
  outcome_status: { category: string; date: string } | null;
  persistent_id: string;
  id: number;
  location_subtype: string;
  month: string;
  /** The force it is served under for crimes-no-location (default: the fake's `force`). */
  force?: string;
}

/** A fixture street CSV as the API's crimes (ids numbered from `firstId`). */
export function crimesFromCsv(path: string, firstId: number): FakeCrime[] {
  const rows = parse(readFileSync(path, 'utf8'), { columns: true, skip_empty_lines: true }) as Array<Record<string, string>>;
  return rows.map((r, i) => {
    const slug = SLUG_BY_CRIME_TYPE[r['Crime type']!];
    if (!slug) throw new Error(`fake police.uk: unknown crime type ${r['Crime type']}`);
    return {
      category: slug,
      location_type: 'Force',
      location: r.Latitude && r.Longitude ? { latitude: r.Latitude, longitude: r.Longitude, street: { id: 900000 + i, name: r.Location! } } : null,
      context: '',
      outcome_status: r['Last outcome category'] ? { category: r['Last outcome category'], date: r.Month! } : null,
      persistent_id: r['Crime ID'] ?? '',
      id: firstId + i,
      location_subtype: '',
      month: r.Month!,
    };
  });
}

export interface RecordedRequest {
  /** Arrival, ms since the fake started (performance.now()). */
  at: number;
  method: string;
  endpoint: string;
  status: number;
  month?: string;
  /** Crimes in the polygon (also for a 503). */
  inPolygon?: number;
  /** Keys (persistent_id, or `id:<n>` for ASB) of the crimes served. */
  served?: string[];
  note?: string;
}

export interface FakeOptions {
  /** Crimes by month. */
  months: Record<string, FakeCrime[]>;
  force: string;
  /** Every force the months list (a national fake); default [force]. */
  forces?: string[];
  /** A polygon with more crimes than this is answered 503 (police.uk: 10,000). */
  maxCrimes: number;
  /** police.uk's own limit (leaky bucket): over it, 429. */
  limit?: { rate: number; burst: number };
}

export interface PlantedFault {
  /** The n-th crime request (1-based, counting every crimes-street request that reached the fake). */
  atCrimeRequest: number;
  kind: '429' | '500' | 'hang';
  retryAfter?: string;
  hangMs?: number;
}

export class FakePoliceUk {
  readonly requests: RecordedRequest[] = [];
  faults: PlantedFault[] = [];
  /** 429s from the leaky-bucket limiter (not planted): the client went faster than police.uk allows. */
  limiterRefusals = 0;
  private server: Server | null = null;
  private crimeRequests = 0;
  private bucketLevel = 0;
  private bucketAt = performance.now();
  private readonly started = performance.now();
  url = '';

  constructor(readonly options: FakeOptions) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(err));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}/api`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Replaces a month's crimes (a revision, or a new month appearing). */
  setMonth(month: string, crimes: FakeCrime[]): void {
    this.options.months[month] = crimes;
  }

  /** The largest number of requests that arrived within any `windowMs` (sliding). */
  maxInWindow(windowMs = 1000, from = 0): number {
    const times = this.requests
      .slice(from)
      .map((r) => r.at)
      .sort((a, b) => a - b);
    let best = 0;
    let j = 0;
    for (let i = 0; i < times.length; i++) {
      while (times[i]! - times[j]! >= windowMs) j++;
      best = Math.max(best, i - j + 1);
    }
    return best;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = performance.now() - this.started;
    const url = new URL(req.url ?? '/', 'http://fake');
    const body = await new Promise<string>((resolve) => {
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (text += c));
      req.on('end', () => resolve(text));
    });
    const params = req.method === 'POST' ? new URLSearchParams(body) : url.searchParams;
    const endpoint = url.pathname.replace(/^\/api\//, '');
    const record: RecordedRequest = { at, method: req.method ?? 'GET', endpoint, status: 200 };
    this.requests.push(record);
    const send = (status: number, json: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      if (res.destroyed) return;
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(json));
    };

    // police.uk's limit first: a leaky bucket that drains at `rate` a second.
    const limit = this.options.limit ?? { rate: 15, burst: 30 };
    const now = performance.now();
    this.bucketLevel = Math.max(0, this.bucketLevel - ((now - this.bucketAt) / 1000) * limit.rate);
    this.bucketAt = now;
    if (this.bucketLevel + 1 > limit.burst) {
      this.limiterRefusals++;
      record.note = 'limiter';
      return send(429, { error: 'rate limited' });
    }
    this.bucketLevel += 1;

    const months = Object.keys(this.options.months).sort().reverse();
    if (endpoint === 'crimes-street-dates')
      return send(
        200,
        months.map((m) => ({ date: m, 'stop-and-search': this.options.forces ?? [this.options.force] })),
      );
    if (endpoint === 'crime-last-updated') return send(200, { date: `${months[0]}-01` });

    const month = params.get('date') ?? months[0]!;
    record.month = month;
    const crimes = this.options.months[month] ?? [];
    if (endpoint === 'crimes-no-location') {
      const force = params.get('force') ?? '';
      if (!(this.options.forces ?? [this.options.force]).includes(force)) return send(404, { error: 'unknown force' });
      const out = crimes.filter((c) => c.location === null && (c.force ?? this.options.force) === force);
      record.served = out.map(keyOf);
      return send(200, out);
    }
    if (endpoint === 'crimes-street/all-crime') {
      const n = ++this.crimeRequests;
      const fault = this.faults.find((f) => f.atCrimeRequest === n);
      if (fault?.kind === '429') {
        record.note = 'planted 429';
        return send(429, { error: 'rate limited' }, fault.retryAfter !== undefined ? { 'retry-after': fault.retryAfter } : {});
      }
      if (fault?.kind === '500') {
        record.note = 'planted 500';
        return send(500, { error: 'internal' });
      }
      if (fault?.kind === 'hang') {
        record.note = 'planted hang';
        record.status = 0;
        await new Promise((r) => setTimeout(r, fault.hangMs ?? 5000));
        if (!res.destroyed) res.destroy();
        return;
      }
      const polyText = params.get('poly');
      if (!polyText) return send(400, { error: 'poly required' });
      const ring = polyText.split(':').map((pair) => {
        const [lat, lng] = pair.split(',').map(Number);
        return [lng!, lat!];
      });
      if (ring.some((p) => !Number.isFinite(p[0]) || !Number.isFinite(p[1])) || ring.length < 3) return send(400, { error: 'bad poly' });
      const closed = [...ring, ring[0]!];
      const polygon = { type: 'Polygon' as const, coordinates: [closed] };
      const inside = crimes.filter((c) => c.location && booleanPointInPolygon([Number(c.location.longitude), Number(c.location.latitude)], polygon));
      record.inPolygon = inside.length;
      if (inside.length > this.options.maxCrimes) return send(503, { error: 'too many crimes' });
      record.served = inside.map(keyOf);
      return send(200, inside);
    }
    return send(404, { error: `no such method ${endpoint}` });
  }
}

export function keyOf(c: FakeCrime): string {
  return c.persistent_id || `id:${c.id}`;
}
