// Addresses Teams is handed: chart images (PUBLIC_URL + the chart's unguessable, expiring id, served by
// any replica from the store) and the signed Acknowledge links of webhook cards (a Workflows card cannot
// call the bot back, so its button opens a page here that records who acknowledged).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ChartLinks } from '../../charts/links.ts';
import type { ChartRequest, ReplyAttachment } from '../../core/reply.ts';
import type { Store } from '../../store/types.ts';

/** Where chart PNGs for cards are served: outside the local page's guard, since Teams fetches them anonymously. */
export const CARD_CHART_PATH = '/teams/charts/';
export const ACK_PATH = '/teams/ack/';
/** Where a card's document (the brief's PDF) is served, anonymously, under a random id that expires. */
export const CARD_DOCUMENT_PATH = '/teams/documents/';
/** How long a document link works. */
export const DOCUMENT_LINK_TTL_MS = 30 * 24 * 3600_000;

/**
 * The absolute URL of a reply's document, or undefined (and why). Stored as what to draw, so any replica
 * can draw it; the id is random, not a hash, because a brief's description (partnership, month,
 * channel) could be guessed, and this address has no other credential.
 */
export async function cardDocumentUrl(
  store: Store | undefined,
  base: string | undefined,
  attachment: ReplyAttachment | undefined,
  now: Date = new Date(),
): Promise<{ url?: string; note?: string }> {
  if (!attachment) return {};
  if (!base || !store)
    return { note: `The PDF (${attachment.filename}) is not linked in Teams: Wardwatch has no PUBLIC_URL for Teams to fetch it from; ask the CLI for it (wardwatch brief).` };
  const id = randomBytes(16).toString('base64url').slice(0, 22);
  await store.saveChartRequest({ id, request: { attachment }, createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + DOCUMENT_LINK_TTL_MS).toISOString() });
  return { url: `${base}${CARD_DOCUMENT_PATH}${id}.pdf` };
}
/** How long an Acknowledge link works. */
export const ACK_LINK_TTL_MS = 30 * 24 * 3600_000;

/** The absolute URL of a reply's chart, or undefined (and why) when Teams could not fetch one. */
export async function cardChartUrl(charts: ChartLinks | undefined, base: string | undefined, chart: ChartRequest | undefined): Promise<{ url?: string; note?: string }> {
  if (!chart) return {};
  if (!charts?.available) return { note: 'The chart could not be drawn here; the figures above are complete.' };
  if (!base) return { note: 'The chart is not shown in Teams: Wardwatch has no PUBLIC_URL for Teams to fetch it from (see the README, "Install in Teams").' };
  return { url: `${base}${CARD_CHART_PATH}${await charts.register(chart)}.png` };
}

export interface AckClaim {
  alertId: string;
  channel: string;
  /** ms since the epoch */
  expires: number;
}

/** Signs and checks Acknowledge links with a secret every replica shares (WARDWATCH_LINK_SECRET, else one kept in the store). */
export class AckLinks {
  private constructor(
    private readonly secret: Buffer,
    private readonly base: string | undefined,
    private readonly now: () => Date,
  ) {}

  static async create(options: { store: Store; env: NodeJS.ProcessEnv; publicUrl: string | undefined; now?: () => Date }): Promise<AckLinks> {
    const fromEnv = options.env.WARDWATCH_LINK_SECRET?.trim();
    if (fromEnv && fromEnv.length < 16) throw new Error('WARDWATCH_LINK_SECRET must be at least 16 characters long');
    const secret = fromEnv || (await options.store.linkSecret('teams-ack-links', randomBytes(32).toString('base64url')));
    return new AckLinks(Buffer.from(secret), options.publicUrl, options.now ?? (() => new Date()));
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url');
  }

  token(alertId: string, channel: string): string {
    const payload = Buffer.from(JSON.stringify({ a: alertId, c: channel, e: this.now().getTime() + ACK_LINK_TTL_MS })).toString('base64url');
    return `${payload}.${this.mac(payload)}`;
  }

  /** The link for a card, or undefined without PUBLIC_URL (the card then has no Acknowledge button). */
  url(alertId: string, channel: string): string | undefined {
    return this.base ? `${this.base}${ACK_PATH}${this.token(alertId, channel)}` : undefined;
  }

  /** The claim a token makes, when it is ours and not expired. */
  verify(token: string): AckClaim | undefined {
    const m = /^([A-Za-z0-9_-]{10,2000})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!m) return undefined;
    const expected = Buffer.from(this.mac(m[1]!));
    const given = Buffer.from(m[2]!);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    try {
      const claim = JSON.parse(Buffer.from(m[1]!, 'base64url').toString('utf8')) as { a?: unknown; c?: unknown; e?: unknown };
      if (typeof claim.a !== 'string' || typeof claim.c !== 'string' || typeof claim.e !== 'number') return undefined;
      if (claim.e < this.now().getTime()) return undefined;
      return { alertId: claim.a, channel: claim.c, expires: claim.e };
    } catch {
      return undefined;
    }
  }
}
