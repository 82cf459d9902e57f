import { envBoolean, envNumber, envString, envUrl, type Env } from '../shop/env.js';
import type { LoadgenSettings } from './generator.js';
import { MAX_RATE } from './schedule.js';

/**
 * The load generator's environment:
 *   TARGET_URL        where to send GET requests, e.g. http://ingress:8080/products (required)
 *   RATE              requests per second, 0..10000 (default 20); changeable live with PUT /rate
 *   TIMEOUT_MS        per-request deadline for the complete response (default 5000)
 *   MAX_IN_FLIGHT     outstanding requests allowed; due sends beyond it are dropped (default 256)
 *   MAX_LAG_MS        due sends older than this after a stall are dropped, not burst (default 1000)
 *   START_PAUSED      start paused; POST /resume starts sending (default false)
 *   METRICS_PORT      port of /metrics, /healthz and the control API (default 9464)
 *   CONTROL_PORT      serve the control API on this port instead (default: METRICS_PORT)
 *   HOST              listen address (default 0.0.0.0, so Prometheus can scrape it across the Compose network)
 *   LOG_INTERVAL_MS   log a traffic summary this often; 0 = never (default 10000)
 *   MESHDEV_MESH      mesh name, for logs
 */
export interface LoadgenConfig extends LoadgenSettings {
  readonly host: string;
  readonly metricsPort: number;
  /** Undefined: the control API shares the metrics server. */
  readonly controlPort: number | undefined;
  readonly logIntervalMs: number;
  readonly mesh: string;
}

export function readLoadgenConfig(env: Env): LoadgenConfig {
  const metricsPort = envNumber(env, 'METRICS_PORT', 9464, { min: 0, max: 65535, integer: true });
  const controlPort = env.CONTROL_PORT?.trim()
    ? envNumber(env, 'CONTROL_PORT', 0, { min: 0, max: 65535, integer: true })
    : undefined;
  return {
    targetUrl: envUrl(env, 'TARGET_URL', 'the URL to send load to, e.g. http://ingress:8080/products'),
    rate: envNumber(env, 'RATE', 20, { min: 0, max: MAX_RATE }),
    timeoutMs: envNumber(env, 'TIMEOUT_MS', 5000, { min: 1, max: 120_000, integer: true }),
    maxInFlight: envNumber(env, 'MAX_IN_FLIGHT', 256, { min: 1, max: 10_000, integer: true }),
    maxLagMs: envNumber(env, 'MAX_LAG_MS', 1000, { min: 0, max: 60_000, integer: true }),
    startPaused: envBoolean(env, 'START_PAUSED', false),
    host: envString(env, 'HOST', '0.0.0.0'),
    metricsPort,
    controlPort: controlPort === metricsPort && metricsPort !== 0 ? undefined : controlPort,
    logIntervalMs: envNumber(env, 'LOG_INTERVAL_MS', 10_000, { min: 0, max: 86_400_000, integer: true }),
    mesh: envString(env, 'MESHDEV_MESH', 'local'),
  };
}
