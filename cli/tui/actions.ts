import type Docker from 'dockerode';
import type { MeshControl } from '../control/index.js';
import type { LogFollow } from '../mesh/logs.js';
import { logContainers, streamContainerLogs } from '../mesh/logs.js';
import type { FaultDraft } from './state/types.js';
import { draftFaultSpec } from './fault-adapter.js';

/**
 * Everything the UI can do to a mesh. The UI holds no logic of its own beyond presentation: each
 * method is the same control call a CLI command makes (ControlMeshActions).
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

/** Lines of history the log pane starts with (it shows what fits). */
const LOG_PANE_TAIL = 100;

/**
 * The UI's actions, each the call into the mesh's control that the matching command makes: the
 * same container handling (timeouts, "already in that state", error codes), the same fault and
 * partition checks, the same scale. Container actions act on the app container of an instance
 * (the sidecar stays up, so its Consul check turns critical and callers see failures: what a
 * crashed service looks like). After a scale the control is read again, so the new instances are
 * targets like any other; `onScaled` tells the views.
 */
export class ControlMeshActions implements MeshActions {
  constructor(
    private control: MeshControl,
    private readonly docker: Docker,
    private readonly bringDown: () => Promise<void>,
    private readonly onScaled: (control: MeshControl) => void = () => undefined,
  ) {}

  async kill(instance: string): Promise<void> {
    await this.control.container('kill', instance);
  }
  async stop(instance: string): Promise<void> {
    await this.control.container('stop', instance);
  }
  async start(instance: string): Promise<void> {
    await this.control.container('start', instance);
  }
  async restart(instance: string): Promise<void> {
    await this.control.container('restart', instance);
  }
  async pause(instance: string): Promise<void> {
    await this.control.container('pause', instance);
  }
  async unpause(instance: string): Promise<void> {
    await this.control.container('unpause', instance);
  }

  async addFault(target: string, fault: FaultDraft): Promise<void> {
    await this.control.addFault(draftFaultSpec(target, fault), { createdBy: 'meshdev ui' });
  }
  async clearFaults(target: string): Promise<void> {
    await this.control.clearFaults(target);
  }
  /** The `C` key: every fault and every partition (`meshdev fault rm --all` and `meshdev heal`). */
  async clearAllFaults(): Promise<void> {
    await this.control.clearAllFaults();
    await this.control.heal();
  }
  async partition(from: string, to: string, ttlMs: number): Promise<void> {
    await this.control.partition({ a: [from], b: [to], ttlMs });
  }

  async scale(service: string, delta: 1 | -1): Promise<void> {
    await this.control.scale(service, { kind: 'delta', delta });
    this.control = this.control.reloaded();
    this.onScaled(this.control);
  }

  async setRate(rate: number): Promise<void> {
    await this.control.setTrafficRate(rate);
  }
  pauseTraffic(): Promise<void> {
    return this.control.pauseTraffic();
  }
  resumeTraffic(): Promise<void> {
    return this.control.resumeTraffic();
  }
  down(): Promise<void> {
    return this.bringDown();
  }

  async followLogs(instance: string, sidecar: boolean, onLine: (line: string) => void): Promise<LogFollow> {
    const [found] = await logContainers(this.docker, this.control.mesh.project, instance, sidecar);
    return streamContainerLogs(this.docker, found!.id, { tail: LOG_PANE_TAIL, follow: true, onLine });
  }
}
