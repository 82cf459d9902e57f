import type { Balancer, EndpointView, Rng } from '../types.js';
import { countEligible, drawPair, indexOfEligible } from './candidates.js';

/**
 * Power of two choices on requests in flight (Envoy's LEAST_REQUEST, linkerd's P2C): draw two
 * distinct eligible endpoints at random and take the one with fewer active requests. Two random
 * choices avoid the herd behaviour of "globally least loaded" (every sidecar piling onto the same
 * idle endpoint) while still steering away from slow or stuck endpoints.
 */
export class LeastRequestBalancer implements Balancer {
  readonly name = 'least-request' as const;
  private readonly pair = { a: 0, b: 0 };

  constructor(private readonly rng: Rng) {}

  pick(candidates: readonly EndpointView[], avoid?: ReadonlySet<string>): EndpointView {
    const eligible = countEligible(candidates, avoid);
    if (eligible === 1) return candidates[indexOfEligible(candidates, avoid, eligible, 0)] as EndpointView;
    drawPair(this.rng, candidates, avoid, eligible, this.pair);
    const a = candidates[this.pair.a] as EndpointView;
    const b = candidates[this.pair.b] as EndpointView;
    // Ties go to the first draw, which is itself random.
    return b.active < a.active ? b : a;
  }

  observe(): void {}
  estimateMs(): undefined {
    return undefined;
  }
  retain(): void {}
}
