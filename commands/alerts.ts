// `/crime alerts`: what is open for this channel's partnership (within its scope and clearance), since
// when, why, and who acknowledged it. `/crime alerts ack <id>` acknowledges one (the Acknowledge button
// runs it; surfaces that know who pressed it record that person, see src/alerting/acknowledge.ts).
import { acknowledgeFromChannel, parseAckCommand } from '../src/alerting/acknowledge.ts';
import { shortPartnershipName } from '../src/alerting/digest.ts';
import { whoAsked } from '../src/alerting/mutes.ts';
import { SNAPPED_POINTS_NOTE } from '../src/alerting/explain.ts';
import { channelMaySee } from '../src/alerting/pipeline.ts';
import type { Command, CommandContext } from '../src/core/dispatch.ts';
import { monthName } from '../src/core/periods.ts';
import type { Reply } from '../src/core/reply.ts';
import { OPEN_ALERT_STATES } from '../src/store/types.ts';

export async function openAlerts(ctx: CommandContext): Promise<Reply> {
  const alerts = await ctx.store.alerts({ states: OPEN_ALERT_STATES, partnership: ctx.partnership.id });
  const areas = await ctx.store.areasByCode(alerts.map((a) => a.areaCode));
  const visible = alerts.filter((a) => channelMaySee(ctx.channel, ctx.partnership, a, areas.get(a.areaCode)?.parentCode ?? null, null));
  const acks = await ctx.store.alertAcknowledgements(visible.map((a) => a.id));
  const who = shortPartnershipName(ctx.partnership.name);
  visible.sort((a, b) => (a.sinceMonth === b.sinceMonth ? a.id - b.id : a.sinceMonth < b.sinceMonth ? 1 : -1));
  const lines = visible.map((a, i) => {
    const ack = acks.filter((k) => k.alertId === a.id).at(-1);
    const state =
      a.state === 'no-data'
        ? ` No figure this month: ${a.explanation.noData ?? 'the data has not arrived'}.`
        : a.state === 'recovering'
          ? ' Back within range, not yet for long enough to close.'
          : '';
    return `${i + 1}. ${a.explanation.headline}. Open since ${monthName(a.sinceMonth)} (#${a.id}).${state} ${a.explanation.sentence}${ack ? ` Acknowledged by ${ack.by} on ${ack.at.slice(0, 10)}.` : ''}`;
  });
  return {
    kind: 'alerts',
    title: visible.length ? `${who}: ${visible.length} alert${visible.length === 1 ? '' : 's'} open` : `${who}: no alerts open`,
    summary: visible.length ? lines.join('\n\n') : 'Nothing is firing for this channel. Alerts arrive here in the digest when each month of data lands.',
    figures: [],
    table: visible.length
      ? {
          columns: ['#', 'Area', 'Measure', 'State', 'Since', 'Acknowledged'],
          rows: visible.map((a) => {
            const ack = acks.filter((k) => k.alertId === a.id).at(-1);
            return [String(a.id), a.areaName, a.measureLabel, a.state, monthName(a.sinceMonth), ack ? `${ack.by}, ${ack.at.slice(0, 10)}` : '-'];
          }),
        }
      : undefined,
    notes: visible.length ? [SNAPPED_POINTS_NOTE] : [],
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
        explanation: `${a.explanation.headline}. ${a.explanation.sentence}`,
        acknowledgements: acks.filter((k) => k.alertId === a.id).map((k) => ({ by: k.by, at: k.at, surface: k.surface })),
      })),
    },
  };
}

const command: Command = {
  name: 'alerts',
  summary: 'what is firing for this partnership, since when, why, and who acknowledged it',
  usage: ['alerts'],
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
