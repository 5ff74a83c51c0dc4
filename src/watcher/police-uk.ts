// The police.uk watcher: finds months police.uk has published that the store lacks, fetches each one's
// street-level crimes for the force area ward by ward, and ingests it through the ordinary police.uk CSV
// ingest (one transaction: every ward or none; the release and its 'landed' data event with it). A later
// fetch of a month that differs from what was fetched before is a revision: re-ingested, it records a
// 'revised' data event, which the alerting consumer turns into a correction.
//
// The API's crimes become the rows of a police.uk street CSV (the 12 columns, the taxonomy's crime type
// for each category slug, persistent_id as Crime ID, the snapped point), written to a temporary file and
// ingested like a download, so placement (ward by point-in-polygon), checks and the release log are
// ingest's own. What the API does not give is left blank: the LSOA (so API months have no LSOA counts;
// ward, district and force counts are complete) and the force of each row (the configured force).
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Feature, MultiPolygon, Polygon } from 'geojson';
import type { Config } from '../config/schema.ts';
import { UserError } from '../core/errors.ts';
import type { Month } from '../core/periods.ts';
import { forceAreaDistricts } from '../config/force-area.ts';
import { forceAreaOf } from '../ingest/geography.ts';
import { ingestPaths, type Outcome } from '../ingest/index.ts';
import { POLICE_UK_HEADER } from '../ingest/policeUk.ts';
import type { Store } from '../store/types.ts';
import { taxonomy } from '../taxonomy/index.ts';
import { PoliceUkApi, TooManyCrimes, type ApiCrime, type ApiStats } from './police-uk-api.ts';
import { polyParameter, requestPolygon, splitPolygon, type LngLat } from './polygons.ts';

export interface PoliceUkSettings {
  baseUrl: string;
  ratePerSecond: number;
  burst: number;
  timeoutMs: number;
  maxRetries: number;
  /** Requests in flight at once (all of them share the token bucket). */
  concurrency: number;
  /** How many of the latest published months a revision check fetches again. */
  revisionMonths: number;
  /** A polygon answered with 503 is split into quarters, at most this many times over. */
  maxSplitDepth?: number;
  backoffMs?: number;
}

export interface PoliceUkDeps {
  store: Store;
  config: Config;
  settings: PoliceUkSettings;
  log: (line: string) => void;
  now?: () => Date;
  fetch?: typeof fetch;
  /** Wards fetched of a month, for a progress bar. */
  onProgress?: (p: { month: Month; wardsDone: number; wards: number; crimes: number }) => void;
}

export interface PoliceUkRunResult {
  /** The newest month police.uk lists. */
  latestPublished: Month | null;
  /** Months fetched in this run. */
  fetched: Month[];
  landed: Month[];
  revised: Month[];
  /** Fetched again, the same as before. */
  unchanged: Month[];
  /** Fetched for the first time for a month the store got from a file: the baseline for later checks. */
  baselines: Month[];
  /** Listed by police.uk, not ingested (why). */
  skipped: Array<{ month: Month; reason: string }>;
  api: ApiStats;
}

/** One month as police.uk gave it, de-duplicated, as CSV text. */
export interface FetchedMonth {
  month: Month;
  /** Crimes kept (with and without a map point). */
  crimes: number;
  noLocation: number;
  /** The same crime returned for two overlapping polygons (kept once). */
  duplicates: number;
  /** British Transport Police crimes: not the force's, left out (as in the force's CSV file). */
  btp: number;
  polygons: number;
  /** sha256 over the fields that decide the counts (Crime ID, point, category). */
  checksum: string;
  csv: string;
}

const DEFAULT_SPLIT_DEPTH = 5;

/** The watcher state's source key for a force. */
export function policeUkSourceKey(config: Config): string {
  return `police.uk-api:${forceAreaOf(config).code}`;
}

/** The file name an API month is ingested as (shown in the release log). */
export function apiFileName(force: string, month: Month): string {
  return `police-uk-api-${force}-${month}.csv`;
}

interface WardRequest {
  code: string;
  poly: LngLat[];
}

function emptyResult(api: PoliceUkApi): PoliceUkRunResult {
  return { latestPublished: null, fetched: [], landed: [], revised: [], unchanged: [], baselines: [], skipped: [], api: api.stats };
}

function client(deps: PoliceUkDeps): PoliceUkApi {
  const s = deps.settings;
  return new PoliceUkApi({
    baseUrl: s.baseUrl,
    ratePerSecond: s.ratePerSecond,
    burst: s.burst,
    timeoutMs: s.timeoutMs,
    maxRetries: s.maxRetries,
    ...(s.backoffMs !== undefined ? { backoffMs: s.backoffMs } : {}),
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    log: deps.log,
  });
}

