// `wardwatch outbox [--json] [--all]`, `wardwatch outbox retry <id>`, `wardwatch outbox deliver`:
// what Wardwatch has still to post (digests, corrections, summaries, briefs), why it has not, and what
// an operator can do about it.
import { loadConfig } from '../../../config/load.ts';
import { UserError } from '../../../core/errors.ts';
import { deliverOutboxNow } from '../../../service/deliver-outbox.ts';
import type { DeliveryOutcome } from '../../../service/outbox.ts';
import { openStore } from '../../../store/open.ts';
import type { OutboxMessage, OutboxState, Store } from '../../../store/types.ts';
import type { Verb } from '../main.ts';

const USAGE = `usage: wardwatch outbox [--json] [--all]
       wardwatch outbox retry <id> [--json]
       wardwatch outbox deliver [--json]

Lists the messages waiting to be posted (pending, sending, deferred) and those that failed, oldest
first, with their last error. --all lists the sent ones too.

  retry <id>   makes a failed (or waiting) message due now with a fresh count of attempts, and tries
               to deliver what is due (Slack needs SLACK_BOT_TOKEN here; otherwise a running
               \`wardwatch serve\` delivers it within seconds)
  deliver      delivers every message that is due now, then exits
  --json       machine-readable: { summary, messages: [...] } (deliver/retry: { outcomes: [...] })`;

const WAITING: readonly OutboxState[] = ['pending', 'sending', 'deferred', 'failed'];

