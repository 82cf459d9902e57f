import { envBoolean, envNumber, envString, envUrl, type Env } from './env.js';
import type { FaultKnobs } from './faults.js';

/**
 * Everything a demo service reads from its environment. The compose renderer sets the identity
 * and upstream URLs; the fault knobs come from `env:` in mesh.yaml to stage a bad instance.
 *
 *   PORT                   listen port (default 3000)
 *   HOST                   listen address (default 127.0.0.1: only the sidecar in the same network namespace reaches the app)
 *   MESHDEV_SERVICE        service name (default: the name the service was started as)
 *   MESHDEV_INSTANCE       instance id, e.g. catalog-2 (default <service>-1)
 *   MESHDEV_VERSION        version label, e.g. v2 (default v1)
 *   MESHDEV_MESH           mesh name (default "local")
 *   <UPSTREAM>_URL         base URL of the local sidecar's outbound listener per upstream, e.g. PRICING_URL
 *   UPSTREAM_TIMEOUT_MS    per upstream call, 1..120000 (default 5000: above the sidecar's whole retry budget,
 *                          3 tries x 1 s per-try timeout + backoff, so the app never gives up on a request
 *                          its sidecar is still retrying on another instance)
 *   ERROR_RATE             fraction of requests answered with ERROR_STATUS, 0..1 (default 0)
 *   ERROR_STATUS           status of injected errors, 500..599 (default 500)
 *   LATENCY_MS             delay added to every request, ms (default 0)
 *   LATENCY_JITTER_MS      extra delay drawn uniformly from [0, LATENCY_JITTER_MS) (default 0)
 *   LOG_REQUESTS           log one line per request (default false)
 *   LOG_SUMMARY_INTERVAL_MS  log a traffic summary this often while traffic flows; 0 = never (default 30000)
 * Service-specific:
 *   DISCOUNT_PERCENT       pricing: percent taken off every list price, 0..100 (default 0)
 */

/** See UPSTREAM_TIMEOUT_MS above; checked against the sidecar's defaults in config.test.ts. */
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 5000;

export interface ServiceIdentity {
  readonly service: string;
  readonly instance: string;
  readonly version: string;
  readonly mesh: string;
}

export interface ServiceConfig {
  readonly identity: ServiceIdentity;
  readonly host: string;
  readonly port: number;
  /** Upstream service name -> base URL of the local sidecar's outbound listener for it. */
  readonly upstreams: Readonly<Record<string, string>>;
  readonly upstreamTimeoutMs: number;
  readonly faults: FaultKnobs;
  readonly logRequests: boolean;
  readonly logSummaryIntervalMs: number;
}

/** `pricing` -> `PRICING_URL`, `order-history` -> `ORDER_HISTORY_URL`. */
export function upstreamUrlVariable(upstream: string): string {
  return `${upstream.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_URL`;
}

export function readServiceConfig(service: string, upstreamNames: readonly string[], env: Env): ServiceConfig {
  const upstreams: Record<string, string> = {};
  for (const name of upstreamNames) {
    const variable = upstreamUrlVariable(name);
    upstreams[name] = envUrl(
      env,
      variable,
      `the local sidecar's outbound listener for ${name}, e.g. http://127.0.0.1:15101`,
    );
  }
  const serviceName = envString(env, 'MESHDEV_SERVICE', service);
  return {
    identity: {
      service: serviceName,
      instance: envString(env, 'MESHDEV_INSTANCE', `${serviceName}-1`),
      version: envString(env, 'MESHDEV_VERSION', 'v1'),
      mesh: envString(env, 'MESHDEV_MESH', 'local'),
    },
    host: envString(env, 'HOST', '127.0.0.1'),
    port: envNumber(env, 'PORT', 3000, { min: 0, max: 65535, integer: true }),
    upstreams,
    upstreamTimeoutMs: envNumber(env, 'UPSTREAM_TIMEOUT_MS', DEFAULT_UPSTREAM_TIMEOUT_MS, {
      min: 1,
      max: 120_000,
      integer: true,
    }),
    faults: {
      errorRate: envNumber(env, 'ERROR_RATE', 0, { min: 0, max: 1 }),
      errorStatus: envNumber(env, 'ERROR_STATUS', 500, { min: 500, max: 599, integer: true }),
      latencyMs: envNumber(env, 'LATENCY_MS', 0, { min: 0, max: 600_000 }),
      latencyJitterMs: envNumber(env, 'LATENCY_JITTER_MS', 0, { min: 0, max: 600_000 }),
    },
    logRequests: envBoolean(env, 'LOG_REQUESTS', false),
    logSummaryIntervalMs: envNumber(env, 'LOG_SUMMARY_INTERVAL_MS', 30_000, { min: 0, max: 86_400_000, integer: true }),
  };
}
