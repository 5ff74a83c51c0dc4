// Period arithmetic the brief adds to src/core/periods.ts: reporting years in a partnership's own terms
// (one meaning of "2024/25"), and when police.uk publishes a month.
import { describe, expect, it } from 'vitest';
import {
  latestExpectedPublished,
  previousYear,
  publicationWords,
  reportingYearContaining,
  reportingYearFromLabel,
  reportingYearName,
  reportingYearToDate,
  shortYearName,
  yearEndingIn,
} from '../../src/core/periods.ts';

describe('reporting years', () => {
  it('gives "2024/25" one meaning: the reporting year that starts in 2024', () => {
    expect(reportingYearContaining('2025-04', 9)).toEqual({ kind: 'reporting-year', from: '2024-10', to: '2025-09', label: '2024/25 (year ending September 2025)' });
    expect(reportingYearContaining('2024-10', 9).from).toBe('2024-10');
    expect(reportingYearContaining('2024-09', 9).from).toBe('2023-10');
    expect(reportingYearFromLabel('2024/25', 9)).toEqual(reportingYearContaining('2025-09', 9));
    expect(reportingYearContaining('2025-01', 3)).toMatchObject({ from: '2024-04', to: '2025-03', label: '2024/25 (year ending March 2025)' });
    expect(reportingYearName(yearEndingIn('2025-09', 9), 9)).toBe('2024/25');
    expect(reportingYearName(yearEndingIn('2025-08', 9), 9)).toBeNull();
  });

  it('names a year ending as the partnership does, and its previous year the same way', () => {
    const ry = yearEndingIn('2025-09', 9);
    expect(ry.label).toBe('2024/25 (year ending September 2025)');
    expect(previousYear(ry).label).toBe('2023/24 (year ending September 2024)');
    expect(shortYearName(previousYear(ry), 9)).toBe('2023/24');
    const ye = yearEndingIn('2024-04', 9);
    expect(ye.label).toBe('year ending April 2024');
    expect(shortYearName(ye, 9)).toBe('YE Apr 2024');
    const ytd = reportingYearToDate('2024-04', 9);
    expect(ytd).toEqual({ kind: 'reporting-year-to-date', from: '2023-10', to: '2024-04', label: '2023/24 to April' });
    expect(previousYear(ytd)).toMatchObject({ from: '2022-10', to: '2023-04', label: '2022/23 to April' });
  });
});

describe('publication', () => {
  it('says police.uk publishes a month around the end of the next, and what is out by a day', () => {
    expect(publicationWords('2025-10')).toBe('police.uk publishes October around the end of November');
    expect(publicationWords('2025-12')).toBe('police.uk publishes December around the end of January');
    expect(latestExpectedPublished('2026-02-24')).toBe('2025-12');
    expect(latestExpectedPublished('2026-03-01')).toBe('2026-01');
  });
});
