// Issue 17, "operating it": every environment variable the code reads is documented where an operator
// looks: `wardwatch serve --help`, the README's Settings table and deploy/wardwatch.env.example; and the
// README's table names no variable the code does not read. The variables are found by reading src/ and
// bin/ as text (comments left out): `env.NAME`, `env['NAME']`, and a 'NAME' string in a file that reads
// `env` (the helpers that take a variable's name: value(env, 'TEAMS_APP_ID'), whole('SLACK_ANSWER_QUEUE')).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const NAME = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$|^PORT$/;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : /\.(ts|js|mjs)$/.test(f) ? [p] : [];
  });
}

/** Every environment variable the code reads, with the files that read it. */
export function envVarsRead(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (name: string, file: string) => {
    if (!NAME.test(name)) return;
    const list = out.get(name) ?? [];
    if (!list.includes(file)) list.push(file);
    out.set(name, list);
  };
  for (const file of [...files(join(ROOT, 'src')), ...files(join(ROOT, 'bin'))]) {
    const code = readFileSync(file, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
    const rel = file.slice(ROOT.length + 1);
    for (const m of code.matchAll(/\benv\??\.([A-Z][A-Z0-9_]*)\b/g)) add(m[1]!, rel);
    for (const m of code.matchAll(/\benv\??\.?\[\s*['"`]([A-Z][A-Z0-9_]*)['"`]\s*\]/g)) add(m[1]!, rel);
    if (/\benv\b/.test(code)) for (const m of code.matchAll(/['"`]([A-Z][A-Z0-9]*_[A-Z0-9_]+)['"`]/g)) add(m[1]!, rel);
  }
  return out;
}

const read = envVarsRead();
const names = [...read.keys()].sort();
/** Backticked or bare names in a text, as whole words. */
const mentioned = (text: string) => new Set([...text.matchAll(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b|\bPORT\b/g)].map((m) => m[0]));

describe('every environment variable the code reads is documented', () => {
  it('the scan finds the variables (a scan that finds nothing would pass anything)', () => {
    expect(names.length).toBeGreaterThan(40);
    for (const known of ['WARDWATCH_DB', 'SLACK_BOT_TOKEN', 'TEAMS_APP_ID', 'PUBLIC_URL', 'WARDWATCH_CHART_WORKERS', 'SLACK_ANSWER_QUEUE', 'WARDWATCH_OUTBOX_POLL_MS', 'PORT'])
      expect(names).toContain(known);
  });

  it('in `wardwatch serve --help`', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/wardwatch.js'), 'serve', '--help'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(0);
    const shown = mentioned(r.stdout);
    expect(
      names.filter((n) => !shown.has(n)),
      'read by the code but not in serve --help',
    ).toEqual([]);
    for (const line of r.stdout.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
  });

  it("in the README's Settings table, which names nothing the code does not read", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('\n## Settings\n'), readme.indexOf('\n## ', readme.indexOf('\n## Settings\n') + 5));
    expect(section.length).toBeGreaterThan(1000);
    const rows = section.split('\n').filter((l) => l.startsWith('| `') || l.startsWith('| a '));
    const inTable = new Set(rows.flatMap((l) => [...mentioned(l.split(' | ')[0]!)]));
    expect(
      names.filter((n) => !inTable.has(n)),
      'read by the code but not in the README table',
    ).toEqual([]);
    expect(
      [...inTable].filter((n) => !read.has(n)),
      'in the README table but read nowhere',
    ).toEqual([]);
  });

  it('in deploy/wardwatch.env.example', () => {
    const example = readFileSync(join(ROOT, 'deploy/wardwatch.env.example'), 'utf8');
    // each as an assignment (set or commented out), so the file can be filled in
    const assigned = new Set([...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!));
    expect(
      names.filter((n) => !assigned.has(n)),
      'read by the code but not in the env example',
    ).toEqual([]);
  });
});
