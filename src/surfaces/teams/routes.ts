// The Teams routes on the service's HTTP server, mounted ahead of the local page's guard (they carry
// their own credentials): POST /api/messages (the bot; the SDK checks the Bot Framework token), the
// chart images cards point at (GET /teams/charts/<id>.png: anonymous, as Teams fetches them, and the id
// is unguessable and expires), and the signed Acknowledge links of webhook cards (GET/POST /teams/ack/<token>).
import express, { type Express, type Request, type Response } from 'express';
import { acknowledgeFromChannel } from '../../alerting/acknowledge.ts';
import type { ChartLinks } from '../../charts/links.ts';
import type { Config } from '../../config/schema.ts';
import type { Store } from '../../store/types.ts';
import type { TeamsHandle } from './bot.ts';
import { MESSAGING_ENDPOINT } from './bot.ts';
import type { ReplyAttachment } from '../../core/reply.ts';
import { ACK_PATH, CARD_CHART_PATH, CARD_DOCUMENT_PATH, type AckLinks } from './links.ts';
import { sendBriefDocument } from '../../service/brief-documents.ts';

export interface TeamsRoutesOptions {
  charts: ChartLinks;
  /** The running bot; null while it starts (503), or when Teams is not configured (`botConfigured` false: 404). */
  bot: () => TeamsHandle | null;
  botConfigured: boolean;
  ackLinks: () => AckLinks | null;
  store: () => Store | null;
  config: () => Config;
  now?: () => Date;
  /** Draws a document (the brief's PDF) a card links to. */
  briefPdf?: ((attachment: ReplyAttachment) => Promise<Buffer>) | undefined;
  log: (line: string) => void;
}

function page(res: Response, status: number, title: string, body: string): void {
  const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
  res
    .status(status)
    .type('html')
    .set('Cache-Control', 'no-store')
    .send(
      `<!doctype html><html lang="en-GB"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)} · Wardwatch</title><body><main><h1>${esc(title)}</h1>${body}</main></body></html>`,
    );
}

export function mountTeamsRoutes(app: Express, options: TeamsRoutesOptions): void {
  if (options.botConfigured) {
    app.post(MESSAGING_ENDPOINT, express.json({ limit: '1mb' }), async (req: Request, res: Response) => {
      const bot = options.bot();
      if (!bot) return void res.status(503).json({ error: 'Teams is starting' });
      const answer = await bot.handle({ body: req.body as unknown, headers: req.headers as Record<string, string | string[]> });
      res.status(answer.status);
      if (answer.body === undefined || answer.body === null) res.end();
      else res.json(answer.body);
    });
  }

  app.get(`${CARD_CHART_PATH}:file`, async (req: Request, res: Response) => {
    const match = /^([A-Za-z0-9_-]{22})\.png$/.exec(String(req.params.file));
    const bytes = match ? await options.charts.png(match[1]!, req.query.size === 'compact' ? 'compact' : 'full') : undefined;
    if (!bytes) return void res.status(404).json({ error: 'no such chart (it has expired, or was never handed out)' });
    res.type('png').set('Cache-Control', 'public, max-age=86400, immutable').send(bytes);
  });

  app.get(`${CARD_DOCUMENT_PATH}:file`, (req: Request, res: Response) =>
    sendBriefDocument(res, String(req.params.file), options.store(), (options.now ?? (() => new Date()))(), options.briefPdf),
  );

  const ackClaim = (req: Request) => options.ackLinks()?.verify(String(req.params.token ?? ''));
  app.get(`${ACK_PATH}:token`, (req: Request, res: Response) => {
    const claim = ackClaim(req);
    if (!claim)
      return page(
        res,
        400,
        'This link does not work',
        '<p>The acknowledge link has expired or is not complete. Acknowledge the alert from the Wardwatch page or ask the operator.</p>',
      );
    const token = String(req.params.token);
    page(
      res,
      200,
      'Acknowledge this alert',
      `<p>Acknowledging tells the channel someone is looking at alert <strong>${claim.alertId.replace(/[^\w:.-]/g, '')}</strong> (channel ${claim.channel.replace(/[^\w-]/g, '')}), and stops its reminders until it resolves or gets worse.</p>
<form method="post" action="${ACK_PATH}${token}"><p><label for="by">Your name</label><br><input id="by" name="by" required maxlength="80" autocomplete="name"></p><p><button type="submit">Acknowledge</button></p></form>`,
    );
  });
  app.post(`${ACK_PATH}:token`, express.urlencoded({ extended: false, limit: '4kb' }), async (req: Request, res: Response) => {
    const claim = ackClaim(req);
    if (!claim) return page(res, 400, 'This link does not work', '<p>The acknowledge link has expired or is not complete.</p>');
    const origin = req.headers.origin;
    if (origin && origin !== 'null') {
      let host = '';
      try {
        host = new URL(origin).host;
      } catch {
        // refused below
      }
      if (host !== req.headers.host) return page(res, 403, 'Refused', '<p>Cross-site requests are refused.</p>');
    }
    const by = String((req.body as { by?: unknown })?.by ?? '')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 80);
    if (!by) return page(res, 400, 'Your name is needed', '<p>Go back and give your name, so the channel knows who acknowledged the alert.</p>');
    const store = options.store();
    if (!store) return page(res, 503, 'Not ready yet', '<p>Wardwatch is starting; try again in a minute.</p>');
    const config = options.config();
    const channel = config.channels.find((c) => c.name === claim.channel);
    if (!channel) return page(res, 404, 'Channel not found', '<p>The channel this link was made for is no longer in the configuration.</p>');
    const reply = await acknowledgeFromChannel({
      store,
      config,
      channel,
      alertId: Number(claim.alertId),
      by: `${by} (Teams link)`,
      surface: 'teams-webhook',
      ...(options.now ? { now: options.now() } : {}),
    });
    const ok = reply.kind !== 'error';
    options.log(`teams-webhook: Acknowledge link of alert ${claim.alertId} (${channel.name}) used by ${by}: ${reply.title}`);
    const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
    page(res, ok ? 200 : 404, ok ? 'Acknowledged' : reply.title, `<p>${esc(reply.summary ?? reply.title)}</p>`);
  });
}
