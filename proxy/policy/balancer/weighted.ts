import type { Balancer, EndpointView, Rng } from '../types.js';
import { SlowStart } from '../slow-start.js';
import { countEligible } from './candidates.js';

interface WeightState {
  current: number;
}

/**
 * Smooth weighted round-robin (nginx): every pick adds each eligible endpoint's weight to its
 * running score, takes the highest score and subtracts the round's total weight from the winner.
 * Over any window an endpoint gets its weight's share, and picks are interleaved (weights 5:1:1 give
 * a a b a c a a, not a a a a a b c), so a heavy endpoint is never hit in bursts.
 *
 * Endpoints with weight 0 are only picked when every eligible endpoint has weight 0 (then evenly).
 * A new endpoint starts at a random score so sidecars that start together do not pick in lockstep.
 *
 * Slow start scales the weights (Envoy does the same in its weighted round robin): an endpoint's
 * effective weight is its weight times its relative factor, so with equal weights one with factor f
 * among n eligible gets a share of f / (n - 1 + f), and picks stay interleaved.
 */
export class WeightedBalancer implements Balancer {
  readonly name = 'weighted' as const;
  private readonly state = new Map<string, WeightState>();
  /**
   * The scores of the last candidate list, by position: while the data path passes the same ids in
   * the same order (the common case), a pick costs a pointer comparison per endpoint instead of a
   * map lookup per endpoint.
   */
  private slotIds: string[] = [];
  private slots: WeightState[] = [];
  /** Slow-start factors, then effective weights, by position (reused: no allocation per pick). */
  private readonly scaled: number[] = [];

  constructor(
    private readonly rng: Rng,
    private readonly slowStart: SlowStart = SlowStart.off(),
  ) {}

  pick(candidates: readonly EndpointView[], avoid?: ReadonlySet<string>, now?: number): EndpointView {
    const n = candidates.length;
    this.sync(candidates);
    const eligible = countEligible(candidates, avoid);
    if (this.slowStart.ramping && eligible > 1) {
      const picked = this.pickRamping(candidates, avoid, eligible, now);
      if (picked !== undefined) return picked;
    }
    const filter = eligible !== n && avoid !== undefined;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const c = candidates[i] as EndpointView;
      if (c.weight > 0 && !(filter && (avoid as ReadonlySet<string>).has(c.id))) total += c.weight;
    }
    const unweighted = total === 0; // all eligible weights are 0: treat them as 1
    let best = -1;
    let bestScore = -Infinity;
    for (let i = 0; i < n; i++) {
      const c = candidates[i] as EndpointView;
      if (filter && (avoid as ReadonlySet<string>).has(c.id)) continue;
      const weight = unweighted ? 1 : c.weight > 0 ? c.weight : 0;
      if (weight === 0) continue;
      const s = this.slots[i] as WeightState;
      s.current += weight;
      if (s.current > bestScore) {
        best = i;
        bestScore = s.current;
      }
    }
    // best >= 0: at least one eligible endpoint has a positive (possibly substituted) weight.
    (this.slots[best] as WeightState).current -= unweighted ? eligible : total;
    return candidates[best] as EndpointView;
  }

  /** The same choice on weights scaled by the slow-start factors; undefined when none is below 1. */
  private pickRamping(
    candidates: readonly EndpointView[],
    avoid: ReadonlySet<string> | undefined,
    eligible: number,
    now: number | undefined,
  ): EndpointView | undefined {
    const t = this.slowStart.rampTime(now);
    const w = this.scaled;
    if (t === undefined || !this.slowStart.relativeFactors(candidates, avoid, eligible, t, w)) return undefined;
    const n = candidates.length;
    const filter = eligible !== n && avoid !== undefined;
    let unweighted = true; // as above: when every eligible weight is 0, all count as 1
    for (let i = 0; i < n; i++) {
      const c = candidates[i] as EndpointView;
      if (c.weight > 0 && !(filter && (avoid as ReadonlySet<string>).has(c.id))) unweighted = false;
    }
    let total = 0;
    for (let i = 0; i < n; i++) {
      const c = candidates[i] as EndpointView;
      const base = filter && (avoid as ReadonlySet<string>).has(c.id) ? 0 : unweighted ? 1 : Math.max(c.weight, 0);
      const weight = base * (w[i] as number);
      w[i] = weight;
      total += weight;
    }
    let best = -1;
    let bestScore = -Infinity;
    for (let i = 0; i < n; i++) {
      const weight = w[i] as number;
      if (weight === 0) continue;
      const s = this.slots[i] as WeightState;
      s.current += weight;
      if (s.current > bestScore) {
        best = i;
        bestScore = s.current;
      }
    }
    if (best < 0) return undefined; // every eligible endpoint at a 0% floor: the plain choice decides
    (this.slots[best] as WeightState).current -= total;
    return candidates[best] as EndpointView;
  }

  observe(): void {}
  estimateMs(): undefined {
    return undefined;
  }

  retain(ids: ReadonlySet<string>): void {
    for (const id of this.state.keys()) if (!ids.has(id)) this.state.delete(id);
    this.slotIds = [];
    this.slots = [];
  }

  private sync(candidates: readonly EndpointView[]): void {
    const n = candidates.length;
    const ids = this.slotIds;
    if (ids.length === n) {
      let i = 0;
      while (i < n && (candidates[i] as EndpointView).id === ids[i]) i++;
      if (i === n) return;
    }
    ids.length = n;
    this.slots.length = n;
    for (let i = 0; i < n; i++) {
      const c = candidates[i] as EndpointView;
      ids[i] = c.id;
      this.slots[i] = this.stateOf(c.id, c.weight);
    }
  }

  private stateOf(id: string, weight: number): WeightState {
    let s = this.state.get(id);
    if (s === undefined) {
      s = { current: Math.floor(this.rng() * Math.max(weight, 0)) };
      this.state.set(id, s);
    }
    return s;
  }
}
