/**
 * Passive health checking (Envoy's outlier detection): the data path reports how each request to an
 * endpoint ended, this module decides when an endpoint is ejected from balancing and when it comes
 * back, and returns/announces those decisions as events for metrics and logs.
 *
 * Ejection is decided at once in `record` (not on a timer) so a dead endpoint leaves within a few
 * requests. Re-admission is checked lazily whenever the data path asks (`isEjected`, `routable`) and
 * by `tick`, so no timer is needed either.
 */
import { DEFAULT_OUTLIER_DETECTION as SCHEMA_DEFAULT_OUTLIER_DETECTION } from '../schema/defaults.js';
import type { AttemptOutcome } from './retry.js';
import type { Clock } from './types.js';

/**
 * How a request to an endpoint ended, as outlier detection sees it. Gateway errors are 502/503/504
 * and locally detected failures (connect failure, reset, timeout): signs that the endpoint itself is
 * unwell rather than the request being bad. Any other status, 4xx included, is a `success`.
 */
export type OutlierResult = 'success' | '5xx' | 'gateway-error';

export interface OutlierDetectorOptions {
  /** Eject after this many 5xx (gateway errors included) in a row; 0 disables. */
  consecutive5xx: number;
  /** Eject after this many gateway errors in a row; 0 disables. */
  consecutiveGatewayErrors: number;
  /** The n-th ejection in a row lasts n x baseEjectionMs ... */
  baseEjectionMs: number;
  /** ... but never longer than this. */
  maxEjectionMs: number;
  /**
   * At most this share of endpoints is ejected at once; one endpoint out of two or more may always
   * be ejected, whatever the percentage (so 10% of 3 endpoints still ejects one).
   */
  maxEjectionPercent: number;
  /** When fewer than this share of endpoints is healthy, balance over all of them (panic). */
  panicThresholdPercent: number;
}

/** Built-in defaults, written once in the schema (explained there). */
export const DEFAULT_OUTLIER_DETECTION: Readonly<OutlierDetectorOptions> = SCHEMA_DEFAULT_OUTLIER_DETECTION;

export type EjectionReason = 'consecutive-5xx' | 'consecutive-gateway-errors';

export type OutlierEvent =
  | {
      readonly type: 'ejected';
      readonly endpointId: string;
      readonly reason: EjectionReason;
      readonly at: number;
      readonly until: number;
      /** How many times in a row (the ejection-time multiplier). */
      readonly multiplier: number;
    }
  | {
      readonly type: 're-admitted';
      readonly endpointId: string;
      readonly at: number;
      readonly ejectedForMs: number;
      /** Why now: the ejection time ran out, or outlier detection was switched off live. */
      readonly cause: ReadmissionCause;
    }
  /** An ejection was due but max ejection percent forbade it. */
  | {
      readonly type: 'ejection-skipped';
      readonly endpointId: string;
      readonly reason: EjectionReason;
      readonly at: number;
    };

export type ReadmissionCause = 'ejection-ended' | 'detection-disabled';

export type OutlierListener = (event: OutlierEvent) => void;

/** Per-endpoint state for the admin API (a copy; mutating it changes nothing). */
export interface OutlierEndpointState {
  readonly endpointId: string;
  readonly ejected: boolean;
  /** Clock time the current ejection ends, when ejected. */
  readonly ejectedUntil: number | undefined;
  /** Ejections since the endpoint was first seen. */
  readonly ejectionCount: number;
  /** Current ejection-time multiplier (decays while the endpoint stays healthy). */
  readonly multiplier: number;
  readonly consecutive5xx: number;
  readonly consecutiveGatewayErrors: number;
}

interface EndpointOutlierState {
  ejected: boolean;
  ejectedUntil: number;
  ejectedAt: number;
  ejectionCount: number;
  multiplier: number;
  /** When the multiplier was last lowered or the endpoint last came back. */
  healthySince: number;
  consecutive5xx: number;
  consecutiveGatewayErrors: number;
}

