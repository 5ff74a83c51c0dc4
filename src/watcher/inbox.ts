// The inbox: a folder where an operator (or a partner's upload) drops whatever `wardwatch ingest`
// accepts: police.uk CSVs, partnership extracts, lookups, boundaries, populations, or a folder of them.
// Each run takes what has stopped changing, ingests it through src/ingest (all or nothing), and moves it
// to processed/, or to rejected/ with the error in <name>.error.txt beside it.
//
//   inbox/                 dropped here
//   inbox/processing/      taken by one run (a rename, so two replicas never take the same file)
//   inbox/processed/       ingested (or already in the store: ingest is idempotent per file)
//   inbox/rejected/        refused; the store is unchanged (ingest's guarantee) and the reason is beside it
//
// A file still being written is not taken: its modification time must be at least `settleMs` old, and
// its size and time must not change while the run waits `settleMs` again (a copy that keeps the source's
// time still grows). Names that uploaders use while writing (.part, .tmp, .crdownload, dot-files) are
// never taken.
import { existsSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Config } from '../config/schema.ts';
import { InputError, UserError } from '../core/errors.ts';
import { ingestPaths, summaryLine, type FileSummary, type IngestProgress } from '../ingest/index.ts';
import type { Store } from '../store/types.ts';

export const INBOX_FOLDERS = ['processing', 'processed', 'rejected'] as const;
const IN_PROGRESS = /^\.|\.(part|partial|tmp|temp|crdownload|filepart|download|swp)$|~$/i;
/** A file left in processing/ this long (its run died) goes back to the inbox. */
const STALE_PROCESSING_MS = 30 * 60_000;

export interface InboxDeps {
  store: Store;
  config: Config;
  /** The inbox folder (absolute). */
  dir: string;
  /** How long a file must be unchanged to be taken. */
  settleMs: number;
  log: (line: string) => void;
  now?: () => Date;
  /** Ingest progress, for a CLI bar. */
  onProgress?: (p: IngestProgress) => void;
}

export interface InboxResult {
  /** Names moved to processed/, with their ingest summary lines. */
  processed: Array<{ name: string; lines: string[] }>;
  /** Names moved to rejected/, with the error. */
  rejected: Array<{ name: string; error: string }>;
  /** Names left in the inbox because they are still changing. */
  waiting: string[];
  /** Ingest summaries of the files that loaded or revised a month (the data events they recorded). */
  changedMonths: FileSummary[];
}

interface Look {
  size: number;
  mtimeMs: number;
}

/** Size and latest modification over a file, or a folder's whole tree. */
function look(path: string): Look {
  const st = statSync(path);
  if (!st.isDirectory()) return { size: st.size, mtimeMs: st.mtimeMs };
  let size = 0;
  let mtimeMs = st.mtimeMs;
  for (const name of readdirSync(path)) {
    const inner = look(join(path, name));
    size += inner.size;
    mtimeMs = Math.max(mtimeMs, inner.mtimeMs);
  }
  return { size, mtimeMs };
}

