/**
 * Contracts between the sidecar's data path (proxy/) and its decision modules (proxy/policy/).
 * Every decision is a pure function or a small class of plain state with an injected clock and
 * random source, so tests are deterministic and the data path does all I/O.
 */
import type { BalancerName } from '../schema/balancers.js';

/** Milliseconds from an arbitrary origin, monotonic (`performance.now()` in production). */
export interface Clock {
  now(): number;
}

/** Uniform in [0, 1) (`Math.random` in production, a seeded generator in tests). */
export type Rng = () => number;

export const systemClock: Clock = { now: () => performance.now() };
export const systemRng: Rng = Math.random;

/** What a balancer may read about an endpoint; the data path keeps `active` current. */
export interface EndpointView {
  /** Instance id, e.g. "catalog-2". */
  readonly id: string;
  /** From registration, 1..1000. */
  readonly weight: number;
  /** Requests in flight to this endpoint right now. */
  readonly active: number;
  readonly version: string;
  /**
   * Clock time the endpoint became active: added by discovery, or re-admitted after an outlier
   * ejection. Slow start ramps its traffic from then on (slow-start.ts); absent: not in slow start.
   */
  readonly activeSince?: number;
}

/** The names are listed once, in the schema the live config is judged by. */
export type { BalancerName };

/**
 * `now` parameters (here and in the other policy modules) are optional: a caller that has just read
 * the clock (the data path does, to time requests) passes the reading and saves a second
 * `performance.now()` (~60 ns); without it the policy reads its injected clock.
 */
export interface Balancer {
  readonly name: BalancerName;
  /**
   * Picks one of `candidates` (never called with an empty list). Endpoints whose id is in
   * `avoid` (already tried by this request) are skipped unless nothing else is left.
   */
  pick(candidates: readonly EndpointView[], avoid?: ReadonlySet<string>, now?: number): EndpointView;
  /** A request to `endpointId` finished after `latencyMs` (latency-aware policies learn from it). */
  observe(endpointId: string, latencyMs: number, now?: number): void;
  /** Current latency estimate for the admin API, when the policy keeps one. */
  estimateMs(endpointId: string): number | undefined;
  /** Forget endpoints that are gone. */
  retain(ids: ReadonlySet<string>): void;
}
