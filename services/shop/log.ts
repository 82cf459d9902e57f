/**
 * One-line logfmt logs (`ts=… level=info msg="…" key=value`): readable in `meshdev logs`,
 * greppable, and parseable by any log shipper without a schema.
 */

export type LogLevel = 'info' | 'warn' | 'error';
export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

export interface Logger {
  log(level: LogLevel, msg: string, fields?: LogFields): void;
}

export function formatLogLine(ts: Date, level: LogLevel, msg: string, fields: LogFields = {}): string {
  const parts = [`ts=${ts.toISOString()}`, `level=${level}`, `msg=${quote(msg)}`];
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    parts.push(`${key}=${typeof value === 'string' ? quote(value) : String(value)}`);
  }
  return parts.join(' ');
}

function quote(value: string): string {
  return /^[\w./:@,+=-]+$/.test(value) ? value : JSON.stringify(value);
}

export function createLogger(
  base: LogFields,
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Logger {
  return {
    log(level, msg, fields = {}) {
      write(formatLogLine(new Date(), level, msg, { ...base, ...fields }));
    },
  };
}

/**
 * Lets the first occurrence of a repeated event through, then at most one per `intervalMs`,
 * reporting how many were held back, so an upstream outage at 20 rps yields a line every few
 * seconds instead of 20 per second.
 */
export class LogThrottle {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number,
  ) {}

  /** Returns undefined to stay quiet, or the number of events suppressed since the last line. */
  admit(key: string): number | undefined {
    const now = this.now();
    const entry = this.last.get(key);
    if (entry === undefined || now - entry.at >= this.intervalMs) {
      const suppressed = entry?.suppressed ?? 0;
      this.last.set(key, { at: now, suppressed: 0 });
      return suppressed;
    }
    entry.suppressed++;
    return undefined;
  }
}
