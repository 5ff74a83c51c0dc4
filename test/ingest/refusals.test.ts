// Ingest refuses nonsense (issue 16, item 3): every file in test/ingest/bad-files/ through the real CLI
// (`node bin/wardwatch.js ingest ...` against a copy of the fixture store): a non-zero exit, a message
// naming the file, line and field and what was expected, and the store's content checksum unchanged.
// test/ingest/bad-files/README.md lists the corpus; refusals-api.test.ts covers what needs a clock,
// a config or a store prepared by hand.
import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.ts';
import { fixtureStore, type TempStore } from '../helpers/store.ts';

const ROOT = join(import.meta.dirname, '../..');
const BAD = join(import.meta.dirname, 'bad-files');

let t: TempStore;
let before: string;
beforeAll(async () => {
  t = await fixtureStore();
  before = await t.store.contentChecksum();
  await t.store.close();
});
afterAll(() => t?.cleanup());

interface Run {
  status: number | null;
  stderr: string;
  stdout: string;
}

function ingestCli(db: string, ...args: string[]): Run {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/wardwatch.js'), 'ingest', '--quiet', ...args], {
    cwd: ROOT,
    env: { ...process.env, WARDWATCH_DB: db },
    encoding: 'utf8',
  });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

const bad = (...names: string[]) => names.map((n) => join(BAD, n));

async function checksum(path: string): Promise<string> {
  const s = await openStore({ path });
  try {
    return await s.contentChecksum();
  } finally {
    await s.close();
  }
}

/** Refused: non-zero exit, `<file>:<line>: field "<field>": expected <expected>`, no stack, store unchanged. */
async function expectRefused(r: Run, name: string, line: number | null, field: string | null, expected: RegExp): Promise<void> {
  expect(r.status, r.stdout + r.stderr).toBe(1);
  const message =
    r.stderr
      .trim()
      .split('\n')
      .find((l) => l.startsWith('wardwatch ingest: ')) ?? '';
  expect(message, r.stderr).not.toBe('');
  const head = `wardwatch ingest: ${name}${line !== null ? `:${line}` : ''}: ${field !== null ? `field "${field}": ` : ''}expected `;
  expect(message.startsWith(head), `${message}\n  should start with\n${head}`).toBe(true);
  expect(message).toMatch(expected);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  expect(await checksum(t.path)).toBe(before);
}

describe('months', () => {
  it("a month in the future (2099) is refused: it would become every answer's latest month", async () => {
    await expectRefused(
      ingestCli(t.path, ...bad('future-month-2099-01.csv')),
      'future-month-2099-01.csv',
      2,
      'Month',
      /a month no later than this month \(\d{4}-\d\d\).*found "2099-01"/,
    );
  });

  it('a month before police.uk began (December 2010) is refused', async () => {
    await expectRefused(ingestCli(t.path, ...bad('before-police-uk-2010-11.csv')), 'before-police-uk-2010-11.csv', 2, 'Month', /a month from 2010-12 on .*found "2010-11"/);
  });
});

describe('counts', () => {
  it('a count beyond the plausible bound for the area (10^23 written out) is refused', async () => {
    await expectRefused(
      ingestCli(t.path, ...bad('count-10e23.csv')),
      'count-10e23.csv',
      3,
      'count',
      /at most 10,000 for one ward, measure and month .*ingest\.maxMonthlyCount\.ward.*found "100000000000000000000000"/,
    );
  });

  it('a count written with an exponent ("1e+23") is refused', async () => {
    await expectRefused(ingestCli(t.path, ...bad('count-exponent.csv')), 'count-exponent.csv', 2, 'count', /a whole number, 0 or more, in digits .*found "1e\+23"/);
  });
});

