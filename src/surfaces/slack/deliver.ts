// Posting a Reply into a Slack channel or thread: with a chart, one message made by the files upload v2
// flow (getUploadURLExternal -> POST to upload_url -> completeUploadExternal carrying the blocks);
// without one, chat.postMessage. Used by the /crime handler and by the ChatPlatform adapter.
import { createHash } from 'node:crypto';
import type { WebClient } from '@slack/web-api';
import { ErrorCode } from '@slack/web-api';
import type { ChartRequest, Reply, ReplyAttachment } from '../../core/reply.ts';
import { clip, replyBlocks, type ReplyBlocksOptions, type SlackMessage } from './blocks.ts';
import { LIMITS } from './limits.ts';

/** `renderChart(request, {size})` from src/charts: a PNG. */
export type ChartRenderer = (request: ChartRequest, options: { size: 'full' | 'compact' }) => Buffer | Uint8Array | Promise<Buffer | Uint8Array>;

export interface ChartSupport {
  renderChart?: ChartRenderer | undefined;
  /** Alt text for a chart when the reply carries none (src/charts `chartAltText`). */
  chartAltText?: ((request: ChartRequest) => string) | undefined;
  /** Draws a reply's document (the brief's PDF, src/service/briefs.ts briefPdfRenderer) for upload. */
  renderAttachment?: ((attachment: ReplyAttachment) => Promise<Buffer>) | undefined;
}

export interface PostTarget {
  channelId: string;
  threadTs?: string | undefined;
  /** A bot token, when the client is not already bound to the right workspace. */
  token?: string | undefined;
  /** The outbox's marker for this message (see `outboxMarker`), set as the first block's block_id. */
  marker?: string | undefined;
}

/**
 * The marker an outbox message carries in Slack: the block_id of its first block, derived from the
 * idempotency key. Slack has no idempotency key for chat.postMessage; this lets a retry look back over
 * the channel (conversations.history) and find a post that arrived although its outcome was lost. A
 * block_id survives both chat.postMessage and files.completeUploadExternal, unlike message metadata.
 */
export function outboxMarker(idempotencyKey: string): string {
  return `wwo-${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 40)}`;
}

export interface Posted {
  /** Slack message ts, or `file:<id>` when the message was made by a file upload (Slack returns no ts). */
  messageId: string;
  chartAttached: boolean;
}

export const CHART_FAILED_NOTE = 'The chart could not be drawn this time; the figures above are complete.';

function fileName(title: string): string {
  const slug = title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return `${slug || 'wardwatch-chart'}.png`;
}

/** Renders the reply's chart, or says why not. Never throws. */
export async function renderReplyChart(reply: Reply, charts: ChartSupport, log: (msg: string) => void): Promise<{ png?: Buffer; note?: string }> {
  if (!reply.chart || !charts.renderChart) return {};
  try {
    const out = await charts.renderChart(reply.chart, { size: 'full' });
    return { png: Buffer.isBuffer(out) ? out : Buffer.from(out) };
  } catch (err) {
    log(`chart for "${reply.title}" failed: ${err instanceof Error ? err.message : String(err)}`);
    return { note: CHART_FAILED_NOTE };
  }
}

