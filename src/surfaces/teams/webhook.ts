// The ChatPlatform port for `platform: teams-webhook`: channels that cannot install a custom app get
// their alerts, digests and summaries through a Teams Workflows flow ("Post to a channel when a webhook
// request is received"). The flow expects the Adaptive Card in the message envelope
// {type: "message", attachments: [{contentType: "application/vnd.microsoft.card.adaptive", content}]}
// and answers 202 Accepted: the message is handed over, delivered later by the flow (so 202 is not proof
// of delivery; Grafana's resolved alerts never reached Teams that way, grafana/grafana#95255). A 429 or
// a 5xx is retried here a few times, then handed back to the outbox as a retryable DeliveryError. The
// URL is a secret (its `sig` parameter signs the request): only its host is ever logged. A webhook card
// cannot call back, so its Acknowledge button opens a signed link to Wardwatch's own page.
import { createHash } from 'node:crypto';
import type { ChannelConfig } from '../../config/schema.ts';
import { DeliveryError, type ChatPlatform, type PostOptions, type PostResult } from '../../core/platform.ts';
import type { Reply } from '../../core/reply.ts';
import type { Store } from '../../store/types.ts';
import type { ChartLinks } from '../../charts/links.ts';
import { cardMessage, replyCard } from './cards.ts';
import { classifyTeamsError, retryAfterMs } from './errors.ts';
import { cardChartUrl, cardDocumentUrl, type AckLinks } from './links.ts';

export interface WebhookPlatformOptions {
  env: NodeJS.ProcessEnv;
  charts?: ChartLinks | undefined;
  publicUrl?: string | undefined;
  ackLinks?: AckLinks | undefined;
  /** Where document links (the brief's PDF) are kept; without it a card names the document instead. */
  store?: Store | undefined;
  log?: (line: string) => void;
  /** Attempts inside one post (default 3); the outbox retries after that. */
  maxAttempts?: number;
  /** A Retry-After up to this long is waited out here (default 5000 ms); longer goes back to the outbox. */
  maxInlineWaitMs?: number;
  /** First backoff after a 5xx (default 500 ms, doubling). */
  backoffMs?: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A webhook URL for logs: its host only (the path and `sig` are the credential). */
export function webhookHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(not a URL)';
  }
}

export class TeamsWebhookPlatform implements ChatPlatform {
  readonly name = 'teams-webhook' as const;

  constructor(private readonly options: WebhookPlatformOptions) {}

  private url(channel: Extract<ChannelConfig, { platform: 'teams-webhook' }>): string {
    const url = this.options.env[channel.webhookUrlEnv]?.trim();
    if (!url) throw new DeliveryError(`channel "${channel.name}" needs its Workflows webhook URL in the environment variable ${channel.webhookUrlEnv}, which is not set`, false);
    if (!/^https?:\/\//i.test(url)) throw new DeliveryError(`${channel.webhookUrlEnv} (channel "${channel.name}") must hold the https:// URL of the Workflows webhook`, false);
    return url;
  }

  async post(channel: ChannelConfig, reply: Reply, options: PostOptions = {}): Promise<PostResult> {
    if (channel.platform !== 'teams-webhook') throw new DeliveryError(`channel "${channel.name}" is a ${channel.platform} channel, not a Teams webhook one`, false);
    const o = this.options;
    const url = this.url(channel);
    const host = webhookHost(url);
    const chart = await cardChartUrl(o.charts, o.publicUrl, reply.chart);
    const doc = await cardDocumentUrl(o.store, o.publicUrl, reply.attachment);
    const notes = options.threadOf
      ? { ...reply, notes: [...reply.notes, 'A follow-up to an earlier Wardwatch message in this channel (Workflows posts cannot be threaded).'] }
      : reply;
    const rendered = replyCard(notes, {
      mode: 'webhook',
      chartUrl: chart.url,
      chartNote: chart.note,
      documentUrl: doc.url,
      documentNote: doc.note,
      channel: channel.name,
      ackUrl: o.ackLinks ? (id) => o.ackLinks!.url(id, channel.name) : undefined,
    });
    const body = JSON.stringify(cardMessage(rendered.card));
    const doFetch = o.fetch ?? fetch;
    const sleep = o.sleep ?? defaultSleep;
    const maxAttempts = o.maxAttempts ?? 3;
    const what = `the Workflows webhook of channel "${channel.name}" (${host})`;
    let backoff = o.backoffMs ?? 500;
    for (let attempt = 1; ; attempt += 1) {
      let status: number;
      let wait: number | undefined;
      try {
        const res = await doFetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(o.timeoutMs ?? 30_000),
          redirect: 'error',
        });
        status = res.status;
        wait = retryAfterMs(res.headers.get('retry-after'));
        await res.arrayBuffer().catch(() => undefined);
      } catch (err) {
        const failure = classifyTeamsError(err);
        if (attempt < maxAttempts && failure.retryable) {
          o.log?.(`teams-webhook: ${what} could not be reached (${failure.reason}); retrying (attempt ${attempt} of ${maxAttempts})`);
          await sleep(backoff);
          backoff *= 2;
          continue;
        }
        throw new DeliveryError(`could not reach ${what}: ${failure.reason}`, failure.retryable);
      }
      if (status >= 200 && status < 300) {
        // 202: handed over to the flow, which posts it (or not) later; no message id comes back.
        const id = createHash('sha256')
          .update(`${options.idempotencyKey ?? ''}|${Date.now()}|${Math.random()}`)
          .digest('hex')
          .slice(0, 16);
        o.log?.(`teams-webhook: handed "${reply.title}" to ${what} (HTTP ${status}${rendered.rowsLeftOut ? `, ${rendered.rowsLeftOut} table rows left out` : ''})`);
        return { messageId: `workflows:${id}` };
      }
      const retryable = status === 429 || status >= 500 || status === 408;
      if (retryable && attempt < maxAttempts && (wait === undefined || wait <= (o.maxInlineWaitMs ?? 5000))) {
        const delay = wait ?? backoff;
        o.log?.(`teams-webhook: ${what} answered HTTP ${status}; retrying in ${delay} ms (attempt ${attempt} of ${maxAttempts})`);
        await sleep(delay);
        backoff *= 2;
        continue;
      }
      const hint =
        status === 400
          ? ' (the flow rejected the card: check it uses the "Post to a channel when a webhook request is received" template)'
          : status === 401 || status === 403 || status === 404
            ? ` (the URL in ${channel.webhookUrlEnv} is wrong or the flow was turned off)`
            : status === 413
              ? ' (the card is too large)'
              : '';
      throw new DeliveryError(`${what} answered HTTP ${status}${hint}`, retryable, retryable ? wait : undefined);
    }
  }
}
