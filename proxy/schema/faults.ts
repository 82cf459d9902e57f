import * as z from 'zod';
import { KV_ROOT } from './config.js';
import { DEFAULT_FLAKY_STATUS } from './defaults.js';
import { formatIssue } from './issues.js';
import { parseJsonDocument } from './json-document.js';
import { ServiceName, VersionLabel } from './topology.js';

/**
 * Faults and partitions: documents the CLI (`meshdev fault add`, `meshdev partition`) writes to Consul KV
 * and every sidecar watches (one blocking query over the prefix). A document that does not match the
 * schema is ignored by the sidecars (the others still apply) and reported in their log, their admin
 * `/faults` view, the `meshdev_fault_documents_invalid` gauge and `meshdev fault ls`.
 *
 * Bounds: what the CLI cannot write is rejected too, per document and with its reason (a hand-written
 * flood must not cost every sidecar memory and per-request work). See MAX_FAULT_TTL_MS, MAX_FAULTS,
 * MAX_PARTITIONS and MAX_FAULT_DOCUMENT_BYTES below.
 *
 * KV layout (every value is one JSON document):
 *
 *   meshdev/<mesh>/faults/rules/<id>        one fault                      (FaultDocument)
 *   meshdev/<mesh>/faults/partitions/<id>   one partition between groups   (PartitionDocument)
 *   meshdev/<mesh>/faults/settings          per-request header faults      (HeaderFaultSettings)
 *
 * Every fault carries `expiresAt`: sidecars stop applying it at that instant by themselves, even when
 * nobody deletes the key (the CLI that wrote it may be gone). Partitions may carry one too.
 */

export function faultsPrefix(mesh: string): string {
  return `${KV_ROOT}/${mesh}/faults/`;
}
export function faultRulesPrefix(mesh: string): string {
  return `${faultsPrefix(mesh)}rules/`;
}
export function faultRuleKey(mesh: string, id: string): string {
  return `${faultRulesPrefix(mesh)}${id}`;
}
export function partitionsPrefix(mesh: string): string {
  return `${faultsPrefix(mesh)}partitions/`;
}
export function partitionKey(mesh: string, id: string): string {
  return `${partitionsPrefix(mesh)}${id}`;
}
export function headerFaultSettingsKey(mesh: string): string {
  return `${faultsPrefix(mesh)}settings`;
}

export type FaultKeyRef = { kind: 'rule'; id: string } | { kind: 'partition'; id: string } | { kind: 'settings' };

/** Which document a KV key under the faults prefix is; undefined for a key meshdev does not know. */
export function parseFaultKey(mesh: string, key: string): FaultKeyRef | undefined {
  const prefix = faultsPrefix(mesh);
  if (!key.startsWith(prefix)) return undefined;
  const rest = key.slice(prefix.length).split('/');
  if (rest.length === 1 && rest[0] === 'settings') return { kind: 'settings' };
  if (rest.length !== 2 || rest[1] === undefined || rest[1] === '') return undefined;
  if (rest[0] === 'rules') return { kind: 'rule', id: rest[1] };
  if (rest[0] === 'partitions') return { kind: 'partition', id: rest[1] };
  return undefined;
}

/** Short, URL- and KV-safe: `f-3fa9c2`, `p-01b2c3`, or a name the user chose. */
export const FaultId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'an id of lower-case letters, digits, ".", "_", "-" (1-63 characters)');

/** `catalog-2`, as numbered by the topology (`<service>-<n>`). */
export const InstanceId = z.string().regex(/^[a-z][a-z0-9-]*-[0-9]+$/, 'an instance id such as "catalog-2"');

/**
 * The longest a fault or partition may last, in KV as from the CLI (`--ttl` 1s-24h, the UI's TTL,
 * chaos steps): a forgotten fault ends by itself within a day.
 */
export const MAX_FAULT_TTL_MS = 24 * 3_600_000;
/**
 * A hand-written `expiresAt` may lie this much beyond now + MAX_FAULT_TTL_MS: the CLI's clock and a
 * sidecar's need not agree to the millisecond (a `--ttl 24h` written by a clock a little ahead).
 */
