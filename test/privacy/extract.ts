// A store for the privacy tests: the fixtures with the synthetic history, plus a partnership extract
// that has what the fixtures lack: sensitive measures (rape, other sexual offences) with small counts.
// For each real month (2024-01 to 2024-04) and every ward, police.uk's violence and sexual offences
// less the fixture extract's three violence subgroups is split into rape (about a fifth, so most
// ward-months hold 0 to 4) and other sexual offences: the subgroups then add up exactly to the
// police.uk total, which is the strongest position for an attacker ("police.uk minus partnership
// subgroups"). The extract is ingested with the fixture extract of the same month, as a partnership
// sends it: one ingest, so the month holds both.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import { FIXTURE_PATHS } from '../../src/ingest/fixture-paths.ts';
import { ingestPaths } from '../../src/ingest/index.ts';
import { fixtureStore, type TempStore } from '../helpers/store.ts';

export const SENSITIVE_MONTHS = ['2024-01', '2024-02', '2024-03', '2024-04'] as const;
const VIOLENCE_SUBGROUPS = ['violence-with-injury', 'violence-without-injury', 'stalking-harassment'];

/** The fixture store (with history) plus rape and other sexual offences rows for 2024-01..04. */
export async function privacyStore(): Promise<TempStore & { rapeRows: number; smallRapeRows: number }> {
  const t = await fixtureStore({ history: true });
  const { config } = loadConfig();
  const dir = mkdtempSync(join(tmpdir(), 'wardwatch-privacy-'));
  try {
    const wards = (await t.store.areas('ward')).map((a) => a.code);
    let rapeRows = 0;
    let smallRapeRows = 0;
    const files: string[] = [];
    for (const month of SENSITIVE_MONTHS) {
      const rows = await t.store.counts({ areaCodes: wards, measures: ['violent-crime', ...VIOLENCE_SUBGROUPS], from: month, to: month });
      const police = new Map<string, number>();
      const subgroups = new Map<string, number>();
      for (const r of rows) {
        if (r.source === 'police.uk' && r.measure === 'violent-crime') police.set(r.areaCode, r.count);
        else if (r.source === 'partnership') subgroups.set(r.areaCode, (subgroups.get(r.areaCode) ?? 0) + r.count);
      }
      const lines = ['month,area_type,area_code,measure,count'];
      for (const ward of wards) {
        const rest = (police.get(ward) ?? 0) - (subgroups.get(ward) ?? 0);
        if (rest <= 0) continue;
        const rape = Math.min(rest, Math.round(rest / 5));
        if (rape > 0) {
          lines.push(`${month},ward,${ward},rape,${rape}`);
          rapeRows++;
          if (rape < 5) smallRapeRows++;
        }
        if (rest - rape > 0) lines.push(`${month},ward,${ward},other-sexual-offences,${rest - rape}`);
      }
      const file = join(dir, `synthetic-sexual-offences-${month}.csv`);
      writeFileSync(file, `${lines.join('\n')}\n`);
      files.push(join(FIXTURE_PATHS.partnership, `synthetic-partnership-${month}.csv`), file);
    }
    await ingestPaths(t.store, files, { config, now: () => new Date('2024-05-20T09:00:00Z') });
    return Object.assign(t, { rapeRows, smallRapeRows });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
