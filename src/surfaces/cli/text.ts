// A reply as plain text for a terminal: reads like the chat message (title, summary, key figures,
// table, notes, follow-ups).
import type { Reply } from '../../core/reply.ts';

function wrap(text: string, width = 100, indent = ''): string {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width - indent.length) {
      out.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(indent + line);
  return out.join('\n');
}

function table(t: NonNullable<Reply['table']>): string {
  const widths = t.columns.map((c, i) => Math.min(40, Math.max(c.length, ...t.rows.map((r) => (r[i] ?? '').length))));
  const row = (cells: string[]) =>
    cells
      .map((c, i) => (c ?? '').slice(0, 40).padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [row(t.columns), widths.map((w) => '-'.repeat(w)).join('  '), ...t.rows.map(row)].map((l) => `  ${l}`).join('\n');
}

export function renderReplyText(reply: Reply, options: { chartFile?: string } = {}): string {
  const parts: string[] = [reply.title, '='.repeat(Math.min(100, reply.title.length))];
  if (reply.summary) parts.push(wrap(reply.summary));
  if (reply.figures.length) {
    parts.push('');
    for (const f of reply.figures) parts.push(wrap(`* ${f.label}: ${f.display}. ${f.wording}`, 100, '  ').replace(/^  /, ''));
  }
  if (reply.table) parts.push('', table(reply.table));
  if (reply.chart) parts.push('', `[chart: ${reply.chartAlt ?? reply.chart.title}${options.chartFile ? ` -> ${options.chartFile}` : ' (use --png FILE to save it)'}]`);
  if (reply.notes.length) {
    parts.push('', 'Notes:');
    for (const n of reply.notes) parts.push(wrap(`- ${n}`, 100, '  ').replace(/^  /, ''));
  }
  if (reply.actions.length) parts.push('', `Next: ${reply.actions.map((a) => `[${a.label}] /crime ${a.command}`).join('   ')}`);
  return parts.join('\n');
}

/** The reply as --json prints it: the structured detail first, then what the chat shows. */
export function replyJson(reply: Reply): Record<string, unknown> {
  const { data, figures, ...rest } = reply;
  return {
    ...(data ?? {}),
    kind: rest.kind,
    title: rest.title,
    summary: rest.summary,
    keyFigures: figures,
    ...(data?.figures ? {} : { figures }),
    table: rest.table,
    chart: rest.chart,
    chartAlt: rest.chartAlt,
    notes: rest.notes,
    actions: rest.actions,
    ephemeral: rest.ephemeral ?? false,
  };
}