export const FAULT_EXPIRY_CLOCK_SKEW_MS = 5 * 60_000;
/**
 * Faults applied per mesh. Every sidecar holds them all and checks its listener's share on each
 * request; a chaos run adds at most 50 (one per step), so 256 leaves room for several runs and manual
 * faults at once while 10,000 hand-written ones can no longer cost each sidecar tens of MB.
 */
export const MAX_FAULTS = 256;
/** Partitions applied per mesh: each callers' sidecar checks every one on each outbound request. */
export const MAX_PARTITIONS = 64;
/** The CLI writes about 600 bytes per fault; 16 KiB leaves room for many header matches. */
export const MAX_FAULT_DOCUMENT_BYTES = 16 * 1024;

/**
 * The most requests (or connections) a flaky fault may fail before traffic passes. Its counters take
 * the same memory whatever N is; the bound is for meaning: a million requests outlast any test at
 * laptop rates (over 15 minutes at 1000 requests per second), so a larger N is a typo for "always"
 * (which is `abort` or `tcp-reset`).
 */
export const MAX_FLAKY_FIRST = 1_000_000;
/**
 * Callers a sidecar counts separately per flaky fault. A mesh has at most 50 services
 * (TOPOLOGY_LIMITS.services) plus the outside: 64 covers every real caller, and a flood of forged
 * `x-meshdev-source` values cannot grow the counters. A caller beyond them is treated as past its
 * first N (its requests pass), and the sidecar logs that once per fault.
 */
export const MAX_FLAKY_CALLERS = 64;

/** The longest delay (and jitter) a fault may add. */
export const MAX_FAULT_DELAY_MS = 600_000;
const Ms = z.number().int().min(0).max(MAX_FAULT_DELAY_MS);
const BytesPerSecond = z
  .number()
  .int()
  .min(1)
  .max(10 * 1024 ** 3);
const Timestamp = z.iso.datetime({ offset: true });
/** What a sidecar may answer in place of the app: a final status (1xx are interim, never an answer). */
const AnswerStatus = z.number().int().min(200).max(599);
const FlakyFirst = z.number().int().min(1).max(MAX_FLAKY_FIRST);
const HeaderName = z
  .string()
  .max(256)
  .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'an HTTP header name');

/** HTTP faults (Toxiproxy's toxics, at L7). */
export const DelayAction = z.strictObject({
  type: z.literal('delay'),
  /** Added before the request is forwarded... */
  fixedMs: Ms,
  /** ...plus or minus up to this much, uniformly. */
  jitterMs: Ms.default(0),
});
export const AbortAction = z.strictObject({
  type: z.literal('abort'),
  /** Answered by the sidecar itself, with `x-meshdev-reason: fault-injected ...`. */
  status: AnswerStatus,
});
/** The client connection is reset (TCP RST), no response. */
export const ResetAction = z.strictObject({ type: z.literal('reset') });
/** Accepted and never answered: the client waits until its own timeout (or the fault expires). */
export const BlackholeAction = z.strictObject({ type: z.literal('blackhole') });
/** The response body is paced to this many bytes per second. */
export const BandwidthAction = z.strictObject({ type: z.literal('bandwidth'), bytesPerSecond: BytesPerSecond });
/**
 * The first `first` matching requests of each caller are answered `status` by the sidecar (as abort
 * does); every later one passes untouched (Toxiproxy #404: a dependency that fails while it warms
 * up, then works). The caller is the calling service as this sidecar knows it: inbound, the service
 * named by the caller's sidecar (`x-meshdev-source`, as `match.source` judges it); outbound, this
 * sidecar's own service; a request from no known service counts under one "outside" caller.
 * Counted by each sidecar that applies the fault, per fault id: an inbound flaky fault on a service
 * of 3 replicas fails the first N of each caller at each replica; a document with another id starts
 * counting again, and a removed fault's counts are gone. `percent` must stay 100 (the first N are
 * exact). See MAX_FLAKY_FIRST and MAX_FLAKY_CALLERS.
 */
export const FlakyAction = z.strictObject({
  type: z.literal('flaky'),
  first: FlakyFirst,
  status: AnswerStatus.default(DEFAULT_FLAKY_STATUS),
});