/** Maps an attempt outcome (see retry.ts) to what outlier detection counts. */
export function outlierResultOf(outcome: AttemptOutcome): OutlierResult {
  if (outcome.kind !== 'response') return 'gateway-error';
  const s = outcome.status;
  if (s === 502 || s === 503 || s === 504) return 'gateway-error';
  return s >= 500 && s <= 599 ? '5xx' : 'success';
}

export class OutlierDetector {
  private options: OutlierDetectorOptions;
  private readonly endpoints = new Map<string, EndpointOutlierState>();
  private ejectedCount = 0;
  private readonly listeners: OutlierListener[] = [];
  private panicking = false;
  /** Whether `setEndpoints` was called; until then endpoints are learnt from `record`. */
  private endpointSetKnown = false;

  constructor(
    private readonly clock: Clock,
    options: Partial<OutlierDetectorOptions> = {},
  ) {
    this.options = validateOutlierOptions({ ...DEFAULT_OUTLIER_DETECTION, ...options });
  }

  /**
   * Live tuning; existing ejections keep their end time, unless the new options switch detection off
   * (both thresholds 0): then every ejected endpoint is re-admitted at once. Whoever turns detection
   * off wants every instance back in rotation, not the last verdicts of a detector that no longer
   * runs (Envoy gets there by rebuilding the cluster without its ejections).
   */
  configure(options: Partial<OutlierDetectorOptions>): void {
    this.options = validateOutlierOptions({ ...this.options, ...options });
    if (this.ejectedCount > 0 && this.options.consecutive5xx === 0 && this.options.consecutiveGatewayErrors === 0) {
      const now = this.clock.now();
      for (const [id, s] of this.endpoints) if (s.ejected) this.readmit(id, s, now, 'detection-disabled');
    }
  }

  get settings(): Readonly<OutlierDetectorOptions> {
    return this.options;
  }

