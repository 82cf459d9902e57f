import type Docker from 'dockerode';
import { MeshdevError } from '../errors.js';
import type { ProjectContainer } from '../runtime/docker.js';
import { listProjectContainers } from '../runtime/docker.js';
import type { LogFollow } from '../mesh/logs.js';
import { findLogContainer, streamContainerLogs } from '../mesh/logs.js';
import { loadgenRequest } from '../runtime/loadgen.js';
import type { FaultDraft } from './state/types.js';
import { INVOCATION, meshdevCommand } from '../invocation.js';

/**
 * Everything the UI can do to a mesh. The UI holds no logic of its own beyond presentation: each
 * method is the same domain call a CLI command makes. Container actions are implemented here with
 * dockerode; faults, partitions and scaling belong to other modules and come in as adapters.
 */
export interface MeshActions {
  kill(instance: string): Promise<void>;
  stop(instance: string): Promise<void>;
  start(instance: string): Promise<void>;
  restart(instance: string): Promise<void>;
  pause(instance: string): Promise<void>;
  unpause(instance: string): Promise<void>;
  /** `target` is a service (`catalog`) or an instance (`catalog-2`). */
  addFault(target: string, fault: FaultDraft): Promise<void>;
  clearFaults(target: string): Promise<void>;
  clearAllFaults(): Promise<void>;
  partition(from: string, to: string, ttlMs: number): Promise<void>;
  scale(service: string, delta: 1 | -1): Promise<void>;
  setRate(rate: number): Promise<void>;
  pauseTraffic(): Promise<void>;
  resumeTraffic(): Promise<void>;
  /** Brings the whole mesh down (the `Q` key). */
  down(): Promise<void>;
  /** Streams the last lines and then new ones of an instance's app (or sidecar) container, as `meshdev logs -f`. */
  followLogs(instance: string, sidecar: boolean, onLine: (line: string) => void): Promise<LogFollow>;
}

/** The fault, partition and scale half of `MeshActions`, wired by the lead to `cli/faults/**`. */
export type FaultActions = Pick<MeshActions, 'addFault' | 'clearFaults' | 'clearAllFaults' | 'partition' | 'scale'>;

function notWired(what: string): () => Promise<never> {
  return () =>
    Promise.reject(
      new MeshdevError('ENOTWIRED', `${what} is not available from the UI yet`, {
        fix: `use the \`${INVOCATION.cli}\` command for ${what} meanwhile`,
      }),
    );
}

/**
 * ADAPTER (to be wired): until the fault module exists these actions fail with a clear message,
 * which the UI shows in the event log. Replace with calls into `cli/faults/**`.
 */
export const UNWIRED_FAULT_ACTIONS: FaultActions = {
  addFault: notWired('fault injection'),
  clearFaults: notWired('clearing faults'),
  clearAllFaults: notWired('clearing faults'),
  partition: notWired('partitions'),
  scale: notWired('scaling'),
};

/** Lines of history the log pane starts with (it shows what fits). */
const LOG_PANE_TAIL = 100;

/**
 * Container actions on the app container of an instance (the sidecar stays up, so its Consul
 * check turns critical and callers see failures: what a crashed service looks like), and traffic
 * control through the load generator's API on its container address.
 */
export class DockerMeshActions implements MeshActions {
  addFault: MeshActions['addFault'];
  clearFaults: MeshActions['clearFaults'];
  clearAllFaults: MeshActions['clearAllFaults'];
  partition: MeshActions['partition'];
  scale: MeshActions['scale'];

  constructor(
    private readonly docker: Docker,
    private readonly project: string,
    private readonly bringDown: () => Promise<void>,
    faults: FaultActions = UNWIRED_FAULT_ACTIONS,
  ) {
    this.addFault = faults.addFault;
    this.clearFaults = faults.clearFaults;
    this.clearAllFaults = faults.clearAllFaults;
    this.partition = faults.partition;
    this.scale = faults.scale;
  }

  /** Fault targets follow the mesh's shape: after a scale, the new instances can be faulted too. */
  useFaultActions(faults: Omit<FaultActions, 'scale'>): void {
    this.addFault = faults.addFault;
    this.clearFaults = faults.clearFaults;
    this.clearAllFaults = faults.clearAllFaults;
    this.partition = faults.partition;
  }

  private async container(instance: string): Promise<ProjectContainer> {
    const all = await listProjectContainers(this.docker, this.project);
    const found =
      all.find((c) => c.instance === instance && c.role === 'app') ?? all.find((c) => c.composeService === instance);
    if (found === undefined) {
      throw new MeshdevError('ENOINSTANCE', `no container for instance ${instance} in ${this.project}`, {
        fix: `\`${meshdevCommand('status')}\` lists the instances; scaled-down instances have no container.`,
      });
    }
    return found;
  }

  async kill(instance: string): Promise<void> {
    await this.docker.getContainer((await this.container(instance)).id).kill();
  }
  async stop(instance: string): Promise<void> {
    await this.docker.getContainer((await this.container(instance)).id).stop({ t: 5 });
  }
  async start(instance: string): Promise<void> {
    const c = await this.container(instance);
    // A paused container cannot be started; unpausing is what "start" means for it.
    if (c.state === 'paused') await this.docker.getContainer(c.id).unpause();
    else await this.docker.getContainer(c.id).start();
  }
  async restart(instance: string): Promise<void> {
    await this.docker.getContainer((await this.container(instance)).id).restart({ t: 5 });
  }
  async pause(instance: string): Promise<void> {
    await this.docker.getContainer((await this.container(instance)).id).pause();
  }
  async unpause(instance: string): Promise<void> {
    await this.docker.getContainer((await this.container(instance)).id).unpause();
  }

  private async loadgen(method: 'PUT' | 'POST', path: string, body?: unknown): Promise<void> {
    await loadgenRequest(this.docker, this.project, method, path, body);
  }

  setRate(rate: number): Promise<void> {
    return this.loadgen('PUT', '/rate', { rate });
  }
  pauseTraffic(): Promise<void> {
    return this.loadgen('POST', '/pause');
  }
  resumeTraffic(): Promise<void> {
    return this.loadgen('POST', '/resume');
  }
  down(): Promise<void> {
    return this.bringDown();
  }

  async followLogs(instance: string, sidecar: boolean, onLine: (line: string) => void): Promise<LogFollow> {
    const found = findLogContainer(await listProjectContainers(this.docker, this.project), instance, sidecar);
    if (found === undefined) {
      throw new MeshdevError('ENOINSTANCE', `no ${sidecar ? 'sidecar' : 'app'} container for ${instance}`);
    }
    return streamContainerLogs(this.docker, found.id, { tail: LOG_PANE_TAIL, follow: true, onLine });
  }
}