/** TCP (L4) faults, for upstreams declared `protocol: tcp`; they act on bytes towards the client. */
export const TcpLatencyAction = z.strictObject({
  type: z.literal('tcp-latency'),
  fixedMs: Ms,
  jitterMs: Ms.default(0),
});
export const TcpResetAction = z.strictObject({ type: z.literal('tcp-reset') });
export const TcpBandwidthAction = z.strictObject({ type: z.literal('tcp-bandwidth'), bytesPerSecond: BytesPerSecond });
/** The first `first` connections accepted are reset (RST), then connections pass; counted as `flaky` is. */
export const TcpFlakyAction = z.strictObject({ type: z.literal('tcp-flaky'), first: FlakyFirst });

export const FaultAction = z.discriminatedUnion('type', [
  DelayAction,
  AbortAction,
  ResetAction,
  BlackholeAction,
  BandwidthAction,
  FlakyAction,
  TcpLatencyAction,
  TcpResetAction,
  TcpBandwidthAction,
  TcpFlakyAction,
]);
export type FaultAction = z.infer<typeof FaultAction>;
export type FaultType = FaultAction['type'];
/** TCP (L4) kinds are the ones named `tcp-*`; every other kind acts on HTTP requests. */
export type TcpFaultType = Extract<FaultType, `tcp-${string}`>;
export type HttpFaultType = Exclude<FaultType, TcpFaultType>;

export function isTcpFaultType(t: FaultType): t is TcpFaultType {
  return t.startsWith('tcp-');
}

/**
 * Every fault kind, listed once: the union above. The sidecar's registry is keyed by these types
 * (a kind without a behaviour fails to compile), its metrics label injections with them, and the
 * CLI offers them.
 */
export const FAULT_TYPES: readonly FaultType[] = Object.freeze(FaultAction.options.map((o) => o.shape.type.value));
export const HTTP_FAULT_TYPES: readonly HttpFaultType[] = Object.freeze(
  FAULT_TYPES.filter((t): t is HttpFaultType => !isTcpFaultType(t)),
);
export const TCP_FAULT_TYPES: readonly TcpFaultType[] = Object.freeze(FAULT_TYPES.filter(isTcpFaultType));

/** Flaky kinds fail an exact count, so they apply to every matching request (percent 100). */
export function isFlakyAction(a: FaultAction): a is Extract<FaultAction, { type: 'flaky' | 'tcp-flaky' }> {
  return a.type === 'flaky' || a.type === 'tcp-flaky';
}

export const FaultTarget = z.strictObject({
  service: ServiceName,
  /** Only instances of this version. */
  version: VersionLabel.optional(),
  /** Only this instance. */
  instance: InstanceId.optional(),
});
export type FaultTarget = z.infer<typeof FaultTarget>;

export const FaultMatch = z.strictObject({
  pathPrefix: z.string().max(1024).startsWith('/').optional(),
  /** Exact values, all must match (names are case-insensitive). */
  headers: z
    .record(HeaderName, z.string().max(1024))
    .refine((h) => Object.keys(h).length <= 20, 'at most 20 headers')
    .optional(),
  /** Only requests from this calling service. */
  source: ServiceName.optional(),
});
export type FaultMatch = z.infer<typeof FaultMatch>;

