import type { Balancer, EndpointView, Rng } from '../types.js';
import { countEligible, indexOfEligible, randomIndex } from './candidates.js';

/** Uniformly random among eligible endpoints: stateless, so it is also the cheapest policy. */
export class RandomBalancer implements Balancer {
  readonly name = 'random' as const;

  constructor(private readonly rng: Rng) {}

  pick(candidates: readonly EndpointView[], avoid?: ReadonlySet<string>): EndpointView {
    const eligible = countEligible(candidates, avoid);
    return candidates[indexOfEligible(candidates, avoid, eligible, randomIndex(this.rng, eligible))] as EndpointView;
  }

  observe(): void {}
  estimateMs(): undefined {
    return undefined;
  }
  retain(): void {}
}
