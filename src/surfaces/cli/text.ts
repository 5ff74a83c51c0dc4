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

/**
 * The table in aligned columns. Nothing is cut: a column wider than its share of the terminal wraps
 * onto continuation lines within its own column (help's descriptions, long place names).
 */
export function table(t: NonNullable<Reply['table']>, width = 100): string {
  const natural = t.columns.map((c, i) => Math.max(c.length, ...t.rows.map((r) => (r[i] ?? '').length)));
  const widths = [...natural];
  const room = width - 2 - 2 * (widths.length - 1);
  // Narrow the widest column until the table fits (never below 12 characters).
  while (widths.reduce((a, b) => a + b, 0) > room) {
    const widest = widths.indexOf(Math.max(...widths));
    if (widths[widest]! <= 12) break;
    widths[widest] = widths[widest]! - 1;
  }
  const row = (cells: string[]): string[] => {
    const wrapped = widths.map((w, i) => wrapCell(cells[i] ?? '', w));
    const height = Math.max(...wrapped.map((c) => c.length));
    return Array.from({ length: height }, (_, k) =>
      wrapped
        .map((c, i) => (c[k] ?? '').padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
  };
  return [...row(t.columns), widths.map((w) => '-'.repeat(w)).join('  '), ...t.rows.flatMap(row)].map((l) => `  ${l}`).join('\n');
}

function wrapCell(text: string, width: number): string[] {
  if (text.length <= width) return [text];
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    for (let w = word; w.length;) {
      const piece = w.length > width ? w.slice(0, width) : w;
      w = w.slice(piece.length);
      if (line && line.length + 1 + piece.length > width) {
        lines.push(line);
        line = piece;
      } else line = line ? `${line} ${piece}` : piece;
    }
  }
  if (line) lines.push(line);
  return lines;
}

export function renderReplyText(reply: Reply, options: { chartFile?: string } = {}): string {
  const parts: string[] = [reply.title, '='.repeat(Math.min(100, reply.title.length))];
  // Paragraphs (an alert digest's, a list's lines) stay apart.
  if (reply.summary)
    parts.push(
      reply.summary
        .split(/\n\s*\n|\n/)
        .filter((p) => p.trim())
        .map((p) => wrap(p))
        .join('\n\n'),
    );
  if (reply.figures.length) {
    parts.push('');
    // The figure's sentence carries its number; the display is added only where the sentence lacks it.
    for (const f of reply.figures) {
      const head = f.wording.includes(f.display) ? '' : `${f.display}. `;
      parts.push(wrap(`* ${f.label}: ${head}${f.wording}${f.synthetic && !f.wording.includes('synthetic') ? ` [${f.synthetic}]` : ''}`, 100, '  ').replace(/^  /, ''));
    }
  }
  if (reply.table) parts.push('', table(reply.table));
  if (reply.chart) parts.push('', `[chart: ${reply.chartAlt ?? reply.chart.title}${options.chartFile ? ` -> ${options.chartFile}` : ' (use --png FILE to save it)'}]`);
  if (reply.notes.length) {
    parts.push('', 'Notes:');
    for (const n of reply.notes) parts.push(wrap(`- ${n}`, 100, '  ').replace(/^  /, ''));
  }
  if (reply.about?.length) {
    parts.push('', 'About these figures:');
    for (const n of reply.about) parts.push(wrap(`- ${n}`, 100, '  ').replace(/^  /, ''));
  }
  if (reply.actions.length) parts.push('', wrap(`Next: ${reply.actions.map((a) => `[${a.label}] /crime ${a.command}`).join('   ')}`, 100, '  ').replace(/^  /, ''));
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
    about: rest.about ?? [],
    actions: rest.actions,
    ephemeral: rest.ephemeral ?? false,
  };
}
