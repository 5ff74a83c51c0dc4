// `npm run teams:package`: a zip Teams accepts (manifest.json, color.png 192x192, outline.png 32x32 at
// the top), with the app id and host filled in; a missing or malformed app id is refused with the fix.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const APP_ID = '0f8fad5b-d9cb-469f-a165-70867728950e';
const dir = mkdtempSync(join(tmpdir(), 'wardwatch-teams-package-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(TEAMS_|PUBLIC_URL)/.test(k)));
  return spawnSync(process.execPath, ['--import', 'tsx', 'tools/teams-package.ts', ...args], { cwd: ROOT, env: { ...clean, ...env }, encoding: 'utf8' });
}

/** Width and height from a PNG's IHDR. */
function pngSize(bytes: Buffer): [number, number] {
  expect(bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

describe('teams:package', () => {
  it('zips the manifest with the app id and host filled in, and both icons, flat', () => {
    const out = join(dir, 'wardwatch-teams.zip');
    const r = run(['--out', out, '--developer', 'Cambridgeshire County Council'], { TEAMS_APP_ID: APP_ID, PUBLIC_URL: 'https://wardwatch.example.gov.uk/' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/wrote .*wardwatch-teams\.zip/);
    const listing = execFileSync('unzip', ['-Z1', out], { encoding: 'utf8' }).trim().split('\n').sort();
    expect(listing).toEqual(['color.png', 'manifest.json', 'outline.png']);
    const unpacked = join(dir, 'unpacked');
    execFileSync('unzip', ['-q', '-o', out, '-d', unpacked]);
    const manifest = JSON.parse(readFileSync(join(unpacked, 'manifest.json'), 'utf8'));
    expect(manifest.manifestVersion).toBe('1.17');
    expect(manifest.id).toBe(APP_ID);
    expect(manifest.bots[0].botId).toBe(APP_ID);
    expect(manifest.bots[0].scopes).toEqual(['team', 'groupChat', 'personal']);
    expect(manifest.bots[0].commandLists[0].commands.length).toBeLessThanOrEqual(10);
    for (const c of manifest.bots[0].commandLists[0].commands) {
      expect(c.title.length).toBeLessThanOrEqual(32);
      expect(c.description.length).toBeLessThanOrEqual(128);
    }
    expect(manifest.validDomains).toEqual(['wardwatch.example.gov.uk']);
    expect(manifest.developer).toMatchObject({ name: 'Cambridgeshire County Council', websiteUrl: 'https://wardwatch.example.gov.uk' });
    expect(manifest.description.short.length).toBeLessThanOrEqual(80);
    expect(JSON.stringify(manifest)).not.toMatch(/\{\{/);
    expect(pngSize(readFileSync(join(unpacked, 'color.png')))).toEqual([192, 192]);
    expect(pngSize(readFileSync(join(unpacked, 'outline.png')))).toEqual([32, 32]);
  });

  it('refuses a missing or malformed app id, and a PUBLIC_URL that is not https, saying what to set', () => {
    const none = run([], { PUBLIC_URL: 'https://x.example' });
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/set TEAMS_APP_ID .*Application \(client\) ID/);
    const bad = run(['--app-id', 'my-bot'], { PUBLIC_URL: 'https://x.example' });
    expect(bad.stderr).toMatch(/found "my-bot"/);
    const http = run([], { TEAMS_APP_ID: APP_ID, PUBLIC_URL: 'http://x.example' });
    expect(http.status).toBe(2);
    expect(http.stderr).toMatch(/https:\/\/ address/);
  });
});
