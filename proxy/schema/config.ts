import * as z from 'zod';
import { BalancerNameSchema } from './balancers.js';
import {
  DEFAULT_ACCESS_LOG,
  DEFAULT_BALANCER,
  DEFAULT_CIRCUIT_BREAKER,
  DEFAULT_CONCURRENT_RETRY_BUDGET,
  DEFAULT_OUTLIER_DETECTION,
  DEFAULT_RETRY_BUDGET,
  DEFAULT_RETRY_POLICY,
  DEFAULT_SLOW_START,
} from './defaults.js';
import { VersionLabel } from './topology.js';

/**
 * Live configuration: what a sidecar reads from Consul KV while the mesh runs (balancer, resilience,
 * routing, access log). Written by `meshdev policy set` / `meshdev split`, watched by every sidecar with
 * blocking queries; a valid change applies without restart. Each document is judged on its own
 * (config-documents.ts): an invalid one is rejected by its key, that key keeps its last good version
 * in the sidecars that had one, and every other document still applies (visible in the sidecar's admin
 * `/config`, the `meshdev_config_rejected_documents` gauge, its log and `meshdev policy get`).
 *
 * KV layout (every value is one JSON document; every field optional, absent = inherited):
 *
 *   meshdev/<mesh>/config/defaults                              mesh-wide defaults   (PolicyDocument)
 *   meshdev/<mesh>/config/services/<service>                    calls to <service>   (PolicyDocument)
 *   meshdev/<mesh>/config/services/<service>/versions/<version> calls routed to that version of <service>
 *                                                               (VersionPolicyDocument: resilience only)
 *
 * "Calls to <service>" means: every sidecar that has <service> as an upstream applies it on its outbound
 * listener for <service>. Effective config for (upstream U, version V) =
 *   BUILTIN_DEFAULTS <- defaults <- services/U <- services/U/versions/V   (deep merge, objects only;
 *   arrays and scalars replace).
 */

export const KV_ROOT = 'meshdev';

export function configPrefix(mesh: string): string {
  return `${KV_ROOT}/${mesh}/config/`;
}
export function defaultsKey(mesh: string): string {
  return `${configPrefix(mesh)}defaults`;
}
export function serviceKey(mesh: string, service: string): string {
  return `${configPrefix(mesh)}services/${service}`;
}
export function versionKey(mesh: string, service: string, version: string): string {
  return `${serviceKey(mesh, service)}/versions/${version}`;
}

/** Which document a KV key is, or undefined for a key meshdev does not know (reported as an error). */
export type ConfigKeyRef =
  { kind: 'defaults' } | { kind: 'service'; service: string } | { kind: 'version'; service: string; version: string };

export function parseConfigKey(mesh: string, key: string): ConfigKeyRef | undefined {
  const prefix = configPrefix(mesh);
  if (!key.startsWith(prefix)) return undefined;
  const rest = key.slice(prefix.length).split('/');
  if (rest.length === 1 && rest[0] === 'defaults') return { kind: 'defaults' };
  if (rest[0] !== 'services' || rest[1] === undefined || rest[1] === '') return undefined;
  if (rest.length === 2) return { kind: 'service', service: rest[1] };
  if (rest.length === 4 && rest[2] === 'versions' && rest[3] !== undefined && rest[3] !== '') {
    return { kind: 'version', service: rest[1], version: rest[3] };
  }
  return undefined;
}

const Ms = z.number().int().min(1).max(600_000);
const HttpStatus = z.number().int().min(100).max(599);

export const RetryConfig = z.strictObject({
  /** Retries after the first try (0 disables retrying). */
  maxRetries: z.number().int().min(0).max(10),
  /** Response statuses that are retried (connect failures, resets and per-try timeouts always are, when safe). */
  retryOnStatuses: z.array(HttpStatus).max(20),
  /** First backoff; doubles each retry, full jitter, capped by backoffMaxMs. */
  backoffBaseMs: z.number().int().min(0).max(10_000),
  backoffMaxMs: z.number().int().min(0).max(60_000),
  /**
   * Retry budget: a retry is refused only when retries exceed this percentage of the requests of the
   * last 10 s (plus budgetMinPerSecond) AND of the requests in flight (and budgetMinConcurrent).
   */
  budgetPercent: z.number().min(0).max(100),
  /** Retries the window allows in any second, whatever the traffic (the floor for a quiet upstream). */
  budgetMinPerSecond: z.number().int().min(0).max(10_000),
  /** Retries always allowed in flight, whatever the traffic. */
  budgetMinConcurrent: z.number().int().min(0).max(1000),
});

