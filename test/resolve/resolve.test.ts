import { describe, expect, it } from 'vitest';
import { buildPlaceIndex, inPartnership, preferInPartnership } from '../../src/resolve/places.ts';
import { mergeQualifiers, parseQuery } from '../../src/resolve/query.ts';
import { resolvePeriod } from '../../src/resolve/period.ts';
import { editDistance, tokenise } from '../../src/resolve/text.ts';
import { effectiveMeasure } from '../../src/resolve/topic.ts';
import { taxonomy } from '../../src/taxonomy/index.ts';
import type { Area } from '../../src/store/types.ts';

const ward = (code: string, name: string, parentCode: string): Area => ({ code, name, type: 'ward', parentCode });
const district = (code: string, name: string): Area => ({ code, name, type: 'district', parentCode: 'E23000023' });
const AREAS: Area[] = [
  { code: 'E23000023', name: 'Cambridgeshire', type: 'force', parentCode: null },
  district('E07000008', 'Cambridge'),
  district('E07000010', 'Fenland'),
  district('E06000031', 'Peterborough'),
  district('E07000099', 'Testshire'),
  ward('E05013057', 'Market', 'E07000008'),
  ward('E05013050', 'Abbey', 'E07000008'),
  ward('E05099001', 'Abbey', 'E07000099'),
  ward('E05013056', "King's Hedges", 'E07000008'),
  ward('E05013060', "Queen Edith's", 'E07000008'),
  ward('E05013053', 'Cherry Hinton', 'E07000008'),
  ward('E05011001', 'March East', 'E07000010'),
  ward('E05011002', 'March North', 'E07000010'),
  ward('E05011003', 'March West & Benwick', 'E07000010'),
  ward('E05010001', 'Fletton and Stanground', 'E06000031'),
  ward('E05010002', 'Stanground South', 'E06000031'),
  ward('E05099002', 'Fordham & Isleham', 'E07000099'),
];
const index = buildPlaceIndex(AREAS);
const tax = taxonomy();
const parse = (text: string) => parseQuery(text, index, tax, tokenise);
const names = (text: string) => parse(text).places.map((p) => p.candidates.map((a) => `${a.name}/${a.parentCode}`).join('|'));
const cambridge = { areas: ['E07000008'] };

describe('tokens and edit distance', () => {
  it('drops apostrophes, reads & as and, keeps year labels whole, expands aliases', () => {
    expect(tokenise("King's Hedges & Romsey 2024/25")).toEqual(['kings', 'hedges', 'and', 'romsey', '2024/25']);
    expect(tokenise('South Cambs 2023-24')).toEqual(['south', 'cambridgeshire', '2023/24']);
  });
  it('counts an adjacent transposition as one edit', () => {
    expect(editDistance('markte', 'market')).toBe(1);
    expect(editDistance('maket', 'market')).toBe(1);
    expect(editDistance('abbey', 'arbury')).toBe(3);
  });
});

