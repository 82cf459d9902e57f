import { checkDuration, durationText } from '../duration.js';
import { HTTP_FAULT_TYPES, MAX_FAULT_DELAY_MS, MAX_FAULT_TTL_MS, MAX_FLAKY_FIRST } from '../../proxy/schema/faults.js';
import { DEFAULT_FLAKY_STATUS } from '../../proxy/schema/defaults.js';
import type { FaultAction, HttpFaultType } from '../../proxy/schema/faults.js';
import type { FieldNaming } from './fields.js';
import { FieldError, shown } from './fields.js';

/**
 * The kinds of fault a user can ask for, as typed values, and the one place their values are
 * checked. A kind is the schema's HTTP fault type; `tcp` on the spec picks its L4 variant where
 * there is one. Adding a kind: its spec below, its entry in FAULT_KIND_RULES, and one table entry
 * per front door (the command's flag, the chaos field, the UI form's kind).
 */

export type FaultKind = HttpFaultType;
export const FAULT_KINDS: readonly FaultKind[] = HTTP_FAULT_TYPES;

export type FaultKindSpec =
  | { readonly kind: 'delay'; readonly fixedMs: number; readonly jitterMs?: number }
  | { readonly kind: 'abort'; readonly status: number }
  | { readonly kind: 'reset' }
  | { readonly kind: 'blackhole' }
  | { readonly kind: 'bandwidth'; readonly bytesPerSecond: number }
  /** The first `first` matching requests of each caller (connections with `tcp`) fail, then traffic passes. */
  | { readonly kind: 'flaky'; readonly first: number; readonly failStatus?: number };

/** Every field a fault spec may carry, kinds included (a front door names each its own way). */
export type FaultField =
  | FaultKind
  | 'target'
  | 'fixedMs'
  | 'jitterMs'
  | 'status'
  | 'bytesPerSecond'
  | 'first'
  | 'failStatus'
  | 'tcp'
  | 'percent'
  | 'pathPrefix'
  | 'headers'
  | 'source'
  | 'from'
  | 'ttlMs'
  | 'id';

/** Bounds of the typed values, for every front door (the UI's form checks its fields with these). */
export const FAULT_BOUNDS = {
  /** How long a fault or partition may last: from 1s to the schema's MAX_FAULT_TTL_MS (24h). */
  ttlMs: { min: 1000, max: MAX_FAULT_TTL_MS },
  delayMs: { min: 0, max: MAX_FAULT_DELAY_MS },
  percent: { min: 0, max: 100 },
  status: { min: 200, max: 599 },
  bytesPerSecond: { min: 1, max: 10 * 1024 ** 3 },
  first: { min: 1, max: MAX_FLAKY_FIRST },
} as const;

/** A fault lasts this long unless told otherwise: long enough for an experiment, short enough to be forgotten safely. */
export const DEFAULT_FAULT_TTL_MS = 10 * 60_000;
export const DEFAULT_FAULT_PERCENT = 100;

/** What a value was expected to be, worded once for the checks here and the text parsers of the front doors. */
export const EXPECTED = {
  percent: `is not a percentage; expected a number from ${FAULT_BOUNDS.percent.min} to ${FAULT_BOUNDS.percent.max}, e.g. 50 or 12.5%`,
  status: `is not an HTTP status; expected a number from ${FAULT_BOUNDS.status.min} to ${FAULT_BOUNDS.status.max}, e.g. 503`,
  bytesPerSecond: 'is not a rate; expected bytes per second such as 10KiB/s, 1MB/s, 512B/s (at least 1 B/s)',
  first: `is not a count; expected a whole number from ${FAULT_BOUNDS.first.min} to ${FAULT_BOUNDS.first.max}`,
} as const;

type Naming = FieldNaming<FaultField>;

export function checkPercent(percent: number, naming: Naming): number {
  const { min, max } = FAULT_BOUNDS.percent;
  if (!Number.isFinite(percent) || percent < min || percent > max) {
    throw new FieldError(
      'percent',
      `${naming.name('percent')}: ${shown(naming, 'percent', percent)} ${EXPECTED.percent}`,
    );
  }
  return percent;
}

export function checkStatus(status: number, naming: Naming, field: 'status' | 'failStatus' = 'status'): number {
  const { min, max } = FAULT_BOUNDS.status;
  if (!Number.isInteger(status) || status < min || status > max) {
    throw new FieldError(field, `${naming.name(field)}: ${shown(naming, field, status)} ${EXPECTED.status}`);
  }
  return status;
}

export function checkRate(bytesPerSecond: number, naming: Naming): number {
  const { min, max } = FAULT_BOUNDS.bytesPerSecond;
  const name = naming.name('bytesPerSecond');
  const value = shown(naming, 'bytesPerSecond', bytesPerSecond);
  if (!Number.isFinite(bytesPerSecond) || bytesPerSecond < min) {
    throw new FieldError('bytesPerSecond', `${name}: ${value} ${EXPECTED.bytesPerSecond}`);
  }
  if (bytesPerSecond > max) throw new FieldError('bytesPerSecond', `${name}: ${value} is above the maximum of 10GiB/s`);
  return Math.round(bytesPerSecond);
}

