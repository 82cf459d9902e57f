import { parseDuration } from '../duration.js';
import type {
  FaultField,
  FaultKind,
  FaultKindSpec,
  FaultSpec,
  FieldNaming,
  PartitionField,
  PartitionSpec,
} from '../control/index.js';
import { FAULT_KINDS, pickFaultKind } from '../control/index.js';
import { parseHeaderMatch, parseRate, parseServiceGroup } from '../values.js';
import type { ChaosFault } from './schema.js';

/**
 * A chaos step's `fault:` fields -> the control domain's fault spec. The fields are those of
 * `meshdev fault add` (durations and rates as text, numbers as YAML numbers); messages name them
 * as the file does (`fault.percent`).
 */

/** How each kind of fault is given in a step: the field that selects it, and its typed values. */
const KIND_FIELDS: {
  readonly [K in FaultKind]: {
    readonly given: (f: ChaosFault) => boolean;
    readonly read: (f: ChaosFault) => Extract<FaultKindSpec, { kind: K }>;
  };
} = {
  delay: {
    given: (f) => f.delay !== undefined,
    read: (f) => ({
      kind: 'delay',
      fixedMs: parseDuration(f.delay!, 'fault.delay'),
      ...(f.jitter === undefined ? {} : { jitterMs: parseDuration(f.jitter, 'fault.jitter') }),
    }),
  },
  abort: { given: (f) => f.abort !== undefined, read: (f) => ({ kind: 'abort', status: f.abort! }) },
  reset: { given: (f) => f.reset === true, read: () => ({ kind: 'reset' }) },
  blackhole: { given: (f) => f.blackhole === true, read: () => ({ kind: 'blackhole' }) },
  bandwidth: {
    given: (f) => f.bandwidth !== undefined,
    read: (f) => ({ kind: 'bandwidth', bytesPerSecond: parseRate(f.bandwidth!, 'fault.bandwidth') }),
  },
  flaky: {
    given: (f) => f.flaky !== undefined,
    read: (f) => ({ kind: 'flaky', first: f.flaky!, ...(f.status === undefined ? {} : { failStatus: f.status }) }),
  },
};

/** Each field of a fault spec as a scenario file names it. */
const FIELD_OF: Readonly<Record<FaultField, keyof ChaosFault | 'ttl' | 'id'>> = {
  target: 'target',
  delay: 'delay',
  fixedMs: 'delay',
  jitterMs: 'jitter',
  abort: 'abort',
  status: 'abort',
  reset: 'reset',
  blackhole: 'blackhole',
  bandwidth: 'bandwidth',
  bytesPerSecond: 'bandwidth',
  flaky: 'flaky',
  first: 'flaky',
  failStatus: 'status',
  tcp: 'tcp',
  percent: 'percent',
  pathPrefix: 'path',
  headers: 'header',
  source: 'source',
  from: 'from',
  // Set by the runner, not the file: named for completeness.
  ttlMs: 'ttl',
  id: 'id',
};

export function faultStepNaming(f: ChaosFault): FieldNaming<FaultField> {
  return {
    name: (field) => `fault.${FIELD_OF[field]}`,
    text: (field) => {
      const value = (f as Record<string, unknown>)[FIELD_OF[field]];
      return typeof value === 'string' ? value : undefined;
    },
  };
}

/** A step's fault fields -> a fault spec (without TTL and id: the runner sets those). Pure. */
export function faultSpecOfStep(f: ChaosFault): FaultSpec {
  const given = FAULT_KINDS.filter((k) => KIND_FIELDS[k].given(f));
  const stray: { field: FaultField; needs: FaultKind }[] =
    f.jitter !== undefined && f.delay === undefined ? [{ field: 'jitterMs', needs: 'delay' }] : [];
  if (f.status !== undefined && f.flaky === undefined) stray.push({ field: 'failStatus', needs: 'flaky' });
  const kind = pickFaultKind(given, stray, faultStepNaming(f));
  const kindSpec = (KIND_FIELDS[kind].read as (f: ChaosFault) => FaultKindSpec)(f);
  return {
    target: f.target,
    ...kindSpec,
    ...(f.tcp ? { tcp: true } : {}),
    ...(f.percent === undefined ? {} : { percent: f.percent }),
    ...(f.path === undefined ? {} : { pathPrefix: f.path }),
    ...(f.header === undefined || f.header.length === 0
      ? {}
      : { headers: Object.fromEntries(f.header.map((h) => parseHeaderMatch(h, 'fault.header'))) }),
    ...(f.source === undefined ? {} : { source: f.source }),
    ...(f.from === undefined ? {} : { from: f.from }),
  };
}

/** A step's `partition: [A, B]` (each side a service or a comma-separated group) -> a partition spec. */
export function partitionSpecOfStep(p: readonly [string, string]): PartitionSpec {
  return { a: parseServiceGroup(p[0]), b: parseServiceGroup(p[1]) };
}

export const PARTITION_STEP_NAMING: FieldNaming<PartitionField> = {
  name: (field) => ({ a: 'partition[0]', b: 'partition[1]', ttlMs: 'partition.ttl', id: 'partition.id' })[field],
};
