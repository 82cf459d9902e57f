import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Clock, Rng } from './policy/types.js';
import { systemClock, systemRng } from './policy/types.js';
import { ProxyMetrics, UpstreamStats } from './metrics.js';
import type { Direction } from './metrics.js';
import { Upstream } from './upstream.js';
import type { EndpointAddress } from './upstream.js';
import type { OutlierEvent } from './policy/outlier-detector.js';
import { HttpForwarder } from './http/forwarder.js';
import { connectionLimits } from './http/connection-limits.js';
import type { ConnectionLimits } from './http/connection-limits.js';
import { createHttpListener } from './http/listener.js';
import { UpstreamClient } from './http/upstream-client.js';
import { createTcpForwarder } from './tcp-forwarder.js';
import { faultingHttpHandler, faultingTcpHandler } from './faults/index.js';
import type { FaultEngine } from './faults/index.js';
import type { Logger } from './log.js';
import type { ConfigSnapshot, EffectiveConfig, ResilienceConfig } from './schema/config.js';
import { EMPTY_SNAPSHOT, effectiveConfig } from './schema/config.js';
import type { RejectedConfigDocument } from './schema/config-documents.js';
import { rejectionChanges } from './schema/config-documents.js';
import type { AdminConfigDocument, AdminEndpointsDocument } from './schema/admin.js';

/**
 * The data plane shared by the sidecar and standalone mode: listeners, upstreams, live config.
 * Knows nothing about Consul; discovery and the config watcher push into it.
 */

export interface ListenerSpec {
  /** Upstream name (an outbound service, or the local service for inbound). */
  upstream: string;
  direction: Direction;
  protocol: 'http' | 'tcp';
  host: string;
  port: number;
  /** Fixed config for this listener's upstream, ignoring live config (the inbound hop). */
  fixedConfig?: EffectiveConfig;
}

export interface BoundListener extends ListenerSpec {
  /** The port actually bound (differs from `port` when 0 was asked). */
  boundPort: number;
}

/** A live config document rejected now, since `at` (when this version of it was first rejected). */
export interface ConfigRejection extends RejectedConfigDocument {
  at: string;
}

/** A log line lists at most this many documents (a flood of bad keys stays one readable line). */
const LOGGED_REJECTIONS = 20;

const DRAIN_MS = 5000;

export class MeshProxy {
  readonly metrics: ProxyMetrics;
  readonly upstreams = new Map<string, Upstream>();
  private readonly fixed = new Set<string>();
  private readonly servers: (http.Server | net.Server)[] = [];
  readonly listeners: BoundListener[] = [];
  readonly clock: Clock;
  readonly rng: Rng;
  /**
   * Keep-alive connections to every upstream endpoint: reused, never one per request. Timeouts are
   * the forwarder's (per try, overall); the client's own are for connecting and idling.
   */
  readonly client = new UpstreamClient();
  snapshot: ConfigSnapshot = EMPTY_SNAPSHOT;
  configSource = 'built-in defaults';
  /** Sorted by key; empty when every document applies. */
  rejectedDocuments: readonly ConfigRejection[] = [];
  configAppliedAt: string | undefined;

  constructor(
    readonly registry: Registry,
    readonly log: Logger,
    opts: {
      clock?: Clock;
      rng?: Rng;
      exposeEndpoint?: boolean;
      /** Fault injection on every listener (absent: no fault check at all). */
      faults?: FaultEngine;
      /** Per-listener connection cap and timeouts (DEFAULT_CONNECTION_LIMITS where absent). */
      connectionLimits?: Partial<ConnectionLimits>;
    } = {},
  ) {
    this.faults = opts.faults;
    this.limits = connectionLimits(opts.connectionLimits);
    this.metrics = new ProxyMetrics(registry);
    this.clock = opts.clock ?? systemClock;
    this.rng = opts.rng ?? systemRng;
    this.exposeEndpoint = opts.exposeEndpoint ?? false;
  }
  private readonly exposeEndpoint: boolean;
  readonly faults: FaultEngine | undefined;
  readonly limits: ConnectionLimits;

  upstream(name: string, fixedConfig?: EffectiveConfig): Upstream {
    let up = this.upstreams.get(name);
    if (up === undefined) {
      up = new Upstream(
        name,
        fixedConfig ?? effectiveConfig(this.snapshot, name),
        new UpstreamStats(this.metrics, name),
        this.clock,
        this.rng,
        {
          outlier: (u, e) => this.onOutlierEvent(u, e),
        },
      );
      if (fixedConfig !== undefined) this.fixed.add(name);
      else up.applyConfig(up.config, this.perVersion(name));
      this.upstreams.set(name, up);
    }
    return up;
  }

