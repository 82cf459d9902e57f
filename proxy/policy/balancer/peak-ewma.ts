import type { Balancer, Clock, EndpointView, Rng } from '../types.js';
import { SlowStart } from '../slow-start.js';
import { admitPairWinner, countEligible, drawPair, indexOfEligible } from './candidates.js';

export interface PeakEwmaOptions {
  /**
   * Time constant of the moving average: a sample's influence falls to 1/e after this long, and an
   * idle endpoint's estimate decays towards 0 at the same rate (so an endpoint that was slow once
   * is tried again eventually). linkerd2-proxy uses 10 s.
   */
  decayMs: number;
  /**
   * Estimate for endpoints with no samples while the upstream has none either (linkerd2-proxy uses
   * 30 ms). Once the upstream has samples, a new endpoint starts at the upstream-wide average
   * instead: a fixed pessimistic default would starve a newly added instance at light load, where
   * `active` is mostly 0 and a 30 ms guess never beats a 2 ms peer.
   */
  defaultRttMs: number;
}

export const DEFAULT_PEAK_EWMA_OPTIONS: Readonly<PeakEwmaOptions> = Object.freeze({
  decayMs: 10_000,
  defaultRttMs: 30,
});

interface EwmaState {
  rttMs: number;
  updatedAt: number;
}

/**
 * Latency-aware power of two choices (linkerd2-proxy / Finagle "peak EWMA"). Per endpoint it keeps
 * an exponentially weighted moving average of response latency that jumps straight up to any
 * sample above it (the "peak": react to a slowdown at once) and only decays down gradually
 * (recover cautiously). A pick draws two distinct eligible endpoints and takes the lower
 * cost = estimate x (active + 1), so both latency and queueing count.
 *
 * The time decay is applied lazily when an estimate is read, so nothing runs between requests.
 *
 * Slow start: the pair's winner is admitted with probability equal to its factor (`admitPairWinner`).
 * A new endpoint has no samples and starts at the upstream-wide average estimate, so without it a
 * cold instance wins its pairs as often as a warm one until its first slow answers come back.
 */
export class PeakEwmaBalancer implements Balancer {
  readonly name = 'peak-ewma' as const;
  private readonly state = new Map<string, EwmaState>();
  private readonly pair = { a: 0, b: 0 };
  private readonly factors: number[] = [];
  private readonly options: PeakEwmaOptions;
  /** Time-decayed average of every sample (no peak), the starting estimate of new endpoints. */
  private upstreamRttMs = -1;
  private upstreamUpdatedAt = 0;

  constructor(
    private readonly clock: Clock,
    private readonly rng: Rng,
    options: Partial<PeakEwmaOptions> = {},
    private readonly slowStart: SlowStart = SlowStart.off(),
  ) {
    this.options = { ...DEFAULT_PEAK_EWMA_OPTIONS, ...options };
    if (!(this.options.decayMs > 0)) throw new RangeError(`peak-ewma decayMs must be > 0, got ${this.options.decayMs}`);
    if (!(this.options.defaultRttMs >= 0)) {
      throw new RangeError(`peak-ewma defaultRttMs must be >= 0, got ${this.options.defaultRttMs}`);
    }
  }

  pick(candidates: readonly EndpointView[], avoid?: ReadonlySet<string>, now?: number): EndpointView {
    const eligible = countEligible(candidates, avoid);
    if (eligible === 1) return candidates[indexOfEligible(candidates, avoid, eligible, 0)] as EndpointView;
    drawPair(this.rng, candidates, avoid, eligible, this.pair);
    const a = candidates[this.pair.a] as EndpointView;
    const b = candidates[this.pair.b] as EndpointView;
    const t = now ?? this.clock.now();
    const bWins = this.cost(b, t) < this.cost(a, t);
    if (!this.slowStart.ramping) return bWins ? b : a;
    const winner = bWins ? this.pair.b : this.pair.a;
    const other = bWins ? this.pair.a : this.pair.b;
    return candidates[
      admitPairWinner(this.slowStart, this.rng, candidates, avoid, eligible, winner, other, this.factors, t)
    ] as EndpointView;
  }

  observe(endpointId: string, latencyMs: number, now = this.clock.now()): void {
    if (!(latencyMs >= 0)) return; // NaN or negative: a clock glitch, not a sample
    this.observeUpstream(latencyMs, now);
    const s = this.state.get(endpointId);
    if (s === undefined) {
      this.state.set(endpointId, { rttMs: latencyMs, updatedAt: now });
      return;
    }
    if (latencyMs > s.rttMs) {
      s.rttMs = latencyMs;
    } else {
      // Weight of the old estimate shrinks with the time since it was last updated, so a burst of
      // samples moves it little and a sample after a long quiet moves it a lot.
      const keep = Math.exp(-Math.max(0, now - s.updatedAt) / this.options.decayMs);
      s.rttMs = s.rttMs * keep + latencyMs * (1 - keep);
    }
    s.updatedAt = now;
  }

  estimateMs(endpointId: string): number | undefined {
    const s = this.state.get(endpointId);
    return s === undefined ? undefined : this.decayed(s, this.clock.now());
  }

  retain(ids: ReadonlySet<string>): void {
    for (const id of this.state.keys()) if (!ids.has(id)) this.state.delete(id);
  }

  private cost(endpoint: EndpointView, now: number): number {
    const s = this.state.get(endpoint.id);
    const rtt = s === undefined ? this.newEndpointRttMs() : this.decayed(s, now);
    return rtt * (endpoint.active + 1);
  }

  /** The estimate an endpoint without samples starts from. */
  newEndpointRttMs(): number {
    return this.upstreamRttMs < 0 ? this.options.defaultRttMs : this.upstreamRttMs;
  }

  private observeUpstream(latencyMs: number, now: number): void {
    if (this.upstreamRttMs < 0) {
      this.upstreamRttMs = latencyMs;
    } else {
      const keep = Math.exp(-Math.max(0, now - this.upstreamUpdatedAt) / this.options.decayMs);
      // Time-based like the per-endpoint estimates: it follows the mean latency of roughly the last
      // decayMs, whatever the request rate.
      this.upstreamRttMs = this.upstreamRttMs * keep + latencyMs * (1 - keep);
    }
    this.upstreamUpdatedAt = now;
  }

  private decayed(s: EwmaState, now: number): number {
    const idle = now - s.updatedAt;
    return idle > 0 ? s.rttMs * Math.exp(-idle / this.options.decayMs) : s.rttMs;
  }
}