describe('duplicates', () => {
  it('the same Crime ID twice in a police.uk file, with another crime type (a repeat of the same crime counts once: repeated-crime-ids.test.ts)', async () => {
    await expectRefused(
      ingestCli(t.path, ...bad('duplicate-crime-id.csv')),
      'duplicate-crime-id.csv',
      5,
      'Crime type',
      /the crime type of the first row with this Crime ID \(line 2: "Violence and sexual offences"\): a repeated Crime ID is counted once, so it must be the same crime \(Crime ID 82491d22.*\), found "Public order"/,
    );
  });

  it('the same Crime ID in two files of one month (two forces) in one ingest', async () => {
    await expectRefused(
      ingestCli(t.path, ...bad('cross-file-a-2024-05.csv', 'cross-file-b-2024-05.csv')),
      'cross-file-b-2024-05.csv',
      3,
      'Crime ID',
      /each crime in one file \(the same Crime ID is on line 2 of cross-file-a-2024-05\.csv, another file of 2024-05\)/,
    );
  });

  it('the same record_id twice in a record-level partnership extract', async () => {
    await expectRefused(
      ingestCli(t.path, ...bad('duplicate-record-id.csv')),
      'duplicate-record-id.csv',
      4,
      'record_id',
      /each record once \(the same record_id is on line 2\), found "CRN-0001"/,
    );
  });

  it('the same area and measure twice in an aggregated extract (here once by key, once by synonym)', async () => {
    await expectRefused(
      ingestCli(t.path, ...bad('duplicate-aggregated-key.csv')),
      'duplicate-aggregated-key.csv',
      4,
      'measure',
      /each area and measure once per file \(ward E05013057, residential-burglary is already on line 2; counts are never summed\), found "dwelling burglary"/,
    );
  });
});

describe('populations', () => {
  it('a population of 0', async () => {
    await expectRefused(ingestCli(t.path, ...bad('population-zero.csv')), 'population-zero.csv', 3, 'population', /at least 1 resident .*found "0"/);
  });

  it('a ward population of 10^20', async () => {
    await expectRefused(
      ingestCli(t.path, ...bad('population-1e20.csv')),
      'population-1e20.csv',
      2,
      'population',
      /at most 100,000 residents for a ward .*found "100000000000000000000"/,
    );
  });

  it('a population with a thousands separator (a quoted "145,700")', async () => {
    await expectRefused(
      ingestCli(t.path, ...bad('population-separator.csv')),
      'population-separator.csv',
      2,
      'population',
      /a whole number of residents, in digits \(no separators.*found "145,700"/,
    );
  });
});

describe('one force per police.uk file', () => {
  it('a second force in "Reported by"', async () => {
    await expectRefused(
      ingestCli(t.path, ...bad('two-forces-reported-by.csv')),
      'two-forces-reported-by.csv',
      4,
      'Reported by',
      /one force per file, as on the first row \("Cambridgeshire Constabulary"\).*found "Norfolk Constabulary"/,
    );
  });

  it('a second force in "Falls within"', async () => {
    await expectRefused(
      ingestCli(t.path, ...bad('two-forces-falls-within.csv')),
      'two-forces-falls-within.csv',
      5,
      'Falls within',
      /one force per file.*found "Norfolk Constabulary"/,
    );
  });
});

describe('codes that are not GSS codes', () => {
  it('a malformed LSOA code in a police.uk file (no longer counted silently as out of area)', async () => {
    await expectRefused(
      ingestCli(t.path, ...bad('malformed-lsoa-code.csv')),
      'malformed-lsoa-code.csv',
      5,
      'LSOA code',
      /an LSOA code: E01 or W01 and 6 digits .*found "E01O17975"/,
    );
  });

  it("a district code in a lookup's ward column", async () => {
    await expectRefused(
      ingestCli(t.path, ...bad('lookup-district-code-as-ward.csv')),
      'lookup-district-code-as-ward.csv',
      3,
      'WD24CD',
      /a ward code: E05 or W05 .*found "E07000008"/,
    );
  });

  it('a malformed ward code in an aggregated extract', async () => {
    await expectRefused(ingestCli(t.path, ...bad('aggregated-malformed-code.csv')), 'aggregated-malformed-code.csv', 2, 'area_code', /a ward code: E05 or W05 .*found "E5013057"/);
  });
});

describe('control characters', () => {
  it('a NUL byte in a police.uk field', async () => {
    await expectRefused(ingestCli(t.path, ...bad('nul-byte.csv')), 'nul-byte.csv', 3, 'Location', /text without control characters .*found "On or near White\\u0000Lodge Close"/);
  });

  it("an escape character in a quoted partnership field (the full CSV parser's path)", async () => {
    await expectRefused(
      ingestCli(t.path, ...bad('control-character.csv')),
      'control-character.csv',
      2,
      'measure',
      /text without control characters .*found "residential\\u001bburglary"/,
    );
  });
});

describe('numbers that are not plain decimals', () => {
  it('a hex longitude ("0x1F" would be read as 31)', async () => {
    await expectRefused(ingestCli(t.path, ...bad('hex-longitude.csv')), 'hex-longitude.csv', 3, 'Longitude', /a longitude in decimal degrees .*found "0x1F"/);
  });

  it('a latitude with an exponent', async () => {
    await expectRefused(ingestCli(t.path, ...bad('exponent-latitude.csv')), 'exponent-latitude.csv', 4, 'Latitude', /a latitude in decimal degrees .*found "5\.2e1"/);
  });

  it('Infinity as a longitude', async () => {
    await expectRefused(ingestCli(t.path, ...bad('infinity-longitude.csv')), 'infinity-longitude.csv', 4, 'Longitude', /found "Infinity"/);
  });

  it('a hex longitude in a record-level extract', async () => {
    await expectRefused(ingestCli(t.path, ...bad('records-hex-longitude.csv')), 'records-hex-longitude.csv', 2, 'longitude', /found "0x0"/);
  });
});

describe('empty geography files', () => {
  it('a header-only LSOA lookup is refused, not logged as a release', async () => {
    await expectRefused(
      ingestCli(t.path, ...bad('header-only-lookup.csv')),
      'header-only-lookup.csv',
      2,
      null,
      /at least one data row \(one LSOA per row\), found "only a header row"/,
    );
  });

  it('a header-only ward list', async () => {
    await expectRefused(ingestCli(t.path, ...bad('header-only-ward-list.csv')), 'header-only-ward-list.csv', 2, null, /at least one data row \(one ward per row\)/);
  });

  it('a header-only populations file', async () => {
    await expectRefused(ingestCli(t.path, ...bad('header-only-populations.csv')), 'header-only-populations.csv', 2, null, /at least one data row \(one area per row\)/);
  });

  it('a boundary file with no features', async () => {
    await expectRefused(
      ingestCli(t.path, ...bad('empty-features.geojson')),
      'empty-features.geojson',
      null,
      'features',
      /at least one feature, found "an empty FeatureCollection"/,
    );
  });
});

describe('geometry that is not a valid polygon', () => {
  const cases: Array<[string, string, RegExp]> = [
    [
      'unclosed-ring.geojson',
      'features[0].geometry.coordinates[0][4]',
      /a closed ring \(the last position equal to the first, \[0\.11,52\.2\]\) \(ward E05013057\), found "\[0\.111,52\.2\]"/,
    ],
    ['too-few-positions.geojson', 'features[0].geometry.coordinates[0]', /a ring of at least 4 positions .*found "3 positions"/],
    ['british-national-grid.geojson', 'features[0].geometry.coordinates[0][0][0]', /a longitude in WGS84 degrees .*British National Grid.*found "545000"/],
    ['string-coordinate.geojson', 'features[0].geometry.coordinates[0][1][0]', /a longitude in WGS84 degrees .*found ""0\.13""/],
    ['nan-coordinates.geojson', 'features[0].geometry.coordinates[0][1][0]', /found "null"/],
    [
      'self-crossing-ring.geojson',
      'features[0].geometry.coordinates[0][2]',
      /edges that do not cross .*this edge crosses the edge from geometry\.coordinates\[0\]\[0\]\) \(ward E05013057\)/,
    ],
  ];
  for (const [name, field, expected] of cases) {
    it(name, async () => {
      await expectRefused(ingestCli(t.path, ...bad(name)), name, null, field, expected);
    });
  }
});