/** Posts the reply in channel (or thread). Throws the Web API's errors; callers decide what the user sees. */
export async function postReply(
  client: WebClient,
  target: PostTarget,
  reply: Reply,
  charts: ChartSupport,
  options: { log: (msg: string) => void; askedBy?: ReplyBlocksOptions['askedBy'] } = { log: () => {} },
): Promise<Posted> {
  const { png, note } = await renderReplyChart(reply, charts, options.log);
  const message: SlackMessage = replyBlocks(reply, { chartAttached: png !== undefined, extraNotes: note ? [note] : [], askedBy: options.askedBy });
  if (target.marker && message.blocks[0]) message.blocks[0] = { ...message.blocks[0], block_id: target.marker } as (typeof message.blocks)[number];
  const thread = target.threadTs ? { thread_ts: target.threadTs } : {};
  const token = target.token ? { token: target.token } : {};
  // A document (the brief's PDF) goes up with the message, as a file beside the chart if there is one.
  // Drawn now, by whichever replica posts; if it cannot be drawn the card still goes, saying so.
  if (reply.attachment && charts.renderAttachment) {
    let pdf: Buffer | undefined;
    try {
      pdf = await charts.renderAttachment(reply.attachment);
    } catch (err) {
      options.log(`attachment for "${reply.title}" failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (pdf) {
      const uploads = [
        ...(png && reply.chart
          ? [
              {
                file: png,
                filename: fileName(reply.title),
                title: clip(reply.chart.title || reply.title, 250),
                alt_text: clip(reply.chartAlt ?? reply.chart.title, LIMITS.fileAltText),
              },
            ]
          : []),
        { file: pdf, filename: reply.attachment.filename, title: clip(reply.attachment.title, 250) },
      ];
      const res = (await client.filesUploadV2({ ...token, ...thread, channel_id: target.channelId, file_uploads: uploads, blocks: message.blocks } as Parameters<
        WebClient['filesUploadV2']
      >[0])) as {
        files?: Array<{ files?: Array<{ id?: string }> }>;
      };
      return { messageId: `file:${res.files?.[0]?.files?.[0]?.id ?? 'unknown'}`, chartAttached: png !== undefined };
    }
    message.blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: 'The PDF could not be attached this time; ask again with `/crime brief`.' }],
    } as (typeof message.blocks)[number]);
  }
  if (png && reply.chart) {
    const alt = reply.chartAlt ?? charts.chartAltText?.(reply.chart) ?? reply.chart.title;
    const res = (await client.filesUploadV2({
      ...token,
      ...thread,
      channel_id: target.channelId,
      file: png,
      filename: fileName(reply.title),
      title: clip(reply.chart.title || reply.title, 250),
      alt_text: clip(alt, LIMITS.fileAltText),
      blocks: message.blocks,
    } as Parameters<WebClient['filesUploadV2']>[0])) as { files?: Array<{ files?: Array<{ id?: string }> }> };
    const fileId = res.files?.[0]?.files?.[0]?.id;
    return { messageId: `file:${fileId ?? 'unknown'}`, chartAttached: true };
  }
  const res = await client.chat.postMessage({ ...token, ...thread, channel: target.channelId, text: message.text, blocks: message.blocks });
  return { messageId: String(res.ts ?? ''), chartAttached: false };
}

export interface SlackFailure {
  /** Slack's error string ("not_in_channel") or a short code for transport failures. */
  reason: string;
  retryable: boolean;
  retryAfterMs?: number;
}

/** Whether a transport failure was the client's timeout (axios ECONNABORTED / ETIMEDOUT, fetch TimeoutError). */
function timedOut(err: unknown): boolean {
  const seen = new Set<unknown>();
  let e = err as { original?: unknown; cause?: unknown; code?: unknown; name?: unknown; message?: unknown } | undefined;
  while (e && typeof e === 'object' && !seen.has(e)) {
    seen.add(e);
    if (e.name === 'TimeoutError' || e.code === 'ECONNABORTED' || e.code === 'ETIMEDOUT' || (typeof e.message === 'string' && /timeout/i.test(e.message))) return true;
    e = (e.original ?? e.cause) as typeof e;
  }
  return false;
}

const RETRYABLE_SLACK_ERRORS = new Set(['ratelimited', 'rate_limited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'team_added_to_org']);

/** What went wrong in a Web API call, in terms the outbox and the user-facing apology can use. */
export function classifySlackError(err: unknown): SlackFailure {
  const e = err as { code?: string; data?: { error?: string }; retryAfter?: number; statusCode?: number; message?: string } | undefined;
  switch (e?.code) {
    case ErrorCode.RateLimitedError:
      return { reason: 'ratelimited', retryable: true, retryAfterMs: Math.max(0, (e.retryAfter ?? 1) * 1000) };
    case ErrorCode.PlatformError: {
      const reason = e.data?.error ?? 'unknown_error';
      return { reason, retryable: RETRYABLE_SLACK_ERRORS.has(reason) };
    }
    case ErrorCode.RequestError:
      // No answer: refused, reset, DNS, or the client's timeout (a timed-out post may still have arrived).
      return { reason: timedOut(err) ? 'timeout' : 'request_failed', retryable: true };
    case ErrorCode.HTTPError:
      return { reason: `http_${e.statusCode ?? 'error'}`, retryable: (e.statusCode ?? 500) >= 500 };
    default:
      return { reason: e?.message ? clip(e.message, 120) : 'unknown_error', retryable: false };
  }
}