  private onOutlierEvent(upstream: string, e: OutlierEvent): void {
    if (e.type === 'ejected') {
      this.log.warn(`ejected ${e.endpointId} from ${upstream} (${e.reason})`, {
        event: 'ejected',
        upstream,
        endpoint: e.endpointId,
        reason: e.reason,
        for_ms: Math.round(e.until - e.at),
      });
    } else if (e.type === 're-admitted') {
      this.log.info(
        `re-admitted ${e.endpointId} to ${upstream}${e.cause === 'detection-disabled' ? ' (outlier detection switched off)' : ''}`,
        {
          event: 'readmitted',
          upstream,
          endpoint: e.endpointId,
          ejected_for_ms: Math.round(e.ejectedForMs),
          cause: e.cause,
        },
      );
    } else {
      this.log.warn(`not ejecting ${e.endpointId} from ${upstream}: max ejection percent reached`, {
        event: 'ejection_skipped',
        upstream,
        endpoint: e.endpointId,
      });
    }
  }

  setEndpoints(upstream: string, endpoints: EndpointAddress[]): void {
    const up = this.upstream(upstream);
    const before = new Set(up.endpoints.map((e) => e.id));
    up.setEndpoints(endpoints);
    const after = new Set(endpoints.map((e) => e.id));
    const added = [...after].filter((id) => !before.has(id));
    const removed = [...before].filter((id) => !after.has(id));
    if (added.length > 0 || removed.length > 0) {
      this.log.info(`endpoints of ${upstream}: ${endpoints.length}`, { event: 'endpoints', upstream, added, removed });
    }
  }

  private perVersion(name: string): Map<string, ResilienceConfig> {
    const m = new Map<string, ResilienceConfig>();
    for (const v of Object.keys(this.snapshot.services[name]?.versions ?? {})) {
      m.set(v, effectiveConfig(this.snapshot, name, v).resilience);
    }
    return m;
  }

  /** Applies a validated configuration snapshot to every upstream (no restart, in-flight requests unaffected). */
  applySnapshot(snapshot: ConfigSnapshot, source: string): void {
    this.snapshot = snapshot;
    this.configSource = source;
    this.configAppliedAt = new Date().toISOString();
    for (const [name, up] of this.upstreams) {
      if (this.fixed.has(name)) continue;
      up.applyConfig(effectiveConfig(snapshot, name), this.perVersion(name));
    }
    this.metrics.configApplied.inc();
  }

  /**
   * Records the documents rejected now (empty: none). Logs and counts only what changed since the
   * last call, so an unchanged bad document is reported once, not on every watch tick.
   */
  recordRejections(rejected: readonly RejectedConfigDocument[]): void {
    const { rejected: fresh, cleared } = rejectionChanges(this.rejectedDocuments, rejected);
    const now = new Date().toISOString();
    const since = new Map(this.rejectedDocuments.map((r) => [r.key, r.at]));
    const freshKeys = new Set(fresh.map((r) => r.key));
    this.rejectedDocuments = rejected.map((r) => ({
      ...r,
      at: freshKeys.has(r.key) ? now : (since.get(r.key) ?? now),
    }));
    if (fresh.length === 0 && cleared.length === 0) return;
    this.metrics.setRejectedConfigDocuments(rejected.map((r) => r.key));
    if (fresh.length > 0) {
      this.metrics.configRejections.inc(fresh.length);
      const shown = fresh.slice(0, LOGGED_REJECTIONS);
      this.log.error(
        `rejected ${fresh.length} live config document(s): ${shown.map((r) => r.key).join(', ')}${fresh.length > shown.length ? `, ... (${fresh.length - shown.length} more)` : ''}; each keeps its last good version if this sidecar had one, the others apply`,
        { event: 'config_rejected', documents: shown },
      );
    }
    if (cleared.length > 0) {
      this.log.info(`live config documents no longer rejected: ${cleared.slice(0, LOGGED_REJECTIONS).join(', ')}`, {
        event: 'config_rejection_cleared',
        keys: cleared.slice(0, LOGGED_REJECTIONS),
      });
    }
  }