describe('duplicate codes in one boundary or lookup file', () => {
  it('a ward twice in a boundary file', async () => {
    await expectRefused(
      ingestCli(t.path, ...bad('duplicate-ward-boundary.geojson')),
      'duplicate-ward-boundary.geojson',
      null,
      'features[2].properties.WD24CD',
      /each ward once \(E05013057 is already features\[0\]\)/,
    );
  });

  it('a ward twice in a ward list', async () => {
    await expectRefused(ingestCli(t.path, ...bad('duplicate-ward-list.csv')), 'duplicate-ward-list.csv', 4, 'WD24CD', /each ward once \(E05013057 is already on line 2\)/);
  });

  it('an LSOA twice in an LSOA lookup', async () => {
    await expectRefused(ingestCli(t.path, ...bad('duplicate-lsoa-lookup.csv')), 'duplicate-lsoa-lookup.csv', 4, 'LSOA21CD', /each LSOA once \(E01017983 is already on line 2\)/);
  });

  it('a ward in two districts in one lookup', async () => {
    await expectRefused(
      ingestCli(t.path, ...bad('ward-in-two-districts.csv')),
      'ward-in-two-districts.csv',
      3,
      'LAD24CD',
      /E05013057's district as on line 2 \(E07000008\): a ward lies in one district, found "E07000009"/,
    );
  });
});

