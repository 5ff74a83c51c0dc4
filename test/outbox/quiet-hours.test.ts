// Quiet hours in Europe/London wall-clock time: inside or outside, and when the window ends, across
// midnight and on the nights the clocks change (last Sunday of March and of October).
import { describe, expect, it } from 'vitest';
import { quietHoursEnd } from '../../src/core/quiet-hours.ts';

const LONDON = 'Europe/London';
const end = (iso: string, from: string, to: string) => quietHoursEnd(new Date(iso), { from, to }, LONDON)?.toISOString() ?? null;

describe('quietHoursEnd', () => {
  it('over midnight (21:00 to 07:00): evening and morning parts, edges', () => {
    expect(end('2024-01-15T20:59:59Z', '21:00', '07:00')).toBeNull();
    expect(end('2024-01-15T21:00:00Z', '21:00', '07:00')).toBe('2024-01-16T07:00:00.000Z');
    expect(end('2024-01-16T03:00:00Z', '21:00', '07:00')).toBe('2024-01-16T07:00:00.000Z');
    expect(end('2024-01-16T06:59:59Z', '21:00', '07:00')).toBe('2024-01-16T07:00:00.000Z');
    expect(end('2024-01-16T07:00:00Z', '21:00', '07:00')).toBeNull();
    expect(end('2024-01-16T12:00:00Z', '21:00', '07:00')).toBeNull();
  });

  it('in summer, London is an hour ahead of UTC', () => {
    expect(end('2024-07-01T19:59:00Z', '21:00', '07:00')).toBeNull(); // 20:59 BST
    expect(end('2024-07-01T20:00:00Z', '21:00', '07:00')).toBe('2024-07-02T06:00:00.000Z'); // 21:00 BST -> 07:00 BST
  });

  it('the clocks go forward (31 March 2024, 01:00 GMT -> 02:00 BST): the night is an hour shorter', () => {
    expect(end('2024-03-30T21:00:00Z', '21:00', '07:00')).toBe('2024-03-31T06:00:00.000Z');
    expect(end('2024-03-31T00:30:00Z', '21:00', '07:00')).toBe('2024-03-31T06:00:00.000Z'); // 00:30 GMT
    expect(end('2024-03-31T05:59:00Z', '21:00', '07:00')).toBe('2024-03-31T06:00:00.000Z'); // 06:59 BST
    expect(end('2024-03-31T06:00:00Z', '21:00', '07:00')).toBeNull(); // 07:00 BST
  });

  it('the clocks go back (27 October 2024, 02:00 BST -> 01:00 GMT): the night is an hour longer', () => {
    expect(end('2024-10-26T20:00:00Z', '21:00', '07:00')).toBe('2024-10-27T07:00:00.000Z'); // 21:00 BST
    expect(end('2024-10-27T00:30:00Z', '21:00', '07:00')).toBe('2024-10-27T07:00:00.000Z'); // 01:30 BST, the first time
    expect(end('2024-10-27T01:30:00Z', '21:00', '07:00')).toBe('2024-10-27T07:00:00.000Z'); // 01:30 GMT, the second
    expect(end('2024-10-27T06:59:00Z', '21:00', '07:00')).toBe('2024-10-27T07:00:00.000Z');
    expect(end('2024-10-27T07:00:00Z', '21:00', '07:00')).toBeNull();
  });

  it('a window within one day (12:00 to 14:00), and an empty one', () => {
    expect(end('2024-07-01T11:30:00Z', '12:00', '14:00')).toBe('2024-07-01T13:00:00.000Z'); // 12:30 BST
    expect(end('2024-07-01T13:00:00Z', '12:00', '14:00')).toBeNull(); // 14:00 BST
    expect(end('2024-07-01T10:59:00Z', '12:00', '14:00')).toBeNull(); // 11:59 BST
    expect(end('2024-07-01T11:30:00Z', '09:00', '09:00')).toBeNull();
  });
});
