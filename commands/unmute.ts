// `/crime unmute <id>` (or `unmute all`): ends this channel's chat mutes now; what they held back is
// posted once, straight away.
import { releaseHeldAlerts } from '../src/alerting/held.ts';
import type { Command } from '../src/core/dispatch.ts';
import { errorReply } from '../src/core/reply.ts';

const command: Command = {
  name: 'unmute',
  summary: 'end a mute set here; what it held back is posted once',
  usage: ['unmute 3', 'unmute all'],
  // An id exists only once a mute is set: the example that answers in any channel is `all`.
  examples: () => ['unmute all'],
  async run(args, ctx) {
    const at = ctx.now.toISOString();
    const mine = (await ctx.store.alertMutes({ activeAt: at })).filter((m) => m.channel === ctx.channel.name);
    const wanted = args.trim().toLowerCase();
    const targets = wanted === 'all' ? mine : mine.filter((m) => `${m.id}` === wanted.replace(/^#/, ''));
    if (!targets.length)
      return errorReply(
        'No such mute here',
        mine.length
          ? `This channel's mutes: ${mine.map((m) => `#${m.id}`).join(', ')}. \`${ctx.prefix} mute list\` says what each holds back.`
          : 'Nothing is muted from chat in this channel.',
        [{ label: 'Mutes here', command: 'mute list' }],
      );
    for (const m of targets) await ctx.store.endAlertMute(m.id, at);
    const released = await releaseHeldAlerts({ store: ctx.store, config: ctx.config, now: ctx.now });
    return {
      kind: 'alerts',
      title: `Unmuted: ${targets.map((m) => `#${m.id}`).join(', ')}`,
      summary: released.enqueued
        ? `What ${targets.length === 1 ? 'it' : 'they'} held back is being posted here now (${released.enqueued} message${released.enqueued === 1 ? '' : 's'}).`
        : `Nothing ${targets.length === 1 ? 'it' : 'they'} held back is still open.`,
      figures: [],
      notes: [],
      actions: [{ label: 'Open alerts', command: 'alerts' }],
    };
  },
};
export default command;
