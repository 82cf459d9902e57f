import * as z from 'zod';
import { SidecarBootstrap } from './bootstrap.js';
import { BalancerNameSchema } from './balancers.js';
import { EffectiveConfig, PolicyDocument, VersionPolicyDocument } from './config.js';
import { formatIssue } from './issues.js';

/**
 * What a sidecar's admin API answers on `/endpoints` and `/config`: the proxy writes these
 * documents and the CLI (status, dashboard) reads them, so both sides hold one description. The
 * proxy types its output with them (a compile-time check, no parse on its side); the CLI parses
 * what it fetched, so a sidecar of another shape is a clear error rather than a silent misreading.
 *
 * Objects are not strict: a field the reader does not know yet is no reason to refuse the rest.
 */

const Count = z.number().int().nonnegative();
/** ISO 8601 time as the sidecar writes it (`new Date().toISOString()`). */
const Timestamp = z.string().datetime();

/** One endpoint of an upstream as the sidecar balances over it. */
export const AdminEndpoint = z.object({
  /** The instance id (`catalog-2`), `app` for a sidecar's own app, `host:port` when standalone. */
  id: z.string().min(1),
  address: z.string(),
  version: z.string(),
  weight: z.number().nonnegative(),
  /** `ejected`: this sidecar's outlier detection keeps it out of rotation until `ejectedUntil`. */
  state: z.enum(['healthy', 'ejected']),
  /** Requests in flight to it from this sidecar. */
  active: Count,
  /** The peak-EWMA latency estimate; null when the balancer keeps none. */
  ewmaMs: z.number().nullable(),
  /** Share of its weight it gets now (below 1 while ramping up); null while ejected. */
  slowStartFactor: z.number().nullable(),
  /** How often it has been ejected so far. */
  ejections: Count,
  ejectedUntil: Timestamp.nullable(),
});
export type AdminEndpoint = z.infer<typeof AdminEndpoint>;

export const AdminUpstream = z.object({
  balancer: BalancerNameSchema,
  /** Requests in flight (circuit breaker's count) and waiting for a slot. */
  active: Count,
  pending: Count,
  /** Outlier detection's panic mode: too many ejected, so all are used again. */
  panic: z.boolean(),
  endpoints: z.array(AdminEndpoint),
});
export type AdminUpstream = z.infer<typeof AdminUpstream>;

/** `/endpoints`: per upstream (the outbound services, and the instance's own service inbound). */
export const AdminEndpointsDocument = z.record(z.string(), AdminUpstream);
export type AdminEndpointsDocument = z.infer<typeof AdminEndpointsDocument>;

/** A live config document the sidecar refuses, since `at`. */
export const AdminConfigRejection = z.object({
  key: z.string(),
  problems: z.array(z.string()),
  inEffect: z.enum(['last-good', 'none']),
  at: Timestamp,
});
export type AdminConfigRejection = z.infer<typeof AdminConfigRejection>;

/** `/config`: where the live config came from, what was refused, and what applies per upstream. */
export const AdminConfigDocument = z.object({
  /** What the CLI handed the sidecar at start; absent in standalone mode. */
  bootstrap: SidecarBootstrap.optional(),
  /** `consul`, or `built-in defaults` until the first read. */
  source: z.string(),
  appliedAt: Timestamp.nullable(),
  /** False while any document is rejected. */
  valid: z.boolean(),
  rejected: z.array(AdminConfigRejection),
  /** The documents in effect, as they merge (see `effectiveConfig`). */
  documents: z.object({
    defaults: PolicyDocument,
    services: z.record(
      z.string(),
      z.object({ doc: PolicyDocument, versions: z.record(z.string(), VersionPolicyDocument) }),
    ),
  }),
  /** The resolved config per upstream; `fixed` for one that ignores live config (the inbound hop). */
  effective: z.record(z.string(), EffectiveConfig.extend({ fixed: z.boolean() })),
});
export type AdminConfigDocument = z.infer<typeof AdminConfigDocument>;

/** A fetched admin document that does not have the contract's shape: one line per problem. */
export class AdminDocumentError extends Error {
  readonly code = 'EADMINDOCUMENT';
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(
      `${source}: not the admin document this meshdev reads: ${problems.slice(0, 3).join('; ')}` +
        (problems.length > 3 ? ` (and ${problems.length - 3} more)` : ''),
    );
    this.name = 'AdminDocumentError';
  }
}

function parseAdmin<T>(schema: z.ZodType<T>, body: unknown, source: string): T {
  const r = schema.safeParse(body);
  if (!r.success) throw new AdminDocumentError(source, r.error.issues.map(formatIssue));
  return r.data;
}

/** `body` (fetched from `source`, e.g. its URL) as an `/endpoints` document, else AdminDocumentError. */
export function parseAdminEndpoints(body: unknown, source: string): AdminEndpointsDocument {
  return parseAdmin(AdminEndpointsDocument, body, source);
}

/** `body` (fetched from `source`, e.g. its URL) as a `/config` document, else AdminDocumentError. */
export function parseAdminConfig(body: unknown, source: string): AdminConfigDocument {
  return parseAdmin(AdminConfigDocument, body, source);
}
