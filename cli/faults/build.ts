import { randomBytes } from 'node:crypto';
import { UsageError } from '../errors.js';
import { parseDuration } from '../duration.js';
import type { ResolvedMesh } from '../mesh/model.js';
import type { FaultAction, FaultDocument, PartitionDocument } from '../../proxy/schema/faults.js';
import {
  FaultDocument as FaultSchema,
  MAX_FAULT_DELAY_MS,
  MAX_FAULT_TTL_MS,
  PartitionDocument as PartitionSchema,
} from '../../proxy/schema/faults.js';
import { formatIssues } from '../../proxy/schema/issues.js';
import { resolveService, resolveTarget } from './target.js';
import { parseHeaderMatch, parsePercent, parseRate, parseStatus } from './values.js';
import { meshdevCommand } from '../invocation.js';

/** Flags of `meshdev fault add`, as commander gives them (strings; repeatable ones as arrays). */
export interface FaultAddFlags {
  delay?: string;
  jitter?: string;
  abort?: string;
  reset?: boolean;
  blackhole?: boolean;
  bandwidth?: string;
  tcp?: boolean;
  percent?: string;
  path?: string;
  header?: string[];
  source?: string;
  from?: string;
  ttl?: string;
  id?: string;
}

export const DEFAULT_TTL_MS = 10 * 60_000;

export function newId(prefix: 'f' | 'p'): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

/** How long a fault or partition may last: from 1s to MAX_FAULT_TTL_MS (24h). */
export const TTL_BOUNDS = { min: 1000, max: MAX_FAULT_TTL_MS } as const;

function ttlOf(text: string | undefined, flag: string, required: boolean): number | undefined {
  if (text === undefined) return required ? DEFAULT_TTL_MS : undefined;
  return parseDuration(text, flag, TTL_BOUNDS);
}

/**
 * `meshdev fault add` flags -> one fault document, validated against the topology and the schema.
 * Pure apart from the id generator and the time passed in; throws UsageError before anything is written.
 */
