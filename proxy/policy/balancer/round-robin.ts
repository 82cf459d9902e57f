import type { Balancer, EndpointView } from '../types.js';
import { countEligible, indexOfEligible } from './candidates.js';

/**
 * Each eligible endpoint in turn. The cursor is a plain counter taken modulo the current number of
 * eligible candidates, so endpoints coming and going (discovery, ejection) never need a reset; the
 * cost of that is an occasional skip or repeat right after the set changes.
 */
export class RoundRobinBalancer implements Balancer {
  readonly name = 'round-robin' as const;
  private cursor = 0;

  /** `start` lets sidecars begin at different offsets so they do not all hit endpoint 0 first. */
  constructor(start = 0) {
    this.cursor = start >>> 0;
  }

  pick(candidates: readonly EndpointView[], avoid?: ReadonlySet<string>): EndpointView {
    const eligible = countEligible(candidates, avoid);
    const rank = this.cursor % eligible;
    this.cursor = (this.cursor + 1) >>> 0;
    return candidates[indexOfEligible(candidates, avoid, eligible, rank)] as EndpointView;
  }

  observe(): void {}
  estimateMs(): undefined {
    return undefined;
  }
  retain(): void {}
}
