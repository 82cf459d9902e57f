import type { Balancer, EndpointView, Rng } from '../types.js';
import { systemRng } from '../types.js';
import { SlowStart } from '../slow-start.js';
import { countEligible, indexOfEligible } from './candidates.js';

/**
 * Each eligible endpoint in turn. The cursor is a plain counter taken modulo the current number of
 * eligible candidates, so endpoints coming and going (discovery, ejection) never need a reset; the
 * cost of that is an occasional skip or repeat right after the set changes.
 *
 * Slow start: an endpoint whose turn it is takes it with probability equal to its relative factor;
 * otherwise the turn passes to the next endpoint, and the cursor moves past that one too, so a
 * declined turn is not made up later. Over a cycle of n eligible endpoints one with factor f gets f
 * of its turns: a share of f / (n - 1 + f).
 */
export class RoundRobinBalancer implements Balancer {
  readonly name = 'round-robin' as const;
  private cursor = 0;
  private readonly factors: number[] = [];

  /** `start` lets sidecars begin at different offsets so they do not all hit endpoint 0 first. */
  constructor(
    start = 0,
    private readonly slowStart: SlowStart = SlowStart.off(),
    private readonly rng: Rng = systemRng,
  ) {
    this.cursor = start >>> 0;
  }

  pick(candidates: readonly EndpointView[], avoid?: ReadonlySet<string>, now?: number): EndpointView {
    const eligible = countEligible(candidates, avoid);
    let rank = this.cursor % eligible;
    this.cursor = (this.cursor + 1) >>> 0;
    if (this.slowStart.ramping && eligible > 1) rank = this.admit(candidates, avoid, eligible, rank, now);
    return candidates[indexOfEligible(candidates, avoid, eligible, rank)] as EndpointView;
  }

  /** The rank that takes this turn under slow start (see the class comment). */
  private admit(
    candidates: readonly EndpointView[],
    avoid: ReadonlySet<string> | undefined,
    eligible: number,
    rank: number,
    now: number | undefined,
  ): number {
    const t = this.slowStart.rampTime(now);
    if (t === undefined || !this.slowStart.relativeFactors(candidates, avoid, eligible, t, this.factors)) return rank;
    for (let skipped = 0; skipped < eligible; skipped++) {
      const r = (rank + skipped) % eligible;
      const f = this.factors[indexOfEligible(candidates, avoid, eligible, r)] as number;
      if (f >= 1 || this.rng() < f) {
        this.cursor = (this.cursor + skipped) >>> 0;
        return r;
      }
    }
    return rank; // unreachable: the highest factor is 1
  }

  observe(): void {}
  estimateMs(): undefined {
    return undefined;
  }
  retain(): void {}
}
