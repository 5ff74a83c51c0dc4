// `/crime alerts`: what is open for this channel's partnership (within its scope and clearance), since
// when, why, and who acknowledged it. `/crime alerts ack <id>` acknowledges one (the Acknowledge button
// runs it; surfaces that know who pressed it record that person, see src/alerting/acknowledge.ts).
import { acknowledgeFromChannel, parseAckCommand } from '../src/alerting/acknowledge.ts';
import { shortPartnershipName } from '../src/alerting/digest.ts';
import { whoAsked } from '../src/alerting/mutes.ts';
import { alertMethods, SNAPPED_POINTS_NOTE, storedAlertWords } from '../src/alerting/explain.ts';
import { channelMaySee } from '../src/alerting/audience.ts';
import { whoFor } from '../src/alerting/who.ts';
import type { Command, CommandContext } from '../src/core/dispatch.ts';
import { monthName } from '../src/core/periods.ts';
import type { Reply } from '../src/core/reply.ts';
import { OPEN_ALERT_STATES } from '../src/store/types.ts';

/** Alerts listed with why they fired; the rest by their first line. */
const EXPLAINED = 8;

export async function openAlerts(ctx: CommandContext): Promise<Reply> {
  const alerts = await ctx.store.alerts({ states: OPEN_ALERT_STATES, partnership: ctx.partnership.id });
  const areas = await ctx.store.areasByCode(alerts.map((a) => a.areaCode));
  const visible = alerts.filter((a) => channelMaySee(ctx.channel, ctx.partnership, a, areas.get(a.areaCode)?.parentCode ?? null, null));
  const acks = await ctx.store.alertAcknowledgements(visible.map((a) => a.id));
  const who = shortPartnershipName(ctx.partnership.name);
  visible.sort((a, b) => (a.sinceMonth === b.sinceMonth ? a.id - b.id : a.sinceMonth < b.sinceMonth ? 1 : -1));
  // the stored words, unless they give a small number this channel is not cleared to see
  const rules = { smallNumbers: ctx.channel.clearance.smallNumbers, threshold: ctx.partnership.smallNumberThreshold };
  const words = new Map(visible.map((a) => [a.id, storedAlertWords(a, rules)]));
  const lines = visible.map((a, i) => {
    const ack = acks.filter((k) => k.alertId === a.id).at(-1);
    const w = words.get(a.id)!;
    const state =
      a.state === 'no-data'
        ? ` No figure this month: ${a.explanation.noData ?? 'the data has not arrived'}.`
        : a.state === 'recovering' && !/back to normal/.test(w.sentence)
          ? ' Back to normal, not yet for long enough to close.'
          : '';
    // The first few with why; the rest by their first line (the table has them all).
    const why = i < EXPLAINED ? ` ${w.sentence}` : '';
    // "Open since" unless the reason already says since when ("A hotspot since September 2023").
    const since = why.includes(`since ${monthName(a.sinceMonth)}`) ? '' : ` Open since ${monthName(a.sinceMonth)}.`;
    return `${i + 1}. ${w.headline} (#${a.id}).${since}${state}${why}${ack ? ` Acknowledged by ${whoFor(ack.by, ctx.channel.platform)} on ${ack.at.slice(0, 10)}.` : ''}`;
  });
  return {
    kind: 'alerts',
    title: visible.length ? `${who}: ${visible.length} alert${visible.length === 1 ? '' : 's'} open` : `${who}: no alerts open`,
    summary: visible.length ? lines.join('\n\n') : 'Nothing is firing for this channel. Alerts arrive here in the digest when each month of data lands.',
    figures: [],
    // A table only when the list is long: a short one would say each alert twice.
    table:
      visible.length > EXPLAINED
        ? {
            columns: ['#', 'Area', 'Measure', 'State', 'Since', 'Acknowledged'],
            rows: visible.map((a) => {
              const ack = acks.filter((k) => k.alertId === a.id).at(-1);
              return [String(a.id), a.areaName, a.measureLabel, a.state, monthName(a.sinceMonth), ack ? `${whoFor(ack.by, ctx.channel.platform)}, ${ack.at.slice(0, 10)}` : '-'];
            }),
          }
        : undefined,
    notes: visible.length ? [SNAPPED_POINTS_NOTE] : [],
    ...(visible.length ? { about: alertMethods(visible.map((a) => a.kind)) } : {}),
    actions: visible
      .filter((a) => !acks.some((k) => k.alertId === a.id))
      .slice(0, 10)
      .map((a) => ({ label: `Acknowledge #${a.id} ${a.areaName}`.slice(0, 75), command: `alerts ack ${a.id}` })),
    data: {
      alerts: visible.map((a) => ({
        id: a.id,
        rule: a.rule,
        areaCode: a.areaCode,
        areaName: a.areaName,
        measure: a.measure,
        state: a.state,
        since: a.sinceMonth,
        explanation: `${words.get(a.id)!.headline}. ${words.get(a.id)!.sentence}`,
        acknowledgements: acks.filter((k) => k.alertId === a.id).map((k) => ({ by: k.by, at: k.at, surface: k.surface })),
      })),
    },
  };
}

const command: Command = {
  name: 'alerts',
  summary: 'what is firing for this partnership, since when, why, and who acknowledged it',
  usage: ['alerts'],
  examples: () => ['alerts'],
  async run(args, ctx) {
    const id = parseAckCommand(`alerts ${args}`);
    // Surfaces that know who pressed the button acknowledge before the command runs; this is the rest.
    if (id !== null)
      return acknowledgeFromChannel({
        store: ctx.store,
        config: ctx.config,
        channel: ctx.channel,
        alertId: id,
        by: whoAsked(ctx),
        surface: 'command',
        now: ctx.now,
      });
    return openAlerts(ctx);
  },
};
export default command;
