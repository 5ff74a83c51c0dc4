// Issue 17, "understanding the question": each point asked through answer() in the channel the user
// asked it in, on the fixture store, and checked in the reply's fields (kind, area, measure, period,
// buttons, words).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { makeContext } from '../../src/core/context.ts';
import { answer } from '../../src/core/dispatch.ts';
import type { Reply } from '../../src/core/reply.ts';
import { fixtureStore, type TempStore } from '../helpers/store.ts';

let t: TempStore;
const { config } = loadConfig();
beforeAll(async () => {
  t = await fixtureStore({ history: true });
});
afterAll(() => t?.cleanup());

const ask = (text: string, channel = 'cambridge-csp'): Promise<Reply> => answer(text, makeContext({ store: t.store, config, channel, now: new Date('2024-05-20T09:00:00Z') }));
const data = (r: Reply) => r.data as Record<string, any>;
const text = (r: Reply) => [r.title, r.summary ?? '', ...r.figures.map((f) => f.wording), ...r.notes].join('\n');

/** Every button of a reply, run in the same channel: none of them may be refused. */
async function buttonsAnswer(r: Reply, channel: string): Promise<void> {
  for (const a of r.actions) {
    const next = await ask(a.command, channel);
    expect(next.kind, `button "${a.label}" (${a.command}) in #${channel}: ${next.title}: ${next.summary}`).not.toBe('error');
  }
}

describe('"the" is not a place', () => {
  it('"the market ward" in #cambridge-csp is Market ward, with no question about "the"', async () => {
    const r = await ask('the market ward');
    expect(r.kind).toBe('answer');
    expect(data(r).area).toMatchObject({ name: 'Market', type: 'ward' });
    expect(text(r)).not.toMatch(/Which the|Stukeleys|Mordens/);
  });
  it('a longer question with "the" in it never offers The Stukeleys', async () => {
    const r = await ask('show me the burglary figures for the market ward in the latest month');
    expect(r.kind).toBe('answer');
    expect(data(r).area.name).toBe('Market');
    expect(r.actions.map((a) => a.label).join(' ')).not.toMatch(/Stukeleys|Mordens/);
  });
  it('"the stukeleys" still names The Stukeleys (in a channel that covers it)', async () => {
    const r = await ask('the stukeleys', 'countywide-board');
    expect(r.kind).toBe('answer');
    expect(data(r).area.name).toBe('The Stukeleys');
  });
});

describe("a place in the channel's own partnership beats a month word", () => {
  it('"march" in #fenland-csp is March the town: its four wards, and "did you mean the month?"', async () => {
    const r = await ask('march', 'fenland-csp');
    expect(r.kind).toBe('choices');
    const names = (data(r).choices as Array<{ name: string }>).map((c) => c.name);
    expect(names).toEqual(['March East', 'March North', 'March South', 'March West & Benwick']);
    expect(r.summary).toMatch(/place in this partnership comes before a month/);
    const month = r.actions.find((a) => a.label === 'Did you mean the month?');
    expect(month, 'a "did you mean the month?" follow-up').toBeTruthy();
    const asMonth = await ask(month!.command, 'fenland-csp');
    expect(asMonth.kind).toBe('answer');
    expect(data(asMonth).area.name).toBe('Fenland');
    expect(data(asMonth).period.label).toBe('March 2024');
    await buttonsAnswer(r, 'fenland-csp');
  });
  it('"march 2024" in #fenland-csp is the month; "march" in #cambridge-csp is the month', async () => {
    expect(data(await ask('march 2024', 'fenland-csp')).period.label).toBe('March 2024');
    const cam = await ask('march');
    expect(cam.kind).toBe('answer');
    expect(data(cam).area.name).toBe('Cambridge');
    expect(data(cam).period.label).toBe('March 2024');
  });
  it('"march north asb" in #fenland-csp answers for March North ward', async () => {
    const r = await ask('march north asb', 'fenland-csp');
    expect(data(r).area.name).toBe('March North');
    expect(data(r).measure.key).toBe('anti-social-behaviour');
  });
  it('help states the rule', async () => {
    expect((await ask('help', 'fenland-csp')).summary).toMatch(/A place in this partnership comes before a month/);
  });
});

describe("a measure's own label beats two one-word topics", () => {
  for (const [q, key] of [
    ['market asb nuisance', 'asb-nuisance'],
    ['market asb environmental', 'asb-environmental'],
    ['market nuisance asb', 'asb-nuisance'],
    ['market asb personal', 'asb-personal'],
  ] as const) {
    it(`"${q}" is ${key}`, async () => {
      const r = await ask(q);
      expect(r.kind).toBe('answer');
      expect(data(r).requestedMeasure.key).toBe(key);
    });
  }
});

