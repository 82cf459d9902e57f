/**
 * The retry budget keeps retries from multiplying load when an upstream is already failing: without
 * one, 3 tries per request triple the traffic into an outage. The model is linkerd2-proxy's (and
 * Finagle's): retries may be at most `ratio` of the requests seen in a sliding window, plus a small
 * per-second floor so a quiet upstream can still be retried.
 *
 * Why not Envoy's concurrent model (retries in flight at most 20% of requests in flight, at least
 * 3): it bounds the wrong thing. Against an upstream that fails fast every retry ends at once, so it
 * never refuses one and a total outage still gets every retry; against a slow failure (a frozen
 * instance whose requests all time out within a second) the retries that follow are as slow as the
 * host, pile up beyond 3 and are refused although they add a few percent of load. Counting over a
 * window bounds the added load itself.
 *
 * A plain counter with an injected clock: O(1) per call, no allocation, no timers.
 */
import type { RetryBudgetGate } from './retry.js';
import type { Clock } from './types.js';

export interface RetryBudgetOptions {
  /** Retries allowed per request seen in the window (0.2 = retries add at most 20% load). */
  ratio: number;
  /** Length of the sliding window. */
  windowMs: number;
  /** Retries allowed in any second regardless of the ratio (the floor for low traffic). */
  minRetriesPerSecond: number;
  /** Resolution of the window: it slides one bucket (windowMs / buckets) at a time. */
  buckets: number;
}

export const DEFAULT_RETRY_BUDGET: Readonly<RetryBudgetOptions> = Object.freeze({
  ratio: 0.2,
  windowMs: 10_000,
  minRetriesPerSecond: 10,
  buckets: 10,
});

export interface RetryBudgetSnapshot {
  requestsInWindow: number;
  retriesInWindow: number;
  /** Retries the budget would still allow right now. */
  available: number;
}

function validate(o: RetryBudgetOptions): void {
  if (!(o.ratio >= 0)) throw new RangeError(`retry budget ratio must be >= 0, got ${o.ratio}`);
  if (!(o.windowMs > 0)) throw new RangeError(`retry budget windowMs must be > 0, got ${o.windowMs}`);
  if (!(o.minRetriesPerSecond >= 0)) {
    throw new RangeError(`retry budget minRetriesPerSecond must be >= 0, got ${o.minRetriesPerSecond}`);
  }
  if (!Number.isInteger(o.buckets) || o.buckets < 1) {
    throw new RangeError(`retry budget buckets must be an integer >= 1, got ${o.buckets}`);
  }
}

export class RetryBudget implements RetryBudgetGate {
  private options: RetryBudgetOptions;
  private readonly bucketMs: number;
  private floorPerBucket: number;
  private readonly requests: Float64Array;
  private readonly retries: Float64Array;
  private requestSum = 0;
  private retrySum = 0;
  /** Absolute bucket number (floor(now / bucketMs)) the current slot holds. */
  private currentBucket: number;

  constructor(
    private readonly clock: Clock,
    options: Partial<RetryBudgetOptions> = {},
  ) {
    const o = { ...DEFAULT_RETRY_BUDGET, ...options };
    validate(o);
    this.options = o;
    this.bucketMs = o.windowMs / o.buckets;
    this.floorPerBucket = (o.minRetriesPerSecond * this.bucketMs) / 1000;
    this.requests = new Float64Array(o.buckets);
    this.retries = new Float64Array(o.buckets);
    this.currentBucket = Math.floor(clock.now() / this.bucketMs);
  }

  /** Counts one request (a first try; retries are not requests). `now`: see types.ts. */
  recordRequest(now?: number): void {
    const slot = this.advance(now);
    this.requests[slot]!++;
    this.requestSum++;
  }

  /** Spends one retry if the budget allows it. */
  tryWithdraw(now?: number): boolean {
    const slot = this.advance(now);
    if (this.retrySum < this.options.ratio * this.requestSum || this.retries[slot]! < this.floorPerBucket) {
      this.retries[slot]!++;
      this.retrySum++;
      return true;
    }
    return false;
  }

  /** Whether a retry would be allowed now, without spending it. */
  canRetry(now?: number): boolean {
    const slot = this.advance(now);
    return this.retrySum < this.options.ratio * this.requestSum || this.retries[slot]! < this.floorPerBucket;
  }

  /** Live config: a new ratio and floor apply at once; what the window has counted stays. */
  configure(options: Partial<Pick<RetryBudgetOptions, 'ratio' | 'minRetriesPerSecond'>>): void {
    const o = { ...this.options, ...options };
    validate(o);
    this.options = o;
    this.floorPerBucket = (o.minRetriesPerSecond * this.bucketMs) / 1000;
  }

  snapshot(): RetryBudgetSnapshot {
    const slot = this.advance();
    const byRatio = Math.max(0, Math.floor(this.options.ratio * this.requestSum - this.retrySum));
    const byFloor = Math.max(0, Math.ceil(this.floorPerBucket - this.retries[slot]!));
    return { requestsInWindow: this.requestSum, retriesInWindow: this.retrySum, available: Math.max(byRatio, byFloor) };
  }

  /** Rotates out buckets older than the window; returns the slot of the current bucket. */
  private advance(now: number = this.clock.now()): number {
    const n = this.options.buckets;
    const bucket = Math.floor(now / this.bucketMs);
    if (bucket > this.currentBucket) {
      const stale = Math.min(bucket - this.currentBucket, n);
      for (let i = 1; i <= stale; i++) {
        const slot = (this.currentBucket + i) % n;
        this.requestSum -= this.requests[slot]!;
        this.retrySum -= this.retries[slot]!;
        this.requests[slot] = 0;
        this.retries[slot] = 0;
      }
      this.currentBucket = bucket;
    }
    // A clock that went backwards keeps counting into the current bucket.
    return this.currentBucket % n;
  }
}
