// Alert states from monthly conditions: pending months, keep-firing months (hysteresis), missing data.
import { describe, expect, it } from 'vitest';
import { addMonths } from '../../src/core/periods.ts';
import { foldAll, type Condition } from '../../src/alerting/states.ts';

const steps = (conditions: Condition[], strong: number[] = []) => conditions.map((condition, i) => ({ month: addMonths('2023-01', i), condition, strong: strong.includes(i) }));
/** How often an alert opened and how often it was announced back to normal. */
function pairs(states: ReturnType<typeof foldAll>) {
  let opened = 0;
  let resolved = 0;
  let was = 'inactive';
  for (const s of states) {
    if (s.state === 'firing' && !['firing', 'recovering', 'no-data'].includes(was)) opened++;
    if (s.state === 'resolved') resolved++;
    was = s.state;
  }
  return { opened, resolved };
}

describe('alert states', () => {
  it('a series flapping at the line (alarm, clear, alarm, clear ...) is one alert, not an alert/resolved pair every other month', () => {
    const flapping = steps(Array.from({ length: 24 }, (_, i) => (i % 2 === 0 ? 'firing' : 'clear')));
    expect(pairs(foldAll(flapping, { pending: 1, keepFiring: 1 }))).toEqual({ opened: 1, resolved: 0 });
    // without keep-firing months it would open and resolve 12 times
    expect(pairs(foldAll(flapping, { pending: 1, keepFiring: 0 }))).toEqual({ opened: 12, resolved: 12 });
  });

  it('an elevated month (above the clear line, below the alarm line) holds an open alert open without counting towards recovery', () => {
    const s = foldAll(steps(['firing', 'clear', 'elevated', 'clear', 'elevated', 'clear', 'clear']), { pending: 1, keepFiring: 1 });
    expect(s.slice(0, 4).map((x) => x.state)).toEqual(['firing', 'recovering', 'recovering', 'resolved']);
  });

  it('pending months: a two-month rule fires on the second month in a row, or at once when strong', () => {
    expect(foldAll(steps(['firing', 'clear', 'firing', 'firing']), { pending: 2, keepFiring: 1 }).map((x) => x.state)).toEqual(['pending', 'inactive', 'pending', 'firing']);
    expect(foldAll(steps(['firing'], [0]), { pending: 2, keepFiring: 1 }).map((x) => x.state)).toEqual(['firing']);
    expect(foldAll(steps(['firing', 'firing']), { pending: 2, keepFiring: 1 }).at(-1)!.since).toBe('2023-01');
  });

  it('missing data is never back to normal: the alert stays open, then carries on when the data comes', () => {
    const s = foldAll(steps(['firing', 'no-data', 'no-data', 'no-data', 'firing']), { pending: 1, keepFiring: 1 });
    expect(s.map((x) => x.state)).toEqual(['firing', 'no-data', 'no-data', 'no-data', 'firing']);
    expect(s.at(-1)!.since).toBe('2023-01');
  });
});
