import { MAX_FLAKY_CALLERS } from '../schema/faults.js';
import { ServiceName } from '../schema/topology.js';
import type { FaultContext } from './types.js';

/**
 * The decision of a flaky fault: does this request (or connection) fail, as one of its caller's
 * first N, or pass? Plain counters, no clock and no I/O; the fault engine keeps one `FlakyCounters`
 * per sidecar and the flaky fault modules act on the verdict.
 */

/**
 * The key requests from no known service count under. Empty: no service is named "" (ServiceName),
 * so the outside never shares a count with a real caller.
 */
export const OUTSIDE_CALLER = '';

/**
 * Who calls, as the sidecar knows it. Outbound, the sidecar's own service is the caller; inbound,
 * the service the caller's sidecar named in `x-meshdev-source` (as `match.source` judges it). A
 * missing value, or one that is no service name (hand-made, forged), is the outside.
 */
export function callerOf(ctx: Pick<FaultContext, 'direction' | 'self' | 'sourceService'>): string {
  if (ctx.direction === 'outbound') return ctx.self.service;
  const source = ctx.sourceService;
  return source !== undefined && ServiceName.safeParse(source).success ? source : OUTSIDE_CALLER;
}

/**
 * `fail`: one of the caller's first N, count it. `pass`: the caller is past N. `untracked`: a caller
 * the fault has no room to count (it already counts `maxCallers`): treated as past N, so the
 * requests pass (failing them all would turn a flood of forged sources into an outage).
 */
export type FlakyVerdict = 'fail' | 'pass' | 'untracked';

/** The pure decision: `failed` is how many of this caller's requests the fault failed so far (undefined: none seen). */
export function decideFlaky(
  failed: number | undefined,
  first: number,
  trackedCallers: number,
  maxCallers: number,
): FlakyVerdict {
  if (failed === undefined && trackedCallers >= maxCallers) return 'untracked';
  return (failed ?? 0) < first ? 'fail' : 'pass';
}

interface FaultCounts {
  /** Failures injected per caller; a caller at N stays, so it keeps passing. */
  readonly failed: Map<string, number>;
  /** An untracked caller was reported already (the sidecar says so once per fault). */
  overflowReported: boolean;
}

/** The counts of every flaky fault one sidecar applies, by fault id. */
export class FlakyCounters {
  private readonly byFault = new Map<string, FaultCounts>();

  constructor(private readonly maxCallers: number = MAX_FLAKY_CALLERS) {}

  /**
   * Decides one request of `caller` for the flaky fault `faultId` that fails the first `first`,
   * and counts it when it fails. Returns `overflow` instead of `pass` for the first untracked
   * caller of a fault, so that the caller of this method reports it once.
   */
  take(faultId: string, first: number, caller: string): 'fail' | 'pass' | 'overflow' {
    let counts = this.byFault.get(faultId);
    if (counts === undefined) {
      counts = { failed: new Map(), overflowReported: false };
      this.byFault.set(faultId, counts);
    }
    const failed = counts.failed.get(caller);
    const verdict = decideFlaky(failed, first, counts.failed.size, this.maxCallers);
    if (verdict === 'fail') {
      counts.failed.set(caller, (failed ?? 0) + 1);
      return 'fail';
    }
    if (verdict === 'untracked' && !counts.overflowReported) {
      counts.overflowReported = true;
      return 'overflow';
    }
    return 'pass';
  }

  /** Forgets the counts of every fault not in `faultIds` (removed faults; a new id starts at 0). */
  retain(faultIds: ReadonlySet<string>): void {
    for (const id of this.byFault.keys()) if (!faultIds.has(id)) this.byFault.delete(id);
  }

  /** Failures injected so far by caller (`(outside)` for the outside: no service's name), for the admin view. */
  countsOf(faultId: string): Record<string, number> | undefined {
    const counts = this.byFault.get(faultId);
    if (counts === undefined) return undefined;
    const out: Record<string, number> = {};
    for (const [caller, n] of counts.failed) out[caller === OUTSIDE_CALLER ? '(outside)' : caller] = n;
    return out;
  }
}
