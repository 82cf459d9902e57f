import * as z from 'zod';

/**
 * The balancer names, listed once: the live config documents accept exactly these, the sidecar's
 * balancer registry (proxy/policy/balancer/index.ts) maps each to its factory with a
 * `Record<BalancerName, ...>` (a name without a policy fails to compile), and the CLI's `--lb`
 * offers them.
 */
export const BalancerNameSchema = z.enum(['round-robin', 'random', 'weighted', 'least-request', 'peak-ewma']);
export type BalancerName = z.infer<typeof BalancerNameSchema>;

export const BALANCER_NAMES: readonly BalancerName[] = Object.freeze([...BalancerNameSchema.options]);

export function isBalancerName(name: string): name is BalancerName {
  return (BALANCER_NAMES as readonly string[]).includes(name);
}
