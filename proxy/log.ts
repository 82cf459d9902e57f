/**
 * JSON-lines logging to stdout. Lines are batched and written once per event-loop turn so that an
 * access log at thousands of requests per second costs one write syscall per turn, not per line.
 */

export interface LogSink {
  write(line: string): void;
}

export class BufferedStdout implements LogSink {
  private buf: string[] = [];
  private scheduled = false;
  constructor(private readonly out: NodeJS.WritableStream = process.stdout) {
    // A closed stdout (log collector gone, `| head`) must not take the proxy down with it.
    out.on('error', () => undefined);
  }
  write(line: string): void {
    this.buf.push(line);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }
  flush = (): void => {
    this.scheduled = false;
    if (this.buf.length === 0) return;
    const text = this.buf.join('\n') + '\n';
    this.buf = [];
    this.out.write(text);
  };
}

export class Logger {
  constructor(
    private readonly sink: LogSink,
    private readonly base: Record<string, unknown> = {},
  ) {}
  private emit(level: string, msg: string, fields?: Record<string, unknown>): void {
    this.sink.write(JSON.stringify({ ts: new Date().toISOString(), level, ...this.base, msg, ...fields }));
  }
  info(msg: string, fields?: Record<string, unknown>): void {
    this.emit('info', msg, fields);
  }
  warn(msg: string, fields?: Record<string, unknown>): void {
    this.emit('warn', msg, fields);
  }
  error(msg: string, fields?: Record<string, unknown>): void {
    this.emit('error', msg, fields);
  }
  /** One access-log line (already a complete record). */
  access(record: Record<string, unknown>): void {
    this.sink.write(JSON.stringify(record));
  }
  flush(): void {
    if (this.sink instanceof BufferedStdout) this.sink.flush();
  }
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger = new Logger({ write() {} });
