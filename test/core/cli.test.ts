// The wardwatch bin: usage, unknown verbs, and a reader that stops early (| head) is not an error.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { monthRange } from '../../src/core/periods.ts';

const BIN = 'bin/wardwatch.js';

describe('wardwatch bin', () => {
  it('lists its verbs and refuses an unknown one', () => {
    const help = spawnSync('node', [BIN, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    for (const verb of ['ingest', 'synth', 'ask', 'detect', 'serve', 'bench']) expect(help.stdout).toContain(verb);
    const bad = spawnSync('node', [BIN, 'frobnicate'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('unknown verb "frobnicate"');
  });

  it('stops quietly when its output is closed early (wardwatch ... | head)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ww-cli-'));
    const file = join(dir, 'series.csv');
    const months = monthRange('2010-01', '2024-12');
    writeFileSync(file, ['month,count', ...months.map((m, i) => `${m},${5 + (i % 7)}`)].join('\n') + '\n');
    const child = spawn('node', [BIN, 'detect', file, '--from', '2016-01'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).not.toMatch(/EPIPE|Error/);
    expect(code).toBe(0);
  });
});
