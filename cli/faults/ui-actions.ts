import type { ResolvedMesh } from '../mesh/model.js';
import { buildFault, buildPartition } from './build.js';
import type { FaultAddFlags } from './build.js';
import { resolveTarget } from './target.js';
import type { FaultStore } from './store.js';

/** What the terminal UI's fault form produces (structurally `FaultDraft` of cli/tui/state/types.ts). */
export interface UiFaultDraft {
  readonly kind: 'delay' | 'abort' | 'reset' | 'blackhole' | 'bandwidth';
  /** ms (delay), HTTP status (abort) or bytes/s (bandwidth). */
  readonly value: number | undefined;
  readonly percent: number;
  readonly ttlMs: number;
}

/**
 * The fault half of the UI's `MeshActions` (`addFault`, `clearFaults`, `clearAllFaults`,
 * `partition`), doing exactly what `meshdev fault add|rm` and `meshdev partition` do.
 */
export function uiFaultActions(mesh: ResolvedMesh, store: FaultStore) {
  return {
    async addFault(target: string, d: UiFaultDraft): Promise<void> {
      const flags: FaultAddFlags = { percent: String(d.percent), ttl: `${Math.max(1, Math.round(d.ttlMs / 1000))}s` };
      if (d.kind === 'delay') flags.delay = `${d.value ?? 0}ms`;
      else if (d.kind === 'abort') flags.abort = String(d.value ?? 503);
      else if (d.kind === 'bandwidth') flags.bandwidth = String(d.value ?? 0);
      else if (d.kind === 'reset') flags.reset = true;
      else flags.blackhole = true;
      await store.addFault({ ...buildFault(target, flags, mesh, new Date()), createdBy: 'meshdev ui' });
    },
    /** Removes every fault on exactly this target (`catalog` or `catalog-2`). */
    async clearFaults(target: string): Promise<void> {
      const t = resolveTarget(target, mesh);
      const { faults } = await store.list();
      for (const f of faults) {
        if (f.target.service === t.service && f.target.version === t.version && f.target.instance === t.instance) {
          await store.removeFault(f.id);
        }
      }
    },
    async clearAllFaults(): Promise<void> {
      for (const k of await store.allKeys('rules')) await store.deleteKey(k);
    },
    async partition(from: string, to: string, ttlMs: number): Promise<void> {
      await store.addPartition(
        buildPartition(from, to, { ttl: `${Math.max(1, Math.round(ttlMs / 1000))}s` }, mesh, new Date()),
      );
    },
  };
}
