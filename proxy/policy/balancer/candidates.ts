/**
 * Helpers shared by the balancers for honouring `avoid` (endpoints this request already tried)
 * without allocating: instead of building a filtered array per pick, they count the eligible
 * candidates and address them by their rank among the eligible ones.
 */
import type { SlowStart } from '../slow-start.js';
import type { EndpointView, Rng } from '../types.js';

/**
 * How many candidates are eligible. When every candidate is in `avoid`, all of them are eligible
 * again (a retry to an already-tried endpoint beats no retry), so the result is 0 only for an
 * empty list.
 */
export function countEligible(candidates: readonly EndpointView[], avoid: ReadonlySet<string> | undefined): number {
  const n = candidates.length;
  if (avoid === undefined || avoid.size === 0) return n;
  let eligible = 0;
  for (let i = 0; i < n; i++) {
    if (!avoid.has((candidates[i] as EndpointView).id)) eligible++;
  }
  return eligible === 0 ? n : eligible;
}

/**
 * Index into `candidates` of the `rank`-th eligible candidate (0-based). `eligible` is the value
 * `countEligible` returned; when it equals `candidates.length` every candidate counts.
 */
export function indexOfEligible(
  candidates: readonly EndpointView[],
  avoid: ReadonlySet<string> | undefined,
  eligible: number,
  rank: number,
): number {
  if (eligible === candidates.length || avoid === undefined) return rank;
  for (let i = 0; i < candidates.length; i++) {
    if (!avoid.has((candidates[i] as EndpointView).id) && rank-- === 0) return i;
  }
  return rank; // unreachable while rank < eligible
}

/** Uniform integer in [0, n). */
export function randomIndex(rng: () => number, n: number): number {
  const i = Math.floor(rng() * n);
  return i < n ? i : n - 1; // an Rng that returns exactly 1 must not index past the end
}

/**
 * Power of two choices: two distinct eligible indices drawn uniformly (linkerd's `gen_pair`), the
 * second drawn from n-1 slots and shifted past the first. Writes them into `out` to avoid a tuple
 * allocation per pick. Requires eligible >= 2.
 */
export function drawPair(
  rng: () => number,
  candidates: readonly EndpointView[],
  avoid: ReadonlySet<string> | undefined,
  eligible: number,
  out: { a: number; b: number },
): void {
  const a = randomIndex(rng, eligible);
  let b = randomIndex(rng, eligible - 1);
  if (b >= a) b++;
  out.a = indexOfEligible(candidates, avoid, eligible, a);
  out.b = indexOfEligible(candidates, avoid, eligible, b);
}

/**
 * Slow start for the power-of-two-choices balancers: the pair's winner (by load or latency) is
 * taken with probability equal to its relative slow-start factor, otherwise the other of the pair.
 * Folding the factor into the comparison instead would not ramp: at light load every endpoint has
 * nothing in flight, so a new endpoint with its score divided by its factor would lose every pair
 * until its window ended, then get its full share at once. With admission, at light load an
 * endpoint with factor f among n eligible gets f / n of the picks; under load a cold endpoint's
 * requests pile up and the comparison itself steers away from it as well.
 * `factors` is the caller's scratch array. Returns `winner` or `other`.
 */
export function admitPairWinner(
  slowStart: SlowStart,
  rng: Rng,
  candidates: readonly EndpointView[],
  avoid: ReadonlySet<string> | undefined,
  eligible: number,
  winner: number,
  other: number,
  factors: number[],
  now: number | undefined,
): number {
  const t = slowStart.rampTime(now);
  if (t === undefined || !slowStart.relativeFactors(candidates, avoid, eligible, t, factors)) return winner;
  const f = factors[winner] as number;
  return f >= 1 || rng() < f ? winner : other;
}
