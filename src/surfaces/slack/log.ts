// The logger for Bolt, the Web API client and this adapter. Every line goes through `redact`, which
// removes Slack tokens (xoxb-, xoxp-, xapp-, ...) and the configured secrets wherever they appear, so
// no token reaches a log even inside an error message or a request dump.
import { format } from 'node:util';
import { LogLevel, type Logger } from '@slack/bolt';

const TOKEN = /\b(xox[a-z]|xapp)-[A-Za-z0-9-]+/g;

export function makeRedactor(secrets: Array<string | undefined>): (text: string) => string {
  const known = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 6).sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text.replace(TOKEN, (_m, kind: string) => `${kind}-[redacted]`);
    for (const s of known) out = out.split(s).join('[redacted]');
    return out;
  };
}

const ORDER: Record<LogLevel, number> = { [LogLevel.DEBUG]: 0, [LogLevel.INFO]: 1, [LogLevel.WARN]: 2, [LogLevel.ERROR]: 3 };

export type LogSink = (level: LogLevel, line: string) => void;

const consoleSink: LogSink = (level, line) => {
  if (level === LogLevel.ERROR) console.error(line);
  else if (level === LogLevel.WARN) console.warn(line);
  else console.log(line);
};

/** A Bolt/web-api Logger that redacts every line before it is written. */
export class RedactingLogger implements Logger {
  private level: LogLevel;
  private name = 'slack';

  constructor(
    private readonly redact: (text: string) => string,
    level: LogLevel = LogLevel.INFO,
    private readonly sink: LogSink = consoleSink,
  ) {
    this.level = level;
  }

  private write(level: LogLevel, args: unknown[]): void {
    if (ORDER[level] < ORDER[this.level]) return;
    this.sink(level, this.redact(`[${level.toUpperCase()}] ${this.name} ${format(...args)}`));
  }

  debug(...msg: unknown[]): void {
    this.write(LogLevel.DEBUG, msg);
  }
  info(...msg: unknown[]): void {
    this.write(LogLevel.INFO, msg);
  }
  warn(...msg: unknown[]): void {
    this.write(LogLevel.WARN, msg);
  }
  error(...msg: unknown[]): void {
    this.write(LogLevel.ERROR, msg);
  }
  /** Ignored: the level is fixed when the logger is made (web-api would otherwise reset it to INFO). */
  setLevel(_level: LogLevel): void {}
  getLevel(): LogLevel {
    return this.level;
  }
  setName(name: string): void {
    this.name = name;
  }
}
