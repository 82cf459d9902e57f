/**
 * Slow start (Envoy's slow_start_config): an endpoint that has just become active — added by
 * discovery, or re-admitted after an outlier ejection — gets a ramp of traffic instead of its full
 * share at once. A fresh process is slow while it warms up (JIT, lazily loaded modules, empty
 * connection pools and caches); its full share at once makes its first requests run into the
 * per-try timeout, and the retries those cause all land in the same second.
 *
 * The decision is `slowStartFactor`, a pure function of the options, the time the endpoint became
 * active and the clock. `SlowStart` is the per-upstream state the balancers consult: the options
 * and whether any endpoint can still be ramping (the data path records each endpoint's "active
 * since" on the endpoint itself, `EndpointView.activeSince`).
 *
 * The factor is relative: each endpoint's factor is divided by the highest factor among the
 * candidates of the pick. When every candidate is in slow start (the mesh or this sidecar just
 * started), they are treated equally, as Envoy does: nothing is throttled against nothing.
 */
import { DEFAULT_SLOW_START as SCHEMA_DEFAULT_SLOW_START } from '../schema/defaults.js';
import type { Clock, EndpointView } from './types.js';
import { systemClock } from './types.js';

export interface SlowStartOptions {
  /** How long the ramp lasts after an endpoint becomes active; 0 switches slow start off. */
  windowMs: number;
  /**
   * Shape of the ramp: the factor grows as (elapsed / window)^(1 / aggression). 1 is linear; above
   * 1 the ramp rises fast early and flattens; below 1 it stays low longer and rises late.
   */
  aggression: number;
  /** The factor never goes below this percentage, so a new endpoint gets some traffic at once. */
  minWeightPercent: number;
}

/** Built-in defaults, written once in the schema (explained there). */
export const DEFAULT_SLOW_START: Readonly<SlowStartOptions> = SCHEMA_DEFAULT_SLOW_START;

/**
 * The weight factor in (0, 1] of an endpoint active since `activeSince` (clock time), at `now`:
 * max(minWeightPercent / 100, (elapsed / windowMs)^(1 / aggression)) inside the window, 1 after it
 * or when slow start is off. An endpoint without `activeSince` (undefined) is not in slow start.
 */
export function slowStartFactor(options: SlowStartOptions, activeSince: number | undefined, now: number): number {
  if (activeSince === undefined || !(options.windowMs > 0)) return 1;
  const elapsed = now - activeSince;
  if (elapsed >= options.windowMs) return 1;
  const floor = Math.min(1, Math.max(0, options.minWeightPercent / 100));
  if (!(elapsed > 0)) return floor;
  const time = elapsed / options.windowMs;
  return Math.max(floor, options.aggression === 1 ? time : Math.pow(time, 1 / options.aggression));
}

export function validateSlowStartOptions(o: SlowStartOptions): SlowStartOptions {
  const bad = (field: keyof SlowStartOptions, expected: string): never => {
    throw new RangeError(`slow start ${field} must be ${expected}, got ${String(o[field])}`);
  };
  if (!(o.windowMs >= 0) || !Number.isFinite(o.windowMs)) bad('windowMs', 'a finite number >= 0');
  if (!(o.aggression > 0) || !Number.isFinite(o.aggression)) bad('aggression', 'a finite number > 0');
  if (!(o.minWeightPercent >= 0 && o.minWeightPercent <= 100)) bad('minWeightPercent', 'between 0 and 100');
  return o;
}

/**
 * One upstream's slow-start state, shared by whichever balancer the upstream uses. The hot path
 * reads `ramping` only: while no endpoint is within its window it is false and a pick costs one
 * comparison more than without slow start. Once true, `rampTime` reads the clock and clears it
 * when the last window has ended.
 */
export class SlowStart {
  /** Whether some endpoint may still be within its window. */
  ramping = false;
  private options: SlowStartOptions;
  /** The latest time an endpoint became active. */
  private lastStart = -Infinity;

  constructor(
    private readonly clock: Clock = systemClock,
    options: Partial<SlowStartOptions> = {},
  ) {
    this.options = validateSlowStartOptions({ ...DEFAULT_SLOW_START, ...options });
  }

  /** Slow start switched off, for balancers used without an upstream. */
  static off(): SlowStart {
    return new SlowStart(systemClock, { windowMs: 0 });
  }

  /**
   * Live tuning. Ramps in progress follow the new options at once (they depend only on when each
   * endpoint became active), so a longer window can put an endpoint back into slow start and 0
   * ends every ramp.
   */
  configure(options: Partial<SlowStartOptions>): void {
    this.options = validateSlowStartOptions({ ...this.options, ...options });
    this.ramping = this.options.windowMs > 0 && this.lastStart + this.options.windowMs > this.clock.now();
  }

  /** An endpoint became active at `at` (the caller sets the endpoint's `activeSince` to the same time). */
  started(at: number): void {
    if (at > this.lastStart) this.lastStart = at;
    if (this.options.windowMs > 0) this.ramping = true;
  }

  /**
   * The time to ramp at (`now`, or the clock), or undefined when every window has ended (which
   * clears `ramping`). Called only while `ramping`.
   */
  rampTime(now?: number): number | undefined {
    const t = now ?? this.clock.now();
    if (t < this.lastStart + this.options.windowMs) return t;
    this.ramping = false;
    return undefined;
  }

  factor(endpoint: EndpointView, now: number): number {
    return slowStartFactor(this.options, endpoint.activeSince, now);
  }

  /**
   * Each candidate's factor relative to the highest among the eligible ones (those not in `avoid`,
   * unless `eligible` says every candidate counts), written into `out` by position (capped at 1:
   * an avoided candidate may be above the eligible maximum). Returns whether any candidate is below
   * 1; if none is, the pick can ignore slow start.
   */
  relativeFactors(
    candidates: readonly EndpointView[],
    avoid: ReadonlySet<string> | undefined,
    eligible: number,
    now: number,
    out: number[],
  ): boolean {
    const n = candidates.length;
    const filter = eligible !== n && avoid !== undefined;
    out.length = n;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const c = candidates[i] as EndpointView;
      const f = this.factor(c, now);
      out[i] = f;
      if (f > max && !(filter && (avoid as ReadonlySet<string>).has(c.id))) max = f;
    }
    let below = false;
    for (let i = 0; i < n; i++) {
      // max 0: every eligible candidate sits at a 0% floor, having started together; treat them equally.
      const r = max > 0 ? Math.min(1, (out[i] as number) / max) : 1;
      out[i] = r;
      if (r < 1) below = true;
    }
    return below;
  }
}