/**
 * Months police.uk lists after the store's latest real police.uk month (or, for a store with none, the
 * newest one): fetched in order, each ingested atomically. A month with no crimes at all for the force is
 * not ingested (police.uk lists the month before every force's data is in; it is tried again next time).
 */
export async function checkNewMonths(deps: PoliceUkDeps): Promise<PoliceUkRunResult> {
  const api = client(deps);
  const result = emptyResult(api);
  const force = forceAreaOf(deps.config).code;
  const dates = await api.dates();
  result.latestPublished = dates[0]?.month ?? null;
  const held = await deps.store.realMonths('police.uk');
  const latestHeld = held.at(-1) ?? null;
  const wanted = dates
    .map((d) => d.month)
    .filter((m) => (latestHeld === null ? m === result.latestPublished : m > latestHeld))
    .sort();
  const lastUpdated = await api.lastUpdated();
  if (lastUpdated && result.latestPublished && lastUpdated !== result.latestPublished)
    deps.log(`police.uk: crime-last-updated says ${lastUpdated}, crimes-street-dates lists ${result.latestPublished} as the newest month (using the dates)`);
  if (wanted.length === 0) {
    deps.log(`police.uk: nothing new (police.uk's newest month is ${result.latestPublished ?? 'none'}; the store has ${latestHeld ?? 'no police.uk month'})`);
    return result;
  }
  deps.log(`police.uk: ${wanted.join(', ')} published and not in the store; fetching ${force}`);
  const wards = await wardRequests(deps);
  for (const month of wanted) {
    const listed = dates.find((d) => d.month === month)!;
    if (!nationwide(deps.config) && listed.forces.length && !listed.forces.includes(force))
      deps.log(`police.uk: ${month}: ${force} is not in the month's force list (fetching anyway)`);
    const fetched = await fetchMonth(api, deps, wards, force, month, noLocationForces(deps.config, force, listed.forces));
    result.fetched.push(month);
    if (fetched.crimes === 0) {
      const reason = `police.uk lists ${month} but returned no crimes for ${force}: not ingested (tried again at the next check)`;
      deps.log(`police.uk: ${reason}`);
      result.skipped.push({ month, reason });
      // Later months wait for this one: otherwise it would never again be "after the store's latest".
      break;
    }
    const outcome = await ingestFetched(deps, force, fetched);
    if (outcome.outcome === 'revised') result.revised.push(month);
    else if (outcome.outcome === 'unchanged' || outcome.outcome === 'skipped: real data exists') result.unchanged.push(month);
    else result.landed.push(month);
  }
  return result;
}

/**
 * Fetches the latest `revisionMonths` published months the store holds again and compares each with what
 * was fetched before: a difference is re-ingested as a revision. A month never fetched from the API (it
 * came from a downloaded file) only gets its baseline: the API's rows never match a download byte for
 * byte (no LSOA), so comparing them would announce a revision that is not one.
 */
export async function checkRevisions(deps: PoliceUkDeps): Promise<PoliceUkRunResult> {
  const api = client(deps);
  const result = emptyResult(api);
  const force = forceAreaOf(deps.config).code;
  const source = policeUkSourceKey(deps.config);
  const dates = await api.dates();
  result.latestPublished = dates[0]?.month ?? null;
  const held = new Set(await deps.store.realMonths('police.uk'));
  const months = dates
    .map((d) => d.month)
    .filter((m) => held.has(m))
    .slice(0, deps.settings.revisionMonths)
    .sort();
  if (months.length === 0) {
    deps.log('police.uk: no published month in the store to check for revisions');
    return result;
  }
  deps.log(`police.uk: checking ${months.join(', ')} for revisions`);
  const baseline = new Map((await deps.store.watchedMonths(source)).map((w) => [w.month, w]));
  const wards = await wardRequests(deps);
  for (const month of months) {
    const fetched = await fetchMonth(api, deps, wards, force, month, noLocationForces(deps.config, force, dates.find((d) => d.month === month)?.forces ?? []));
    result.fetched.push(month);
    const before = baseline.get(month);
    if (fetched.crimes === 0) {
      result.skipped.push({ month, reason: `police.uk returned no crimes for ${force} ${month}: kept as it is` });
      continue;
    }
    if (!before) {
      await deps.store.recordWatchedMonth({ source, month, checksum: fetched.checksum, crimes: fetched.crimes, releaseId: null, fetchedAt: now(deps).toISOString() });
      result.baselines.push(month);
      deps.log(`police.uk: ${month}: baseline recorded (${fetched.crimes.toLocaleString('en-GB')} crimes); later changes will be revisions`);
      continue;
    }
    if (before.checksum === fetched.checksum) {
      result.unchanged.push(month);
      deps.log(`police.uk: ${month}: unchanged since ${before.fetchedAt}`);
      continue;
    }
    deps.log(`police.uk: ${month}: differs from the fetch of ${before.fetchedAt} (${before.crimes} -> ${fetched.crimes} crimes); ingesting the revision`);
    const outcome = await ingestFetched(deps, force, fetched);
    if (outcome.outcome === 'revised') result.revised.push(month);
    else if (outcome.outcome === 'loaded') result.landed.push(month);
    else result.unchanged.push(month);
  }
  return result;
}