function zoned(iso: string | null, timeZone: string): string {
  if (!iso) return '-';
  return new Intl.DateTimeFormat('en-GB', {
    timeZone,
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(iso));
}

function age(fromIso: string, now: Date): string {
  const s = Math.max(0, Math.round((now.getTime() - Date.parse(fromIso)) / 1000));
  if (s < 90) return `${s} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  if (s < 48 * 3600) return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
  return `${Math.round(s / 86400)} days`;
}

/** What the state means in words, for the operator. */
function status(m: OutboxMessage, timeZone: string, now: Date): string {
  switch (m.state) {
    case 'pending':
      if (m.lastError && m.attempts > 0) return `retrying: attempt ${m.attempts + 1} at ${zoned(m.nextAttemptAt, timeZone)}`;
      if (m.lastError) return `waiting until ${zoned(m.nextAttemptAt, timeZone)}`;
      return m.nextAttemptAt > now.toISOString() ? `scheduled for ${zoned(m.nextAttemptAt, timeZone)}` : `due (waiting ${age(m.createdAt, now)})`;
    case 'sending':
      return `being delivered by ${m.leaseOwner ?? '?'} (lease until ${zoned(m.leaseExpiresAt, timeZone)})`;
    case 'deferred':
      return `quiet hours: held until ${zoned(m.nextAttemptAt, timeZone)}`;
    case 'failed':
      return `FAILED${m.attempts ? ` after ${m.attempts} attempt${m.attempts === 1 ? '' : 's'}` : ''}: fix the cause, then wardwatch outbox retry ${m.id}`;
    case 'sent':
      return `sent ${zoned(m.sentAt, timeZone)} as ${m.platformMessageId ?? '?'}`;
  }
}

function messageJson(m: OutboxMessage) {
  return {
    id: m.id,
    idempotencyKey: m.idempotencyKey,
    channel: m.channel,
    kind: m.kind,
    title: m.reply.title,
    state: m.state,
    attempts: m.attempts,
    nextAttemptAt: m.nextAttemptAt,
    lastError: m.lastError,
    threadOf: m.threadOf,
    leaseOwner: m.leaseOwner,
    leaseExpiresAt: m.leaseExpiresAt,
    platformMessageId: m.platformMessageId,
    createdAt: m.createdAt,
    sentAt: m.sentAt,
  };
}

function outcomeLine(o: DeliveryOutcome): string {
  const what = `#${o.id} ${o.key} -> ${o.channel}`;
  switch (o.outcome) {
    case 'sent':
      return `sent     ${what} (${o.platformMessageId})`;
    case 'found':
      return `found    ${what}: had already arrived (${o.platformMessageId}); not posted again`;
    case 'retry':
      return `retry    ${what}: ${o.detail}; next attempt ${o.nextAttemptAt}`;
    case 'failed':
      return `FAILED   ${what}: ${o.detail}`;
    case 'deferred':
      return `deferred ${what}: ${o.detail} until ${o.nextAttemptAt}`;
    default:
      return `${o.outcome.padEnd(8)} ${what}: ${o.detail ?? ''}`;
  }
}

async function list(store: Store, options: { json: boolean; all: boolean; timeZone: string }): Promise<number> {
  const now = new Date();
  const messages = await store.outboxMessages(options.all ? {} : { states: WAITING });
  const summary = await store.outboxSummary();
  if (options.json) {
    console.log(JSON.stringify({ summary, messages: messages.map(messageJson) }, null, 2));
    return 0;
  }
  const c = summary.counts;
  const head = `Outbox: ${c.pending} pending, ${c.sending} sending, ${c.deferred} deferred, ${c.failed} failed, ${c.sent} sent.`;
  console.log(summary.oldestUnsentAt ? `${head} Oldest unsent: ${age(summary.oldestUnsentAt, now)}.` : head);
  if (!messages.length) {
    console.log(options.all ? 'Nothing has been enqueued yet.' : 'Nothing is waiting to be posted.');
    return 0;
  }
  for (const m of messages) {
    console.log('');
    console.log(`#${m.id}  ${m.kind} to ${m.channel}  [${m.state}]  ${m.idempotencyKey}`);
    console.log(`     "${m.reply.title}"${m.threadOf ? ` (in the thread of ${m.threadOf})` : ''}`);
    console.log(`     ${status(m, options.timeZone, now)}`);
    if (m.lastError) console.log(`     last error: ${m.lastError}`);
  }
  return c.failed > 0 ? 1 : 0;
}

async function deliver(store: Store, json: boolean, only?: number): Promise<DeliveryOutcome[]> {
  const { config } = loadConfig();
  const log = (line: string) => console.error(line);
  const outcomes = await deliverOutboxNow({
    store,
    config,
    env: process.env,
    log,
    onOutcome(o) {
      if (!json && (only === undefined || o.id === only)) console.log(outcomeLine(o));
    },
  });
  return outcomes;
}

const verb: Verb = {
  summary: 'list, retry and deliver the messages waiting to be posted',
  async run(args) {
    let json = false;
    let all = false;
    const words: string[] = [];
    for (const a of args) {
      if (a === '--help' || a === '-h') {
        console.log(USAGE);
        return 0;
      } else if (a === '--json') json = true;
      else if (a === '--all') all = true;
      else if (a.startsWith('--')) throw new UserError(`unknown option ${a}\n\n${USAGE}`);
      else words.push(a);
    }
    const [sub, ...rest] = words;
    const { config } = loadConfig();
    const store = await openStore();
    try {
      if (sub === undefined) return await list(store, { json, all, timeZone: config.timezone });
      if (sub === 'retry') {
        if (rest.length !== 1 || !/^\d+$/.test(rest[0]!)) throw new UserError(`retry needs one message id (a number from \`wardwatch outbox\`)\n\n${USAGE}`);
        const id = Number(rest[0]);
        const before = await store.outboxMessage(id);
        if (!before) throw new UserError(`no outbox message #${id}`);
        if (before.state === 'sent') throw new UserError(`#${id} was sent ${before.sentAt} (${before.platformMessageId}); it is not posted again`);
        if (before.state === 'sending') throw new UserError(`#${id} is being delivered now by ${before.leaseOwner}; wait for it`);
        await store.retryOutbox(id, new Date().toISOString());
        if (!json) console.log(`#${id} is due now${before.lastError ? ` (last error: ${before.lastError})` : ''}.`);
        const outcomes = await deliver(store, json, id);
        const after = await store.outboxMessage(id);
        if (json) console.log(JSON.stringify({ outcomes, message: after ? messageJson(after) : null }, null, 2));
        else if (after && !outcomes.some((o) => o.id === id)) console.log(`#${id}: this process cannot deliver to ${after.channel}; \`wardwatch serve\` will.`);
        return after?.state === 'failed' ? 1 : 0;
      }
      if (sub === 'deliver') {
        if (rest.length) throw new UserError(`deliver takes no arguments\n\n${USAGE}`);
        const outcomes = await deliver(store, json);
        if (json) console.log(JSON.stringify({ outcomes }, null, 2));
        else if (!outcomes.length) console.log('Nothing is due.');
        return outcomes.some((o) => o.outcome === 'failed') ? 1 : 0;
      }
      throw new UserError(`unknown outbox command "${sub}"\n\n${USAGE}`);
    } finally {
      await store.close();
    }
  },
};

export default verb;