export const FaultDocument = z
  .strictObject({
    id: FaultId,
    action: FaultAction,
    target: FaultTarget,
    /**
     * `inbound`: the target's own sidecars apply it to traffic they receive (every caller sees it).
     * `outbound`: the callers' sidecars apply it to traffic they send towards the target (only
     * callers named by `from`, or every caller when absent).
     */
    where: z.enum(['inbound', 'outbound']).default('inbound'),
    from: ServiceName.optional(),
    match: FaultMatch.default({}),
    /** Share of matching requests (or connections) that get the fault. */
    percent: z.number().min(0).max(100).default(100),
    createdAt: Timestamp,
    expiresAt: Timestamp,
    /** Who wrote it (`meshdev fault add`, `meshdev chaos run <file>`), for `fault ls`. */
    createdBy: z.string().max(200).optional(),
  })
  .superRefine((f, ctx) => {
    if (f.from !== undefined && f.where !== 'outbound') {
      ctx.addIssue({ code: 'custom', path: ['from'], message: '"from" needs where: "outbound"' });
    }
    if (f.where === 'outbound' && (f.target.version !== undefined || f.target.instance !== undefined)) {
      // The caller's sidecar applies it before its balancer picks an instance.
      ctx.addIssue({
        code: 'custom',
        path: ['target'],
        message:
          'an outbound fault acts on the whole target service; towards one version or instance use where: "inbound" with match.source set to the caller',
      });
    }
    if (
      isTcpFaultType(f.action.type) &&
      (f.match.pathPrefix !== undefined || f.match.headers !== undefined || f.match.source !== undefined)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['match'],
        message: `a TCP fault (${f.action.type}) cannot match on path, headers or source (there are none at L4)`,
      });
    }
    if (isFlakyAction(f.action) && f.percent !== 100) {
      ctx.addIssue({
        code: 'custom',
        path: ['percent'],
        message: `a ${f.action.type} fault fails exactly its first ${f.action.first}; percent must be 100 (or left out), not ${f.percent}`,
      });
    }
    if (Date.parse(f.expiresAt) <= Date.parse(f.createdAt)) {
      ctx.addIssue({ code: 'custom', path: ['expiresAt'], message: 'must be after createdAt' });
    }
    if (f.target.instance !== undefined && !f.target.instance.startsWith(`${f.target.service}-`)) {
      ctx.addIssue({
        code: 'custom',
        path: ['target', 'instance'],
        message: `instance "${f.target.instance}" is not an instance of ${f.target.service}`,
      });
    }
  });
export type FaultDocument = z.infer<typeof FaultDocument>;

/** Traffic between any service of `a` and any service of `b` is refused, in both directions. */
export const PartitionDocument = z
  .strictObject({
    id: FaultId,
    a: z.array(ServiceName).min(1).max(50),
    b: z.array(ServiceName).min(1).max(50),
    createdAt: Timestamp,
    /** Absent: until `meshdev heal`. */
    expiresAt: Timestamp.optional(),
    createdBy: z.string().max(200).optional(),
  })
  .superRefine((p, ctx) => {
    const both = p.a.filter((s) => p.b.includes(s));
    if (both.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['b'], message: `${both.join(', ')} cannot be on both sides` });
    }
    if (p.expiresAt !== undefined && Date.parse(p.expiresAt) <= Date.parse(p.createdAt)) {
      ctx.addIssue({ code: 'custom', path: ['expiresAt'], message: 'must be after createdAt' });
    }
  });
export type PartitionDocument = z.infer<typeof PartitionDocument>;

/**
 * Per-request faults chosen by request headers (as Envoy's `x-envoy-fault-*`), for tests:
 * `x-meshdev-fault-delay-ms: 300` and `x-meshdev-fault-abort: 503`. Off unless enabled here.
 */
export const HEADER_FAULT_DELAY = 'x-meshdev-fault-delay-ms';
export const HEADER_FAULT_ABORT = 'x-meshdev-fault-abort';

export const HeaderFaultSettings = z.strictObject({
  enabled: z.boolean().default(false),
  /** The ingress strips these headers from outside requests unless this is true. */
  allowAtIngress: z.boolean().default(false),
  /** Header faults in progress at once per sidecar; beyond, requests pass unfaulted. */
  maxActive: z.number().int().min(0).max(100_000).default(100),
  /** Longest delay a header may ask for. */
  maxDelayMs: Ms.default(30_000),
});
export type HeaderFaultSettings = z.infer<typeof HeaderFaultSettings>;
/** No settings document: the schema's defaults (header faults off). */
export const HEADER_FAULTS_OFF: Readonly<HeaderFaultSettings> = Object.freeze(HeaderFaultSettings.parse({}));

export interface FaultProblem {
  key: string;
  message: string;
}

/** Everything under the faults prefix that applies; each rejected document is left out and reported. */
export interface FaultSet {
  faults: FaultDocument[];
  partitions: PartitionDocument[];
  headerFaults: HeaderFaultSettings;
  problems: FaultProblem[];
}

/** A KV entry as listed; `createIndex` (Consul's, when the key was first written) orders faults for the limits. */
export interface FaultEntry {
  key: string;
  value: string | null;
  createIndex?: number;
}

function issuesOf(key: string, error: z.ZodError): FaultProblem[] {
  return error.issues.slice(0, 10).map((i) => ({ key, message: formatIssue(i) }));
}

