import { describe, expect, it } from 'vitest';
import { chanceWording, durationWords, formatCount, roundOneIn } from '../../src/detect/explain.ts';
import { farringtonFlexible } from '../../src/detect/index.ts';
import { addMonths } from '../../src/core/periods.ts';

describe('explanation wording', () => {
  it('says how unusual as "1 month in N", rounded as a person would', () => {
    expect(chanceWording(0.005)).toBe('about 1 month in 200 would be this high by chance');
    expect(chanceWording(1 / 1234)).toBe('about 1 month in 1,200 would be this high by chance');
    expect(chanceWording(0.07)).toBe('about 1 month in 14 would be this high by chance');
    expect(chanceWording(0.6)).toMatch(/is common/);
    expect(chanceWording(1e-9)).toMatch(/very unlikely by chance \(less than 1 in a million\)/);
    expect(chanceWording(0.01, 'area')).toBe('about 1 area in 100 would be this high by chance');
    expect(roundOneIn(47)).toBe(45);
    expect(roundOneIn(45678)).toBe(46000);
  });
  it('names durations the way the history note needs', () => {
    expect(durationWords(14)).toBe('14 months');
    expect(durationWords(1)).toBe('1 month');
    expect(durationWords(36)).toBe('3 years');
    expect(durationWords(61)).toBe('5 years and 1 month');
    expect(durationWords(63)).toBe('5 years and 3 months');
  });
  it('formats counts', () => {
    expect(formatCount(1234)).toBe('1,234');
    expect(formatCount(3.64)).toBe('3.6');
    expect(formatCount(17)).toBe('17');
  });
  it('never calls a finding significant, whatever the series', () => {
    const months = Array.from({ length: 90 }, (_, i) => addMonths('2017-01', i));
    const series = months.map((_, i) => (i % 12 === 3 ? 14 : 6) + (i === 89 ? 30 : 0));
    for (const r of farringtonFlexible(series, months, {}, { from: months[10] })) {
      expect(r.explanation.sentence).not.toMatch(/significan/i);
      expect(r.explanation.sentence.length).toBeGreaterThan(20);
    }
  });
});
