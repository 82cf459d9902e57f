import type { PartitionDocument } from '../schema/faults.js';
import { isExpired } from './select.js';

/**
 * Is traffic from `fromService` to `toService` cut by a partition? Partitions are symmetric: a
 * service of group `a` and a service of group `b` cannot reach each other, either way. Returns the
 * partition (for the refusal reason), or undefined.
 */
export function isPartitioned(
  partitions: readonly PartitionDocument[],
  fromService: string,
  toService: string,
  now: number,
): PartitionDocument | undefined {
  for (const p of partitions) {
    if (isExpired(p, now)) continue;
    if (
      (p.a.includes(fromService) && p.b.includes(toService)) ||
      (p.b.includes(fromService) && p.a.includes(toService))
    )
      return p;
  }
  return undefined;
}

/** The `x-meshdev-reason` a sidecar answers a partitioned request with. */
export function partitionReason(p: PartitionDocument, from: string, to: string): string {
  const until = p.expiresAt === undefined ? 'until healed' : `until ${p.expiresAt}`;
  return `partitioned: ${from} cannot reach ${to} (partition ${p.id}: ${p.a.join(',')} | ${p.b.join(',')}, ${until})`;
}
