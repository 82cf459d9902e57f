/**
 * The demo services' own misbehaviour knobs, used to stage a bad instance (ERROR_RATE, LATENCY_MS,
 * LATENCY_JITTER_MS, ERROR_STATUS). Deciding what happens to one request is a pure function of
 * the knobs and an injected random source, so tests can pin every branch.
 */

/** Uniform in [0, 1). */
export type Rng = () => number;

export interface FaultKnobs {
  /** Fraction of requests answered with `errorStatus`, 0..1. */
  readonly errorRate: number;
  /** HTTP status of an injected error (default 500). */
  readonly errorStatus: number;
  /** Delay added before every request is handled. */
  readonly latencyMs: number;
  /** Extra delay drawn uniformly from [0, latencyJitterMs). */
  readonly latencyJitterMs: number;
}

export const noFaults: FaultKnobs = { errorRate: 0, errorStatus: 500, latencyMs: 0, latencyJitterMs: 0 };

export interface FaultDecision {
  readonly delayMs: number;
  /** The status to answer with instead of handling the request, or undefined to handle it. */
  readonly failWith: number | undefined;
}

export function decideFault(knobs: FaultKnobs, rng: Rng): FaultDecision {
  // Draw both numbers in a fixed order so a seeded sequence gives the same decision every time.
  const jitter = knobs.latencyJitterMs > 0 ? rng() * knobs.latencyJitterMs : 0;
  // rng() is in [0, 1): rate 0 never fails and rate 1 always does.
  const fails = knobs.errorRate > 0 && rng() < knobs.errorRate;
  return {
    delayMs: Math.round(knobs.latencyMs + jitter),
    failWith: fails ? knobs.errorStatus : undefined,
  };
}

export function hasFaults(knobs: FaultKnobs): boolean {
  return knobs.errorRate > 0 || knobs.latencyMs > 0 || knobs.latencyJitterMs > 0;
}
