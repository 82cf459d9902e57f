import { Counter, Gauge, collectDefaultMetrics } from 'prom-client';
import type { Registry } from 'prom-client';
import { registerRouteMetrics } from './route-metrics.js';
import type { RouteMetricStore, RouteSeries } from './route-metrics.js';

/**
 * Every metric the sidecar exports, declared once with fixed label lists on an injected registry.
 * The data path never builds label objects per request: per-request metrics go through a
 * series taken once per (direction, upstream) (plain array increments, see route-metrics.ts);
 * the rarer resilience counters through children bound once per upstream.
 */

export type Direction = 'inbound' | 'outbound';

/**
 * Rejected config documents get a series each, up to this many: keys are written by hand, and a
 * flood of bad keys must not become a flood of series in every sidecar.
 */
export const MAX_REJECTED_KEY_SERIES = 50;
export const OTHER_KEYS_LABEL = '(other keys)';

interface BoundCounter {
  inc(value?: number): void;
}

/** The per-request metrics of one (direction, upstream): `record(status, seconds)`. */
export type RouteStats = RouteSeries;

/** Pre-bound children for the per-upstream resilience counters. */
export class UpstreamStats {
  readonly retries: BoundCounter;
  readonly retryBudgetExhausted: BoundCounter;
  readonly ejections: BoundCounter;
  readonly readmissions: BoundCounter;
  readonly circuitRejections: BoundCounter;
  readonly noEndpoint: BoundCounter;
  readonly resets: BoundCounter;
  readonly endpointsHealthy: { set(v: number): void };
  readonly endpointsEjected: { set(v: number): void };
  readonly endpointsSlowStart: { set(v: number): void };
  readonly tcpConnections: BoundCounter;
  readonly tcpBytesSent: BoundCounter;
  readonly tcpBytesReceived: BoundCounter;
  constructor(m: ProxyMetrics, upstream: string) {
    this.retries = m.retries.labels(upstream);
    this.retryBudgetExhausted = m.retryBudgetExhausted.labels(upstream);
    this.ejections = m.ejections.labels(upstream);
    this.readmissions = m.readmissions.labels(upstream);
    this.circuitRejections = m.rejections.labels(upstream, 'circuit_open');
    this.noEndpoint = m.rejections.labels(upstream, 'no_endpoint');
    this.resets = m.upstreamResets.labels(upstream);
    this.endpointsHealthy = m.endpoints.labels(upstream, 'healthy');
    this.endpointsEjected = m.endpoints.labels(upstream, 'ejected');
    this.endpointsSlowStart = m.endpointsSlowStart.labels(upstream);
    this.tcpConnections = m.tcpConnections.labels(upstream);
    this.tcpBytesSent = m.tcpBytes.labels(upstream, 'sent');
    this.tcpBytesReceived = m.tcpBytes.labels(upstream, 'received');
  }
}