describe('"2024/25" means one thing in one channel', () => {
  it('in #cambridge-csp, fytd is the reporting year so far, labelled as the reporting year is (year ending September)', async () => {
    const fytd = data(await ask('market fytd'));
    // Cambridge's year 2023/24 runs October 2023 to September 2024.
    expect(fytd.period).toMatchObject({ from: '2023-10', to: '2024-04', label: '2023/24 to April' });
    const label = data(await ask('market 2023/24'));
    expect(label.period.from).toBe('2023-10');
    expect(label.period.label).toMatch(/^2023\/24 so far/);
  });
  it('in #fenland-csp (year ending March) both are the April year', async () => {
    expect(data(await ask('fenland fytd', 'fenland-csp')).period).toMatchObject({ from: '2024-04', to: '2024-04', label: '2024/25 to April' });
    expect(data(await ask('fenland 2023/24', 'fenland-csp')).period).toMatchObject({ from: '2023-04', to: '2024-03' });
  });
  it("the market reply's year-to-date figure uses the same year", async () => {
    const r = await ask('market ward');
    const fytd = (data(r).figures as Array<{ id: string; period: string }>).find((f) => f.id === 'fytd')!;
    expect(fytd.period).toBe('2023/24 to April');
  });
});

describe("places named inside other names, and the channel's own places first", () => {
  it('"chesterton" offers East and West Chesterton', async () => {
    const r = await ask('chesterton');
    expect(r.kind).toBe('choices');
    expect((data(r).choices as Array<{ name: string }>).map((c) => c.name)).toEqual(['East Chesterton', 'West Chesterton']);
    await buttonsAnswer(r, 'cambridge-csp');
  });
  it('"east" in #cambridge-csp is East Chesterton, saying East ward (Peterborough) is outside', async () => {
    const r = await ask('east');
    expect(r.kind).toBe('answer');
    expect(data(r).area.name).toBe('East Chesterton');
    expect(r.summary).toMatch(/East ward \(Peterborough\) is outside this partnership/);
  });
  it('"east" in #countywide-board still means the ward called East', async () => {
    expect(data(await ask('east', 'countywide-board')).area.name).toBe('East');
  });
  it('"st ives" in #cambridge-csp: outside this partnership, in words; no button to a place that is then refused', async () => {
    const r = await ask('st ives');
    expect(r.kind).toBe('error');
    expect(r.summary).toMatch(/St Ives East, St Ives South and St Ives West wards \(Huntingdonshire\) are outside/);
    expect(r.actions.map((a) => a.label).join(' ')).not.toMatch(/St Ives/);
    await buttonsAnswer(r, 'cambridge-csp');
  });
  it('choices never offer an outside place as a button; they name it as text', async () => {
    // "castle" is a Cambridge ward and the start of other wards' names elsewhere.
    for (const q of ['chesterton', 'north', 'st', 'march']) {
      for (const channel of ['cambridge-csp', 'fenland-csp']) {
        const r = await ask(q, channel);
        await buttonsAnswer(r, channel);
      }
    }
  });
});

describe('words a user types that were not understood', () => {
  it('"knife crime" is possession of weapons, saying what it counts', async () => {
    const r = await ask('market knife crime');
    expect(r.kind).toBe('answer');
    expect(data(r).measure.key).toBe('possession-of-weapons');
    expect(r.summary).toMatch(/^Knife crime is not counted as such/);
  });
  it('"calendar year 2023" is January to December 2023', async () => {
    for (const q of ['market calendar year 2023', 'market 2023', 'market cy 2023']) {
      const r = await ask(q);
      expect(r.kind, q).toBe('answer');
      expect(data(r).period, q).toMatchObject({ from: '2023-01', to: '2023-12', label: 'calendar year 2023' });
    }
    // its comparison is the calendar year before
    const f = (data(await ask('market calendar year 2023')).figures as Array<{ id: string; wording: string }>).find((x) => x.id === 'period')!;
    expect(f.wording).toMatch(/on calendar year 2022/);
  });
  it('"trend" asks for the 24-month chart: market burglary trend', async () => {
    const r = await ask('market burglary trend');
    expect(r.kind).toBe('answer');
    expect(data(r).measure.key).toBe('burglary');
    expect(r.chart?.kind).toBe('trend');
  });
  it('"top asb districts" on the countywide board ranks the districts; "top violence county" too', async () => {
    for (const q of ['top asb districts', 'top violence county', 'top violence districts']) {
      const r = await ask(q, 'countywide-board');
      expect(r.kind, q).toBe('answer');
      expect(data(r).area.type, q).toBe('force');
      expect((data(r).ranking as unknown[]).length, q).toBe(6);
    }
  });
  it('"top asb districts" in #cambridge-csp says why not, and offers the wards', async () => {
    const r = await ask('top asb districts');
    expect(r.kind).toBe('error');
    expect(r.summary).toMatch(/wider than Cambridge City Community Safety Partnership/);
    await buttonsAnswer(r, 'cambridge-csp');
  });
});

describe('"market sexual offences" is handled the same way in every channel', () => {
  it('a refusal with its reason in each channel, never another measure silently', async () => {
    const replies: Record<string, Reply> = {};
    for (const channel of ['cambridge-csp', 'cambridge-analysts', 'countywide-board']) replies[channel] = await ask('market sexual offences', channel);
    for (const [channel, r] of Object.entries(replies)) {
      expect(r.kind, channel).toBe('error');
      expect(r.title, channel).not.toMatch(/Violence and sexual offences/);
      // each refusal offers the police.uk measure it sits inside, which answers
      expect(
        r.actions.map((a) => a.label),
        channel,
      ).toContain('Violence and sexual offences');
      await buttonsAnswer(r, channel);
    }
    expect(replies['cambridge-csp']!.summary).toMatch(/sensitive measure/);
    expect(replies['cambridge-analysts']!.summary).toMatch(/come only from the partnership's own extract/);
  });
});
