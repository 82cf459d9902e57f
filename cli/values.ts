import { UsageError } from './errors.js';
import { EXPECTED } from './control/fault-kinds.js';

/**
 * Human text on the command line and in chaos files -> numbers for the control domain, which then
 * checks their bounds (cli/control/fault-kinds.ts). Only the syntax is judged here; every error
 * names the flag or field and is a UsageError (exit 2, nothing written).
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
  if (m === null) throw new UsageError(`${flag}: "${text}" ${EXPECTED.bytesPerSecond}`);
  return Number(m[1]) * SIZE_UNITS[m[2]?.toLowerCase() ?? 'b']!;
}

/** `50`, `50%`, `12.5` -> the number. */
export function parsePercent(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)%?$/.exec(text.trim());
  if (m === null) throw new UsageError(`${flag}: "${text}" ${EXPECTED.percent}`);
  return Number(m[1]);
}

/** Three digits -> an HTTP status number. */
export function parseStatus(text: string, flag: string): number {
  if (!/^\d{3}$/.test(text.trim())) throw new UsageError(`${flag}: "${text}" ${EXPECTED.status}`);
  return Number(text.trim());
}

/** Digits -> a whole number (its bounds are the domain's). */
export function parseCount(text: string, flag: string): number {
  if (!/^\d{1,9}$/.test(text.trim())) throw new UsageError(`${flag}: "${text}" ${EXPECTED.first}`);
  return Number(text.trim());
}

/** `k=v` -> [k, v] (name validated as an HTTP header name, lower-cased). */
export function parseHeaderMatch(text: string, flag: string): [string, string] {
  const eq = text.indexOf('=');
  const name = eq < 0 ? '' : text.slice(0, eq).trim();
  if (eq <= 0 || !/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) {
    throw new UsageError(`${flag}: "${text}" is not NAME=VALUE with an HTTP header name, e.g. x-user=alice`);
  }
  return [name.toLowerCase(), text.slice(eq + 1)];
}

/** `gateway,catalog` -> the services of one side of a partition. */
export function parseServiceGroup(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
