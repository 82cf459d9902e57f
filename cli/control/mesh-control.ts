import type Docker from 'dockerode';
import type { ResolvedMesh } from '../mesh/model.js';
import type { ScalePlan, ScaleTarget } from '../mesh/scale.js';
import { ConsulKv } from '../runtime/consul-kv.js';
import { loadgenRequest } from '../runtime/loadgen.js';
import type { FaultDocument, FaultSet, HeaderFaultSettings, PartitionDocument } from '../../proxy/schema/faults.js';
import { HeaderFaultSettings as HeaderFaultSettingsSchema } from '../../proxy/schema/faults.js';
import type { EffectiveConfig } from '../../proxy/schema/config.js';
import type { ContainerAction, ContainerActionOptions, ContainerActionResult } from './containers.js';
import { runContainerAction } from './containers.js';
import type { ControlledMesh } from './controlled-mesh.js';
import type { DocumentOptions, FaultSpec, PartitionField, PartitionSpec } from './fault-document.js';
import { faultDocument, partitionDocument } from './fault-document.js';
import type { FaultField } from './fault-kinds.js';
import { FaultStore } from './fault-store.js';
import type { FieldNaming } from './fields.js';
import { FieldError, ownNames } from './fields.js';
import type { PolicyAssignment, PolicyTarget, PolicyView } from './policy-store.js';
import {
  InvalidPolicyError,
  PolicyStore,
  applyAssignments,
  assignmentProblems,
  invalidPolicy,
  keyOf,
} from './policy-store.js';
import type { ScaleOptions } from './scale.js';
import { scaleService } from './scale.js';
import type { PolicyTargetField } from './policy-target.js';
import { resolvePolicyTarget } from './policy-target.js';
import { checkSplit } from './split.js';
import { resolveService, resolveTarget, sameTarget } from './targets.js';

export interface ControlOptions {
  /** Consul's HTTP API (default: http://127.0.0.1:<ports.consul of the topology>). */
  readonly consul?: string;
  /** The name the mesh's documents are kept under in KV (default: the topology's name). */
  readonly kvName?: string;
  /** The Docker engine containers and the load generator are reached through (default: the mesh's). */
  readonly docker?: Docker;
  /** The clock documents are stamped with (createdAt, expiresAt). */
  readonly now?: () => Date;
}

/** The load generator's state as its control API reports it. */
export interface TrafficState {
  readonly rate: number;
  readonly paused?: boolean;
}

export type HeaderFaultField = 'maxActive';

async function policyWrite<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw err instanceof InvalidPolicyError ? invalidPolicy(err.problems) : err;
  }
}

/**
 * The one way to change a mesh: container actions, faults, partitions, header faults, policy,
 * splits, scale and traffic, with typed inputs (milliseconds, percentages, bytes per second,
 * statuses, targets). Every front door (commands, chaos steps, the terminal UI, the programmatic
 * API) turns its input into these calls, so each mistake is refused once, the same way, and every
 * name is resolved against the mesh as loaded, `meshdev scale` override included. Obtained from a
 * loaded mesh: `mesh.control()`.
 */
export class MeshControl {
  readonly consulUrl: string;
  readonly kvName: string;
  readonly faults: FaultStore;
  readonly policies: PolicyStore;
  private readonly now: () => Date;

  private constructor(
    private readonly loaded: ControlledMesh,
    private readonly docker: Docker,
    private readonly options: ControlOptions,
  ) {
    this.consulUrl = options.consul ?? `http://127.0.0.1:${loaded.resolved.topology.ports.consul}`;
    this.kvName = options.kvName ?? loaded.name;
    const kv = new ConsulKv(this.consulUrl);
    this.faults = new FaultStore(kv, this.kvName);
    this.policies = new PolicyStore(kv, this.kvName);
    this.now = options.now ?? (() => new Date());
  }

  /** Control of a loaded mesh; `Mesh.control()` is the way in (it reads the scale override first). */
  static of(mesh: ControlledMesh, docker: Docker, options: ControlOptions = {}): MeshControl {
    return new MeshControl(mesh, options.docker ?? docker, options);
  }

  /** The mesh as it is controlled: the topology resolved with its scale override. */
  get mesh(): ResolvedMesh {
    return this.loaded.resolved;
  }

