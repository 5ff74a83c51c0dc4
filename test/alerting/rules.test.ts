// Alert rule files: zod-validated, every problem as file:line: field: expected.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRules, parseRule } from '../../src/alerting/rules.ts';
import { loadConfig } from '../../src/config/load.ts';

const { config } = loadConfig(join(import.meta.dirname, '../../wardwatch.config.yaml'));
const dir = mkdtempSync(join(tmpdir(), 'wardwatch-rules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('alert rule files', () => {
  it('a bad rule names the file, the line and the field, with what was expected', () => {
    const text = ['title: Burglary', 'kind: spike', 'measures: [burglary, burglery]', 'areas: wards', 'pending: -1', 'params:', '  alpha: 2'].join('\n');
    expect(() => parseRule(text, 'alerts/bad.yaml', config)).toThrow(/alerts\/bad\.yaml:5: pending: .*>=1|alerts\/bad\.yaml:5: pending/);
    const noPending = text.replace('pending: -1\n', '');
    let message = '';
    try {
      parseRule(noPending, 'alerts/bad.yaml', config);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('alerts/bad.yaml:3: measures.1: expected a measure key from the taxonomy (src/taxonomy/taxonomy.yaml), found "burglery"');
    expect(message).toMatch(/alerts\/bad\.yaml:6: params\.alpha: parameter alpha: expected/);
  });

  it('unknown partnerships, kinds that do not fit their fields, and a duplicate id are refused', () => {
    expect(() => parseRule('title: X\nkind: hotspot\nmeasures: [anti-social-behaviour]\nareas: districts\n', 'x.yaml', config)).toThrow(
      /x\.yaml:4: areas: a hotspot rule compares the wards of each district/,
    );
    expect(() => parseRule('title: X\nkind: spike\nmeasures: [burglary]\nareas: wards\nto: [cambridge, nowhere]\n', 'x.yaml', config)).toThrow(
      /x\.yaml:5: to\.1: expected a partnership id from the configuration \(cambridge, .*\), found "nowhere"/,
    );
    writeFileSync(join(dir, 'a.yaml'), 'id: same\ntitle: A\nkind: spike\nmeasures: [burglary]\nareas: wards\n');
    writeFileSync(join(dir, 'b.yaml'), 'id: same\ntitle: B\nkind: spike\nmeasures: [burglary]\nareas: wards\n');
    expect(() => loadRules(dir, config)).toThrow(/b\.yaml: id: the rule id "same" is already used by .*a\.yaml/);
  });

  it('a YAML error gives its line', () => {
    expect(() => parseRule('title: X\nkind: [spike\n', 'y.yaml')).toThrow(/^y\.yaml:\d: not valid YAML/);
  });
});
