// Progress for long-running CLI work: a redrawn bar on a TTY, a plain line now and then otherwise
// (so logs and CI output stay readable). Writes to stderr; stdout is kept for results.

export interface Progress {
  /** Sets the position (0..total) and an optional label for what is being worked on. */
  update(done: number, total: number, label?: string): void;
  /** Clears the bar (TTY) and prints `message` if given. */
  done(message?: string): void;
}

export interface ProgressOptions {
  stream?: NodeJS.WriteStream;
  /** Non-TTY: at most one line per this many milliseconds (plus the first). Default 2000. */
  intervalMs?: number;
  /** Force the plain mode even on a TTY. */
  plain?: boolean;
  width?: number;
}

export function createProgress(title: string, options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const tty = !options.plain && stream.isTTY === true;
  const interval = options.intervalMs ?? 2000;
  const width = options.width ?? 30;
  let last = -Infinity;
  let drawn = false;
  return {
    update(done, total, label = '') {
      const fraction = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
      const pct = `${Math.floor(fraction * 100)}%`.padStart(4);
      if (tty) {
        const now = Date.now();
        if (now - last < 50 && fraction < 1) return;
        last = now;
        const filled = Math.round(fraction * width);
        const text = `${title} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${pct} ${label}`;
        const columns = Math.max(40, stream.columns || 100);
        stream.write(`\r${text.slice(0, columns - 1).padEnd(Math.min(columns - 1, text.length + 10))}`);
        drawn = true;
        return;
      }
      const now = Date.now();
      if (now - last < interval) return;
      last = now;
      stream.write(`${title}: ${pct.trim()} ${label}\n`);
    },
    done(message) {
      if (tty && drawn) stream.write(`\r${' '.repeat(Math.min(Math.max(40, stream.columns || 100) - 1, width + 80))}\r`);
      drawn = false;
      if (message) stream.write(`${message}\n`);
    },
  };
}
