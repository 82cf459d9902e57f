import type { Balancer, EndpointView, Rng } from '../types.js';
import { SlowStart } from '../slow-start.js';
import { admitPairWinner, countEligible, drawPair, indexOfEligible } from './candidates.js';

/**
 * Power of two choices on requests in flight (Envoy's LEAST_REQUEST, linkerd's P2C): draw two
 * distinct eligible endpoints at random and take the one with fewer active requests. Two random
 * choices avoid the herd behaviour of "globally least loaded" (every sidecar piling onto the same
 * idle endpoint) while still steering away from slow or stuck endpoints.
 *
 * Slow start: the pair's winner is admitted with probability equal to its factor (`admitPairWinner`).
 */
export class LeastRequestBalancer implements Balancer {
  readonly name = 'least-request' as const;
  private readonly pair = { a: 0, b: 0 };
  private readonly factors: number[] = [];

  constructor(
    private readonly rng: Rng,
    private readonly slowStart: SlowStart = SlowStart.off(),
  ) {}

  pick(candidates: readonly EndpointView[], avoid?: ReadonlySet<string>, now?: number): EndpointView {
    const eligible = countEligible(candidates, avoid);
    if (eligible === 1) return candidates[indexOfEligible(candidates, avoid, eligible, 0)] as EndpointView;
    drawPair(this.rng, candidates, avoid, eligible, this.pair);
    const a = candidates[this.pair.a] as EndpointView;
    const b = candidates[this.pair.b] as EndpointView;
    // Ties go to the first draw, which is itself random.
    const bWins = b.active < a.active;
    if (!this.slowStart.ramping) return bWins ? b : a;
    return this.admit(candidates, avoid, eligible, bWins, now);
  }

  private admit(
    candidates: readonly EndpointView[],
    avoid: ReadonlySet<string> | undefined,
    eligible: number,
    bWins: boolean,
    now: number | undefined,
  ): EndpointView {
    const winner = bWins ? this.pair.b : this.pair.a;
    const other = bWins ? this.pair.a : this.pair.b;
    return candidates[
      admitPairWinner(this.slowStart, this.rng, candidates, avoid, eligible, winner, other, this.factors, now)
    ] as EndpointView;
  }

  observe(): void {}
  estimateMs(): undefined {
    return undefined;
  }
  retain(): void {}
}