export class ProxyMetrics {
  /** `meshdev_requests_total` and `meshdev_request_duration_seconds`. */
  readonly routes: RouteMetricStore;
  readonly retries: Counter<'upstream'>;
  readonly retryBudgetExhausted: Counter<'upstream'>;
  readonly ejections: Counter<'upstream'>;
  readonly readmissions: Counter<'upstream'>;
  readonly rejections: Counter<'upstream' | 'reason'>;
  readonly upstreamResets: Counter<'upstream'>;
  readonly endpoints: Gauge<'upstream' | 'state'>;
  readonly endpointsSlowStart: Gauge<'upstream'>;
  readonly tcpConnections: Counter<'upstream'>;
  readonly tcpBytes: Counter<'upstream' | 'direction'>;
  readonly configRejections: Counter;
  readonly configRejectedDocuments: Gauge<'key'>;
  readonly configValid: Gauge;
  readonly configApplied: Counter;
  readonly consulErrors: Counter<'operation'>;
  readonly connectionsRefused: Counter<'direction' | 'upstream'>;
  readonly httpProtocolErrors: Counter<'direction' | 'upstream' | 'status'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.routes = registerRouteMetrics(registry);
    this.retries = new Counter({
      name: 'meshdev_retries_total',
      help: 'Retry attempts sent to an upstream.',
      labelNames: ['upstream'],
      registers,
    });
    this.retryBudgetExhausted = new Counter({
      name: 'meshdev_retry_budget_exhausted_total',
      help: 'Retries not sent because the retry budget was spent.',
      labelNames: ['upstream'],
      registers,
    });
    this.ejections = new Counter({
      name: 'meshdev_outlier_ejections_total',
      help: 'Endpoints ejected by outlier detection.',
      labelNames: ['upstream'],
      registers,
    });
    this.readmissions = new Counter({
      name: 'meshdev_outlier_readmissions_total',
      help: 'Ejected endpoints re-admitted after their ejection time.',
      labelNames: ['upstream'],
      registers,
    });
    this.rejections = new Counter({
      name: 'meshdev_rejections_total',
      help: 'Requests answered 503 by the sidecar itself, by reason (circuit_open, no_endpoint).',
      labelNames: ['upstream', 'reason'],
      registers,
    });
    this.upstreamResets = new Counter({
      name: 'meshdev_upstream_resets_total',
      help: 'Responses aborted because the upstream reset the connection mid-response.',
      labelNames: ['upstream'],
      registers,
    });
    this.endpoints = new Gauge({
      name: 'meshdev_endpoints',
      help: 'Endpoints of an upstream by state (healthy, ejected).',
      labelNames: ['upstream', 'state'],
      registers,
    });
    // Not a state of meshdev_endpoints: an endpoint in slow start is also healthy (or ejected).
    this.endpointsSlowStart = new Gauge({
      name: 'meshdev_endpoints_slow_start',
      help: 'Endpoints of an upstream within their slow-start window (receiving a reduced share).',
      labelNames: ['upstream'],
      registers,
    });
    this.tcpConnections = new Counter({
      name: 'meshdev_tcp_connections_total',
      help: 'TCP (L4) connections proxied to an upstream.',
      labelNames: ['upstream'],
      registers,
    });
    this.tcpBytes = new Counter({
      name: 'meshdev_tcp_bytes_total',
      help: 'Bytes proxied on TCP (L4) upstreams, sent = client to upstream.',
      labelNames: ['upstream', 'direction'],
      registers,
    });
    this.configRejections = new Counter({
      name: 'meshdev_config_rejections_total',
      help: 'Live configuration documents rejected, counted once per rejected version of a document (that key keeps its last good version; the others apply).',
      registers,
    });
    this.configRejectedDocuments = new Gauge({
      name: 'meshdev_config_rejected_documents',
      help: `Live configuration documents rejected now, by Consul KV key (1 each; beyond ${MAX_REJECTED_KEY_SERIES} keys the rest count under key="${OTHER_KEYS_LABEL}"). See the admin /config for why.`,
      labelNames: ['key'],
      registers,
    });
    this.configApplied = new Counter({
      name: 'meshdev_config_applied_total',
      help: 'Live configuration changes applied.',
      registers,
    });
    this.configValid = new Gauge({
      name: 'meshdev_config_valid',
      help: '1 when every live configuration document in Consul KV is valid and applied, 0 when one or more are rejected.',
      registers,
    });
    this.configValid.set(1);
    // Process metrics (RSS, CPU, heap, event-loop lag) are read at scrape time, off the data path.
    // The lag histogram samples with a timer of its own, and its wake-ups are a visible share of an
    // idle sidecar's CPU (bench/proxy/RESULTS.md, "Idle cost of a sidecar"), so it samples every
    // 100 ms: a scrape interval still holds 20 samples, and a stall long enough to matter overlaps one.
    collectDefaultMetrics({ register: registry, prefix: 'meshdev_', eventLoopMonitoringPrecision: 100 });
    this.consulErrors = new Counter({
      name: 'meshdev_consul_errors_total',
      help: 'Failed calls to the Consul agent, by operation.',
      labelNames: ['operation'],
      registers,
    });
    this.connectionsRefused = new Counter({
      name: 'meshdev_connections_refused_total',
      help: 'Client connections closed as they arrived because the listener had its maximum of open connections.',
      labelNames: ['direction', 'upstream'],
      registers,
    });
    this.httpProtocolErrors = new Counter({
      name: 'meshdev_http_protocol_errors_total',
      help: 'Requests the sidecar answered itself, unforwarded, for their HTTP: malformed or incomplete head (400, 408, 413, 431), duplicate Host or HTTP/0.9 (400), CONNECT (405), unknown transfer coding (501), HTTP version (505).',
      labelNames: ['direction', 'upstream', 'status'],
      registers,
    });
  }

  /** The rejected-documents gauge and `meshdev_config_valid`, for the keys rejected now. */
  setRejectedConfigDocuments(keys: readonly string[]): void {
    this.configRejectedDocuments.reset();
    keys.slice(0, MAX_REJECTED_KEY_SERIES).forEach((key) => this.configRejectedDocuments.labels(key).set(1));
    if (keys.length > MAX_REJECTED_KEY_SERIES) {
      this.configRejectedDocuments.labels(OTHER_KEYS_LABEL).set(keys.length - MAX_REJECTED_KEY_SERIES);
    }
    this.configValid.set(keys.length === 0 ? 1 : 0);
  }
}
