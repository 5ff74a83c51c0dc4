// The conversation port: every surface (Slack, Teams, the local page, the CLI) turns its event into an
// IncomingQuestion and hands it here with a Responder that knows how to show things on that surface.
// This one handler maps the channel to its partnership and clearance, reads "private", runs the
// command, owns the "working on it" notice, the apology when something fails, and the audit line.
import type { ChannelConfig, Config } from '../config/schema.ts';
import type { Store } from '../store/types.ts';
import { makeContext } from './context.ts';
import { answer } from './dispatch.ts';
import type { Reply } from './reply.ts';

export interface IncomingQuestion {
  surface: 'slack' | 'teams' | 'local' | 'cli';
  /** Who asked, as the surface names them (a Slack user id, a Teams AAD object id, 'local', the OS user). */
  userId: string;
  /** The configured channel the question came from (the surface maps its own address to it). */
  channel: ChannelConfig;
  /** What was typed after the surface's prefix ('/crime' in Slack, 'crime' or an @mention in Teams). */
  text: string;
  /** The surface's own privacy signal (a button in a private answer); "private" in the text also counts. */
  private?: boolean;
}

export interface Responder {
  /** How the surface's users start a command: '/crime' (Slack, the local page), 'crime' (Teams). */
  readonly prefix: string;
  /** Whether this surface can answer only the asker (Slack ephemeral, Teams 1:1, the CLI). */
  readonly canAnswerPrivately: boolean;
  /** Shows the answer: to the asker alone when `private`, else where the question was asked. */
  deliver(reply: Reply, options: { private: boolean; /** the question as read (prefix and "private" taken off) */ asked: string }): Promise<void>;
  /** Tells the asker the answer is coming (after `workingNoticeMs` without one). */
  working?(): Promise<void>;
  /** Tells the asker it failed, in words; `reason` is safe to show (no secrets). */
  apologise(reason: string): Promise<void>;
}

export interface ConversationDeps {
  store: Store;
  /** The config, or a getter so a reloaded config is seen without a restart. */
  config: Config | (() => Config);
  now?: () => Date;
  /** One line per question: who, where, which command, how long, how it went (never the bot's secrets). */
  audit?: (line: string) => void;
  /** Default 1000 ms. */
  workingNoticeMs?: number;
  /** Turns a delivery error into a reason a user can read (each surface classifies its own). */
  describeError?: (err: unknown) => string;
}

export interface Outcome {
  reply: Reply | null;
  private: boolean;
  ms: number;
  workingNotice: boolean;
  outcome: 'answered' | 'delivery-failed' | 'failed';
}

/**
 * `market ward private` -> { text: 'market ward', private: true }. The word can sit anywhere, in any case,
 * with punctuation round it ("Private.", "(private)", "--private"): a user who asked for privacy and
 * typed a full stop must not get the answer posted to the whole channel.
 */
export function parsePrivacy(text: string): { text: string; private: boolean } {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const isPrivate = (w: string) => w.toLowerCase().replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '') === 'private';
  const kept = words.filter((w) => !isPrivate(w));
  if (kept.length === words.length) return { text: words.join(' '), private: false };
  return { text: kept.join(' ').replace(/[\s,;:]+$/, ''), private: true };
}

/** Strips the surface's prefix when the user typed it too ("/crime market ward" in the local page). */
export function stripPrefix(text: string, prefix: string): string {
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return text.trim().replace(new RegExp(`^${escaped}(?=\\s|$)\\s*`, 'i'), '');
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Answers one question on one surface. Never throws: every failure reaches the asker as an apology. */
export async function handleQuestion(q: IncomingQuestion, responder: Responder, deps: ConversationDeps): Promise<Outcome> {
  const started = performance.now();
  const config = typeof deps.config === 'function' ? deps.config() : deps.config;
  const asked = parsePrivacy(stripPrefix(q.text, responder.prefix));
  // Asked for privacy where the surface cannot give it: still never posted to the channel; the surface's
  // deliver() decides how (e.g. Teams answers in a 1:1 chat).
  const wantsPrivate = q.private === true || asked.private;
  let finished = false;
  let workingNotice = false;
  const timer = responder.working
    ? setTimeout(() => {
        if (finished) return;
        workingNotice = true;
        responder.working!().catch((err: unknown) => deps.audit?.(`${q.surface}: "working on it" notice failed: ${errorText(err)}`));
      }, deps.workingNoticeMs ?? 1000)
    : null;
  const command = asked.text.split(/\s+/)[0]?.toLowerCase() || 'help';
  const finish = (outcome: Outcome['outcome'], reply: Reply | null, priv: boolean): Outcome => {
    finished = true;
    if (timer) clearTimeout(timer);
    const ms = Math.round(performance.now() - started);
    deps.audit?.(
      `${q.surface}: ${outcome} user=${q.userId} channel=${q.channel.name} command=${command} words=${asked.text ? asked.text.split(/\s+/).length : 0}${priv ? ' private' : ''} reply=${reply?.kind ?? '-'} ${ms}ms`,
    );
    return { reply, private: priv, ms, workingNotice, outcome };
  };

  let reply: Reply;
  try {
    const ctx = makeContext({ store: deps.store, config, channel: q.channel, now: deps.now?.(), prefix: responder.prefix, user: { id: q.userId, surface: q.surface } });
    reply = await answer(asked.text, ctx);
  } catch (err) {
    // answer() turns command failures into replies; this is the context itself failing (a bad channel).
    deps.audit?.(`${q.surface}: could not answer in ${q.channel.name}: ${errorText(err)}`);
    await responder.apologise('that question could not be answered just now').catch(() => undefined);
    return finish('failed', null, wantsPrivate);
  }
  const priv = wantsPrivate || reply.ephemeral === true;
  try {
    await responder.deliver(reply, { private: priv, asked: asked.text });
    return finish('answered', reply, priv);
  } catch (err) {
    const reason = deps.describeError?.(err) ?? 'the answer could not be delivered';
    deps.audit?.(`${q.surface}: delivering the answer in ${q.channel.name} failed: ${reason}`);
    await responder.apologise(reason).catch((e: unknown) => deps.audit?.(`${q.surface}: the apology failed too: ${deps.describeError?.(e) ?? errorText(e)}`));
    return finish('delivery-failed', reply, priv);
  }
}
