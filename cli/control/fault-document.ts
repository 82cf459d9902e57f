import { randomBytes } from 'node:crypto';
import { UsageError } from '../errors.js';
import type { ResolvedMesh } from '../mesh/model.js';
import type { FaultDocument, PartitionDocument } from '../../proxy/schema/faults.js';
import {
  FaultDocument as FaultSchema,
  FaultId,
  PartitionDocument as PartitionSchema,
} from '../../proxy/schema/faults.js';
import { formatIssues } from '../../proxy/schema/issues.js';
import type { FieldNaming } from './fields.js';
import { FieldError, ownNames } from './fields.js';
import type { FaultField, FaultKindSpec } from './fault-kinds.js';
import {
  DEFAULT_FAULT_PERCENT,
  DEFAULT_FAULT_TTL_MS,
  FAULT_BOUNDS,
  FAULT_KIND_RULES,
  checkMs,
  checkPercent,
  faultAction,
} from './fault-kinds.js';
import { resolveService, resolveTarget } from './targets.js';

/** What applies to every kind of fault: where, to which share of what, for how long. */
export interface FaultSpecCommon {
  /** A service (`catalog`), a version (`catalog@v2`) or an instance (`catalog-2`). */
  readonly target: string;
  /** The L4 variant, for `protocol: tcp` upstreams (delay, reset and bandwidth have one). */
  readonly tcp?: boolean;
  /** Share of matching requests (connections with `tcp`), 0-100; default 100. */
  readonly percent?: number;
  readonly pathPrefix?: string;
  /** Exact header values a request must carry (names are case-insensitive). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Only requests from this calling service, matched where the fault acts. */
  readonly source?: string;
  /** Only calls from this service; towards a whole service the fault acts in the caller's sidecars. */
  readonly from?: string;
  /** How long the fault lasts, 1s-24h; default 10 minutes. */
  readonly ttlMs?: number;
  /** The fault's id; default generated. */
  readonly id?: string;
}

/** One fault, typed: what every front door (command, chaos step, UI form, API) turns its input into. */
export type FaultSpec = FaultSpecCommon & FaultKindSpec;

export interface DocumentOptions<F extends string> {
  /** How the front door names the fields in messages (default: the fields' own names). */
  readonly naming?: FieldNaming<F>;
  /** The id when the spec has none (default: a random one). */
  readonly newId?: () => string;
  /** Who wrote the document, as the sidecars and `fault ls --json` show it. */
  readonly createdBy?: string;
}

export function newId(prefix: 'f' | 'p'): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

function checkId(id: string, field: 'id', naming: FieldNaming<'id'>): string {
  if (!FaultId.safeParse(id).success) {
    throw new FieldError(
      field,
      `${naming.name(field)}: "${id}" is not an id (lower-case letters, digits, ".", "_", "-")`,
    );
  }
  return id;
}

/**
 * A fault spec -> the fault document to write, checked against the mesh (targets, callers and
 * sources exist; `from` towards a version or instance acts at that instance) and against the
 * schema. Pure apart from `options.newId`; every problem is a FieldError naming the field as the
 * front door names it, and nothing has been written.
 */
