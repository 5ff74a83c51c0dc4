// A question asked the way a user of the local page asks it: POST /api/ask, then GET the chart PNG the
// answer links to (as the browser does when it shows the answer). Timed from the request to the last
// byte of the PNG.
export interface AskTiming {
  /** Request to the PNG's last byte (to the answer's, when it has no chart). */
  totalMs: number;
  /** The /api/ask round trip alone. */
  askMs: number;
  /** What the server says handling the question took (its `ms`: reading, figures, wording). */
  serverMs: number;
  /** The PNG's round trip (rendering and encoding included unless it was cached); null without a chart. */
  pngMs: number | null;
  pngBytes: number;
  kind: string;
  /** The reply as JSON, for comparing two stores' answers. */
  reply: string;
}

export async function askOverHttp(base: string, channel: string, text: string): Promise<AskTiming> {
  const t0 = performance.now();
  const r = await fetch(`${base}api/ask`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ channel, text }),
    signal: AbortSignal.timeout(60_000),
  });
  const body = (await r.json()) as { reply?: { kind?: string }; ms?: number; html?: string; error?: string };
  if (!r.ok) throw new Error(`POST /api/ask ${JSON.stringify(text)} in ${channel}: HTTP ${r.status} ${body.error ?? ''}`);
  const t1 = performance.now();
  const src = /<img src="(\/charts\/[^"]+)"/.exec(body.html ?? '')?.[1];
  let pngMs: number | null = null;
  let pngBytes = 0;
  if (src) {
    const p = await fetch(new URL(src.replace(/&amp;/g, '&'), base), { signal: AbortSignal.timeout(60_000) });
    const bytes = Buffer.from(await p.arrayBuffer());
    if (!p.ok || bytes.subarray(1, 4).toString('latin1') !== 'PNG') throw new Error(`GET ${src}: HTTP ${p.status}, not a PNG`);
    pngBytes = bytes.length;
    pngMs = performance.now() - t1;
  }
  return { totalMs: performance.now() - t0, askMs: t1 - t0, serverMs: body.ms ?? NaN, pngMs, pngBytes, kind: body.reply?.kind ?? 'unknown', reply: JSON.stringify(body.reply) };
}
