/**
 * The balancer registry: one module per policy behind the `Balancer` interface, created by name so
 * a live config change can swap the policy of an upstream without the data path knowing any policy.
 */
import { BALANCER_NAMES, isBalancerName } from '../../schema/balancers.js';
import type { Balancer, BalancerName, Clock, Rng } from '../types.js';
import type { SlowStart } from '../slow-start.js';
import { LeastRequestBalancer } from './least-request.js';
import { PeakEwmaBalancer } from './peak-ewma.js';
import type { PeakEwmaOptions } from './peak-ewma.js';
import { RandomBalancer } from './random.js';
import { RoundRobinBalancer } from './round-robin.js';
import { WeightedBalancer } from './weighted.js';

export { LeastRequestBalancer } from './least-request.js';
export { DEFAULT_PEAK_EWMA_OPTIONS, PeakEwmaBalancer } from './peak-ewma.js';
export type { PeakEwmaOptions } from './peak-ewma.js';
export { RandomBalancer } from './random.js';
export { RoundRobinBalancer } from './round-robin.js';
export { WeightedBalancer } from './weighted.js';

// The names and the default are the schema's (one list); a name without a factory below fails to compile.
export { BALANCER_NAMES, isBalancerName } from '../../schema/balancers.js';
export { DEFAULT_BALANCER } from '../../schema/defaults.js';

export interface BalancerDeps {
  clock: Clock;
  rng: Rng;
  /** Tuning of the peak-EWMA policy; ignored by the others. */
  peakEwma?: Partial<PeakEwmaOptions>;
  /** The upstream's slow-start state (absent: slow start off); each policy applies it its own way. */
  slowStart?: SlowStart;
}

const factories: Record<BalancerName, (deps: BalancerDeps) => Balancer> = {
  // A random start offset keeps sidecars that start together from all hitting endpoint 0 first.
  'round-robin': ({ rng, slowStart }) => new RoundRobinBalancer(Math.floor(rng() * 0x7fffffff), slowStart, rng),
  random: ({ rng, slowStart }) => new RandomBalancer(rng, slowStart),
  weighted: ({ rng, slowStart }) => new WeightedBalancer(rng, slowStart),
  'least-request': ({ rng, slowStart }) => new LeastRequestBalancer(rng, slowStart),
  'peak-ewma': ({ clock, rng, peakEwma, slowStart }) => new PeakEwmaBalancer(clock, rng, peakEwma, slowStart),
};

export function createBalancer(name: BalancerName, deps: BalancerDeps): Balancer {
  const factory = isBalancerName(name) ? factories[name] : undefined;
  if (factory === undefined) {
    throw new RangeError(`unknown balancer "${String(name)}"; expected one of: ${BALANCER_NAMES.join(', ')}`);
  }
  return factory(deps);
}
