// The logger for Bolt, the Web API client and this adapter. Every line goes through `redact`, the one
// redaction function every Wardwatch logger uses (src/core/redact.ts): Slack tokens of any shape,
// the configured secrets, credentials in headers, cookies, signatures and webhook URLs are removed
// wherever they appear, even inside an error message.
import { IncomingMessage, ServerResponse } from 'node:http';
import { format } from 'node:util';
import { LogLevel, type Logger } from '@slack/bolt';
import { describeError } from '../../core/redact.ts';

export { makeRedactor } from '../../core/redact.ts';

/** What a log line may show of an argument: an error's stack, never a request or response object. */
function loggable(arg: unknown): unknown {
  if (arg instanceof Error) return describeError(arg);
  if (arg instanceof IncomingMessage) return `[request ${arg.method ?? ''} ${(arg.url ?? '').split('?')[0]}]`;
  if (arg instanceof ServerResponse) return `[response ${arg.statusCode}]`;
  return arg;
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
    this.sink(level, this.redact(`[${level.toUpperCase()}] ${this.name} ${format(...args.map(loggable))}`));
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