/** A duration field (`fixedMs`, `jitterMs`, `ttlMs`) within its bounds. */
export function checkMs<F extends string>(
  field: F,
  ms: number,
  naming: FieldNaming<F>,
  bounds: { min: number; max: number },
): number {
  const text = naming.text?.(field) ?? (Number.isSafeInteger(ms) && ms >= 0 ? durationText(ms) : String(ms));
  try {
    checkDuration(ms, naming.name(field), text, bounds);
  } catch (err) {
    throw new FieldError(field, (err as Error).message);
  }
  return ms;
}

interface KindRule<S extends FaultKindSpec> {
  /** Whether `tcp` has an L4 variant of this kind. */
  readonly tcp: boolean;
  /** The kind fails an exact count of requests, so `percent` must stay 100. */
  readonly exact?: boolean;
  /** The values of the kind, checked, as the schema's action (its TCP variant with `tcp`). */
  readonly action: (spec: S, tcp: boolean, naming: Naming) => FaultAction;
}

export const FAULT_KIND_RULES: { readonly [K in FaultKind]: KindRule<Extract<FaultKindSpec, { kind: K }>> } = {
  delay: {
    tcp: true,
    action(spec, tcp, naming) {
      const fixedMs = checkMs('fixedMs', spec.fixedMs, naming, FAULT_BOUNDS.delayMs);
      const jitterMs = checkMs('jitterMs', spec.jitterMs ?? 0, naming, FAULT_BOUNDS.delayMs);
      if (fixedMs === 0 && jitterMs === 0) {
        throw new FieldError(
          'fixedMs',
          `${naming.name('fixedMs')}: ${shown(naming, 'fixedMs', '0s')} adds nothing; give more than 0`,
        );
      }
      return tcp ? { type: 'tcp-latency', fixedMs, jitterMs } : { type: 'delay', fixedMs, jitterMs };
    },
  },
  abort: {
    tcp: false,
    action: (spec, _tcp, naming) => ({ type: 'abort', status: checkStatus(spec.status, naming) }),
  },
  reset: { tcp: true, action: (_spec, tcp) => ({ type: tcp ? 'tcp-reset' : 'reset' }) },
  blackhole: { tcp: false, action: () => ({ type: 'blackhole' }) },
  bandwidth: {
    tcp: true,
    action(spec, tcp, naming) {
      const bytesPerSecond = checkRate(spec.bytesPerSecond, naming);
      return tcp ? { type: 'tcp-bandwidth', bytesPerSecond } : { type: 'bandwidth', bytesPerSecond };
    },
  },
  flaky: {
    tcp: true,
    // An exact count: the share of requests is not a knob of this kind (percent stays 100).
    exact: true,
    action(spec, tcp, naming) {
      const { min, max } = FAULT_BOUNDS.first;
      if (!Number.isInteger(spec.first) || spec.first < min || spec.first > max) {
        throw new FieldError(
          'first',
          `${naming.name('first')}: ${shown(naming, 'first', spec.first)} ${EXPECTED.first}`,
        );
      }
      if (tcp) {
        if (spec.failStatus !== undefined) {
          throw new FieldError(
            'failStatus',
            `${naming.name('failStatus')} has no meaning with ${naming.name('tcp')} (a TCP flaky fault resets the connection)`,
          );
        }
        return { type: 'tcp-flaky', first: spec.first };
      }
      const status =
        spec.failStatus === undefined ? DEFAULT_FLAKY_STATUS : checkStatus(spec.failStatus, naming, 'failStatus');
      return { type: 'flaky', first: spec.first, status };
    },
  },
};

/** The schema action of a kind spec (values checked); `tcp` must have been allowed for the kind. */
export function faultAction(spec: FaultKindSpec, tcp: boolean, naming: Naming): FaultAction {
  const rule = FAULT_KIND_RULES[spec.kind] as KindRule<FaultKindSpec>;
  return rule.action(spec, tcp, naming);
}

/**
 * The one kind among those a front door was given (by its flags or fields): none or several is
 * bad input. `stray` are values given without their kind (a jitter without a delay).
 */
export function pickFaultKind(
  given: readonly FaultKind[],
  stray: readonly { field: FaultField; needs: FaultKind }[],
  naming: Naming,
  fix?: string,
): FaultKind {
  const names = FAULT_KINDS.map((k) => naming.name(k));
  if (given.length === 0) {
    throw new FieldError('kind', `give one fault: ${names.slice(0, -1).join(', ')} or ${names.at(-1)}`, {
      ...(fix === undefined ? {} : { fix }),
    });
  }
  if (given.length > 1) {
    const ordered = FAULT_KINDS.filter((k) => given.includes(k)).map((k) => naming.name(k));
    throw new FieldError(
      given[1]!,
      `${ordered.join(' and ')} conflict: one fault at a time (add several faults to combine them)`,
    );
  }
  const loose = stray[0];
  if (loose !== undefined)
    throw new FieldError(loose.field, `${naming.name(loose.field)} needs ${naming.name(loose.needs)}`);
  return given[0]!;
}
