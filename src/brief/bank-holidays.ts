// England and Wales bank holidays for working-day arithmetic (scheduled briefs): the list committed in
// fixtures/bank-holidays-england-and-wales.json (GOV.UK's bank-holidays.json format, with its source),
// read once and validated. Never fetched at run time: a brief's day must not depend on gov.uk being up.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { isDay, type IsoDay } from '../core/periods.ts';

export const BANK_HOLIDAYS_FILE = fileURLToPath(new URL('../../fixtures/bank-holidays-england-and-wales.json', import.meta.url));

const FileSchema = z.strictObject({
  source: z.string().min(1),
  division: z.literal('england-and-wales'),
  firstYear: z.number().int(),
  lastYear: z.number().int(),
  events: z.array(
    z.strictObject({
      title: z.string().min(1),
      date: z.string().refine(isDay, 'a date as YYYY-MM-DD'),
      notes: z.string(),
      bunting: z.boolean(),
    }),
  ),
});

export interface BankHolidays {
  days: ReadonlySet<IsoDay>;
  firstYear: number;
  lastYear: number;
  source: string;
  titleOf(day: IsoDay): string | undefined;
}

let cached: BankHolidays | undefined;

/** Parses a bank-holiday file; errors name the file and the field. */
export function parseBankHolidays(text: string, file: string): BankHolidays {
  const parsed = FileSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${file}: ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
  }
  const titles = new Map(parsed.data.events.map((e) => [e.date, e.title]));
  return { days: new Set(titles.keys()), firstYear: parsed.data.firstYear, lastYear: parsed.data.lastYear, source: parsed.data.source, titleOf: (d) => titles.get(d) };
}

/** The committed list (read once per process). */
export function bankHolidays(): BankHolidays {
  cached ??= parseBankHolidays(readFileSync(BANK_HOLIDAYS_FILE, 'utf8'), BANK_HOLIDAYS_FILE);
  return cached;
}
