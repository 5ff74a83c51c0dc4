// What the Bolt app does: `/crime <text>` and the follow-up buttons. Both run the real dispatcher
// (`answer`) as the configured channel they come from, then post in channel (or thread) with the chart,
// or answer privately through response_url. A refusal from Slack becomes an apology to the user.
import type { App, Logger, RespondArguments, RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { ChannelConfig, Config } from '../../config/schema.ts';
import { DEFAULT_PREFIX } from '../../core/context.ts';
import { handleQuestion, type Responder } from '../../core/conversation.ts';
import type { Store } from '../../store/types.ts';
import { acknowledgeFromChannel, parseAckCommand } from '../../alerting/acknowledge.ts';
import { slackUser } from '../../alerting/who.ts';
import { apologyMessage, hintFor, replyBlocks, RUN_ACTION_PREFIX, unlinkedChannelMessage, type SlackMessage } from './blocks.ts';
import { classifySlackError, postReply, type ChartSupport } from './deliver.ts';
import { AnswerQueue } from './answer-queue.ts';
import type { SlackInstallStore } from './installStore.ts';

export type SlackChannel = Extract<ChannelConfig, { platform: 'slack' }>;

export interface HandlerDeps extends ChartSupport {
  store: Store;
  /** The config, or a getter so a reloaded config is seen without restarting. */
  config: Config | (() => Config);
  logger: Logger;
  /** After this long without an answer the user gets an ephemeral "working on it" (default 1000 ms). */
  workingNoticeMs?: number;
  now?: () => Date;
  /** The slash command (default /crime). */
  command?: string;
  installStore?: SlackInstallStore | undefined;
  /** A Web API call failed (posting an answer, uploading its chart): the connection monitor hears of it. */
  onSlackError?: (err: unknown) => void;
  /** Where answers wait their turn after the ack (default: a queue of 4 at once, 2000 waiting). */
  answers?: AnswerQueue;
  /** Called with timings, for tests and the bench. */
  onTiming?: (t: { kind: 'command' | 'action'; ackMs: number; totalMs: number; private: boolean; workingNotice: boolean }) => void;
}

/** The configured channel for a Slack channel ID (and workspace, when the config names one). */
export function slackChannelFor(config: Config, teamId: string | undefined, channelId: string | undefined): SlackChannel | undefined {
  if (!channelId) return undefined;
  return config.channels.find((c): c is SlackChannel => c.platform === 'slack' && c.slackChannelId === channelId && (!c.slackTeamId || !teamId || c.slackTeamId === teamId));
}

/** Re-exported for the Slack surface's callers; the rule itself lives with the conversation port. */
export { parsePrivacy } from '../../core/conversation.ts';

function asRespond(message: SlackMessage, responseType: 'ephemeral' | 'in_channel' = 'ephemeral'): RespondArguments {
  return { response_type: responseType, text: message.text, blocks: message.blocks } as unknown as RespondArguments;
}

interface Question {
  kind: 'command' | 'action';
  started: number;
  ackMs: number;
  teamId: string | undefined;
  channelId: string;
  channel: SlackChannel;
  userId: string;
  /** The name the interaction carried (slash command user_name, the action's user.name), for surfaces other than Slack. */
  userName?: string | undefined;
  text: string;
  private: boolean;
  threadTs?: string | undefined;
  respond: RespondFn;
  client: WebClient;
  /** The ack already told the asker their question is queued: no second "working on it". */
  queuedNotice?: boolean;
}

/** What the ack says when a question has to wait behind this many others (none when it starts at once). */
function queuedMessage(ahead: number): RespondArguments {
  return { response_type: 'ephemeral', text: `Working on it… (${ahead} question${ahead === 1 ? '' : 's'} ahead of yours)` } as unknown as RespondArguments;
}

/** What the ack says when the queue is full: nothing was started, so the user may simply ask again. */
function busyMessage(waiting: number): RespondArguments {
  return {
    response_type: 'ephemeral',
    text: `Wardwatch is answering a lot of questions just now (${waiting} waiting) and did not take yours: please ask again in a minute.`,
  } as unknown as RespondArguments;
}

export function registerHandlers(app: App, deps: HandlerDeps): void {
  const config = () => (typeof deps.config === 'function' ? deps.config() : deps.config);
  const log = deps.logger;
  const workingNoticeMs = deps.workingNoticeMs ?? 1000;
  const answers = deps.answers ?? new AnswerQueue({ onError: (err) => log.error(`slack: answering failed: ${err instanceof Error ? err.message : String(err)}`) });

  /**
   * Acks first, then queues the answer: nothing is read or drawn before Slack has its ack. A question that
   * has to wait is told so in the ack; one the full queue cannot take is told to ask again.
   */
  async function ackThenQueue(
    ack: (response?: RespondArguments) => Promise<void>,
    started: number,
    question: (ackMs: number, queuedNotice: boolean) => Question | null,
    /** Buttons: their ack carries no message, so a notice goes through response_url instead. */
    noticeBy?: RespondFn,
  ): Promise<void> {
    let acked!: (ackMs: number) => void;
    const ackDone = new Promise<number>((resolve) => (acked = resolve));
    let queuedNotice = false;
    const admitted = answers.offer(async () => {
      const q = question(await ackDone, queuedNotice);
      if (q) await run(q);
    });
    queuedNotice = admitted.accepted && admitted.ahead >= answers.concurrency;
    const notice = admitted.accepted ? (queuedNotice ? queuedMessage(admitted.ahead - answers.concurrency + 1) : undefined) : busyMessage(admitted.waiting);
    try {
      await ack(noticeBy ? undefined : notice);
    } finally {
      acked(Date.now() - started);
    }
    if (noticeBy && notice) await noticeBy(notice).catch((err: unknown) => deps.onSlackError?.(err));
    if (!admitted.accepted) log.warn(`slack: answer queue full (${admitted.waiting} waiting): a question was refused with "ask again"`);
  }

  // Every question goes through the one conversation handler; this is how Slack shows its parts.
  async function run(q: Question): Promise<void> {
    // The Acknowledge button (and `/crime alerts ack <id>`): recorded as the Slack user who pressed it.
    const ackId = parseAckCommand(q.text);
    if (ackId !== null) {
      const reply = await acknowledgeFromChannel({
        store: deps.store,
        config: config(),
        channel: q.channel,
        alertId: ackId,
        // A mention in Slack, the name elsewhere (src/alerting/who.ts).
        by: slackUser(q.userId, q.userName),
        surface: 'slack',
        ...(deps.now ? { now: deps.now() } : {}),
      });
      try {
        if (reply.kind === 'error') await q.respond(asRespond(replyBlocks(reply, { chartAttached: false })));
        else await postReply(q.client, { channelId: q.channelId, threadTs: q.threadTs }, reply, deps, { log: (m) => log.warn(m), askedBy: { userId: q.userId, text: q.text } });
      } catch (err) {
        deps.onSlackError?.(err);
        await q.respond(asRespond(apologyMessage(classifySlackError(err).reason))).catch(() => undefined);
      }
      log.info(`slack: acknowledge user=${q.userId} channel=${q.channel.name} alert=${ackId} reply=${reply.kind}`);
      return;
    }
    const responder: Responder = {
      prefix: deps.command ?? DEFAULT_PREFIX,
      canAnswerPrivately: true,
      async deliver(reply, o) {
        if (o.private) await q.respond(asRespond(replyBlocks(reply, { chartAttached: false })));
        else {
          await postReply(q.client, { channelId: q.channelId, threadTs: q.threadTs }, reply, deps, { log: (m) => log.warn(m), askedBy: { userId: q.userId, text: o.asked } }).catch(
            (err: unknown) => {
              deps.onSlackError?.(err);
              throw err;
            },
          );
        }
      },
      ...(q.queuedNotice
        ? {}
        : {
            async working() {
              await q.respond({ response_type: 'ephemeral', text: 'Working on it…' });
            },
          }),
      async apologise(reason) {
        await q.respond(asRespond(apologyMessage(reason, hintFor(reason))));
      },
    };
    const outcome = await handleQuestion({ surface: 'slack', userId: q.userId, channel: q.channel, text: q.text, private: q.private }, responder, {
      store: deps.store,
      config: deps.config,
      ...(deps.now ? { now: deps.now } : {}),
      workingNoticeMs: deps.workingNoticeMs ?? 1000,
      describeError: (err) => classifySlackError(err).reason,
      audit: (line) => (/failed/.test(line) ? log.warn(line) : log.info(line)),
    });
    deps.onTiming?.({ kind: q.kind, ackMs: q.ackMs, totalMs: Date.now() - q.started, private: outcome.private, workingNotice: outcome.workingNotice });
  }

  app.command(deps.command ?? '/crime', async ({ command, ack, respond, client }) => {
    const started = Date.now();
    const channel = slackChannelFor(config(), command.team_id, command.channel_id);
    if (!channel) {
      await ack(asRespond(unlinkedChannelMessage({ teamId: command.team_id, channelId: command.channel_id, channelName: command.channel_name })));
      log.info(`slack: /crime from unlinked channel ${command.channel_id} (workspace ${command.team_id})`);
      return;
    }
    await ackThenQueue(ack, started, (ackMs, queuedNotice) => ({
      kind: 'command',
      started,
      ackMs,
      teamId: command.team_id,
      channelId: command.channel_id,
      channel,
      userId: command.user_id,
      userName: command.user_name,
      text: command.text ?? '',
      private: false,
      respond,
      client,
      queuedNotice,
    }));
  });

  app.action(new RegExp(`^${RUN_ACTION_PREFIX}\\d+$`), async ({ body, action, ack, respond, client }) => {
    const started = Date.now();
    if (body.type !== 'block_actions' || action.type !== 'button' || !action.value) return void (await ack());
    const teamId = body.team?.id ?? body.user.team_id;
    const channelId = body.channel?.id;
    const channel = slackChannelFor(config(), teamId, channelId);
    if (!channel || !channelId) {
      await ack();
      await respond(asRespond(unlinkedChannelMessage({ teamId: teamId ?? 'unknown', channelId: channelId ?? 'unknown', channelName: body.channel?.name })));
      return;
    }
    // A button in a private answer answers privately; one in a channel message answers in its thread.
    const isEphemeral = body.container?.is_ephemeral === true;
    const message = body.message as { ts?: string; thread_ts?: string } | undefined;
    const threadTs = isEphemeral ? undefined : (message?.thread_ts ?? message?.ts ?? (body.container?.message_ts as string | undefined));
    const text = action.value;
    await ackThenQueue(
      () => ack(),
      started,
      (ackMs, queuedNotice) => ({
        kind: 'action',
        started,
        ackMs,
        teamId,
        channelId,
        channel,
        userId: body.user.id,
        userName: (body.user as { name?: string; username?: string }).name ?? (body.user as { username?: string }).username,
        text,
        private: isEphemeral,
        threadTs,
        respond,
        client,
        queuedNotice,
      }),
      respond,
    );
  });

  // Multi-workspace installs: forget a workspace's tokens when it removes the app or revokes them.
  if (deps.installStore) {
    const forget = async (teamId: string | undefined, enterpriseId: string | undefined, why: string) => {
      try {
        if (teamId) await deps.installStore!.deleteInstallation({ teamId, enterpriseId, isEnterpriseInstall: false });
        log.info(`slack: installation for workspace ${teamId ?? enterpriseId} deleted (${why})`);
      } catch (err) {
        log.error(`slack: could not delete installation for ${teamId}: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    app.event('app_uninstalled', async ({ body }) => forget(body.team_id, body.enterprise_id, 'app_uninstalled'));
    app.event('tokens_revoked', async ({ body, event }) => {
      if ((event.tokens.bot ?? []).length) await forget(body.team_id, body.enterprise_id, 'tokens_revoked');
    });
  }
}