export const OutlierDetectionConfig = z.strictObject({
  enabled: z.boolean(),
  /** Eject after this many 5xx responses in a row (0 = off). */
  consecutive5xx: z.number().int().min(0).max(1000),
  /** Eject after this many 502/503/504, connect failures, resets or timeouts in a row (0 = off). */
  consecutiveGatewayErrors: z.number().int().min(0).max(1000),
  /** First ejection lasts this long; the n-th lasts n times as long (capped by maxEjectionMs). */
  baseEjectionMs: Ms,
  maxEjectionMs: Ms,
  /** Never eject more than this share of an upstream's endpoints. */
  maxEjectionPercent: z.number().min(0).max(100),
  /** Below this share of healthy endpoints, balance over all of them (panic mode). */
  panicThresholdPercent: z.number().min(0).max(100),
});

export const CircuitBreakerConfig = z.strictObject({
  /** Requests in flight to the upstream at once; beyond: queued up to maxPending. */
  maxConcurrent: z.number().int().min(1).max(100_000),
  /** Requests waiting for a slot; beyond: immediate 503 (`x-meshdev-reason: circuit-open ...`). */
  maxPending: z.number().int().min(0).max(100_000),
});

/** Ramp of traffic to an endpoint just added or re-admitted (proxy/policy/slow-start.ts). */
export const SlowStartConfig = z.strictObject({
  /** How long the ramp lasts; 0 switches slow start off. */
  windowMs: z.number().int().min(0).max(600_000),
  /** Factor = (elapsed / window)^(1 / aggression): 1 linear, above 1 faster early, below 1 later. */
  aggression: z.number().min(0.1).max(10),
  /** Floor of the factor: a new endpoint gets at least this share of its weight at once. */
  minWeightPercent: z.number().min(0).max(100),
});

export const ResilienceConfig = z.strictObject({
  /** Whole request, all tries included, until the response headers arrive. */
  timeoutMs: Ms,
  /** One try, until its response headers arrive. */
  perTryTimeoutMs: Ms,
  retries: RetryConfig,
  outlierDetection: OutlierDetectionConfig,
  circuitBreaker: CircuitBreakerConfig,
  /** Per upstream: a version document cannot set it (one balancer serves every version). */
  slowStart: SlowStartConfig,
});

const HeaderName = z
  .string()
  .max(256)
  .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'an HTTP header name');

/** Weighted split between versions: `{ v1: 90, v2: 10 }` (weights are relative, need not sum to 100). */
export const VersionSplit = z
  .record(VersionLabel, z.number().int().min(0).max(10_000))
  .refine((s) => Object.keys(s).length <= 50, 'at most 50 versions')
  .refine((s) => Object.values(s).some((w) => w > 0), 'at least one version with a weight above 0');

export const RouteRule = z
  .strictObject({
    /** Optional name shown in the access log. */
    name: z.string().max(64).optional(),
    /** Absent or empty: matches every request. */
    match: z
      .strictObject({
        pathPrefix: z.string().max(1024).startsWith('/').optional(),
        /** Exact header values, all must match (names are case-insensitive). */
        headers: z
          .record(HeaderName, z.string().max(1024))
          .refine((h) => Object.keys(h).length <= 20, 'at most 20 headers')
          .optional(),
        /** Headers that must be present, whatever their value. */
        headersPresent: z.array(HeaderName).max(20).optional(),
      })
      .optional(),
    /** The version subset matching requests go to... */
    version: VersionLabel.optional(),
    /** ...or a weighted split between versions (exactly one of the two). */
    split: VersionSplit.optional(),
  })
  .refine((r) => (r.version === undefined) !== (r.split === undefined), 'give exactly one of "version" or "split"');

export const AccessLogConfig = z.strictObject({
  /** Share of requests logged, 0..1. */
  sampleRate: z.number().min(0).max(1),
});

/** The fully resolved configuration of one upstream (or one version subset of it). */
export const EffectiveConfig = z.strictObject({
  balancer: BalancerNameSchema,
  resilience: ResilienceConfig,
  /** First matching rule wins; no match: `split`, else all versions. */
  routes: z.array(RouteRule).max(100),
  split: VersionSplit.optional(),
  accessLog: AccessLogConfig,
});
export type EffectiveConfig = z.infer<typeof EffectiveConfig>;
export type ResilienceConfig = z.infer<typeof ResilienceConfig>;
export type RouteRule = z.infer<typeof RouteRule>;

/**
 * Documented built-in defaults (what applies when KV holds nothing).
 *
 * Timeouts. Envoy and linkerd set no per-try timeout by default, so an instance that accepts
 * connections and never answers (paused, deadlocked, GC-stalled) holds each request until the
 * overall timeout, and only then counts as an outlier. Here a try gets 1 s: roughly 10x the demo
 * shop's p99 on a loaded 2-core machine, so a frozen instance costs the unlucky request about 1 s
 * (then the retry goes elsewhere) and three timed-out tries in a row eject it. The overall timeout
 * stays well above the whole retry budget, (maxRetries + 1) x perTry + backoff = 3 x 1 s + at most
 * 2 x 250 ms, so it never cuts a retry short; apps behind a sidecar should wait at least that budget
 * for an upstream (the demo shop waits 5 s, services/shop/config.ts).
 */