/** A name not yet used in `dir` (name, then name-2, name-3... before the extension). */
function freeName(dir: string, name: string): string {
  if (!existsSync(join(dir, name))) return name;
  const dot = name.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  for (let i = 2; ; i++) {
    const candidate = `${stem}-${i}${ext}`;
    if (!existsSync(join(dir, candidate)) && !existsSync(join(dir, `${candidate}.error.txt`))) return candidate;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One pass over the inbox. Never throws for a bad file (it is rejected); throws if the store fails. */
export async function processInbox(deps: InboxDeps): Promise<InboxResult> {
  const { dir } = deps;
  const now = () => deps.now?.() ?? new Date();
  const result: InboxResult = { processed: [], rejected: [], waiting: [], changedMonths: [] };
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true });
    deps.log(`inbox: created ${dir}`);
  }
  for (const f of INBOX_FOLDERS) mkdirSync(join(dir, f), { recursive: true });
  const processing = join(dir, 'processing');

  // Files a dead run left in processing/ go back to be taken again (ingest makes a repeat harmless).
  for (const name of readdirSync(processing)) {
    const p = join(processing, name);
    if (Date.now() - statSync(p).ctimeMs > STALE_PROCESSING_MS) {
      renameSync(p, join(dir, freeName(dir, name)));
      deps.log(`inbox: ${name} was left in processing/ by a run that did not finish; taking it again`);
    }
  }

  const candidates = readdirSync(dir)
    .filter((n) => !(INBOX_FOLDERS as readonly string[]).includes(n) && !IN_PROGRESS.test(n))
    .sort();
  if (candidates.length === 0) return result;

  // First look: only what has not been written to for settleMs; then wait and look again.
  const first = new Map<string, Look>();
  for (const name of candidates) {
    let l: Look;
    try {
      l = look(join(dir, name));
    } catch {
      continue; // gone meanwhile
    }
    if (Date.now() - l.mtimeMs < deps.settleMs) result.waiting.push(name);
    else first.set(name, l);
  }
  if (first.size && deps.settleMs > 0) await sleep(deps.settleMs);
  const taken: string[] = [];
  for (const [name, before] of first) {
    let after: Look;
    try {
      after = look(join(dir, name));
    } catch {
      continue;
    }
    if (after.size !== before.size || after.mtimeMs !== before.mtimeMs) {
      result.waiting.push(name);
      continue;
    }
    try {
      renameSync(join(dir, name), join(processing, name));
      taken.push(name);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; // another run took it
    }
  }
  for (const name of result.waiting) deps.log(`inbox: ${name} is still being written; left for the next run`);
  if (taken.length === 0) return result;
  deps.log(`inbox: taking ${taken.join(', ')}`);

  const reject = (name: string, err: Error) => {
    const target = freeName(join(dir, 'rejected'), name);
    renameSync(join(processing, name), join(dir, 'rejected', target));
    const text = [
      `${name}: not ingested (${now().toISOString()})`,
      '',
      err.message,
      '',
      'Nothing from this file is in the store. Fix it and drop it in the inbox again,',
      'or run `wardwatch ingest <file>` to see the same error.',
      '',
    ].join('\n');
    writeFileSync(join(dir, 'rejected', `${target}.error.txt`), text);
    result.rejected.push({ name, error: err.message });
    deps.log(`inbox: rejected ${name}: ${err.message}`);
  };
  const accept = (names: string[], files: FileSummary[]) => {
    for (const name of names) {
      const mine = files.filter((f) => f.path === join(processing, name) || f.path.startsWith(join(processing, name) + '/'));
      renameSync(join(processing, name), join(dir, 'processed', freeName(join(dir, 'processed'), name)));
      const lines = mine.map(summaryLine);
      result.processed.push({ name, lines });
      deps.log(`inbox: ingested ${name}${lines.length ? `: ${lines.join('; ')}` : ''}`);
    }
    result.changedMonths.push(...files.filter((f) => f.outcome === 'loaded' || f.outcome === 'revised'));
  };
  const ingest = (names: string[]) =>
    ingestPaths(
      deps.store,
      names.map((n) => join(processing, n)),
      { config: deps.config, ...(deps.now ? { now: deps.now } : {}), ...(deps.onProgress ? { onProgress: deps.onProgress } : {}) },
    );

  // Together first: files of one drop can depend on each other (a lookup and the month it places), and
  // several forces' files of one month must load as one. A refusal that names a file rejects it and
  // the rest are tried again; one that names none is narrowed down file by file.
  let pending = [...taken];
  try {
    while (pending.length) {
      try {
        const r = await ingest(pending);
        accept(pending, r.files);
        pending = [];
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        const culprit = err instanceof InputError ? culpritOf(err.file, pending, processing) : pending.length === 1 ? pending[0] : undefined;
        if (culprit !== undefined) {
          reject(culprit, err);
          pending = pending.filter((n) => n !== culprit);
          continue;
        }
        for (const name of pending) {
          try {
            accept([name], (await ingest([name])).files);
          } catch (one) {
            if (!(one instanceof UserError)) throw one;
            reject(name, one);
          }
        }
        pending = [];
      }
    }
  } catch (err) {
    // The store (not a file) failed: put back what was not dealt with, for the next run.
    for (const name of pending) if (existsSync(join(processing, name))) renameSync(join(processing, name), join(dir, freeName(dir, name)));
    throw err;
  }
  return result;
}

/** Which taken name an InputError's file refers to (its base name, or a path inside a taken folder). */
function culpritOf(file: string, names: string[], processing: string): string | undefined {
  const exact = names.find((n) => n === file || basename(file) === n);
  if (exact) return exact;
  const inside = names.find((n) => file.includes(`${n}/`) || file.startsWith(join(processing, n)));
  if (inside) return inside;
  // Errors name the file by its base name: a file inside a taken folder.
  return names.find((n) => {
    try {
      return statSync(join(processing, n)).isDirectory() && containsName(join(processing, n), basename(file));
    } catch {
      return false;
    }
  });
}

function containsName(dir: string, name: string): boolean {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === name) return true;
    if (entry.isDirectory() && containsName(join(dir, entry.name), name)) return true;
  }
  return false;
}
