// The bundled worker entries live in the temporary folder, which every user shares: a thread runs the
// file its manifest names, so only a folder of this user's own that nobody else may write is used.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { plainWorkerEntry } from '../../src/core/workers.ts';

const ENTRY = new URL('../../src/ingest/read-worker.ts', import.meta.url);
const folderName = `wardwatch-worker-bundles-${process.getuid?.() ?? 'user'}`;

describe('plainWorkerEntry', () => {
  let root: string;
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env.TMPDIR;
    root = mkdtempSync(join(tmpdir(), 'wardwatch-bundles-test-'));
    process.env.TMPDIR = root;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
    rmSync(root, { recursive: true, force: true });
  });

  it('bundles the reader into a private folder of its own and reuses it while the sources are unchanged', async () => {
    const first = await plainWorkerEntry(ENTRY);
    expect(first).not.toBeNull();
    expect(dirname(first!)).toBe(join(root, folderName));
    expect(readFileSync(first!, 'utf8')).toMatch(/parentPort/);
    expect(await plainWorkerEntry(ENTRY)).toBe(first);
  });

  it('a rebuilt bundle replaces the old ones of that entry once they are a few minutes old', async () => {
    const first = (await plainWorkerEntry(ENTRY))!;
    const folder = dirname(first);
    const prefix = basename(first).replace(/-[0-9a-f]{12}\.mjs$/, '');
    const stale = join(folder, `${prefix}-000000000000.mjs`);
    const recent = join(folder, `${prefix}-111111111111.mjs`);
    writeFileSync(stale, '// an older bundle');
    writeFileSync(recent, '// a bundle another process may be starting');
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(stale, hourAgo, hourAgo);
    rmSync(join(folder, `${prefix}.json`)); // as if a source had changed: rebuild
    expect(await plainWorkerEntry(ENTRY)).toBe(first);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(recent)).toBe(true);
  });

  it('refuses a folder others may write to, and a link, and then the threads boot through tsx', async () => {
    mkdirSync(join(root, folderName), { mode: 0o777 });
    chmodSync(join(root, folderName), 0o777);
    expect(await plainWorkerEntry(ENTRY)).toBeNull();
    rmSync(join(root, folderName), { recursive: true });
    const elsewhere = mkdtempSync(join(root, 'elsewhere-'));
    symlinkSync(elsewhere, join(root, folderName));
    expect(await plainWorkerEntry(ENTRY)).toBeNull();
    expect(readdirSync(elsewhere)).toEqual([]); // nothing written through the link
  });
});