  /** Control of the same mesh read again (after a scale changed its instances). */
  reloaded(): MeshControl {
    return new MeshControl(this.loaded.reloaded(), this.docker, this.options);
  }

  // Containers.

  /** kill/stop/start/restart/pause/unpause the app (or sidecar) container of an instance. */
  container(
    action: ContainerAction,
    instance: string,
    options: ContainerActionOptions = {},
  ): Promise<ContainerActionResult> {
    return runContainerAction(this.docker, this.mesh, instance, action, { now: this.now, ...options });
  }

  // Faults and partitions.

  /** The document `addFault` would write, checked; nothing is written. */
  faultDocument(spec: FaultSpec, options: DocumentOptions<FaultField> = {}): FaultDocument {
    return faultDocument(spec, this.mesh, this.now(), options);
  }

  async addFault(spec: FaultSpec, options: DocumentOptions<FaultField> = {}): Promise<FaultDocument> {
    const doc = this.faultDocument(spec, options);
    await this.faults.addFault(doc);
    return doc;
  }

  /** Removes one fault; false when there was none with that id. */
  removeFault(id: string): Promise<boolean> {
    return this.faults.removeFault(id);
  }

  /** Removes every fault on exactly this target (`catalog`, `catalog@v2` or `catalog-2`); returns their ids. */
  async clearFaults(target: string, naming: FieldNaming<'target'> = ownNames()): Promise<string[]> {
    const t = resolveTarget(target, this.mesh, naming.name('target'));
    const ids = (await this.faults.list()).faults.filter((f) => sameTarget(f.target, t)).map((f) => f.id);
    for (const id of ids) await this.faults.removeFault(id);
    return ids;
  }

  /** Removes every fault document, invalid ones included; returns their ids. */
  async clearAllFaults(): Promise<string[]> {
    const keys = await this.faults.allKeys('rules');
    for (const k of keys) await this.faults.deleteKey(k);
    return keys.map((k) => k.slice(k.lastIndexOf('/') + 1));
  }

  /** Faults, partitions and header-fault settings as the sidecars judge them (rejected documents with why). */
  listFaults(): Promise<FaultSet> {
    return this.faults.list(this.now().getTime());
  }

  async partition(spec: PartitionSpec, options: DocumentOptions<PartitionField> = {}): Promise<PartitionDocument> {
    const doc = partitionDocument(spec, this.mesh, this.now(), options);
    await this.faults.addPartition(doc);
    return doc;
  }

  removePartition(id: string): Promise<void> {
    return this.faults.removePartition(id);
  }

  /**
   * Removes every partition, or only those cutting any service of `between.a` from any of
   * `between.b`; returns their ids. Both sides are checked before Consul is read.
   */
  async heal(
    between?: { readonly a: readonly string[]; readonly b: readonly string[] },
    naming: FieldNaming<PartitionField> = ownNames(),
  ): Promise<string[]> {
    let ids: string[];
    if (between === undefined) {
      ids = (await this.faults.allKeys('partitions')).map((k) => k.slice(k.lastIndexOf('/') + 1));
    } else {
      const a = between.a.map((s) => resolveService(s, this.mesh, naming.name('a')));
      const b = between.b.map((s) => resolveService(s, this.mesh, naming.name('b')));
      const cuts = (p: PartitionDocument) =>
        a.some((x) => b.some((y) => (p.a.includes(x) && p.b.includes(y)) || (p.b.includes(x) && p.a.includes(y))));
      ids = (await this.faults.list()).partitions.filter(cuts).map((p) => p.id);
    }
    for (const id of ids) await this.faults.removePartition(id);
    return ids;
  }

  /** Per-request faults chosen by headers, for tests: on or off, how many at once, and whether outside callers may send them. */
  async setHeaderFaults(
    settings: { readonly enabled: boolean; readonly maxActive?: number; readonly allowAtIngress?: boolean },
    naming: FieldNaming<HeaderFaultField> = ownNames(),
  ): Promise<HeaderFaultSettings> {
    const parsed = HeaderFaultSettingsSchema.safeParse({
      enabled: settings.enabled,
      allowAtIngress: settings.allowAtIngress ?? false,
      maxActive: settings.maxActive ?? 100,
    });
    if (!parsed.success) {
      const text = naming.text?.('maxActive') ?? String(settings.maxActive);
      throw new FieldError(
        'maxActive',
        `${naming.name('maxActive')}: "${text}" must be a whole number from 0 to 100000`,
      );
    }
    await this.faults.setHeaderFaults(parsed.data);
    return parsed.data;
  }

