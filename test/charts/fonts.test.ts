// With every system font hidden, charts still draw text: they use only the bundled DejaVu Sans.
// @napi-rs/canvas draws nothing (and throws nothing) for a family it cannot find, so this is the
// test that catches a missing font registration.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHILD = fileURLToPath(new URL('./hidden-fonts-child.ts', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'wardwatch-fonts-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// fontconfig with no font directories (what Cairo/Pango-based renderers would read)
const FONTS_CONF = join(tmp, 'fonts.conf');
writeFileSync(FONTS_CONF, `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig><cachedir>${join(tmp, 'cache')}</cachedir></fontconfig>\n`);
const ENV = { ...process.env, FONTCONFIG_FILE: FONTS_CONF, FONTCONFIG_PATH: tmp, HOME: tmp, XDG_DATA_HOME: join(tmp, 'data') };
const FONT_DIRS = ['/usr/share/fonts', '/usr/local/share/fonts', '/var/cache/fontconfig'];

interface ChildReport {
  systemFamilies: string[];
  titleInk: Record<string, { titled: number; untitled: number }>;
}

function parse(stdout: string): ChildReport {
  const line = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as ChildReport;
}

function expectTitlesDrawn(report: ChildReport): void {
  expect(Object.keys(report.titleInk).sort()).toEqual(['brief', 'compare', 'ranking', 'trend', 'year-ending']);
  for (const [kind, { titled, untitled }] of Object.entries(report.titleInk)) {
    expect(titled - untitled, `${kind}: ink in the title band`).toBeGreaterThan(1500);
  }
}

// Can this process make a mount namespace? (root in most containers; not in every sandbox)
const probe = spawnSync('unshare', ['-m', 'true'], { encoding: 'utf8' });
const canUnshare = probe.status === 0;
if (!canUnshare) {
  console.warn(
    `SKIPPED: hiding system fonts with unshare -m is not permitted here (${(probe.stderr || probe.error?.message || '').trim()}); only the FONTCONFIG_FILE variant runs`,
  );
}

describe('with system fonts hidden', () => {
  it('draws text with fontconfig pointed at an empty configuration', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', CHILD], { cwd: ROOT, env: ENV, encoding: 'utf8', timeout: 120_000 });
    expect(run.status, run.stderr).toBe(0);
    expectTitlesDrawn(parse(run.stdout));
  });

  it.runIf(canUnshare)('draws text with empty directories mounted over every system font directory (unshare -m)', () => {
    const empty = join(tmp, 'empty');
    const mounts = FONT_DIRS.map((d) => `if [ -d ${d} ]; then mount --bind ${empty} ${d} || exit 97; fi`).join('; ');
    const script = `mkdir -p ${empty}; ${mounts}; exec "${process.execPath}" --import tsx "${CHILD}"`;
    const run = spawnSync('unshare', ['-m', 'sh', '-c', script], { cwd: ROOT, env: ENV, encoding: 'utf8', timeout: 120_000 });
    expect(run.status, run.stderr).toBe(0);
    const report = parse(run.stdout);
    // the isolation worked: the canvas saw no system font at all before the charts registered theirs
    expect(report.systemFamilies).toEqual([]);
    expectTitlesDrawn(report);
  });
});
