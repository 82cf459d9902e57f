import type { Balancer, EndpointView, Rng } from '../types.js';
import { SlowStart } from '../slow-start.js';
import { countEligible, indexOfEligible, randomIndex } from './candidates.js';

/**
 * Uniformly random among eligible endpoints: stateless, so it is also the cheapest policy.
 *
 * Slow start: random in proportion to the relative factors (weight f for an endpoint with factor f,
 * 1 for the others), so one with factor f among n eligible gets a share of f / (n - 1 + f).
 */
export class RandomBalancer implements Balancer {
  readonly name = 'random' as const;
  private readonly factors: number[] = [];

  constructor(
    private readonly rng: Rng,
    private readonly slowStart: SlowStart = SlowStart.off(),
  ) {}

  pick(candidates: readonly EndpointView[], avoid?: ReadonlySet<string>, now?: number): EndpointView {
    const eligible = countEligible(candidates, avoid);
    if (this.slowStart.ramping && eligible > 1) {
      const i = this.pickRamping(candidates, avoid, eligible, now);
      if (i >= 0) return candidates[i] as EndpointView;
    }
    return candidates[indexOfEligible(candidates, avoid, eligible, randomIndex(this.rng, eligible))] as EndpointView;
  }

  /** Index picked in proportion to the slow-start factors, or -1 when none is below 1. */
  private pickRamping(
    candidates: readonly EndpointView[],
    avoid: ReadonlySet<string> | undefined,
    eligible: number,
    now: number | undefined,
  ): number {
    const t = this.slowStart.rampTime(now);
    const f = this.factors;
    if (t === undefined || !this.slowStart.relativeFactors(candidates, avoid, eligible, t, f)) return -1;
    const n = candidates.length;
    const filter = eligible !== n && avoid !== undefined;
    let total = 0;
    for (let i = 0; i < n; i++) {
      if (!(filter && (avoid as ReadonlySet<string>).has((candidates[i] as EndpointView).id))) total += f[i] as number;
    }
    let r = this.rng() * total;
    let last = -1;
    for (let i = 0; i < n; i++) {
      if (filter && (avoid as ReadonlySet<string>).has((candidates[i] as EndpointView).id)) continue;
      last = i;
      r -= f[i] as number;
      if (r < 0) return i;
    }
    return last; // rounding left r at 0 after the last eligible endpoint
  }

  observe(): void {}
  estimateMs(): undefined {
    return undefined;
  }
  retain(): void {}
}