  // Live policy.

  /** Assignments checked on their own (keys the documents have, values of the right type and range); nothing is read. */
  checkPolicy(target: PolicyTarget, assignments: readonly PolicyAssignment[]): void {
    const problems = assignmentProblems(assignments, target);
    if (problems.length > 0) throw invalidPolicy(problems);
  }

  policyKey(target: PolicyTarget): string {
    return keyOf(this.kvName, target);
  }

  /** The stored document of `target`, the effective config of a service, and every rejected document. */
  showPolicy(target: PolicyTarget): Promise<PolicyView> {
    return policyWrite(() => this.policies.show(target));
  }

  /** Effective config a sidecar would apply to calls to `service` (routed to `version`), from KV alone. */
  effectivePolicy(service: string, version?: string): Promise<EffectiveConfig> {
    return this.policies.effective(service, version);
  }

  /**
   * Applies assignments to the stored document and writes it, judged as the sidecars judge it;
   * returns the document before (to write back) and after.
   */
  async setPolicy(
    target: PolicyTarget,
    assignments: readonly PolicyAssignment[],
  ): Promise<{ key: string; previous: Record<string, unknown>; stored: Record<string, unknown> }> {
    resolvePolicyTarget(target.kind === 'defaults' ? { defaults: true } : target, this.mesh);
    this.checkPolicy(target, assignments);
    return policyWrite(async () => {
      const previous = await this.policies.read(target);
      const stored = applyAssignments(previous, assignments);
      await this.policies.write(target, stored);
      return { key: this.policyKey(target), previous, stored };
    });
  }

  /** Writes a whole document back (`{}` removes it): what a chaos step restores. */
  writePolicy(target: PolicyTarget, doc: Record<string, unknown>): Promise<void> {
    return policyWrite(() => this.policies.write(target, doc));
  }

  /** Sets (or with undefined removes) the weighted split of a service between its versions. */
  async setSplit(
    service: string,
    split: Readonly<Record<string, number>> | undefined,
    options: { naming?: FieldNaming<PolicyTargetField>; fix?: string } = {},
  ): Promise<{ key: string; split: Record<string, number> | undefined; stored: Record<string, unknown> }> {
    const checked = checkSplit(service, split, this.mesh, options);
    const target = { kind: 'service', service } as const;
    return policyWrite(async () => {
      const stored = await this.policies.read(target);
      if (checked === undefined) delete stored.split;
      else stored.split = checked;
      await this.policies.write(target, stored);
      return { key: this.policyKey(target), split: checked, stored };
    });
  }

  // Scale.

  /** Changes a service's replica count while the mesh runs; `reloaded()` then controls the new instances. */
  scale(service: string, target: ScaleTarget, options: ScaleOptions = {}): Promise<ScalePlan> {
    return scaleService(this.loaded, this.docker, service, target, options);
  }

  // Traffic (the load generator).

  async trafficState(): Promise<TrafficState> {
    return (await loadgenRequest(this.docker, this.mesh.project, 'GET', '/state')) as TrafficState;
  }

  /** Sets the load generator's rate (requests/s); returns the rate it had before. */
  async setTrafficRate(rate: number): Promise<number> {
    if (!Number.isFinite(rate) || rate < 0) {
      throw new FieldError('rate', `rate: "${rate}" is not a rate; expected requests per second, 0 or more`);
    }
    const before = await this.trafficState();
    await loadgenRequest(this.docker, this.mesh.project, 'PUT', '/rate', { rate });
    return before.rate;
  }

  async pauseTraffic(): Promise<void> {
    await loadgenRequest(this.docker, this.mesh.project, 'POST', '/pause');
  }

  async resumeTraffic(): Promise<void> {
    await loadgenRequest(this.docker, this.mesh.project, 'POST', '/resume');
  }
}