describe('places', () => {
  it('by name, ignoring case, apostrophes, "ward", "city", "district", & vs and', () => {
    expect(names('market ward')).toEqual(['Market/E07000008']);
    expect(names('MARKET')).toEqual(['Market/E07000008']);
    expect(names('kings hedges')).toEqual(["King's Hedges/E07000008"]);
    expect(names("queen edith's ward")).toEqual(["Queen Edith's/E07000008"]);
    expect(names('cambridge city')).toEqual(['Cambridge/E23000023']);
    expect(names('fenland district')).toEqual(['Fenland/E23000023']);
    expect(names('fordham and isleham')).toEqual(['Fordham & Isleham/E07000099']);
    expect(names('march west & benwick')).toEqual(['March West & Benwick/E07000010']);
  });
  it('by GSS code, any case', () => {
    expect(names('e05013057')).toEqual(['Market/E07000008']);
    expect(parse('E05013057').places[0]!.how).toBe('code');
  });
  it('a unique start of a name', () => {
    const p = parse('cherry');
    expect(p.places[0]!.how).toBe('prefix');
    expect(names('cherry')).toEqual(['Cherry Hinton/E07000008']);
  });
  it('a start of a name that fits one place beats splitting it into places ("chatteris north" is not Chatteris + North)', () => {
    const idx = buildPlaceIndex([
      ...AREAS,
      ward('E05015421', 'Chatteris North & Manea', 'E07000010'),
      ward('E05015422', 'Chatteris South', 'E07000010'),
      ward('E05010003', 'North', 'E06000031'),
    ]);
    const p = parseQuery('chatteris north asb', idx, taxonomy(), tokenise);
    expect(p.places.map((m) => m.candidates.map((a) => a.name))).toEqual([['Chatteris North & Manea']]);
    expect(p.topics.map((t) => t.measure.key)).toEqual(['anti-social-behaviour']);
    // "chatteris" alone still fits both Chatteris wards
    expect(parseQuery('chatteris', idx, taxonomy(), tokenise).places[0]!.candidates).toHaveLength(2);
  });
  it('close misspellings become a fuzzy match (did you mean)', () => {
    const p = parse('markte ward');
    expect(p.places[0]).toMatchObject({ how: 'fuzzy', distance: 1 });
    expect(names('markte ward')).toEqual(['Market/E07000008']);
    expect(names('quen ediths')).toEqual(["Queen Edith's/E07000008"]);
    expect(names('cambrdige')).toEqual(['Cambridge/E23000023']);
  });
  it('ambiguous names list every area, the channel partnership first', () => {
    const p = parse('abbey');
    expect(p.places[0]!.candidates).toHaveLength(2);
    const ordered = preferInPartnership(p.places[0]!.candidates, cambridge);
    expect(ordered[0]!.parentCode).toBe('E07000008');
    expect(preferInPartnership(p.places[0]!.candidates, { areas: ['E07000099'] })[0]!.parentCode).toBe('E07000099');
  });
  it('a district after an ambiguous name narrows it', () => {
    const merged = mergeQualifiers(parse('abbey testshire').places, false);
    expect(merged).toHaveLength(1);
    expect(merged[0]!.candidates.map((a) => a.code)).toEqual(['E05099001']);
    // compare: a ward and its own district stay two places unless asked to merge
    expect(mergeQualifiers(parse('market cambridge').places, false)).toHaveLength(2);
    expect(mergeQualifiers(parse('market cambridge').places, true)).toHaveLength(1);
  });
  it('the start of several names is ambiguous', () => {
    expect(parse('march north').places[0]!.candidates.map((a) => a.name)).toEqual(['March North']);
    expect(parse('stanground').places[0]!.candidates.map((a) => a.name)).toEqual(['Stanground South']);
  });
  it('partnership scope: wards by their district, the force only for a countywide partnership', () => {
    const market = AREAS.find((a) => a.code === 'E05013057')!;
    expect(inPartnership(market, cambridge)).toBe(true);
    expect(inPartnership(market, { areas: ['E07000010'] })).toBe(false);
    const force = AREAS[0]!;
    expect(inPartnership(force, cambridge, index)).toBe(false);
    expect(inPartnership(force, { areas: ['E07000008', 'E07000010', 'E06000031', 'E07000099'] }, index)).toBe(true);
  });
});

describe('topics and periods in any order', () => {
  it('<place> [topic] [period]', () => {
    const p = parse('market ward dwelling burglary ye sep');
    expect(names('market ward dwelling burglary ye sep')).toEqual(['Market/E07000008']);
    expect(p.topics.map((t) => t.measure.key)).toEqual(['residential-burglary']);
    expect(p.period!.spec).toEqual({ kind: 'year-ending', calendar: 9 });
  });
  it('topic first, synonyms, misspelt topics', () => {
    expect(parse('asb in market').topics[0]!.measure.key).toBe('anti-social-behaviour');
    expect(parse('bike theft cambridge').topics[0]!.measure.key).toBe('bicycle-theft');
    const p = parse('market burglery');
    expect(p.topics[0]).toMatchObject({ how: 'fuzzy', text: 'burglery' });
    expect(p.topics[0]!.measure.key).toBe('burglary');
  });
  it('a place name that starts with a month stays a place; a month after it is the period', () => {
    const p = parse('march east burglary march');
    expect(p.places.map((x) => x.candidates[0]!.name)).toEqual(['March East']);
    expect(p.period!.spec).toEqual({ kind: 'month', calendar: 3 });
  });
  it('every period form', () => {
    const spec = (t: string) => parse(`market ${t}`).period?.spec;
    expect(spec('last month')).toEqual({ kind: 'latest' });
    expect(spec('april')).toEqual({ kind: 'month', calendar: 4 });
    expect(spec('apr 2023')).toEqual({ kind: 'month', calendar: 4, year: 2023 });
    expect(spec('ye sep')).toEqual({ kind: 'year-ending', calendar: 9 });
    expect(spec('year ending september 2023')).toEqual({ kind: 'year-ending', calendar: 9, year: 2023 });
    expect(spec('ye')).toEqual({ kind: 'year-ending' });
    expect(spec('2024/25')).toEqual({ kind: 'year-label', label: '2024/25', financial: false });
    expect(spec('fy 2023/24')).toEqual({ kind: 'year-label', label: '2023/24', financial: true });
    expect(spec('fytd')).toEqual({ kind: 'fytd' });
    expect(spec('financial year to date')).toEqual({ kind: 'fytd' });
  });
  it('words that match nothing are reported', () => {
    expect(parse('market ward xyzzy').unknown).toEqual(['xyzzy']);
    expect(parse('show me the figures for market').unknown).toEqual([]);
    expect(parse('by crime type market').flags.has('by-type')).toBe(true);
  });
});

