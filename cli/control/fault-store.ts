import type { FaultDocument, FaultSet, HeaderFaultSettings, PartitionDocument } from '../../proxy/schema/faults.js';
import {
  faultRuleKey,
  faultRulesPrefix,
  faultsPrefix,
  headerFaultSettingsKey,
  parseFaultEntries,
  partitionKey,
  partitionsPrefix,
} from '../../proxy/schema/faults.js';
import type { ConsulKv } from '../runtime/consul-kv.js';

/**
 * Fault documents in Consul KV (faults, partitions, header-fault settings). Sidecars watch the
 * same keys; the layout is in proxy/schema/faults.ts. Errors are the KV client's ('ECONSUL').
 */
export class FaultStore {
  constructor(
    readonly kv: ConsulKv,
    readonly mesh: string,
  ) {}

  /** Everything under the faults prefix, judged as the sidecars judge it (rejected documents reported with why). */
  async list(now = Date.now()): Promise<FaultSet> {
    return parseFaultEntries(this.mesh, await this.kv.list(faultsPrefix(this.mesh)), now);
  }

  addFault(f: FaultDocument): Promise<void> {
    return this.kv.put(faultRuleKey(this.mesh, f.id), JSON.stringify(f, null, 2));
  }

  addPartition(p: PartitionDocument): Promise<void> {
    return this.kv.put(partitionKey(this.mesh, p.id), JSON.stringify(p, null, 2));
  }

  setHeaderFaults(s: HeaderFaultSettings): Promise<void> {
    return this.kv.put(headerFaultSettingsKey(this.mesh), JSON.stringify(s, null, 2));
  }

  /** Removes one fault; false when there was none with that id. */
  async removeFault(id: string): Promise<boolean> {
    const key = faultRuleKey(this.mesh, id);
    if ((await this.kv.get(key)) === undefined) return false;
    await this.kv.delete(key);
    return true;
  }

  removePartition(id: string): Promise<void> {
    return this.kv.delete(partitionKey(this.mesh, id));
  }

  /** Every fault or partition key (invalid documents included: `rm --all` also cleans up hand-written mistakes). */
  async allKeys(kind: 'rules' | 'partitions'): Promise<string[]> {
    const prefix = kind === 'rules' ? faultRulesPrefix(this.mesh) : partitionsPrefix(this.mesh);
    return (await this.kv.list(prefix)).map((e) => e.key).filter((k) => !k.endsWith('/'));
  }

  deleteKey(key: string): Promise<void> {
    return this.kv.delete(key);
  }
}