  /** Events are delivered synchronously, after the state change; returns an unsubscribe function. */
  onEvent(listener: OutlierListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /**
   * The upstream's current endpoint ids (from discovery). Known state of remaining endpoints is
   * kept; removed endpoints are forgotten (an ejected one that is removed no longer counts), and
   * later results for them are ignored. Without any call, endpoints are learnt from `record`.
   */
  setEndpoints(ids: Iterable<string>): void {
    this.endpointSetKnown = true;
    const keep = new Set(ids);
    for (const [id, s] of this.endpoints) {
      if (!keep.has(id)) {
        if (s.ejected) this.ejectedCount--;
        this.endpoints.delete(id);
      }
    }
    for (const id of keep) if (!this.endpoints.has(id)) this.endpoints.set(id, this.fresh());
  }

  /**
   * Reports how a request to `endpointId` ended. Returns the event it caused (an ejection or a
   * skipped ejection), also delivered to listeners; undefined in the common case.
   */
  record(endpointId: string, result: OutlierResult, now?: number): OutlierEvent | undefined {
    let s = this.endpoints.get(endpointId);
    if (s === undefined) {
      // Once discovery has given the endpoint set, an unknown id is one that was removed while a
      // request to it was in flight: its result must not bring it back (nor count towards limits).
      if (this.endpointSetKnown) return undefined;
      s = this.fresh();
      this.endpoints.set(endpointId, s);
    }
    if (result === 'success') {
      s.consecutive5xx = 0;
      s.consecutiveGatewayErrors = 0;
      return undefined;
    }
    if (s.ejected) {
      // Results of requests that were in flight when the endpoint was ejected change nothing; once
      // the ejection has run out, this is the first result after re-admission.
      const t = now ?? this.clock.now();
      if (t < s.ejectedUntil) return undefined;
      this.readmit(endpointId, s, t);
    }
    const o = this.options;
    s.consecutive5xx++;
    if (result === 'gateway-error') s.consecutiveGatewayErrors++;
    else s.consecutiveGatewayErrors = 0;
    if (o.consecutiveGatewayErrors > 0 && s.consecutiveGatewayErrors >= o.consecutiveGatewayErrors) {
      return this.eject(endpointId, s, 'consecutive-gateway-errors', now ?? this.clock.now());
    }
    if (o.consecutive5xx > 0 && s.consecutive5xx >= o.consecutive5xx) {
      return this.eject(endpointId, s, 'consecutive-5xx', now ?? this.clock.now());
    }
    return undefined;
  }

  /** Whether the endpoint is ejected now (re-admits it first if its ejection ran out). */
  isEjected(endpointId: string, now?: number): boolean {
    const s = this.endpoints.get(endpointId);
    if (s === undefined || !s.ejected) return false;
    const t = now ?? this.clock.now();
    if (t < s.ejectedUntil) return true;
    this.readmit(endpointId, s, t);
    return false;
  }

  /**
   * The endpoints that may receive traffic: the non-ejected ones, written into `out` (cleared first,
   * reused by the caller to avoid an allocation per request); or `all` itself in panic mode, when
   * the healthy share of `all` is below the panic threshold (or nothing is healthy).
   */
  routable<T extends { readonly id: string }>(all: readonly T[], out: T[], now?: number): readonly T[] {
    if (this.ejectedCount === 0) {
      this.panicking = false;
      return all;
    }
    const t = now ?? this.clock.now();
    out.length = 0;
    for (let i = 0; i < all.length; i++) {
      const e = all[i] as T;
      if (!this.isEjected(e.id, t)) out.push(e);
    }
    const healthyPercent = all.length === 0 ? 100 : (out.length / all.length) * 100;
    this.panicking = out.length === 0 || healthyPercent < this.options.panicThresholdPercent;
    return this.panicking ? all : out;
  }

  /** Whether the last `routable` call fell back to all endpoints. */
  get inPanic(): boolean {
    return this.panicking;
  }

  get ejectedEndpoints(): number {
    return this.ejectedCount;
  }

  /**
   * Re-admits endpoints whose ejection ran out and lets healthy endpoints' multipliers decay;
   * returns the re-admissions (also delivered to listeners). Optional: `isEjected`/`routable` do
   * the re-admission lazily, but a periodic tick (e.g. 1 s) keeps metrics and logs timely.
   */
  tick(): OutlierEvent[] {
    const now = this.clock.now();
    const events: OutlierEvent[] = [];
    for (const [id, s] of this.endpoints) {
      if (s.ejected) {
        if (now >= s.ejectedUntil) {
          const e = this.readmit(id, s, now);
          events.push(e);
        }
      } else {
        this.decayMultiplier(s, now);
      }
    }
    return events;
  }

  state(endpointId: string): OutlierEndpointState | undefined {
    const s = this.endpoints.get(endpointId);
    if (s === undefined) return undefined;
    const now = this.clock.now();
    if (s.ejected && now >= s.ejectedUntil) this.readmit(endpointId, s, now);
    else if (!s.ejected) this.decayMultiplier(s, now);
    return {
      endpointId,
      ejected: s.ejected,
      ejectedUntil: s.ejected ? s.ejectedUntil : undefined,
      ejectionCount: s.ejectionCount,
      multiplier: s.multiplier,
      consecutive5xx: s.consecutive5xx,
      consecutiveGatewayErrors: s.consecutiveGatewayErrors,
    };
  }

  /** State of every known endpoint, for the admin API. */
  states(): OutlierEndpointState[] {
    const out: OutlierEndpointState[] = [];
    for (const id of this.endpoints.keys()) {
      const s = this.state(id);
      if (s !== undefined) out.push(s);
    }
    return out;
  }

  private fresh(): EndpointOutlierState {
    return {
      ejected: false,
      ejectedUntil: 0,
      ejectedAt: 0,
      ejectionCount: 0,
      multiplier: 0,
      healthySince: this.clock.now(),
      consecutive5xx: 0,
      consecutiveGatewayErrors: 0,
    };
  }

  private mayEject(): boolean {
    const total = this.endpoints.size;
    if (total < 2) return false; // ejecting the only endpoint would just mean panic
    if (this.ejectedCount === 0) return true; // always allow one out of two or more
    return ((this.ejectedCount + 1) / total) * 100 <= this.options.maxEjectionPercent;
  }

  private eject(id: string, s: EndpointOutlierState, reason: EjectionReason, now: number): OutlierEvent {
    s.consecutive5xx = 0;
    s.consecutiveGatewayErrors = 0;
    if (!this.mayEject()) {
      return this.emit({ type: 'ejection-skipped', endpointId: id, reason, at: now });
    }
    this.decayMultiplier(s, now);
    s.multiplier++;
    s.ejectionCount++;
    s.ejected = true;
    s.ejectedAt = now;
    s.ejectedUntil = now + Math.min(this.options.baseEjectionMs * s.multiplier, this.options.maxEjectionMs);
    this.ejectedCount++;
    return this.emit({
      type: 'ejected',
      endpointId: id,
      reason,
      at: now,
      until: s.ejectedUntil,
      multiplier: s.multiplier,
    });
  }

  private readmit(
    id: string,
    s: EndpointOutlierState,
    now: number,
    cause: ReadmissionCause = 'ejection-ended',
  ): OutlierEvent {
    const ejectedForMs = now - s.ejectedAt;
    s.ejected = false;
    s.healthySince = now;
    s.consecutive5xx = 0;
    s.consecutiveGatewayErrors = 0;
    this.ejectedCount--;
    return this.emit({ type: 're-admitted', endpointId: id, at: now, ejectedForMs, cause });
  }

  /**
   * The multiplier drops by one for every baseEjectionMs the endpoint stays un-ejected (Envoy does
   * the same per detection interval), so an endpoint that failed once long ago is not punished with
   * a long ejection the next time.
   */
  private decayMultiplier(s: EndpointOutlierState, now: number): void {
    if (s.multiplier === 0) return;
    const steps = Math.floor((now - s.healthySince) / this.options.baseEjectionMs);
    if (steps <= 0) return;
    s.multiplier = Math.max(0, s.multiplier - steps);
    s.healthySince += steps * this.options.baseEjectionMs;
  }

  private emit(event: OutlierEvent): OutlierEvent {
    for (let i = 0; i < this.listeners.length; i++) this.listeners[i]!(event);
    return event;
  }
}

export function validateOutlierOptions(o: OutlierDetectorOptions): OutlierDetectorOptions {
  const bad = (field: keyof OutlierDetectorOptions, expected: string): never => {
    throw new RangeError(`outlier detection ${field} must be ${expected}, got ${String(o[field])}`);
  };
  if (!Number.isInteger(o.consecutive5xx) || o.consecutive5xx < 0) bad('consecutive5xx', 'an integer >= 0');
  if (!Number.isInteger(o.consecutiveGatewayErrors) || o.consecutiveGatewayErrors < 0) {
    bad('consecutiveGatewayErrors', 'an integer >= 0');
  }
  if (!(o.baseEjectionMs > 0)) bad('baseEjectionMs', '> 0');
  if (!(o.maxEjectionMs >= o.baseEjectionMs)) bad('maxEjectionMs', `>= baseEjectionMs (${o.baseEjectionMs})`);
  if (!(o.maxEjectionPercent >= 0 && o.maxEjectionPercent <= 100)) bad('maxEjectionPercent', 'between 0 and 100');
  if (!(o.panicThresholdPercent >= 0 && o.panicThresholdPercent <= 100)) {
    bad('panicThresholdPercent', 'between 0 and 100');
  }
  return o;
}
