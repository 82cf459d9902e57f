import type { Balancer, Clock, EndpointView, Rng } from './policy/types.js';
import { createBalancer } from './policy/balancer/index.js';
import { OutlierDetector } from './policy/outlier-detector.js';
import type { OutlierDetectorOptions, OutlierEvent, OutlierResult } from './policy/outlier-detector.js';
import { CircuitBreaker } from './policy/circuit-breaker.js';
import { MeshRetryBudget } from './policy/retry-budget.js';
import { SlowStart } from './policy/slow-start.js';
import type { SlowStartOptions } from './policy/slow-start.js';
import type { RetryPolicy } from './policy/retry.js';
import { compileRouteTable } from './policy/routing.js';
import type { CompiledRouteTable } from './policy/routing.js';
import type { EffectiveConfig, ResilienceConfig } from './schema/config.js';
import type { UpstreamStats } from './metrics.js';

/**
 * One upstream (Envoy calls it a cluster): the endpoints discovered for a service and the policy
 * objects that decide about them — balancer, outlier detector, circuit breaker, retry budget, route
 * table — configured from the live config. The data path asks it for candidates and reports results.
 */

export interface EndpointAddress {
  id: string;
  host: string;
  port: number;
  weight: number;
  version: string;
}

export class Endpoint implements EndpointView {
  readonly id: string;
  host: string;
  port: number;
  weight: number;
  version: string;
  /** `http://host:port`: the key of its connection pool. */
  origin: string;
  /** Requests in flight to this endpoint (read by least-request and peak-EWMA). */
  active = 0;
  /** When it was added or last re-admitted after an ejection (slow start ramps from there). */
  activeSince: number;
  constructor(a: EndpointAddress, activeSince: number) {
    this.activeSince = activeSince;
    this.id = a.id;
    this.host = a.host;
    this.port = a.port;
    this.weight = a.weight;
    this.version = a.version;
    this.origin = originOf(a);
  }
}

