// A brief's PDF behind the random id it was handed out under (the local page's /briefs/<id>.pdf, the
// Teams card's link): one handler for every surface that links a brief, so the id check, the expiry, the
// 404 wording and the download headers are the same wherever a brief is opened.
import type { Response } from 'express';
import type { ReplyAttachment } from '../core/reply.ts';
import type { Store } from '../store/types.ts';

export type BriefPdf = (attachment: ReplyAttachment) => Promise<Buffer>;

/** Sends the brief stored under `file` ("<22-character id>.pdf"), or 404 when it expired or never was. */
export async function sendBriefDocument(res: Response, file: string, store: Store | null | undefined, now: Date, briefPdf: BriefPdf | null | undefined): Promise<void> {
  const match = /^([A-Za-z0-9_-]{22})\.pdf$/.exec(file);
  const stored = match && store && briefPdf ? await store.chartRequest(match[1]!, now) : undefined;
  const attachment = (stored?.request as { attachment?: ReplyAttachment } | undefined)?.attachment;
  if (!attachment || attachment.kind !== 'brief-pdf' || !briefPdf) return void res.status(404).json({ error: 'no such document (it has expired, or was never handed out)' });
  const pdf = await briefPdf(attachment);
  res
    .type('pdf')
    .set('Content-Disposition', `inline; filename="${attachment.filename.replace(/[^A-Za-z0-9._-]/g, '_')}"`)
    .set('Cache-Control', 'private, no-store')
    .send(pdf);
}
