// The mute release: what mutes held back (the notification log's held entries), posted once each mute
// is no longer in force, in one message per channel.
import type { Config } from '../config/schema.ts';
import type { NewOutboxMessage, Store } from '../store/types.ts';
import { composeReleased, type DigestLine } from './digest.ts';
import { isOpen } from './episodes.ts';
import { storedAlertWords } from './explain.ts';
import { alertLineFields, keyHash } from './messages.ts';
import { activeMutes, alertSubject, muteMatches } from './mutes.ts';
import { lineNotice, type NewNotice } from './notification-log.ts';

/**
 * Posts, once, what mutes held back, for mutes no longer in force: alerts still firing and never
 * announced in that channel, and back-to-normal notices. Idempotent (the log's keys); safe to run often.
 */
export async function releaseHeldAlerts(deps: { store: Store; config: Config; now?: Date; dryRun?: boolean }): Promise<{ messages: NewOutboxMessage[]; enqueued: number }> {
  const { store, config } = deps;
  const now = deps.now ?? new Date();
  const held = await store.alertNotices({ kinds: ['held', 'held-resolved'] });
  if (!held.length) return { messages: [], enqueued: 0 };
  const mutes = await activeMutes(store, config, now);
  const areas = new Map((await store.areas()).map((a) => [a.code, a]));
  return store.transaction(async (tx) => {
    const alertIds = [...new Set(held.map((h) => h.alertId).filter((x): x is number => x !== null))];
    const alerts = new Map((await tx.alerts({ ids: alertIds })).map((a) => [a.id, a]));
    const notices = await tx.alertNotices({ alertIds });
    const messages: NewOutboxMessage[] = [];
    const newNotices: NewNotice[] = [];
    for (const channel of config.channels) {
      const partnership = config.partnerships.find((p) => p.id === channel.partnership);
      if (!partnership) continue;
      const firing: DigestLine[] = [];
      const resolved: DigestLine[] = [];
      const ended = new Set<string>();
      for (const h of held.filter((x) => x.channel === channel.name)) {
        const a = h.alertId === null ? undefined : alerts.get(h.alertId);
        if (!a) continue;
        if (mutes.some((m) => muteMatches(m, alertSubject(channel.name, a, areas.get(a.areaCode)?.parentCode ?? null)))) continue; // still muted (by this mute or another)
        const said = (kind: string) => notices.some((n) => n.alertId === a.id && n.channel === channel.name && n.kind === kind);
        const l: DigestLine = {
          ...alertLineFields(a),
          ...storedAlertWords(a, { smallNumbers: channel.clearance.smallNumbers, threshold: partnership.smallNumberThreshold }),
          since: a.sinceMonth,
          observed: a.observed,
          command: null,
        };
        if (h.kind === 'held' && isOpen(a.state) && !said('firing') && !firing.some((x) => x.alertId === a.id)) firing.push(l);
        else if (h.kind === 'held-resolved' && said('firing') && !said('resolved') && !resolved.some((x) => x.alertId === a.id)) resolved.push(l);
        else continue;
        ended.add(h.muteKey ?? 'a mute');
      }
      if (!firing.length && !resolved.length) continue;
      const key = `released:${channel.name}:${keyHash([...firing.map((l) => `f${l.alertId}`), ...resolved.map((l) => `r${l.alertId}`)])}`;
      const reply = composeReleased({
        partnership,
        firing,
        resolved,
        mutes: [...ended].map((k) => (k.startsWith('store:') ? `mute ${k.slice(6)}` : `the configured mute ${k.slice(7)}`)),
      });
      messages.push({ idempotencyKey: key, channel: channel.name, kind: 'released', reply, threadOf: null });
      for (const l of firing) newNotices.push(lineNotice('firing', l, channel.name, l.since, key));
      for (const l of resolved) newNotices.push(lineNotice('resolved', l, channel.name, l.since, key));
    }
    if (deps.dryRun) return { messages, enqueued: 0 };
    await tx.recordAlertNotices(newNotices.map((n) => ({ ...n, at: now.toISOString() })));
    const { inserted } = await tx.enqueueOutbox(messages);
    return { messages, enqueued: inserted };
  });
}
