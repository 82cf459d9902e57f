/**
 * The balancer registry: one module per policy behind the `Balancer` interface, created by name so
 * a live config change can swap the policy of an upstream without the data path knowing any policy.
 */
import type { Balancer, BalancerName, Clock, Rng } from '../types.js';
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

export const BALANCER_NAMES: readonly BalancerName[] = Object.freeze([
  'round-robin',
  'random',
  'weighted',
  'least-request',
  'peak-ewma',
]);

export const DEFAULT_BALANCER: BalancerName = 'round-robin';

export interface BalancerDeps {
  clock: Clock;
  rng: Rng;
  /** Tuning of the peak-EWMA policy; ignored by the others. */
  peakEwma?: Partial<PeakEwmaOptions>;
}

const factories: Record<BalancerName, (deps: BalancerDeps) => Balancer> = {
  // A random start offset keeps sidecars that start together from all hitting endpoint 0 first.
  'round-robin': ({ rng }) => new RoundRobinBalancer(Math.floor(rng() * 0x7fffffff)),
  random: ({ rng }) => new RandomBalancer(rng),
  weighted: ({ rng }) => new WeightedBalancer(rng),
  'least-request': ({ rng }) => new LeastRequestBalancer(rng),
  'peak-ewma': ({ clock, rng, peakEwma }) => new PeakEwmaBalancer(clock, rng, peakEwma),
};

export function isBalancerName(name: string): name is BalancerName {
  return Object.prototype.hasOwnProperty.call(factories, name);
}

export function createBalancer(name: BalancerName, deps: BalancerDeps): Balancer {
  const factory = isBalancerName(name) ? factories[name] : undefined;
  if (factory === undefined) {
    throw new RangeError(`unknown balancer "${String(name)}"; expected one of: ${BALANCER_NAMES.join(', ')}`);
  }
  return factory(deps);
}
