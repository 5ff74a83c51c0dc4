// Loads the R reference vectors (test/detect/reference/farrington-reference.json) for tests and benchmarks.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { addMonths } from '../../src/core/periods.ts';
import type { FarringtonParams } from '../../src/detect/farrington.ts';

export interface ReferenceRow {
  k: number;
  observed: number;
  upperbound: number | null;
  alarm: boolean | null;
  expected: number | null;
  pvalue: number | null;
  phi: number | null;
  trend: number | null;
}
export interface ReferenceSeries {
  id: string;
  startYear: number;
  observed: number[];
  population: number[];
}
export interface ReferenceFile {
  rVersion: string;
  surveillanceVersion: string;
  paramSets: Record<string, Omit<FarringtonParams, 'fitFun' | 'glmWarnings' | 'pastWeeksNotIncluded'> & { pastWeeksNotIncluded: number | null }>;
  series: ReferenceSeries[];
  cases: { series: string; params: string; results: ReferenceRow[] }[];
}

export function loadReference(): ReferenceFile {
  const file = fileURLToPath(new URL('./reference/farrington-reference.json', import.meta.url));
  return JSON.parse(readFileSync(file, 'utf8')) as ReferenceFile;
}

export function monthsOf(s: ReferenceSeries): string[] {
  const start = `${s.startYear}-01`;
  return s.observed.map((_, i) => addMonths(start, i));
}

export function paramsOf(ref: ReferenceFile, name: string): Partial<FarringtonParams> {
  const p = ref.paramSets[name]!;
  return { ...p, limit54: [p.limit54[0], p.limit54[1]], glmWarnings: false };
}