function now(deps: PoliceUkDeps): Date {
  return deps.now?.() ?? new Date();
}

/** The force area's wards, each with its request polygon. Every ward needs a stored boundary. */
async function wardRequests(deps: PoliceUkDeps): Promise<WardRequest[]> {
  const districts = await forceAreaDistricts(deps.config, deps.store);
  const wards = (await deps.store.areas('ward')).filter((w) => w.parentCode !== null && districts.has(w.parentCode));
  const boundaries = new Map((await deps.store.boundaries()).map((b) => [b.areaCode, b.geojson]));
  const missing = wards.filter((w) => !boundaries.has(w.code));
  if (wards.length === 0) throw new UserError('police.uk watcher: the store holds no wards in the force area: ingest the geography first');
  if (missing.length)
    throw new UserError(
      `police.uk watcher: ${missing.length} ward${missing.length === 1 ? ' has' : 's have'} no boundary (${missing
        .slice(0, 5)
        .map((w) => `${w.code} ${w.name}`)
        .join(', ')}${missing.length > 5 ? ', ...' : ''}): the API is asked ward by ward, so ingest the ward boundaries first`,
    );
  return wards.map((w) => {
    try {
      return { code: w.code, poly: requestPolygon(JSON.parse(boundaries.get(w.code)!) as Feature<Polygon | MultiPolygon>) };
    } catch (err) {
      throw new UserError(`police.uk watcher: the stored boundary of ${w.code} ${w.name} cannot be used: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
}

/** `policeUkForce: all`: a national deployment, every force police.uk publishes. */
function nationwide(config: Config): boolean {
  return config.forceArea.policeUkForce === 'all';
}

/**
 * The forces asked for crimes with no location (police.uk answers them per force id): the configured
 * force, or for `policeUkForce: all` every force police.uk lists for the month (the area's own code,
 * a slug of its name, is no police.uk force).
 */
function noLocationForces(config: Config, force: string, listed: readonly string[]): readonly string[] {
  return nationwide(config) ? listed : [force];
}

/** Fetches one month for every ward polygon (split on 503) and the crimes with no location of `noLocationFrom` (default: the force). */
export async function fetchMonth(
  api: PoliceUkApi,
  deps: PoliceUkDeps,
  wards: readonly WardRequest[],
  force: string,
  month: Month,
  noLocationFrom: readonly string[] = [force],
): Promise<FetchedMonth> {
  const kept = new Map<string, ApiCrime>();
  let duplicates = 0;
  let btp = 0;
  let polygons = 0;
  const maxDepth = deps.settings.maxSplitDepth ?? DEFAULT_SPLIT_DEPTH;
  const keep = (c: ApiCrime, what: string) => {
    if (c.month !== month) throw new UserError(`police.uk API: ${what}: a crime of ${c.month} in the answer for ${month}`);
    if (c.location_type === 'BTP') {
      btp++;
      return;
    }
    // persistent_id is the crime's lasting identity; ASB has none, and its API id is stable within a release.
    const key = c.persistent_id ? `p:${c.persistent_id}` : `i:${c.id}`;
    if (kept.has(key)) duplicates++;
    else kept.set(key, c);
  };
  const area = async (poly: LngLat[], depth: number, ward: string): Promise<void> => {
    polygons++;
    let crimes: ApiCrime[];
    try {
      crimes = await api.crimesInPolygon(polyParameter(poly), month, depth < maxDepth);
    } catch (err) {
      if (!(err instanceof TooManyCrimes)) throw err;
      const pieces = splitPolygon(poly);
      deps.log(`police.uk: ${month}: ${ward}${depth ? ` (piece at depth ${depth})` : ''}: 503, too many crimes for one request; splitting into ${pieces.length}`);
      for (const piece of pieces) await area(piece, depth + 1, ward);
      return;
    }
    for (const c of crimes) keep(c, `ward ${ward}`);
  };

  let next = 0;
  let done = 0;
  let lastLogged = -1;
  const started = performance.now();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= wards.length) return;
      await area(wards[i]!.poly, 0, wards[i]!.code);
      done++;
      deps.onProgress?.({ month, wardsDone: done, wards: wards.length, crimes: kept.size });
      const tenth = Math.floor((done * 10) / wards.length);
      if (tenth > lastLogged && (tenth % 2 === 0 || done === wards.length)) {
        lastLogged = tenth;
        const s = api.stats;
        deps.log(
          `police.uk: ${month}: ${done}/${wards.length} wards, ${kept.size.toLocaleString('en-GB')} crimes, ${s.requests} requests` +
            `${s.tooLarge ? `, ${s.tooLarge} split after a 503` : ''}${s.throttled ? `, ${s.throttled} rate-limited (429)` : ''}${s.retries ? `, ${s.retries} retries` : ''}`,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(deps.settings.concurrency, wards.length)) }, worker));

  const before = kept.size;
  for (const f of noLocationFrom) for (const c of await api.crimesNoLocation(f, month)) keep(c, `crimes with no location (${f})`);
  const noLocation = kept.size - before;
  const fetched = toCsv(month, [...kept.values()], deps.config.forceArea.name);
  deps.log(
    `police.uk: ${month}: ${kept.size.toLocaleString('en-GB')} crimes (${noLocation} with no location; ${duplicates} returned twice by overlapping polygons, kept once` +
      `${btp ? `; ${btp} British Transport Police left out` : ''}) from ${polygons} polygons in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return { month, crimes: kept.size, noLocation, duplicates, btp, polygons, ...fetched };
}

const csvField = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** The crimes as a police.uk street CSV (rows sorted, so the same crimes always give the same file). */
export function toCsv(month: Month, crimes: readonly ApiCrime[], forceName: string): { csv: string; checksum: string } {
  const tax = taxonomy();
  const rows: string[] = [];
  const identity: string[] = [];
  for (const c of crimes) {
    const measure = tax.get(c.category);
    if (!measure?.policeUkName || measure.source !== 'police.uk')
      throw new UserError(`police.uk API: crime category "${c.category}" (crime ${c.persistent_id || c.id} of ${month}) is not one of the taxonomy's police.uk crime types`);
    const lng = c.location?.longitude ?? '';
    const lat = c.location?.latitude ?? '';
    const location = c.location ? (c.location.street?.name ?? '') : 'No Location';
    const fields = [c.persistent_id ?? '', month, forceName, forceName, lng, lat, location, '', '', measure.policeUkName, c.outcome_status?.category ?? '', c.context ?? ''];
    rows.push(fields.map(csvField).join(','));
    identity.push(`${c.persistent_id ?? ''}|${lng}|${lat}|${c.category}`);
  }
  rows.sort();
  identity.sort();
  const csv = `${POLICE_UK_HEADER.join(',')}\r\n${rows.map((r) => `${r}\r\n`).join('')}`;
  const checksum = createHash('sha256')
    .update(`${month}\n${identity.join('\n')}`)
    .digest('hex');
  return { csv, checksum };
}

/** Ingests a fetched month through the police.uk CSV ingest, then records it as the revision baseline. */
async function ingestFetched(deps: PoliceUkDeps, force: string, fetched: FetchedMonth): Promise<{ outcome: Outcome; releaseId: number | null }> {
  const dir = mkdtempSync(join(tmpdir(), 'wardwatch-police-uk-api-'));
  try {
    const path = join(dir, apiFileName(force, fetched.month));
    writeFileSync(path, fetched.csv);
    const result = await ingestPaths(deps.store, [path], { config: deps.config, ...(deps.now ? { now: deps.now } : {}) });
    const summary = result.files.find((f) => f.kind === 'police-uk');
    const outcome = summary?.outcome ?? 'unchanged';
    const release = summary?.release ?? null;
    const current = release ? null : (await deps.store.currentMonths('police.uk')).find((c) => c.month === fetched.month);
    const releaseId = release?.id ?? current?.releaseId ?? null;
    await deps.store.recordWatchedMonth({
      source: policeUkSourceKey(deps.config),
      month: fetched.month,
      checksum: fetched.checksum,
      crimes: fetched.crimes,
      releaseId,
      fetchedAt: now(deps).toISOString(),
    });
    const s = summary;
    deps.log(
      `police.uk: ${fetched.month}: ${outcome}` +
        (s ? ` (${s.placedByPolygon.toLocaleString('en-GB')} in wards by polygon, ${s.outOfArea} out of area, ${s.unplaced} with no location)` : '') +
        (s?.note ? `; ${s.note}` : ''),
    );
    return { outcome, releaseId };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