function expiryProblem(expiresAt: string | undefined, now: number): string | undefined {
  if (expiresAt === undefined || Date.parse(expiresAt) <= now + MAX_FAULT_TTL_MS + FAULT_EXPIRY_CLOCK_SKEW_MS) {
    return undefined;
  }
  return `expiresAt: ${expiresAt} is more than 24h from now; faults and partitions last at most 24h (--ttl 1s-24h)`;
}

interface Ranked<T> {
  key: string;
  doc: T;
  createIndex: number;
  expired: boolean;
}

/**
 * Keeps the first `max` documents: unexpired ones first, each group in the order the keys were
 * created (Consul's CreateIndex, then key), so a flood of new documents never displaces the ones
 * already applied. Expired documents do nothing; beyond the limit they are dropped unreported.
 */
function firstOf<T>(docs: Ranked<T>[], max: number, what: string, problems: FaultProblem[]): T[] {
  docs.sort(
    (a, b) => Number(a.expired) - Number(b.expired) || a.createIndex - b.createIndex || (a.key < b.key ? -1 : 1),
  );
  docs.slice(max).forEach((d) => {
    if (!d.expired) {
      problems.push({
        key: d.key,
        message: `beyond the limit of ${max} ${what} per mesh (the first ${max} created apply); remove some to apply this one`,
      });
    }
  });
  return docs.slice(0, max).map((d) => d.doc);
}

/**
 * Validates every KV entry under the mesh's faults prefix. Each document stands alone: one
 * hand-written mistake must not switch the other faults off. `now` (ms) judges `expiresAt` against
 * MAX_FAULT_TTL_MS and which documents have expired. Never throws.
 */
export function parseFaultEntries(mesh: string, entries: readonly FaultEntry[], now: number): FaultSet {
  const out: FaultSet = { faults: [], partitions: [], headerFaults: HEADER_FAULTS_OFF, problems: [] };
  const faults: Ranked<FaultDocument>[] = [];
  const partitions: Ranked<PartitionDocument>[] = [];
  for (const { key, value, createIndex } of entries) {
    if (key.endsWith('/')) continue;
    const ref = parseFaultKey(mesh, key);
    if (ref === undefined) {
      out.problems.push({
        key,
        message: `unknown key; expected ${faultsPrefix(mesh)}{rules/<id>,partitions/<id>,settings}`,
      });
      continue;
    }
    const json = parseJsonDocument(value, MAX_FAULT_DOCUMENT_BYTES);
    if (!json.ok) {
      const message = json.reason === 'empty' ? 'empty document; delete the key to remove it' : json.message;
      out.problems.push({ key, message });
      continue;
    }
    if (ref.kind === 'settings') {
      const r = HeaderFaultSettings.safeParse(json.value);
      if (r.success) out.headerFaults = r.data;
      else out.problems.push(...issuesOf(key, r.error));
      continue;
    }
    const r = ref.kind === 'rule' ? FaultDocument.safeParse(json.value) : PartitionDocument.safeParse(json.value);
    if (!r.success) {
      out.problems.push(...issuesOf(key, r.error));
      continue;
    }
    if (r.data.id !== ref.id) {
      out.problems.push({ key, message: `id: "${r.data.id}" does not match the key's id "${ref.id}"` });
      continue;
    }
    const tooLate = expiryProblem(r.data.expiresAt, now);
    if (tooLate !== undefined) {
      out.problems.push({ key, message: tooLate });
      continue;
    }
    const ranked = {
      key,
      createIndex: createIndex ?? 0,
      expired: r.data.expiresAt !== undefined && Date.parse(r.data.expiresAt) <= now,
    };
    if (ref.kind === 'rule') faults.push({ ...ranked, doc: r.data as FaultDocument });
    else partitions.push({ ...ranked, doc: r.data as PartitionDocument });
  }
  out.faults = firstOf(faults, MAX_FAULTS, 'faults', out.problems);
  out.partitions = firstOf(partitions, MAX_PARTITIONS, 'partitions', out.problems);
  return out;
}

/** `catalog`, `catalog@v2`, `catalog-2`: how a target is shown (and the `target` label of metrics). */
export function formatTarget(t: FaultTarget): string {
  if (t.instance !== undefined) return t.instance;
  return t.version === undefined ? t.service : `${t.service}@${t.version}`;
}