export const BUILTIN_DEFAULTS: EffectiveConfig = {
  balancer: DEFAULT_BALANCER,
  resilience: {
    // The retry defaults hold the timeouts too: they bound the tries.
    timeoutMs: DEFAULT_RETRY_POLICY.timeoutMs,
    perTryTimeoutMs: DEFAULT_RETRY_POLICY.perTryTimeoutMs,
    retries: {
      maxRetries: DEFAULT_RETRY_POLICY.maxRetries,
      retryOnStatuses: [...DEFAULT_RETRY_POLICY.retryOnStatuses],
      backoffBaseMs: DEFAULT_RETRY_POLICY.backoffBaseMs,
      backoffMaxMs: DEFAULT_RETRY_POLICY.backoffMaxMs,
      budgetPercent: DEFAULT_RETRY_BUDGET.ratio * 100,
      budgetMinPerSecond: DEFAULT_RETRY_BUDGET.minRetriesPerSecond,
      budgetMinConcurrent: DEFAULT_CONCURRENT_RETRY_BUDGET.minConcurrent,
    },
    outlierDetection: { enabled: true, ...DEFAULT_OUTLIER_DETECTION },
    circuitBreaker: { ...DEFAULT_CIRCUIT_BREAKER },
    slowStart: { ...DEFAULT_SLOW_START },
  },
  routes: [],
  accessLog: { ...DEFAULT_ACCESS_LOG },
};

/**
 * The cap of the backoff before retry number `retry` (1-based): `backoffBaseMs` doubling per retry,
 * at most `backoffMaxMs` (what those two fields mean; the retry policy draws its full jitter below it).
 */
export function backoffCapMs(
  r: { readonly backoffBaseMs: number; readonly backoffMaxMs: number },
  retry: number,
): number {
  const exponent = Math.min(Math.max(retry - 1, 0), 30); // 2^30 * base is past any sane cap
  return Math.min(r.backoffMaxMs, r.backoffBaseMs * 2 ** exponent);
}

/**
 * The longest a sidecar spends on one request when every try runs into its per-try timeout: all
 * tries plus the longest backoff before each retry. The overall timeout should exceed it (or it cuts
 * retries short), and an app's own upstream timeout should too (or the app gives up first).
 */
export function worstCaseRetryBudgetMs(r: ResilienceConfig): number {
  let backoff = 0;
  for (let retry = 1; retry <= r.retries.maxRetries; retry++) backoff += backoffCapMs(r.retries, retry);
  return (r.retries.maxRetries + 1) * r.perTryTimeoutMs + backoff;
}

const partial = <T extends z.ZodRawShape>(shape: T) => z.strictObject(shape).partial();

const ResilienceOverride = partial({
  timeoutMs: Ms,
  perTryTimeoutMs: Ms,
  retries: RetryConfig.partial(),
  outlierDetection: OutlierDetectionConfig.partial(),
  circuitBreaker: CircuitBreakerConfig.partial(),
  slowStart: SlowStartConfig.partial(),
});

/** `defaults` and `services/<service>`: any subset of the effective config. */
export const PolicyDocument = partial({
  balancer: BalancerNameSchema,
  resilience: ResilienceOverride,
  routes: z.array(RouteRule).max(100),
  split: VersionSplit,
  accessLog: AccessLogConfig.partial(),
});
export type PolicyDocument = z.infer<typeof PolicyDocument>;

/** `services/<service>/versions/<version>`: resilience overrides for requests routed to that version. */
export const VersionPolicyDocument = partial({ resilience: ResilienceOverride.omit({ slowStart: true }) });
export type VersionPolicyDocument = z.infer<typeof VersionPolicyDocument>;

/** All documents of one mesh, validated. */
export interface ConfigSnapshot {
  defaults: PolicyDocument;
  services: Record<string, { doc: PolicyDocument; versions: Record<string, VersionPolicyDocument> }>;
}

export const EMPTY_SNAPSHOT: ConfigSnapshot = { defaults: {}, services: {} };

export interface ConfigProblem {
  key: string;
  message: string;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Objects merge key by key; arrays and scalars replace; undefined keeps the base. */
export function deepMerge<T>(base: T, override: unknown): T {
  if (!isPlainObject(base) || !isPlainObject(override)) return (override === undefined ? base : override) as T;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(override)) {
    if (v === undefined) continue;
    out[k] = isPlainObject(out[k]) && isPlainObject(v) ? deepMerge(out[k], v) : v;
  }
  return out as T;
}

/** BUILTIN_DEFAULTS <- defaults <- services/<service> <- services/<service>/versions/<version>. */
export function effectiveConfig(snapshot: ConfigSnapshot, service: string, version?: string): EffectiveConfig {
  let eff = deepMerge(BUILTIN_DEFAULTS, snapshot.defaults);
  const entry = snapshot.services[service];
  if (entry !== undefined) {
    eff = deepMerge(eff, entry.doc);
    const v = version === undefined ? undefined : entry.versions[version];
    if (v !== undefined) eff = deepMerge(eff, v);
  }
  return eff;
}
