import type { Rng } from '../policy/types.js';
import type { FaultDocument, FaultType } from '../schema/faults.js';
import { isFlakyAction, isTcpFaultType } from '../schema/faults.js';
import type { FaultContext } from './types.js';

/**
 * Does-fault-apply, as one pure function: target, where, match, expiry, then the percentage roll,
 * then (flaky faults) the caller's count. The roll comes late so that `rng` is consumed only by
 * faults that otherwise match (deterministic tests, and no skew between unrelated faults); the
 * count comes last because asking it spends one of the first N.
 */

/** Application order: delays first, then pacing, then at most one fault that ends the exchange. */
const ORDER: Record<FaultType, number> = {
  delay: 0,
  'tcp-latency': 0,
  bandwidth: 1,
  'tcp-bandwidth': 1,
  abort: 2,
  reset: 2,
  blackhole: 2,
  flaky: 2,
  'tcp-reset': 2,
  'tcp-flaky': 2,
};

export function isTerminal(type: FaultType): boolean {
  return ORDER[type] === 2;
}

export function isExpired(f: { expiresAt?: string | undefined }, now: number): boolean {
  return f.expiresAt !== undefined && Date.parse(f.expiresAt) <= now;
}

function headerValue(headers: FaultContext['headers'], name: string): string | undefined {
  const v = headers?.[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Target and direction, ignoring the request itself (used to precompute a listener's candidates). */
export function faultConcernsListener(
  f: FaultDocument,
  ctx: Pick<FaultContext, 'direction' | 'protocol' | 'self' | 'upstream'>,
): boolean {
  if (isTcpFaultType(f.action.type) !== (ctx.protocol === 'tcp')) return false;
  if (f.where !== ctx.direction) return false;
  if (ctx.direction === 'inbound') return f.target.service === ctx.self.service;
  return f.target.service === ctx.upstream && (f.from === undefined || f.from === ctx.self.service);
}

/** Everything but the percentage roll and expiry. */
export function faultMatches(f: FaultDocument, ctx: FaultContext): boolean {
  if (!faultConcernsListener(f, ctx)) return false;
  const t = f.target;
  // Outbound faults target a whole service (the schema enforces it); inbound ones may narrow it.
  if (ctx.direction === 'inbound') {
    if (t.version !== undefined && t.version !== ctx.self.version) return false;
    if (t.instance !== undefined && t.instance !== ctx.self.instance) return false;
  }
  const m = f.match;
  if (m.source !== undefined) {
    const source = ctx.direction === 'outbound' ? ctx.self.service : ctx.sourceService;
    if (source !== m.source) return false;
  }
  if (m.pathPrefix !== undefined && !(ctx.path ?? '/').startsWith(m.pathPrefix)) return false;
  if (m.headers !== undefined) {
    for (const [name, value] of Object.entries(m.headers)) {
      if (headerValue(ctx.headers, name) !== value) return false;
    }
  }
  return true;
}

/**
 * Asked about a flaky fault that otherwise applies to a request: true when the request is one of
 * its caller's first N (and is counted), false when the caller is past them.
 */
export type FlakyGate = (fault: FaultDocument, ctx: FaultContext) => boolean;

/**
 * The faults to apply to one request (or TCP connection), in application order: every delay and
 * bandwidth fault that applies, then the first fault that ends the exchange (abort, reset,
 * blackhole, a flaky one still within its first N), if any. Without `flaky` (no counts kept), flaky
 * faults never apply.
 */
export function selectFaults(
  faults: readonly FaultDocument[],
  ctx: FaultContext,
  now: number,
  rng: Rng,
  flaky?: FlakyGate,
): FaultDocument[] {
  const out: FaultDocument[] = [];
  let terminal = false;
  for (const f of faults) {
    if (isExpired(f, now) || !faultMatches(f, ctx)) continue;
    if (isTerminal(f.action.type) && terminal) continue;
    if (f.percent < 100 && !(rng() * 100 < f.percent)) continue;
    // A flaky fault past its first N is no fault: a later one that ends the exchange may still apply.
    if (isFlakyAction(f.action) && (flaky === undefined || !flaky(f, ctx))) continue;
    if (isTerminal(f.action.type)) terminal = true;
    out.push(f);
  }
  return out.sort((a, b) => ORDER[a.action.type] - ORDER[b.action.type]);
}

/** Delay of a delay/latency fault: `fixedMs` plus or minus up to `jitterMs`, never negative. */
export function delayOf(action: { fixedMs: number; jitterMs: number }, rng: Rng): number {
  if (action.jitterMs === 0) return action.fixedMs;
  return Math.max(0, Math.round(action.fixedMs + (rng() * 2 - 1) * action.jitterMs));
}
