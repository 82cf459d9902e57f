import { ConsulClient, ConsulError } from '../../proxy/consul/client.js';
import type { FaultDocument, FaultProblem, HeaderFaultSettings, PartitionDocument } from '../../proxy/schema/faults.js';
import {
  faultRuleKey,
  faultsPrefix,
  headerFaultSettingsKey,
  parseFaultEntries,
  partitionKey,
} from '../../proxy/schema/faults.js';
import { MeshdevError } from '../errors.js';
import { meshdevCommand } from '../invocation.js';

/**
 * Fault documents in Consul KV, for the CLI (`fault`, `partition`, `heal`, `chaos`). Sidecars watch
 * the same keys (proxy/faults/watch.ts); the layout is in proxy/schema/faults.ts.
 */
export class FaultStore {
  readonly consul: ConsulClient;
  constructor(
    consulUrl: string,
    readonly mesh: string,
  ) {
    this.consul = new ConsulClient(consulUrl);
  }

  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof ConsulError) {
        throw new MeshdevError('ECONSUL', err.message, {
          fix: `Is the mesh up (\`${meshdevCommand('status')}\`)? Consul is expected at ${this.consul.baseUrl} (ports.consul of the topology, or --consul URL).`,
        });
      }
      throw err;
    }
  }

  /** Everything under the faults prefix, judged as the sidecars judge it (rejected documents reported with why). */
  list(): Promise<{
    faults: FaultDocument[];
    partitions: PartitionDocument[];
    headerFaults: HeaderFaultSettings;
    problems: FaultProblem[];
  }> {
    return this.guard(async () => {
      const { value } = await this.consul.kvList(faultsPrefix(this.mesh), 0, 0);
      return parseFaultEntries(this.mesh, value, Date.now());
    });
  }

  addFault(f: FaultDocument): Promise<void> {
    return this.guard(() => this.consul.kvPut(faultRuleKey(this.mesh, f.id), JSON.stringify(f, null, 2)));
  }

  addPartition(p: PartitionDocument): Promise<void> {
    return this.guard(() => this.consul.kvPut(partitionKey(this.mesh, p.id), JSON.stringify(p, null, 2)));
  }

  setHeaderFaults(s: HeaderFaultSettings): Promise<void> {
    return this.guard(() => this.consul.kvPut(headerFaultSettingsKey(this.mesh), JSON.stringify(s, null, 2)));
  }

  /** Removes one fault; false when there was none with that id. */
  removeFault(id: string): Promise<boolean> {
    return this.guard(async () => {
      const key = faultRuleKey(this.mesh, id);
      if ((await this.consul.kvGet(key)) === undefined) return false;
      await this.consul.kvDelete(key);
      return true;
    });
  }

  removePartition(id: string): Promise<void> {
    return this.guard(() => this.consul.kvDelete(partitionKey(this.mesh, id)));
  }

  /** Every fault key (invalid documents included: `rm --all` also cleans up hand-written mistakes). */
  async allKeys(kind: 'rules' | 'partitions'): Promise<string[]> {
    return this.guard(async () => {
      const { value } = await this.consul.kvList(`${faultsPrefix(this.mesh)}${kind}/`, 0, 0);
      return value.map((e) => e.key).filter((k) => !k.endsWith('/'));
    });
  }

  deleteKey(key: string): Promise<void> {
    return this.guard(() => this.consul.kvDelete(key));
  }
}
