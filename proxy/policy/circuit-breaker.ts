/**
 * Per-upstream concurrency limits (Envoy's circuit breakers): a bound on requests in flight and on
 * requests waiting for a slot, past which the sidecar fails fast with a 503 instead of queueing
 * without end and taking the caller down with the upstream. Two counters, no clock.
 *
 * Usage on the data path:
 *   const v = breaker.tryAcquire();          // 'ok' -> send now, release() when it ends
 *   if (v === 'max-requests') {               // no slot: wait in line if there is room
 *     if (breaker.tryEnqueue() !== 'ok') -> 503 `x-meshdev-reason: circuit-open max-pending`
 *     ... when a slot frees: breaker.dequeue(); then tryAcquire() again
 *   }
 * A data path that does not queue simply answers 503 on anything but 'ok'.
 */
import { DEFAULT_CIRCUIT_BREAKER as SCHEMA_DEFAULT_CIRCUIT_BREAKER } from '../schema/defaults.js';

export interface CircuitBreakerLimits {
  /** Requests in flight to the upstream at once. */
  maxConcurrent: number;
  /** Requests waiting for a slot (or for a connection from the pool); 0 = never wait. */
  maxPending: number;
}

/** Built-in defaults, written once in the schema (explained there). */
export const DEFAULT_CIRCUIT_BREAKER: Readonly<CircuitBreakerLimits> = SCHEMA_DEFAULT_CIRCUIT_BREAKER;

export type CircuitBreakerVerdict = 'ok' | 'max-requests' | 'max-pending';

export interface CircuitBreakerSnapshot extends CircuitBreakerLimits {
  active: number;
  pending: number;
}

export class CircuitBreaker {
  private limits: CircuitBreakerLimits;
  private activeCount = 0;
  private pendingCount = 0;

  constructor(limits: Partial<CircuitBreakerLimits> = {}) {
    this.limits = validateLimits({ ...DEFAULT_CIRCUIT_BREAKER, ...limits });
  }

  /** Live tuning: new limits apply to the next acquire; nothing in flight is cut off. */
  configure(limits: Partial<CircuitBreakerLimits>): void {
    this.limits = validateLimits({ ...this.limits, ...limits });
  }

  /** Takes a request slot: 'ok' (call `release` later) or 'max-requests'. */
  tryAcquire(): CircuitBreakerVerdict {
    if (this.activeCount >= this.limits.maxConcurrent) return 'max-requests';
    this.activeCount++;
    return 'ok';
  }

  release(): void {
    if (this.activeCount > 0) this.activeCount--;
  }

  /** Takes a place in the waiting line: 'ok' (call `dequeue` when it leaves the line) or 'max-pending'. */
  tryEnqueue(): CircuitBreakerVerdict {
    if (this.pendingCount >= this.limits.maxPending) return 'max-pending';
    this.pendingCount++;
    return 'ok';
  }

  dequeue(): void {
    if (this.pendingCount > 0) this.pendingCount--;
  }

  get active(): number {
    return this.activeCount;
  }
  get pending(): number {
    return this.pendingCount;
  }

  snapshot(): CircuitBreakerSnapshot {
    return { ...this.limits, active: this.activeCount, pending: this.pendingCount };
  }
}

function validateLimits(l: CircuitBreakerLimits): CircuitBreakerLimits {
  if (!Number.isInteger(l.maxConcurrent) || l.maxConcurrent < 1) {
    throw new RangeError(`circuit breaker maxConcurrent must be an integer >= 1, got ${l.maxConcurrent}`);
  }
  if (!Number.isInteger(l.maxPending) || l.maxPending < 0) {
    throw new RangeError(`circuit breaker maxPending must be an integer >= 0, got ${l.maxPending}`);
  }
  return l;
}
