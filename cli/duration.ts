import { UsageError } from './errors.js';

/** Units largest first; a duration writes each at most once, in this order. */
const UNITS = [
  ['h', 3_600_000n],
  ['m', 60_000n],
  ['s', 1000n],
  ['ms', 1n],
] as const;
type Unit = (typeof UNITS)[number][0];

/** Below this many of a unit, it is written with the next larger one (`90s` after `1m` is `2m30s`). */
const CARRY: Record<Unit, bigint | undefined> = { h: undefined, m: 60n, s: 60n, ms: 1000n };

const EXAMPLES = 'e.g. 500ms, 30s, 1.5s, 2m, 1h or 1m30s';

export interface DurationBounds {
  /** Smallest accepted value in ms (default 0). */
  readonly min?: number;
  /** Largest accepted value in ms (default: the largest safe integer). */
  readonly max?: number;
}

/**
 * Parses a duration with a unit into whole milliseconds: `500ms`, `30s`, `1.5s`, `2m`, `1h`, or a
 * compound such as `1h30m` / `1m30s` / `2s500ms`. A compound names each unit at most once, largest
 * first, every part after the first below its next larger unit (`1m90s` is `2m30s`), and only its
 * last part may have a fraction. A bare number is refused: `5` could mean seconds or minutes, and
 * a wrong guess (a fault lasting 5 ms, a wait of 5 hours) goes unnoticed. `what` names the flag or
 * field in the error (`--ttl`, `chaos.yaml: steps[0].at`); `bounds` are checked here so that every
 * front door reports a range the same way.
 */
export function parseDuration(text: string, what: string, bounds: DurationBounds = {}): number {
  const ms = parseDurationMs(text.trim(), (why) => new UsageError(`${what}: ${why}`));
  checkDuration(ms, what, text, bounds);
  return ms;
}

/**
 * A duration already in milliseconds (typed input: the UI, the programmatic API, or text parsed
 * earlier) against its bounds, with the message parseDuration gives; `shown` is the value as the
 * user wrote it, when there was text.
 */
export function checkDuration(ms: number, what: string, shown: string, bounds: DurationBounds = {}): void {
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw new UsageError(`${what}: "${shown}" is not a duration in whole milliseconds, ${EXAMPLES}`);
  }
  const min = bounds.min ?? 0;
  const max = bounds.max ?? Number.MAX_SAFE_INTEGER;
  if (ms < min || ms > max) {
    const range =
      bounds.max === undefined
        ? `at least ${durationText(min)}`
        : min === 0
          ? `at most ${durationText(max)}`
          : `from ${durationText(min)} to ${durationText(max)}`;
    throw new UsageError(`${what}: "${shown}" is out of range; expected ${range}`);
  }
}

function parseDurationMs(text: string, fail: (why: string) => UsageError): number {
  if (text === '') throw fail(`a duration is needed, ${EXAMPLES}`);
  if (text.startsWith('-')) throw fail(`"${text}" is negative; a duration is 0 or more, ${EXAMPLES}`);
  if (/^\d+(\.\d+)?$/.test(text)) {
    throw fail(`"${text}" has no unit; a duration needs one, e.g. ${text}s or ${text}m`);
  }
  const parts: { digits: string; fraction: string | undefined; unit: Unit }[] = [];
  const re = /(\d+)(?:\.(\d+))?(ms|h|m|s)/y;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    parts.push({ digits: m[1]!, fraction: m[2], unit: m[3] as Unit });
    if (re.lastIndex === text.length) break;
  }
  if (parts.length === 0 || re.lastIndex !== text.length)
    throw fail(`"${text}" is not a duration; expected ${EXAMPLES}`);
  const rank = (u: Unit) => UNITS.findIndex(([name]) => name === u);
  let total = 0n;
  let carried: string | undefined;
  for (const [i, p] of parts.entries()) {
    const previous = parts[i - 1];
    if (previous !== undefined) {
      if (parts.slice(0, i).some((q) => q.unit === p.unit)) {
        throw fail(`"${text}" gives ${p.unit} twice; a duration names each unit once, largest first, e.g. 1h30m`);
      }
      if (rank(p.unit) < rank(previous.unit)) {
        throw fail(`"${text}" has its units out of order; largest first (h, m, s, ms), e.g. 1m30s`);
      }
      if (previous.fraction !== undefined) {
        throw fail(`"${text}": only the last part of a duration may have a fraction, e.g. 1h30m or 1.5h`);
      }
    }
    const unitMs = UNITS[rank(p.unit)]![1];
    const fraction = p.fraction ?? '';
    const scale = 10n ** BigInt(fraction.length);
    const scaled = BigInt(p.digits + fraction) * unitMs;
    if (scaled % scale !== 0n) throw fail(`"${text}" is not a whole number of milliseconds`);
    const partMs = scaled / scale;
    const carry = CARRY[p.unit];
    if (previous !== undefined && carry !== undefined && partMs >= carry * unitMs) {
      carried ??= `${p.digits}${fraction === '' ? '' : `.${fraction}`}${p.unit}`;
    }
    total += partMs;
  }
  if (total > BigInt(Number.MAX_SAFE_INTEGER)) throw fail(`"${text}" is too long`);
  if (carried !== undefined) {
    throw fail(`"${text}": ${carried} makes a larger unit; write ${durationText(Number(total))}`);
  }
  return Number(total);
}

/**
 * The exact text of `ms` that parseDuration reads back to the same value: `1h2m3s4ms`, `90s` is
 * `1m30s`, 0 is `0s`. For values passed on as text (a chaos step's TTL) and for ranges in messages.
 */
export function durationText(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError(`durationText: ${ms} is not a whole number of ms`);
  let rest = BigInt(ms);
  let out = '';
  for (const [unit, unitMs] of UNITS) {
    const n = rest / unitMs;
    rest %= unitMs;
    if (n > 0n) out += `${n}${unit}`;
  }
  return out === '' ? '0s' : out;
}

/** A readable, rounded duration for tables and messages (`250ms`, `2.5s`, `42s`, `1m30s`, `2h5m`). */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 9950) return `${(ms / 1000).toFixed(1)}s`;
  // Rounded once, to whole seconds (minutes from an hour on), then split: 119.6 s is 2m, not 1m60s.
  if (ms < 3_599_500) {
    const seconds = Math.round(ms / 1000);
    const m = Math.floor(seconds / 60);
    const s = seconds % 60;
    if (m === 0) return `${s}s`;
    return s === 0 ? `${m}m` : `${m}m${s}s`;
  }
  const minutes = Math.round(ms / 60_000);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? `${h}h` : `${h}h${m}m`;
}
