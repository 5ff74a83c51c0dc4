import { describe, expect, it } from 'vitest';
import {
  addMonths,
  calendarMonth,
  financialYear,
  financialYearToDate,
  latestCalendarMonth,
  monthIndex,
  monthName,
  monthRange,
  monthsBetween,
  parseMonthName,
  previousYear,
  reportingYear,
  reportingYearFromLabel,
  yearEnding,
} from '../../src/core/periods.ts';

describe('month arithmetic', () => {
  it('crosses year boundaries exactly', () => {
    expect(addMonths('2024-01', -1)).toBe('2023-12');
    expect(addMonths('2023-12', 1)).toBe('2024-01');
    expect(addMonths('2024-04', -24)).toBe('2022-04');
    expect(monthsBetween('2018-01', '2024-04')).toBe(75);
    expect(monthRange('2023-11', '2024-02')).toEqual(['2023-11', '2023-12', '2024-01', '2024-02']);
    expect(monthRange('2024-02', '2024-01')).toEqual([]);
    expect(calendarMonth('2024-12')).toBe(12);
  });
  it('rejects anything that is not YYYY-MM', () => {
    for (const bad of ['2024-13', '2024-1', '24-01', '2024/01', '']) expect(() => monthIndex(bad)).toThrow(/YYYY-MM/);
  });
  it('names months in words', () => {
    expect(monthName('2024-04')).toBe('April 2024');
  });
});

describe('periods analysts report', () => {
  it('year ending is the rolling 12 months', () => {
    const ye = yearEnding('2024-04');
    expect([ye.from, ye.to, ye.label]).toEqual(['2023-05', '2024-04', 'year ending April 2024']);
    const prev = previousYear(ye);
    expect([prev.from, prev.to, prev.label]).toEqual(['2022-05', '2023-04', 'year ending April 2023']);
  });
  it('financial year runs April to March', () => {
    expect(financialYear('2024-02')).toMatchObject({ from: '2023-04', to: '2024-03', label: 'financial year 2023/24' });
    expect(financialYearToDate('2024-06')).toMatchObject({ from: '2024-04', to: '2024-06', label: '2024/25 to June' });
    expect(financialYearToDate('2024-04')).toMatchObject({ from: '2024-04', to: '2024-04' });
    expect(previousYear(financialYearToDate('2024-06'))).toMatchObject({ from: '2023-04', to: '2023-06', label: '2023/24 to June' });
  });
  it('a Cambridge "2024/25" is the year ending September 2025', () => {
    expect(reportingYearFromLabel('2024/25', 9)).toMatchObject({ from: '2024-10', to: '2025-09' });
    expect(reportingYearFromLabel('2024/25', 3)).toMatchObject({ from: '2024-04', to: '2025-03' });
    expect(reportingYearFromLabel('2024/26', 9)).toBeNull();
    expect(reportingYear('2025-11', 9)).toMatchObject({ from: '2024-10', to: '2025-09', label: '2024/25 (year ending September 2025)' });
    expect(reportingYear('2025-09', 9)).toMatchObject({ to: '2025-09' });
    expect(reportingYear('2025-08', 9)).toMatchObject({ to: '2024-09' });
  });
  it('reads month names and finds the latest such month', () => {
    expect(parseMonthName('sep')).toBe(9);
    expect(parseMonthName('September')).toBe(9);
    expect(parseMonthName('sept')).toBe(9);
    expect(parseMonthName('ma')).toBeNull();
    expect(parseMonthName('market')).toBeNull();
    expect(latestCalendarMonth('2024-04', 9)).toBe('2023-09');
    expect(latestCalendarMonth('2024-04', 4)).toBe('2024-04');
  });
});

describe('parseMonthWord (strict, for command text)', () => {
  it('reads full names, three-letter abbreviations and "sept" only', async () => {
    const { parseMonthWord, monthOf } = await import('../../src/core/periods.ts');
    expect(['march', 'Mar', 'sept', 'SEP', 'december', 'may'].map(parseMonthWord)).toEqual([3, 3, 9, 9, 12, 5]);
    expect(['mayor', 'market', 'ma', 'marc', 'junior', ''].map(parseMonthWord)).toEqual([null, null, null, null, null, null]);
    expect(monthOf(2024, 4)).toBe('2024-04');
  });
});
