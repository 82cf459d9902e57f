import { OUTCOMES, type Outcome } from './outcome.js';

/**
 * What the last few seconds looked like, for the control API (`GET /state`) and the terminal UI:
 * per-second buckets of outcome counts and a bounded sample of latencies. Time is passed in, so
 * this is plain state that tests drive with a fake clock.
 */

interface Bucket {
  second: number;
  counts: Record<Outcome, number>;
  latenciesMs: number[];
}

export interface RecentSummary {
  readonly windowSeconds: number;
  /** Completed requests per second over the window. */
  readonly rps: number;
  readonly outcomes: Record<Outcome, number>;
  /** Fraction of completed requests that succeeded, or null with no requests. */
  readonly successRatio: number | null;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
}

const MAX_SAMPLES_PER_SECOND = 1000;

export class RecentWindow {
  private readonly buckets: Bucket[] = [];

  constructor(readonly windowSeconds = 10) {}

  record(nowMs: number, outcome: Outcome, latencyMs: number): void {
    const second = Math.floor(nowMs / 1000);
    let bucket = this.buckets.at(-1);
    if (bucket === undefined || bucket.second !== second) {
      bucket = { second, counts: { success: 0, http_error: 0, timeout: 0, connection_error: 0 }, latenciesMs: [] };
      this.buckets.push(bucket);
      this.prune(second);
    }
    bucket.counts[outcome]++;
    if (bucket.latenciesMs.length < MAX_SAMPLES_PER_SECOND) bucket.latenciesMs.push(latencyMs);
  }

  /**
   * The window's figures. The window covers the current (partial) second and the N-1 before
   * it, but never reaches back before `sinceMs` (when recording started), so the rate is right
   * in the first seconds too.
   */
  summary(nowMs: number, sinceMs = -Infinity): RecentSummary {
    const current = Math.floor(nowMs / 1000);
    this.prune(current);
    const outcomes = { success: 0, http_error: 0, timeout: 0, connection_error: 0 };
    const latencies: number[] = [];
    for (const b of this.buckets) {
      if (b.second <= current - this.windowSeconds) continue;
      for (const o of OUTCOMES) outcomes[o] += b.counts[o];
      latencies.push(...b.latenciesMs);
    }
    const total = OUTCOMES.reduce((n, o) => n + outcomes[o], 0);
    latencies.sort((a, b) => a - b);
    const windowStartMs = Math.max(sinceMs, (current - this.windowSeconds + 1) * 1000);
    const spanSeconds = Math.max(0.001, (nowMs - windowStartMs) / 1000);
    return {
      windowSeconds: this.windowSeconds,
      rps: Math.round((total / spanSeconds) * 10) / 10,
      outcomes,
      successRatio: total === 0 ? null : outcomes.success / total,
      p50Ms: quantile(latencies, 0.5),
      p99Ms: quantile(latencies, 0.99),
    };
  }

  private prune(currentSecond: number): void {
    while (this.buckets.length > 0 && this.buckets[0]!.second <= currentSecond - this.windowSeconds)
      this.buckets.shift();
  }
}

/** Nearest-rank quantile of sorted values, rounded to 0.1 ms. */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return Math.round(sorted[rank]! * 10) / 10;
}
