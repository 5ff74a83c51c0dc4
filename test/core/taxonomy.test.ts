import { describe, expect, it } from 'vitest';
import { Taxonomy, taxonomy } from '../../src/taxonomy/index.ts';

describe('taxonomy', () => {
  const t = taxonomy();
  it('has the 14 police.uk crime types with their exact CSV names', () => {
    const names = t
      .policeUkMeasures()
      .map((m) => m.policeUkName)
      .sort();
    expect(names).toHaveLength(14);
    expect(names).toContain('Violence and sexual offences');
    expect(t.byPoliceUk('Anti-social behaviour')!.key).toBe('anti-social-behaviour');
  });
  it('maps what people type to measures', () => {
    expect(t.resolve('Dwelling burglary')!.key).toBe('residential-burglary');
    expect(t.resolve('ASB')!.key).toBe('anti-social-behaviour');
    expect(t.resolve('bike theft')!.key).toBe('bicycle-theft');
    expect(t.resolve('violence')!.key).toBe('violent-crime');
    expect(t.resolve('business & community burglary')!.key).toBe('business-community-burglary');
    expect(t.resolve('zebra crossings')).toBeUndefined();
  });
  it("defines all crime without ASB and the seeds' composites", () => {
    const all = t.require('all-crime');
    expect(all.members).toHaveLength(13);
    expect(all.members).not.toContain('anti-social-behaviour');
    expect(t.require('personal-loss').members).toContain('residential-burglary');
    expect(t.require('commercial-loss').members).toContain('business-community-burglary');
    expect(t.require('acquisitive-crime').members).toEqual(['personal-loss', 'commercial-loss', 'vehicle-offences']);
  });
  it('marks sexual offences, domestic abuse and hate crime sensitive', () => {
    for (const k of ['rape', 'other-sexual-offences', 'domestic-abuse-crimes', 'domestic-abuse-incidents', 'hate-crime']) expect(t.require(k).sensitive).toBe(true);
    expect(t.require('burglary').sensitive).toBe(false);
  });
  it('refuses a taxonomy with a dangling parent or a synonym naming two measures', () => {
    const base = { source: 'police.uk' as const, kind: 'crime' as const, sensitive: false, synonyms: [] };
    expect(() => new Taxonomy([{ ...base, key: 'a', label: 'A', policeUkName: 'A', parent: 'zzz' }])).toThrow(/parent "zzz"/);
    expect(
      () =>
        new Taxonomy([
          { ...base, key: 'a', label: 'A', policeUkName: 'A', synonyms: ['thing'] },
          { ...base, key: 'b', label: 'B', policeUkName: 'B', synonyms: ['thing'] },
        ]),
    ).toThrow(/"thing" names both/);
  });
});
