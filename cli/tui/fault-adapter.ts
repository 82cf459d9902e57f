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

/** What the form's one number means for each kind of fault (the UI's entry per kind). */
const DRAFT_VALUE: { readonly [K in FaultKind]: (value: number) => Extract<FaultKindSpec, { kind: K }> } = {
  delay: (value) => ({ kind: 'delay', fixedMs: value }),
  abort: (value) => ({ kind: 'abort', status: value }),
  reset: () => ({ kind: 'reset' }),
  blackhole: () => ({ kind: 'blackhole' }),
  bandwidth: (value) => ({ kind: 'bandwidth', bytesPerSecond: value }),
  flaky: (value) => ({ kind: 'flaky', first: value }),
};

/** The form's kind and number as the domain's typed values (an absent number is 0: the domain refuses it). */
export function draftKindSpec(kind: FaultKind, value: number | undefined): FaultKindSpec {
  return (DRAFT_VALUE[kind] as (value: number) => FaultKindSpec)(value ?? 0);
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