export function faultDocument(
  spec: FaultSpec,
  mesh: ResolvedMesh,
  now: Date,
  options: DocumentOptions<FaultField> = {},
): FaultDocument {
  const naming = options.naming ?? ownNames<FaultField>();
  const name = naming.name;
  const target = resolveTarget(spec.target, mesh, name('target'));
  const tcp = spec.tcp ?? false;
  if (tcp && !FAULT_KIND_RULES[spec.kind].tcp) {
    const l4 = Object.entries(FAULT_KIND_RULES)
      .filter(([, r]) => r.tcp)
      .map(([k]) => name(k as FaultField));
    throw new FieldError(
      spec.kind,
      `${name(spec.kind)} has no TCP variant; with ${name('tcp')} use ${l4.slice(0, -1).join(', ')} or ${l4.at(-1)}`,
    );
  }
  const headerEntries = Object.entries(spec.headers ?? {});
  if (tcp && (spec.pathPrefix !== undefined || headerEntries.length > 0 || spec.source !== undefined)) {
    throw new FieldError(
      'tcp',
      `${name('tcp')} faults cannot match ${name('pathPrefix')}, ${name('headers')} or ${name('source')} (there are none at L4)`,
    );
  }
  const action = faultAction(spec, tcp, naming);
  const percent = checkPercent(spec.percent ?? DEFAULT_FAULT_PERCENT, naming);
  if (FAULT_KIND_RULES[spec.kind].exact === true && percent !== 100) {
    throw new FieldError(
      'percent',
      `${name('percent')}: ${name(spec.kind)} fails an exact count of requests; leave ${name('percent')} out (100), not ${percent}`,
    );
  }
  if (spec.pathPrefix !== undefined && !spec.pathPrefix.startsWith('/')) {
    throw new FieldError('pathPrefix', `${name('pathPrefix')}: "${spec.pathPrefix}" must start with "/"`);
  }
  for (const [header] of headerEntries) {
    if (!HEADER_NAME.test(header)) {
      throw new FieldError('headers', `${name('headers')}: "${header}" is not an HTTP header name, e.g. x-user`);
    }
  }
  const headers = Object.fromEntries(headerEntries.map(([k, v]) => [k.toLowerCase(), v]));
  const from = spec.from === undefined ? undefined : resolveService(spec.from, mesh, name('from'));
  const source = spec.source === undefined ? undefined : resolveService(spec.source, mesh, name('source'));
  if (from !== undefined && from === target.service) {
    throw new FieldError('from', `${name('from')}: a service does not call itself`);
  }
  // A caller's sidecar applies a fault before its balancer picks an instance, so it can only act on
  // the whole target service. Towards one version or instance, the fault acts where that instance
  // receives the calls (inbound), on requests from the caller only: the caller still sees a real
  // answer from that instance, so its retries and outlier detection react as they would for real.
  const perInstance = target.version !== undefined || target.instance !== undefined;
  if (from !== undefined && perInstance) {
    if (tcp) {
      throw new FieldError(
        'from',
        `${name('from')} with a version or instance target needs an HTTP fault (TCP carries no caller)`,
        { fix: `target the whole service (${target.service}) with ${name('from')}, or drop ${name('from')}` },
      );
    }
    if (source !== undefined && source !== from) {
      throw new FieldError(
        'source',
        `${name('from')} ${from} and ${name('source')} ${source} conflict: give one calling service`,
      );
    }
  }
  const outbound = from !== undefined && !perInstance;
  const matchSource = source ?? (perInstance ? from : undefined);
  const ttlMs = checkMs('ttlMs', spec.ttlMs ?? DEFAULT_FAULT_TTL_MS, naming, FAULT_BOUNDS.ttlMs);
  const id = spec.id === undefined ? (options.newId ?? (() => newId('f')))() : checkId(spec.id, 'id', naming);
  const doc = {
    id,
    action,
    target,
    where: outbound ? 'outbound' : 'inbound',
    ...(outbound ? { from } : {}),
    match: {
      ...(spec.pathPrefix === undefined ? {} : { pathPrefix: spec.pathPrefix }),
      ...(Object.keys(headers).length === 0 ? {} : { headers }),
      ...(matchSource === undefined ? {} : { source: matchSource }),
    },
    percent,
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + ttlMs).toISOString(),
    createdBy: options.createdBy ?? 'meshdev fault add',
  };
  const parsed = FaultSchema.safeParse(doc);
  if (!parsed.success) {
    throw new UsageError(`invalid fault; nothing was written:\n  ${formatIssues('fault', parsed.error).join('\n  ')}`);
  }
  return parsed.data;
}

/** A partition between two groups of services (each side one or more services, `ingress` included). */
export interface PartitionSpec {
  readonly a: readonly string[];
  readonly b: readonly string[];
  /** Heals by itself after this long (1s-24h); default: until healed. */
  readonly ttlMs?: number;
  readonly id?: string;
}

export type PartitionField = 'a' | 'b' | 'ttlMs' | 'id';

/** A partition spec -> the partition document, checked against the mesh and the schema. Pure apart from `newId`. */
export function partitionDocument(
  spec: PartitionSpec,
  mesh: ResolvedMesh,
  now: Date,
  options: DocumentOptions<PartitionField> = {},
): PartitionDocument {
  const naming = options.naming ?? ownNames<PartitionField>();
  const a = spec.a.map((s) => resolveService(s, mesh, naming.name('a')));
  const b = spec.b.map((s) => resolveService(s, mesh, naming.name('b')));
  if (a.length === 0 || b.length === 0) {
    throw new FieldError(
      a.length === 0 ? 'a' : 'b',
      `give two services (or comma-separated groups): ${naming.name('a')} ${naming.name('b')}`,
    );
  }
  const both = a.filter((s) => b.includes(s));
  if (both.length > 0) throw new FieldError('b', `${both.join(', ')} cannot be on both sides of a partition`);
  const ttlMs = spec.ttlMs === undefined ? undefined : checkMs('ttlMs', spec.ttlMs, naming, FAULT_BOUNDS.ttlMs);
  const id = spec.id === undefined ? (options.newId ?? (() => newId('p')))() : checkId(spec.id, 'id', naming);
  const parsed = PartitionSchema.safeParse({
    id,
    a,
    b,
    createdAt: now.toISOString(),
    ...(ttlMs === undefined ? {} : { expiresAt: new Date(now.getTime() + ttlMs).toISOString() }),
    createdBy: options.createdBy ?? 'meshdev partition',
  });
  if (!parsed.success) {
    throw new UsageError(
      `invalid partition; nothing was written:\n  ${formatIssues('partition', parsed.error).join('\n  ')}`,
    );
  }
  return parsed.data;
}