export function buildFault(
  targetText: string,
  flags: FaultAddFlags,
  mesh: ResolvedMesh,
  now: Date,
  id: () => string = () => newId('f'),
): FaultDocument {
  const target = resolveTarget(targetText, mesh);
  const tcp = flags.tcp ?? false;
  const kinds = [
    flags.delay !== undefined && '--delay',
    flags.abort !== undefined && '--abort',
    flags.reset && '--reset',
    flags.blackhole && '--blackhole',
    flags.bandwidth !== undefined && '--bandwidth',
  ].filter((k): k is string => typeof k === 'string');
  if (kinds.length === 0) {
    throw new UsageError('give one fault: --delay, --abort, --reset, --blackhole or --bandwidth', {
      fix: `e.g. ${meshdevCommand('fault add catalog --abort 503 --percent 50 --ttl 2m')}`,
    });
  }
  if (kinds.length > 1) {
    throw new UsageError(`${kinds.join(' and ')} conflict: one fault per command (add several faults to combine them)`);
  }
  if (flags.jitter !== undefined && flags.delay === undefined) throw new UsageError('--jitter needs --delay');
  if (tcp && (flags.abort !== undefined || flags.blackhole)) {
    throw new UsageError(`${kinds[0]} has no TCP variant; with --tcp use --delay, --reset or --bandwidth`);
  }
  if (tcp && (flags.path !== undefined || (flags.header?.length ?? 0) > 0 || flags.source !== undefined)) {
    throw new UsageError('--tcp faults cannot match --path, --header or --source (there are none at L4)');
  }
  let action: FaultAction;
  if (flags.delay !== undefined) {
    const fixedMs = parseDuration(flags.delay, '--delay', { max: MAX_FAULT_DELAY_MS });
    const jitterMs =
      flags.jitter === undefined ? 0 : parseDuration(flags.jitter, '--jitter', { max: MAX_FAULT_DELAY_MS });
    if (fixedMs === 0 && jitterMs === 0)
      throw new UsageError(`--delay: "${flags.delay}" adds nothing; give more than 0`);
    action = tcp ? { type: 'tcp-latency', fixedMs, jitterMs } : { type: 'delay', fixedMs, jitterMs };
  } else if (flags.abort !== undefined) {
    action = { type: 'abort', status: parseStatus(flags.abort, '--abort') };
  } else if (flags.reset) {
    action = { type: tcp ? 'tcp-reset' : 'reset' };
  } else if (flags.blackhole) {
    action = { type: 'blackhole' };
  } else {
    const bytesPerSecond = parseRate(flags.bandwidth!, '--bandwidth');
    action = tcp ? { type: 'tcp-bandwidth', bytesPerSecond } : { type: 'bandwidth', bytesPerSecond };
  }
  const percent = flags.percent === undefined ? 100 : parsePercent(flags.percent, '--percent');
  if (flags.path !== undefined && !flags.path.startsWith('/')) {
    throw new UsageError(`--path: "${flags.path}" must start with "/"`);
  }
  const headers = Object.fromEntries((flags.header ?? []).map((h) => parseHeaderMatch(h, '--header')));
  const from = flags.from === undefined ? undefined : resolveService(flags.from, mesh, '--from');
  const source = flags.source === undefined ? undefined : resolveService(flags.source, mesh, '--source');
  if (from !== undefined && from === target.service) throw new UsageError('--from: a service does not call itself');
  // A caller's sidecar applies a fault before its balancer picks an instance, so it can only act on
  // the whole target service. Towards one version or instance, the fault acts where that instance
  // receives the calls (inbound), on requests from the caller only: the caller still sees a real
  // answer from that instance, so its retries and outlier detection react as they would for real.
  const perInstance = target.version !== undefined || target.instance !== undefined;
  if (from !== undefined && perInstance) {
    if (tcp) {
      throw new UsageError(`--from with a version or instance target needs an HTTP fault (TCP carries no caller)`, {
        fix: `target the whole service (${target.service}) with --from, or drop --from`,
      });
    }
    if (source !== undefined && source !== from) {
      throw new UsageError(`--from ${from} and --source ${source} conflict: give one calling service`);
    }
  }
  const outbound = from !== undefined && !perInstance;
  const matchSource = source ?? (perInstance ? from : undefined);
  const ttlMs = ttlOf(flags.ttl, '--ttl', true)!;
  const doc = {
    id: flags.id ?? id(),
    action,
    target,
    where: outbound ? 'outbound' : 'inbound',
    ...(outbound ? { from } : {}),
    match: {
      ...(flags.path === undefined ? {} : { pathPrefix: flags.path }),
      ...(Object.keys(headers).length === 0 ? {} : { headers }),
      ...(matchSource === undefined ? {} : { source: matchSource }),
    },
    percent,
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + ttlMs).toISOString(),
    createdBy: 'meshdev fault add',
  };
  const parsed = FaultSchema.safeParse(doc);
  if (!parsed.success) {
    throw new UsageError(`invalid fault; nothing was written:\n  ${formatIssues('fault', parsed.error).join('\n  ')}`);
  }
  return parsed.data;
}

/** `meshdev partition A B`: each side is a service or a comma-separated group of services. */
export function buildPartition(
  aText: string,
  bText: string,
  flags: { ttl?: string; id?: string },
  mesh: ResolvedMesh,
  now: Date,
  id: () => string = () => newId('p'),
): PartitionDocument {
  const side = (text: string, what: string) =>
    text
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .map((s) => resolveService(s, mesh, what));
  const a = side(aText, 'A');
  const b = side(bText, 'B');
  if (a.length === 0 || b.length === 0) throw new UsageError('give two services (or comma-separated groups): A B');
  const both = a.filter((s) => b.includes(s));
  if (both.length > 0) throw new UsageError(`${both.join(', ')} cannot be on both sides of a partition`);
  const ttlMs = ttlOf(flags.ttl, '--ttl', false);
  const parsed = PartitionSchema.safeParse({
    id: flags.id ?? id(),
    a,
    b,
    createdAt: now.toISOString(),
    ...(ttlMs === undefined ? {} : { expiresAt: new Date(now.getTime() + ttlMs).toISOString() }),
    createdBy: 'meshdev partition',
  });
  if (!parsed.success) {
    throw new UsageError(
      `invalid partition; nothing was written:\n  ${formatIssues('partition', parsed.error).join('\n  ')}`,
    );
  }
  return parsed.data;
}
