// What every worker thread starts from: one boot module and the process's flags without its preloads,
// or, for a thread that must start fast, its entry bundled once into plain JavaScript (plainWorkerEntry).
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The boot module (worker-boot.mjs): registers tsx, then imports `workerData.entry`. */
export const WORKER_BOOT = new URL('./worker-boot.mjs', import.meta.url);

/**
 * The process's flags without its `--import`/`--require` preloads: a worker inherits them, but they run
 * before the worker's own loader (worker-boot.mjs registers tsx), so a TypeScript preload (a test's network
 * guard, say) would fail to load there. Workers only draw, judge or read; they need no preload.
 */
export function workerExecArgv(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i]!;
    if (a === '--import' || a === '--require' || a === '-r' || a === '--loader' || a === '--experimental-loader') {
      i++;
      continue;
    }
    if (/^--(import|require|loader|experimental-loader)=/.test(a)) continue;
    out.push(a);
  }
  return out;
}

/**
 * Where bundled worker entries are kept between runs: a folder of this user's own in the temporary folder,
 * or null. The folder is shared by every user, and a thread runs what the manifest there names, so a folder
 * that is a link, belongs to someone else or others may write to is never used (the threads then boot
 * through tsx).
 */
function bundleFolder(): string | null {
  const uid = process.getuid?.();
  const dir = join(tmpdir(), `wardwatch-worker-bundles-${uid ?? 'user'}`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const s = lstatSync(dir);
    if (!s.isDirectory() || (uid !== undefined && s.uid !== uid) || (s.mode & 0o077) !== 0) return null;
    return dir;
  } catch {
    return null;
  }
}

type Manifest = { inputs: Array<[path: string, mtimeMs: number, size: number]>; output: string };

/**
 * A TypeScript worker entry (and everything it imports) as one plain-JavaScript ES module file, or null
 * when it cannot be made (esbuild missing or failing: use WORKER_BOOT then). A thread started on it needs
 * no TypeScript loader: registering tsx costs a thread about 0.25 s of CPU before its first line, a plain
 * module about 0.03 s. Bundled by esbuild (tsx's own compiler) into the temporary folder, and rebuilt only
 * when one of its source files changes (their sizes and times are kept beside it). Only for entries whose
 * modules do not look for files beside themselves (import.meta.url would name the bundle).
 */
export async function plainWorkerEntry(entry: URL): Promise<string | null> {
  const source = fileURLToPath(entry);
  const folder = bundleFolder();
  if (!folder) return null;
  const name = `${basename(source).replace(/\.\w+$/, '')}-${createHash('sha1').update(source).digest('hex').slice(0, 12)}`;
  const manifestFile = join(folder, `${name}.json`);
  try {
    const m = JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest;
    const fresh = m.inputs.every(([p, mtime, size]) => {
      const s = statSync(p, { throwIfNoEntry: false });
      return s !== undefined && s.mtimeMs === mtime && s.size === size;
    });
    if (fresh && dirname(m.output) === folder && existsSync(m.output)) return m.output;
  } catch {
    // no manifest yet, or an unreadable one: build
  }
  try {
    const esbuild = await import('esbuild');
    const built = await esbuild.build({
      entryPoints: [source],
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      write: false,
      metafile: true,
      logLevel: 'silent',
      absWorkingDir: resolve(fileURLToPath(new URL('../../', import.meta.url))),
    });
    const text = built.outputFiles[0]!.text;
    const output = join(folder, `${name}-${createHash('sha1').update(text).digest('hex').slice(0, 12)}.mjs`);
    const root = resolve(fileURLToPath(new URL('../../', import.meta.url)));
    const inputs = Object.keys(built.metafile.inputs).map((p): [string, number, number] => {
      const abs = resolve(root, p);
      const s = statSync(abs);
      return [abs, s.mtimeMs, s.size];
    });
    // Written under a unique name, then renamed: another process may be doing the same.
    const tmp = `${output}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, output);
    writeFileSync(`${manifestFile}.${process.pid}.tmp`, JSON.stringify({ inputs, output } satisfies Manifest));
    renameSync(`${manifestFile}.${process.pid}.tmp`, manifestFile);
    removeOldBundles(folder, name, output);
    return output;
  } catch {
    return null;
  }
}

/** Bundles of this entry older than a few minutes other than the current one (a process may be starting a thread on a newer-but-one). */
function removeOldBundles(folder: string, name: string, current: string): void {
  const now = Date.now();
  for (const file of readdirSync(folder)) {
    const path = join(folder, file);
    if (path === current || !file.startsWith(`${name}-`) || !file.endsWith('.mjs')) continue;
    try {
      if (now - statSync(path).mtimeMs > OLD_BUNDLE_MS) unlinkSync(path);
    } catch {
      // gone already (another process tidied it)
    }
  }
}

const OLD_BUNDLE_MS = 10 * 60_000;
