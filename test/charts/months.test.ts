import { describe, expect, it } from 'vitest';
import { listMonths } from '../../src/charts/months.ts';
import { monthRange } from '../../src/core/periods.ts';

describe('listMonths', () => {
  it('writes long runs as a span and short ones month by month', () => {
    expect(listMonths(['2023-06', '2023-07', '2024-01'])).toBe('Jun 2023, Jul 2023 and Jan 2024');
    expect(listMonths([...monthRange('2022-05', '2023-12'), '2024-03'])).toBe('May 2022 to Dec 2023 and Mar 2024');
    expect(listMonths([])).toBe('');
  });
});
