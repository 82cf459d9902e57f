import type { FaultDocument, PartitionDocument } from '../../proxy/schema/faults.js';
import { formatTarget } from '../../proxy/schema/faults.js';
import type { FaultKind, FaultKindSpec, FaultSpec, MeshControl } from '../control/index.js';
import { summarizeFault } from '../control/describe.js';
import type { FaultSource } from './data/layer.js';
import type { ActiveFault, ActivePartition, FaultDraft } from './state/types.js';

/** A fault document as the UI lists it: target, kind, a one-line summary, expiry. Pure. */
export function toActiveFault(f: FaultDocument): ActiveFault {
  return {
    id: f.id,
    target: formatTarget(f.target),
    kind: f.action.type,
    summary: summarizeFault(f),
    expiresAt: Date.parse(f.expiresAt),
  };
}

export function toActivePartition(p: PartitionDocument): ActivePartition {
  return {
    id: p.id,
    from: p.a.join(','),
    to: p.b.join(','),
    expiresAt: p.expiresAt === undefined ? undefined : Date.parse(p.expiresAt),
  };
}

/**
 * The UI's entry per kind of fault: the form's label for it, the unit of its one number (none: no
 * number) with that number's default, and what the number means as the domain's typed value.
 */
export const FORM_KINDS: {
  readonly [K in FaultKind]: {
    readonly label: string;
    readonly unit: string | undefined;
    readonly initial: number | undefined;
    readonly spec: (value: number) => Extract<FaultKindSpec, { kind: K }>;
  };
} = {
  abort: {
    label: 'abort: answer with an HTTP status',
    unit: 'HTTP status',
    initial: 503,
    spec: (value) => ({ kind: 'abort', status: value }),
  },
  delay: {
    label: 'delay: hold requests',
    unit: 'milliseconds',
    initial: 500,
    spec: (value) => ({ kind: 'delay', fixedMs: value }),
  },
  reset: { label: 'reset: close connections', unit: undefined, initial: undefined, spec: () => ({ kind: 'reset' }) },
  blackhole: {
    label: 'blackhole: never answer',
    unit: undefined,
    initial: undefined,
    spec: () => ({ kind: 'blackhole' }),
  },
  bandwidth: {
    label: 'bandwidth: throttle responses',
    unit: 'bytes per second',
    initial: 10_000,
    spec: (value) => ({ kind: 'bandwidth', bytesPerSecond: value }),
  },
  flaky: {
    label: 'flaky: fail the first N requests of each caller (503)',
    unit: 'requests',
    initial: 3,
    spec: (value) => ({ kind: 'flaky', first: value }),
  },
};

/** The form's kind and number as the domain's typed values (an absent number is 0: the domain refuses it). */
export function draftKindSpec(kind: FaultKind, value: number | undefined): FaultKindSpec {
  return (FORM_KINDS[kind].spec as (value: number) => FaultKindSpec)(value ?? 0);
}

/** The fault form (or a preset) -> the fault spec every front door produces. Pure. */
export function draftFaultSpec(target: string, d: FaultDraft): FaultSpec {
  return { target, ...draftKindSpec(d.kind, d.value), percent: d.percent, ttlMs: d.ttlMs };
}

/** Where the UI reads active faults: the same Consul KV documents `meshdev fault ls` reads. */
export function controlFaultSource(control: MeshControl): FaultSource {
  return {
    list: async () => {
      const { faults, partitions } = await control.listFaults();
      const now = Date.now();
      return {
        faults: faults.filter((f) => Date.parse(f.expiresAt) > now).map(toActiveFault),
        partitions: partitions
          .filter((p) => p.expiresAt === undefined || Date.parse(p.expiresAt) > now)
          .map(toActivePartition),
      };
    },
  };
}
