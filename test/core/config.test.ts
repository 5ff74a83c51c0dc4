import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../src/config/load.ts';

const minimal = `forceArea:
  name: Test force
  districts: [E07000008]
partnerships:
  - id: cambridge
    name: Cambridge
    areas: [E07000008]
`;

describe('configuration', () => {
  it('loads the committed example for Cambridgeshire and Peterborough', () => {
    const { config } = loadConfig('wardwatch.config.yaml');
    expect(config.forceArea.districts).toHaveLength(6);
    expect(config.partnerships.map((p) => p.id)).toContain('countywide');
    expect(config.partnerships.find((p) => p.id === 'cambridge')!.reportingYearEnd).toBe(9);
  });
  it('fills defaults', () => {
    const { config } = parseConfig(minimal, 'min.yaml');
    expect(config.partnerships[0]!.smallNumberThreshold).toBe(5);
    expect(config.figures.noCalcBase).toBe(10);
    expect(config.timezone).toBe('Europe/London');
  });
  it('names the key path and line of every problem', () => {
    const bad =
      minimal.replace('areas: [E07000008]', 'areas: [Cambridge]') + 'channels:\n  - name: x\n    platform: slack\n    slackChannelId: general\n    partnership: nowhere\n';
    expect(() => parseConfig(bad, 'bad.yaml')).toThrow(/bad\.yaml:7: partnerships\.0\.areas\.0: an ONS area code/);
    try {
      parseConfig(bad, 'bad.yaml');
    } catch (e) {
      expect((e as Error).message).toMatch(/bad\.yaml:11: channels\.0\.slackChannelId: a Slack channel ID/);
    }
  });
  it('rejects unknown keys, unknown measures and dangling partnerships', () => {
    expect(() => parseConfig(minimal + 'colour: blue\n', 'x.yaml')).toThrow(/colour/);
    expect(() => parseConfig(minimal.replace('areas: [E07000008]', 'areas: [E07000008]\n    priorityMeasures: [burglery]'), 'x.yaml')).toThrow(
      /priorityMeasures\.0: expected a measure key from the taxonomy, found "burglery"/,
    );
    expect(() => parseConfig(minimal + 'channels:\n  - name: a\n    platform: local\n    partnership: fenland\n', 'x.yaml')).toThrow(
      /channels\.0\.partnership: expected one of the partnership ids \(cambridge\)/,
    );
  });
  it('keeps secrets out of the file: webhooks are named by environment variable', () => {
    const withWebhook = minimal + 'channels:\n  - name: a\n    platform: teams-webhook\n    webhookUrlEnv: https://example.org/hook\n    partnership: cambridge\n';
    expect(() => parseConfig(withWebhook, 'x.yaml')).toThrow(/environment variable name/);
  });
  it('reports YAML syntax errors with a line', () => {
    expect(() => parseConfig('forceArea: [\n', 'y.yaml')).toThrow(/y\.yaml:\d+: not valid YAML/);
  });
});