describe('resolving periods against the data', () => {
  const latest = '2024-04';
  const r = (spec: Parameters<typeof resolvePeriod>[0], end = 9) => resolvePeriod(spec, latest, end);
  it('months and years ending', () => {
    expect(r({ kind: 'latest' })).toMatchObject({ ok: true, period: { reference: '2024-04', focus: { label: 'April 2024' } } });
    expect(r({ kind: 'month', calendar: 5 })).toMatchObject({ ok: true, period: { reference: '2023-05' } });
    expect(r({ kind: 'month', calendar: 5, year: 2024 })).toMatchObject({ ok: false });
    expect(r({ kind: 'year-ending', calendar: 9 })).toMatchObject({
      ok: true,
      period: { reference: '2023-09', focus: { from: '2022-10', to: '2023-09', label: 'year ending September 2023' } },
    });
    expect(r({ kind: 'year-ending' })).toMatchObject({ ok: true, period: { reference: '2024-04', focus: { from: '2023-05' } } });
  });
  it('"2024/25" is the partnership reporting year (Cambridge: YE September 2025): not yet; "2023/24" is running', () => {
    expect(r({ kind: 'year-label', label: '2024/25', financial: false })).toMatchObject({ ok: false });
    const running = r({ kind: 'year-label', label: '2023/24', financial: false });
    expect(running).toMatchObject({ ok: true, period: { reference: '2024-04', focus: { kind: 'range', from: '2023-10', to: '2024-04' } } });
    const march = r({ kind: 'year-label', label: '2022/23', financial: false }, 3);
    expect(march).toMatchObject({ ok: true, period: { reference: '2023-03', focus: { from: '2022-04', to: '2023-03' } } });
    expect(r({ kind: 'year-label', label: '2023/24', financial: true })).toMatchObject({ ok: true, period: { focus: { from: '2023-04', to: '2024-03' } } });
    // "fytd" is the partnership's reporting year so far, named as its years are: one meaning of "2023/24" in a channel
    expect(r({ kind: 'fytd' })).toMatchObject({ ok: true, period: { focus: { from: '2023-10', to: '2024-04', label: '2023/24 to April' } } });
    expect(r({ kind: 'fytd' }, 3)).toMatchObject({ ok: true, period: { focus: { from: '2024-04', to: '2024-04', label: '2024/25 to April' } } });
  });
  it('a month before the data starts', () => {
    expect(resolvePeriod({ kind: 'month', calendar: 1, year: 2010 }, latest, 9, '2019-05')).toMatchObject({ ok: false });
  });
});

describe('what the data can answer for a topic', () => {
  const none = () => false;
  const all = () => true;
  it('"dwelling burglary" -> residential burglary with the partnership extract, else all burglary with a note', () => {
    const with_ = effectiveMeasure(tax, tax.require('residential-burglary'), all);
    expect('measure' in with_ && with_.measure.key).toBe('residential-burglary');
    const without = effectiveMeasure(tax, tax.require('residential-burglary'), none);
    expect('measure' in without && without.measure.key).toBe('burglary');
    expect('notes' in without && without.notes[0]).toMatch(/police\.uk does not split burglary/);
  });
  it('composites sum their members, or their police.uk members with the taxonomy note', () => {
    const all13 = effectiveMeasure(tax, tax.require('all-crime'), none);
    expect('parts' in all13 && all13.parts).toHaveLength(13);
    const pl = effectiveMeasure(tax, tax.require('personal-loss'), none);
    expect('parts' in pl && pl.parts.map((p) => p.key)).toEqual(['bicycle-theft', 'other-theft', 'theft-from-the-person']);
    expect('notes' in pl && pl.notes.join(' ')).toMatch(/residential burglary and personal robbery are left out/);
    const full = effectiveMeasure(tax, tax.require('personal-loss'), all);
    expect('parts' in full && full.parts.map((p) => p.key)).toContain('residential-burglary');
  });
  it('partnership-only measures with no police.uk parent are unavailable without the extract', () => {
    expect(effectiveMeasure(tax, tax.require('domestic-abuse-crimes'), none)).toHaveProperty('unavailable');
  });
});
