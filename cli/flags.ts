import { UsageError } from './errors.js';
import { ServiceName } from '../proxy/schema/topology.js';

/**
 * Values of command-line flags shared by several commands, parsed into what the commands act with.
 * Each is pure and throws a UsageError (exit 2) naming the flag and what was expected, so a command
 * parses every flag before it reads Consul, Docker or a sidecar, or writes anything.
 */

/** `up --timeout`, `scale --timeout`: how long a command may wait for instances to become healthy. */
export const WAIT_TIMEOUT_BOUNDS = { min: 1000, max: 3_600_000 } as const;

/** `--consul http://127.0.0.1:8500`: an http(s) URL with a host, no query or fragment. */
export function parseHttpUrl(text: string, flag: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    throw new UsageError(`${flag}: "${text}" is not an http(s) URL; expected e.g. http://127.0.0.1:8500`);
  }
  if (url.search !== '' || url.hash !== '') {
    throw new UsageError(
      `${flag}: "${text}" has a query or fragment; expected a base URL such as http://127.0.0.1:8500`,
    );
  }
  return text.replace(/\/+$/, '');
}

/** A whole number from `min` to `max` (decimal digits only: no sign, exponent, hex or blank). */
export function parseWholeNumber(text: string, flag: string, bounds: { min: number; max: number }): number {
  const n = /^\d{1,15}$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!(n >= bounds.min && n <= bounds.max)) {
    throw new UsageError(`${flag}: "${text}" is not a whole number from ${bounds.min} to ${bounds.max}`);
  }
  return n;
}

/** A decimal number from `min` to `max` (`0.5`, `1`; no exponent, hex or blank). */
export function parseDecimal(text: string, flag: string, bounds: { min: number; max: number }): number {
  const n = /^\d{1,15}(\.\d{1,15})?$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!(n >= bounds.min && n <= bounds.max)) {
    throw new UsageError(`${flag}: "${text}" is not a number from ${bounds.min} to ${bounds.max}`);
  }
  return n;
}

/** `--mesh shop`: a mesh name as the topology's `name` is written (a DNS label). */
export function parseMeshName(text: string, flag: string): string {
  if (!ServiceName.safeParse(text).success) {
    throw new UsageError(
      `${flag}: "${text}" is not a mesh name; expected a lower-case DNS label (a-z, 0-9, "-"), e.g. shop`,
    );
  }
  return text;
}
