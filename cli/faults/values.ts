import { UsageError } from '../errors.js';

/**
 * Human values on the command line -> numbers for the fault documents. Every error names the flag
 * and what was expected, and is a UsageError (exit 2, nothing written).
 */

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1000,
  kib: 1024,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
};

/** `10KiB/s`, `1MB/s`, `512B/s`, `2mib`, `4096` (bytes/s) -> bytes per second. */
export function parseRate(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]i?b|b)?(?:\/s|ps)?$/i.exec(text.trim());
  const unit = m?.[2]?.toLowerCase() ?? 'b';
  const bytes = m === null ? NaN : Number(m[1]) * SIZE_UNITS[unit]!;
  if (!Number.isFinite(bytes) || bytes < 1) {
    throw new UsageError(
      `${flag}: "${text}" is not a rate; expected bytes per second such as 10KiB/s, 1MB/s, 512B/s (at least 1 B/s)`,
    );
  }
  if (bytes > 10 * 1024 ** 3) throw new UsageError(`${flag}: "${text}" is above the maximum of 10GiB/s`);
  return Math.round(bytes);
}

/** `50`, `50%`, `12.5` -> 0..100. */
export function parsePercent(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)%?$/.exec(text.trim());
  const n = m === null ? NaN : Number(m[1]);
  if (!Number.isFinite(n) || n < 0 || n > 100) {
    throw new UsageError(`${flag}: "${text}" is not a percentage; expected a number from 0 to 100, e.g. 50 or 12.5%`);
  }
  return n;
}

/** An HTTP status a fault may answer with: 200..599. */
export function parseStatus(text: string, flag: string): number {
  const n = /^\d{3}$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!(n >= 200 && n <= 599)) {
    throw new UsageError(`${flag}: "${text}" is not an HTTP status; expected a number from 200 to 599, e.g. 503`);
  }
  return n;
}

/** `k=v` -> [k, v] (name validated as an HTTP header name). */
export function parseHeaderMatch(text: string, flag: string): [string, string] {
  const eq = text.indexOf('=');
  const name = eq < 0 ? '' : text.slice(0, eq).trim();
  if (eq <= 0 || !/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) {
    throw new UsageError(`${flag}: "${text}" is not NAME=VALUE with an HTTP header name, e.g. x-user=alice`);
  }
  return [name.toLowerCase(), text.slice(eq + 1)];
}
