import { describe, expect, it } from 'vitest';
import { changeLabel, changeSentence, rollingAverage } from '../../src/charts/index.ts';
import { monthTicks, lowerFirst } from '../../src/charts/months.ts';

describe('change labels', () => {
  it('writes changes as the seeds do', () => {
    expect(changeLabel(800, 923)).toBe('+15%, +123');
    expect(changeSentence(2700, 2430)).toBe('-10% (-270)');
    expect(changeSentence(1412, 1461)).toBe('+3% (+49)');
    expect(changeLabel(14257, 13876)).toBe('-3%, -381');
  });
  it('gives no percentage on a base under 10', () => {
    expect(changeLabel(5, 9)).toBe('no calc, +4');
    expect(changeSentence(5, 9)).toBe('+4 (no calc)');
    expect(changeLabel(10, 12)).toBe('+20%, +2');
    expect(changeLabel(5, 9, 3)).toBe('+80%, +4');
  });
  it('says n/a when a figure is missing', () => {
    expect(changeLabel(null, 9)).toBe('n/a');
    expect(changeSentence(9, null)).toBe('no comparison (a figure is missing)');
  });
});

describe('rolling average', () => {
  it('is empty until the window fills', () => {
    expect(rollingAverage([1, 2, 3, 4], 3)).toEqual([null, null, 2, 3]);
  });
  it('spans one missing month in twelve, not two', () => {
    const v: Array<number | null> = Array.from({ length: 14 }, () => 12);
    v[5] = null;
    expect(rollingAverage(v, 12).slice(11)).toEqual([12, 12, 12]);
    v[6] = null;
    expect(rollingAverage(v, 12).slice(11)).toEqual([null, null, null]);
  });
});

describe('month labels', () => {
  it('puts the year under the first month and each January', () => {
    expect(monthTicks(['2024-11', '2024-12', '2025-01', '2025-02'])).toEqual([['Nov', '2024'], ['Dec'], ['Jan', '2025'], ['Feb']]);
  });
  it('keeps acronyms when lower-casing a measure', () => {
    expect(lowerFirst('Burglary')).toBe('burglary');
    expect(lowerFirst('ASB incidents')).toBe('ASB incidents');
  });
});
