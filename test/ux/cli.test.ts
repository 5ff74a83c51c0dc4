// Issue 17, the CLI and operating it: the help table is not cut, a refusal exits non-zero, and
// `wardwatch config check` validates a config (file:line), names missing secrets without printing
// any value, and summarises. Real processes: bin/wardwatch.js on a copy of the fixture store.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { table } from '../../src/surfaces/cli/text.ts';
import { fixtureStore, type TempStore } from '../helpers/store.ts';

const ROOT = join(import.meta.dirname, '../..');
let t: TempStore;
beforeAll(async () => {
  t = await fixtureStore({ history: true });
  await t.store.close();
});
afterAll(() => t?.cleanup());

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/wardwatch.js'), ...args], { cwd: ROOT, env: { ...process.env, WARDWATCH_DB: t.path, ...env }, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('wardwatch ask', () => {
  it('help: no text is cut; each description is printed whole (wrapped in its column)', () => {
    const r = cli(['ask', 'help', '--channel', 'cambridge-csp']);
    expect(r.status).toBe(0);
    // the "What it does" column, read down: its lines joined
    const lines = r.stdout.split('\n');
    const header = lines.find((l) => l.includes('What it does'))!;
    const [from, to] = [header.indexOf('What it does'), 200];
    const flat = lines
      .slice(lines.indexOf(header) + 2)
      .map((l) => l.slice(from, to).trim())
      .join(' ');
    expect(flat).toContain('a map of every ward of a district (or the partnership, or the county) by rate per 1,000, hotspots outlined');
    expect(flat).toContain('key figures and a 24-month chart for a place, optionally a topic and a period');
    for (const line of r.stdout.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
  });
  it('the table renderer wraps a long cell instead of cutting it', () => {
    const long = 'x'.repeat(30) + ' ' + 'y'.repeat(30) + ' ' + 'z'.repeat(30);
    const out = table({ columns: ['A', 'B'], rows: [['short', long]] }, 60);
    expect(out.replace(/\s+/g, '')).toContain(long.replace(/\s+/g, ''));
    for (const line of out.split('\n')) expect(line.length).toBeLessThanOrEqual(60);
  });
  it('a refusal exits 1; a question that needs a choice exits 3; an answer exits 0', () => {
    expect(cli(['ask', 'market ward', '--channel', 'fenland-csp']).status).toBe(1); // outside the partnership
    expect(cli(['ask', 'market sexual offences', '--channel', 'cambridge-csp']).status).toBe(1); // not cleared
    expect(cli(['ask', 'chesterton', '--channel', 'cambridge-csp']).status).toBe(3);
    expect(cli(['ask', 'market ward', '--channel', 'cambridge-csp']).status).toBe(0);
  });
  it('the text reply shows "About these figures" after the notes', () => {
    const r = cli(['ask', 'market ward', '--channel', 'cambridge-csp']);
    const notes = r.stdout.indexOf('Notes:');
    const about = r.stdout.indexOf('About these figures:');
    expect(notes).toBeGreaterThan(0);
    expect(about).toBeGreaterThan(notes);
  });
});

describe('wardwatch config check', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'wardwatch-config-'));
    mkdirSync(join(dir, 'alerts'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the shipped config: valid, a summary of partnerships and channels, exit 0', () => {
    const r = cli(['config', 'check']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/valid/);
    expect(r.stdout).toMatch(/Partnerships \(7\)/);
    expect(r.stdout).toMatch(/cambridge-csp\s+local\s+cambridge/);
    expect(r.stdout).toMatch(/config check: OK/);
  });
  it('a bad config: file:line, key path, expected and found; exit 1', () => {
    const file = join(dir, 'bad.yaml');
    const good = readFileSync(join(ROOT, 'wardwatch.config.yaml'), 'utf8');
    writeFileSync(file, good.replace('partnership: fenland\n    clearance', 'partnership: fenlnd\n    clearance'));
    const r = cli(['config', 'check', '--file', file]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+: channels\\.2\\.partnership: expected one of the partnership ids .*found "fenlnd"`));
  });
  it('a Slack and a webhook channel: the missing secrets are named, no value is printed, exit 1; set, exit 0', () => {
    const file = join(dir, 'slack.yaml');
    const good = readFileSync(join(ROOT, 'wardwatch.config.yaml'), 'utf8').replace('alertRules: alerts', `alertRules: ${join(ROOT, 'alerts')}`);
    writeFileSync(
      file,
      good.replace(
        'channels:\n',
        'channels:\n  - name: cambridge-slack\n    platform: slack\n    slackChannelId: C0123456789\n    partnership: cambridge\n  - name: fenland-teams\n    platform: teams-webhook\n    webhookUrlEnv: TEAMS_WEBHOOK_FENLAND_TEST\n    partnership: fenland\n',
      ),
    );
    const clean = { SLACK_BOT_TOKEN: '', SLACK_SIGNING_SECRET: '', SLACK_CLIENT_ID: '', SLACK_CLIENT_SECRET: '', TEAMS_WEBHOOK_FENLAND_TEST: '' };
    const missing = cli(['config', 'check', '--file', file], clean);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/MISSING SLACK_BOT_TOKEN/);
    expect(missing.stderr).toMatch(/MISSING SLACK_SIGNING_SECRET/);
    expect(missing.stderr).toMatch(/MISSING TEAMS_WEBHOOK_FENLAND_TEST/);
    const secrets = { SLACK_BOT_TOKEN: 'xoxb-secret-value-123', SLACK_SIGNING_SECRET: 'signing-secret-456', TEAMS_WEBHOOK_FENLAND_TEST: 'https://example.invalid/hook-secret-789' };
    const set = cli(['config', 'check', '--file', file], { ...clean, ...secrets });
    expect(set.status, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/set\s+SLACK_BOT_TOKEN/);
    for (const v of Object.values(secrets)) {
      expect(set.stdout + set.stderr).not.toContain(v);
      expect(set.stdout + set.stderr).not.toContain(v.slice(-8));
    }
  });
  it('the shipped config and the README agree on lastRealMonth', () => {
    const config = readFileSync(join(ROOT, 'wardwatch.config.yaml'), 'utf8');
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const shipped = /lastRealMonth: (\d{4}-\d{2})/.exec(config)![1]!;
    expect(readme).toContain(`The shipped config loads all four real months (its\n  \`fixtures: { lastRealMonth: ${shipped} }\`)`);
  });
});