function originOf(a: { host: string; port: number }): string {
  return `http://${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
}

/** A request waiting for a circuit-breaker slot (an object, so that waiting allocates no callback). */
export interface SlotWaiter {
  onSlot(): void;
}

export interface UpstreamEvents {
  outlier(upstream: string, event: OutlierEvent): void;
}

/** Live config -> the options of the pure modules. */
export function retryPolicyOf(r: ResilienceConfig): RetryPolicy {
  return {
    maxRetries: r.retries.maxRetries,
    timeoutMs: r.timeoutMs,
    perTryTimeoutMs: r.perTryTimeoutMs,
    retryOnStatuses: r.retries.retryOnStatuses,
    retryOn: ['connect-failure', 'reset', 'per-try-timeout'],
    backoffBaseMs: r.retries.backoffBaseMs,
    backoffMaxMs: r.retries.backoffMaxMs,
  };
}

export function slowStartOptionsOf(r: ResilienceConfig): SlowStartOptions {
  return { ...r.slowStart };
}

export function outlierOptionsOf(r: ResilienceConfig): OutlierDetectorOptions {
  const od = r.outlierDetection;
  return {
    consecutive5xx: od.enabled ? od.consecutive5xx : 0,
    consecutiveGatewayErrors: od.enabled ? od.consecutiveGatewayErrors : 0,
    baseEjectionMs: od.baseEjectionMs,
    maxEjectionMs: Math.max(od.maxEjectionMs, od.baseEjectionMs),
    maxEjectionPercent: od.maxEjectionPercent,
    panicThresholdPercent: od.panicThresholdPercent,
  };
}

/** Per-request view of the config for one version subset (precomputed at config time). */
export interface SubsetPolicy {
  resilience: ResilienceConfig;
  retry: RetryPolicy;
}

export class Upstream {
  readonly name: string;
  private endpointsById = new Map<string, Endpoint>();
  /** Discovered endpoints, in a stable order. */
  endpoints: Endpoint[] = [];
  private subsets = new Map<string, Endpoint[]>();
  private readonly scratch: Endpoint[] = [];
  balancer: Balancer;
  config: EffectiveConfig;
  routes: CompiledRouteTable;
  private defaultPolicy: SubsetPolicy;
  private perVersion = new Map<string, SubsetPolicy>();
  readonly outliers: OutlierDetector;
  readonly breaker: CircuitBreaker;
  readonly retryBudget: MeshRetryBudget;
  /** Shared by whichever balancer the config selects, so a balancer change keeps ramps going. */
  readonly slowStart: SlowStart;
  private pending: SlotWaiter[] = [];
  private readonly ticker: NodeJS.Timeout;

  constructor(
    name: string,
    config: EffectiveConfig,
    readonly stats: UpstreamStats,
    private readonly clock: Clock,
    private readonly rng: Rng,
    private readonly events: UpstreamEvents,
  ) {
    this.name = name;
    this.config = config;
    this.slowStart = new SlowStart(clock, slowStartOptionsOf(config.resilience));
    this.balancer = createBalancer(config.balancer, { clock, rng, slowStart: this.slowStart });
    this.routes = compileRouteTable({ routes: config.routes, split: config.split });
    this.defaultPolicy = { resilience: config.resilience, retry: retryPolicyOf(config.resilience) };
    this.outliers = new OutlierDetector(clock, outlierOptionsOf(config.resilience));
    this.breaker = new CircuitBreaker(config.resilience.circuitBreaker);
    this.retryBudget = new MeshRetryBudget(clock, config.resilience.retries);
    this.outliers.onEvent((e) => {
      if (e.type === 'ejected') this.stats.ejections.inc();
      else if (e.type === 're-admitted') {
        this.stats.readmissions.inc();
        // Back from an ejection: it failed recently, so it ramps like a new endpoint.
        const endpoint = this.endpointsById.get(e.endpointId);
        if (endpoint !== undefined) this.activate(endpoint, e.at);
      }
      this.updateGauges();
      this.events.outlier(this.name, e);
    });
    // Re-admission is lazy in the detector; a slow tick keeps gauges and logs timely without I/O on the hot path.
    this.ticker = setInterval(() => {
      this.outliers.tick();
      this.updateSlowStartGauge();
    }, 1000);
    this.ticker.unref();
  }

  /** Applies new live config; in-flight requests keep the policy they started with. */
  applyConfig(config: EffectiveConfig, perVersion: ReadonlyMap<string, ResilienceConfig>): void {
    if (config.balancer !== this.balancer.name) {
      this.balancer = createBalancer(config.balancer, { clock: this.clock, rng: this.rng, slowStart: this.slowStart });
      this.balancer.retain(new Set(this.endpointsById.keys()));
    }
    this.routes = compileRouteTable({ routes: config.routes, split: config.split });
    this.config = config;
    this.defaultPolicy = { resilience: config.resilience, retry: retryPolicyOf(config.resilience) };
    this.perVersion = new Map([...perVersion].map(([v, r]) => [v, { resilience: r, retry: retryPolicyOf(r) }]));
    this.outliers.configure(outlierOptionsOf(config.resilience));
    this.breaker.configure(config.resilience.circuitBreaker);
    this.retryBudget.configure(config.resilience.retries);
    this.slowStart.configure(slowStartOptionsOf(config.resilience));
    this.updateSlowStartGauge();
    this.drainPending();
  }

  policyFor(version: string | undefined): SubsetPolicy {
    if (version === undefined) return this.defaultPolicy;
    return this.perVersion.get(version) ?? this.defaultPolicy;
  }

  /**
   * Replaces the endpoint set; endpoints that stay keep their counters, outlier state and slow-start
   * ramp (a discovery refresh must not restart it). A new endpoint starts a ramp, and so does one
   * whose address changed: same instance id, but a different process listening.
   */
  setEndpoints(addresses: readonly EndpointAddress[]): void {
    const next = new Map<string, Endpoint>();
    const now = this.clock.now();
    for (const a of addresses) {
      let e = this.endpointsById.get(a.id);
      if (e === undefined) {
        e = new Endpoint(a, now);
        this.slowStart.started(now);
      } else {
        const origin = originOf(a);
        if (origin !== e.origin) this.activate(e, now);
        e.host = a.host;
        e.port = a.port;
        e.weight = a.weight;
        e.version = a.version;
        e.origin = origin;
      }
      next.set(a.id, e);
    }
    this.endpointsById = next;
    this.endpoints = [...next.values()];
    const ids = new Set(next.keys());
    this.balancer.retain(ids);
    this.outliers.setEndpoints(ids);
    this.subsets.clear();
    this.updateGauges();
    this.updateSlowStartGauge();
  }

  private activate(endpoint: Endpoint, at: number): void {
    endpoint.activeSince = at;
    this.slowStart.started(at);
    this.updateSlowStartGauge();
  }

  /**
   * Each endpoint's slow-start factor relative to the others not ejected (what the balancer applies
   * to a request for any version; 1 when not in slow start), for the admin API.
   */
  slowStartFactors(): Map<string, number> {
    const out = new Map<string, number>();
    const routable = this.candidates(undefined);
    const factors: number[] = [];
    this.slowStart.relativeFactors(routable, undefined, routable.length, this.clock.now(), factors);
    routable.forEach((e, i) => out.set(e.id, factors[i] as number));
    return out;
  }

  private updateSlowStartGauge(): void {
    let ramping = 0;
    if (this.slowStart.ramping && this.slowStart.rampTime() !== undefined) {
      const now = this.clock.now();
      for (const e of this.endpoints) if (this.slowStart.factor(e, now) < 1) ramping++;
    }
    this.stats.endpointsSlowStart.set(ramping);
  }

  private updateGauges(): void {
    const ejected = this.outliers.ejectedEndpoints;
    this.stats.endpointsEjected.set(ejected);
    this.stats.endpointsHealthy.set(this.endpoints.length - ejected);
  }

  /**
   * Endpoints a request for `version` (undefined = any) may go to: that version's subset (all
   * endpoints when the subset is empty), minus ejected ones unless too few are healthy (panic).
   * The returned array is only valid until the next call.
   */
  candidates(version: string | undefined): readonly Endpoint[] {
    let subset = this.endpoints;
    if (version !== undefined) {
      let s = this.subsets.get(version);
      if (s === undefined) {
        s = this.endpoints.filter((e) => e.version === version);
        if (s.length === 0) s = this.endpoints;
        this.subsets.set(version, s);
      }
      subset = s;
    }
    return this.outliers.routable(subset, this.scratch);
  }

  report(endpoint: Endpoint, result: OutlierResult, latencyMs: number): void {
    // Failures also feed latency-aware balancers as slow, so a fast-failing endpoint does not look attractive.
    this.balancer.observe(endpoint.id, result === 'success' ? latencyMs : Math.max(latencyMs, 1000));
    if (this.endpointsById.get(endpoint.id) === endpoint) this.outliers.record(endpoint.id, result);
  }

  // ---- circuit breaking: a slot now, a place in line, or false (503) --------------------------

  acquire(waiter: SlotWaiter): 'ok' | 'queued' | 'max-pending' {
    if (this.breaker.tryAcquire() === 'ok') {
      waiter.onSlot();
      return 'ok';
    }
    if (this.breaker.tryEnqueue() !== 'ok') return 'max-pending';
    this.pending.push(waiter);
    return 'queued';
  }

  /** Removes a queued request that gave up (client went away). */
  cancelPending(waiter: SlotWaiter): void {
    const i = this.pending.indexOf(waiter);
    if (i >= 0) {
      this.pending.splice(i, 1);
      this.breaker.dequeue();
    }
  }

  release(): void {
    this.breaker.release();
    this.drainPending();
  }

  private drainPending(): void {
    while (this.pending.length > 0 && this.breaker.tryAcquire() === 'ok') {
      this.breaker.dequeue();
      this.pending.shift()!.onSlot();
    }
  }

  close(): void {
    clearInterval(this.ticker);
  }
}