  async listen(spec: ListenerSpec): Promise<BoundListener> {
    const up = this.upstream(spec.upstream, spec.fixedConfig);
    const refused = this.metrics.connectionsRefused.labels(spec.direction, spec.upstream);
    let server: http.Server | net.Server;
    if (spec.protocol === 'tcp') {
      const tcp = createTcpForwarder(up, this.log);
      const scope = { direction: spec.direction, protocol: 'tcp', upstream: spec.upstream } as const;
      server = net.createServer(
        { noDelay: true, allowHalfOpen: true },
        this.faults === undefined ? tcp : faultingTcpHandler(this.faults, scope, tcp, this.log),
      );
      server.maxConnections = this.limits.maxConnections;
      server.on('drop', () => refused.inc());
    } else {
      const fwd = new HttpForwarder({
        upstream: up,
        direction: spec.direction,
        stats: this.metrics.routes.seriesFor(spec.direction, spec.upstream),
        client: this.client,
        log: this.log,
        clock: this.clock,
        rng: this.rng,
        exposeEndpoint: this.exposeEndpoint,
      });
      // Faults (and partitions) act before the forwarder: a refused or aborted request never takes an
      // upstream slot. Without an engine the forwarder is the handler, with no per-request cost.
      const scope = { direction: spec.direction, protocol: 'http', upstream: spec.upstream } as const;
      const handle = this.faults === undefined ? fwd.handle : faultingHttpHandler(this.faults, scope, fwd.handle);
      const errors = this.metrics.httpProtocolErrors;
      server = createHttpListener(handle, {
        limits: this.limits,
        onConnectionRefused: () => refused.inc(),
        onProtocolError: (status) => errors.labels(spec.direction, spec.upstream, String(status)).inc(),
      });
    }
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(spec.port, spec.host, () => {
        server.off('error', reject);
        // Once listening, an error is a failed accept() (EMFILE, ENFILE): without a listener it
        // would end the process; the listener goes on accepting.
        server.on('error', (err) =>
          this.log.error(`listener ${spec.host}:${spec.port} (${spec.upstream}): ${err.message}`, {
            event: 'listener_error',
            upstream: spec.upstream,
            direction: spec.direction,
          }),
        );
        resolve();
      });
    });
    this.servers.push(server);
    const bound = { ...spec, boundPort: (server.address() as AddressInfo).port };
    this.listeners.push(bound);
    return bound;
  }

  /** Stops accepting, lets in-flight requests finish (at most DRAIN_MS), then closes everything. */
  async close(drainMs = DRAIN_MS): Promise<void> {
    await Promise.all(
      this.servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => {
              if (s instanceof http.Server) s.closeAllConnections();
              resolve();
            }, drainMs);
            s.close(() => {
              clearTimeout(timer);
              resolve();
            });
            if (s instanceof http.Server) s.closeIdleConnections();
          }),
      ),
    );
    for (const up of this.upstreams.values()) up.close();
    this.client.close();
  }

  /** `/endpoints` of the admin API. */
  endpointsView(): AdminEndpointsDocument {
    const now = this.clock.now();
    const out: AdminEndpointsDocument = {};
    for (const [name, up] of this.upstreams) {
      const slowStart = up.slowStartFactors();
      out[name] = {
        balancer: up.balancer.name,
        active: up.breaker.active,
        pending: up.breaker.pending,
        panic: up.outliers.inPanic,
        endpoints: up.endpoints.map((e) => {
          const o = up.outliers.state(e.id);
          return {
            id: e.id,
            address: `${e.host}:${e.port}`,
            version: e.version,
            weight: e.weight,
            state: o?.ejected ? 'ejected' : 'healthy',
            active: e.active,
            ewmaMs: roundOrNull(up.balancer.estimateMs(e.id)),
            // Share of its weight it gets now (below 1 while ramping up); null while ejected.
            slowStartFactor: roundOrNull(slowStart.get(e.id)),
            ejections: o?.ejectionCount ?? 0,
            ejectedUntil:
              o?.ejectedUntil === undefined ? null : new Date(Date.now() + (o.ejectedUntil - now)).toISOString(),
          };
        }),
      };
    }
    return out;
  }

  /** `/config` of the admin API. */
  configView(): Omit<AdminConfigDocument, 'bootstrap'> {
    const effective: AdminConfigDocument['effective'] = {};
    for (const [name, up] of this.upstreams) {
      effective[name] = { ...up.config, fixed: this.fixed.has(name) };
    }
    return {
      source: this.configSource,
      appliedAt: this.configAppliedAt ?? null,
      valid: this.rejectedDocuments.length === 0,
      rejected: [...this.rejectedDocuments],
      documents: this.snapshot,
      effective,
    };
  }
}

function roundOrNull(v: number | undefined): number | null {
  return v === undefined ? null : Math.round(v * 1000) / 1000;
}
