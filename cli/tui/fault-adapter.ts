import type { FaultDocument, PartitionDocument } from '../../proxy/schema/faults.js';
import { formatTarget } from '../../proxy/schema/faults.js';
import { describeAction } from '../faults/format.js';
import type { FaultStore } from '../faults/store.js';
import { uiFaultActions } from '../faults/ui-actions.js';
import type { Mesh } from '../mesh/mesh.js';
import type { FaultActions } from './actions.js';
import { UNWIRED_FAULT_ACTIONS } from './actions.js';
import type { FaultSource } from './data/layer.js';
import type { ActiveFault, ActivePartition } from './state/types.js';

/** A fault document as the UI lists it: target, kind, a one-line summary, expiry. Pure. */
export function toActiveFault(f: FaultDocument): ActiveFault {
  return {
    id: f.id,
    target: formatTarget(f.target),
    kind: f.action.type,
    summary: `${describeAction(f.action)} ${f.percent}%${f.where === 'outbound' ? ` from ${f.from ?? 'callers'}` : ''}`,
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

/** Where the UI reads active faults: the same Consul KV documents `meshdev fault ls` reads. */
export function storeFaultSource(store: FaultStore): FaultSource {
  return {
    list: async () => {
      const { faults, partitions } = await store.list();
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

/**
 * The UI's fault actions: exactly what `meshdev fault add|rm` and `meshdev partition` do. Scaling
 * is wired by `runUi`, which also reshapes the views after it.
 */
export function storeFaultActions(mesh: Mesh, store: FaultStore): FaultActions {
  return { ...uiFaultActions(mesh.resolved, store), scale: UNWIRED_FAULT_ACTIONS.scale };
}
