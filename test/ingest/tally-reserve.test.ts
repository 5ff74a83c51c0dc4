// Tally.reserve (room made once before merging a month's files) changes nothing but the allocations:
// the merged cells and their counts are those of merging without it.
import { describe, expect, it } from 'vitest';
import { Tally } from '../../src/ingest/tally.ts';

function fileTally(seed: number): Tally {
  const t = new Tally();
  for (let i = 0; i < 3000; i++) {
    const area = `E0${(seed * 7919 + i * 104729) % 5000}`;
    t.add(i % 3 ? 'lsoa' : 'ward', area, `m${i % 14}`, 1 + (i % 5), i % 3 ? undefined : i % 2 ? 'polygon' : 'lsoa');
  }
  t.add('force', 'F1', 'm0', seed);
  return t;
}

describe('Tally.reserve', () => {
  it('merging after reserve gives the same counts as merging without it', () => {
    const files = [1, 2, 3, 4, 5].map(fileTally);
    const plain = new Tally();
    const reserved = new Tally();
    reserved.reserve(files.reduce((n, f) => n + f.size, 0));
    for (const f of files) {
      plain.merge(f);
      reserved.merge(f);
    }
    expect(reserved.size).toBe(plain.size);
    expect(reserved.toCounts('police.uk', '2024-01', false)).toEqual(plain.toCounts('police.uk', '2024-01', false));
  });

  it('a reserve smaller than what is added still grows as needed', () => {
    const t = new Tally();
    t.reserve(10);
    const f = fileTally(9);
    t.merge(f);
    expect(t.toCounts('police.uk', '2024-01', false)).toEqual(f.toCounts('police.uk', '2024-01', false));
  });
});