describe('a lookup that moves an area to another parent', () => {
  it('is refused without --allow-boundary-changes', async () => {
    await expectRefused(
      ingestCli(t.path, ...bad('lookup-moves-market-ward.csv')),
      'lookup-moves-market-ward.csv',
      2,
      'LAD24CD',
      /ward E05013057 \(Market\) in its district as stored, E07000008: this lookup moves it, which changes where its history counts; 4 more areas move too\. If the boundaries really changed, ingest again with --allow-boundary-changes.*found "E07000009"/,
    );
    await expectRefused(
      ingestCli(t.path, ...bad('ward-list-moves-market-ward.csv')),
      'ward-list-moves-market-ward.csv',
      2,
      'LAD24CD',
      /ward E05013057 \(Market\) in its district as stored, E07000008/,
    );
  });

  it('with --allow-boundary-changes loads and is logged as a boundary change', async () => {
    const copy = await fixtureStore();
    try {
      await copy.store.close();
      const r = ingestCli(copy.path, '--allow-boundary-changes', ...bad('lookup-moves-market-ward.csv'));
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(
        /lookup-moves-market-ward\.csv: ONS LSOA21 -> ward -> district lookup: geography; 4 rows read; boundary change \(--allow-boundary-changes\): 1 ward and 4 LSOAs move: ward E05013057 district E07000008 -> E07000009; lsoa E01017983 district E07000008 -> E07000009/,
      );
      const s = await openStore({ path: copy.path });
      try {
        expect((await s.area('E05013057'))?.parentCode).toBe('E07000009');
        expect((await s.area('E01017983'))?.districtCode).toBe('E07000009');
        const logged = (await s.releases()).filter((x) => x.fileName.startsWith('boundary change from lookup-moves-market-ward.csv: '));
        expect(logged).toHaveLength(1);
        expect(logged[0]).toMatchObject({ source: 'geography', month: null, rowsRead: 5 });
        expect(logged[0]!.fileName).toContain('ward E05013057 district E07000008 -> E07000009');
      } finally {
        await s.close();
      }
    } finally {
      await copy.cleanup();
    }
  });
});

describe('folders with links that loop or dangle', () => {
  const folder = (name: string) => {
    const dir = join(t.dir, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'extract-2024-05.csv'), 'month,area_type,area_code,measure,count\n2024-05,ward,E05013057,residential-burglary,4\n');
    return dir;
  };

  it('a dangling link names the link and its missing target', async () => {
    const dir = folder('dangling');
    symlinkSync('gone-2024-06.csv', join(dir, 'latest.csv'));
    await expectRefused(
      ingestCli(t.path, dir),
      join(dir, 'latest.csv'),
      null,
      null,
      /a link to an existing file or folder \(it points to gone-2024-06\.csv, which does not exist\), found "a dangling link"/,
    );
    // Named on the command line itself, too.
    await expectRefused(
      ingestCli(t.path, join(dir, 'latest.csv')),
      join(dir, 'latest.csv'),
      null,
      null,
      /it points to gone-2024-06\.csv, which does not exist\), found "a dangling link"/,
    );
  });

  it('a link back to its own folder (a loop) names the link', async () => {
    const dir = folder('loop');
    mkdirSync(join(dir, 'inner'));
    symlinkSync('../../loop', join(dir, 'inner', 'again'));
    const r = ingestCli(t.path, dir);
    await expectRefused(
      r,
      join(dir, 'inner', 'again'),
      null,
      null,
      /a link to a folder outside the one being read \(it points to \.\.\/\.\.\/loop, a folder that contains the link\), found "a link that loops"/,
    );
  });

  it('links that point at each other (ELOOP) name the link', async () => {
    const dir = folder('eloop');
    symlinkSync('b.csv', join(dir, 'a.csv'));
    symlinkSync('a.csv', join(dir, 'b.csv'));
    await expectRefused(
      ingestCli(t.path, dir),
      join(dir, 'a.csv'),
      null,
      null,
      /a link to a file or folder \(it points to b\.csv, and following it leads back to itself\), found "a link that loops"/,
    );
  });
});

describe('templates', () => {
  it('a *.template.csv named on the command line is refused with a hint', async () => {
    await expectRefused(
      ingestCli(t.path, ...bad('partnership-extract.template.csv')),
      join(BAD, 'partnership-extract.template.csv'),
      null,
      null,
      /expected a data file, not a template: a \*\.template\.csv holds example figures; copy it to a name without "\.template", put your own figures in it and ingest the copy, found "a template"/,
    );
  });
});
