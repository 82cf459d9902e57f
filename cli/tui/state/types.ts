import type { OutlierView } from '../../mesh/ejections.js';
import type { FaultKind } from '../../control/fault-kinds.js';

/**
 * Everything the terminal UI shows, as one immutable value. The data layer turns what Docker,
 * Consul, Prometheus and the sidecars say into `UiAction`s; `reduce` folds them into this state;
 * views only read it. Nothing here does I/O or reads the clock: `now` arrives in actions.
 */

/** What the topology says exists: services in file order, each with its instance ids. */
export interface MeshLayout {
  readonly name: string;
  readonly runtime: string;
  readonly services: ReadonlyArray<{ readonly name: string; readonly instances: readonly string[] }>;
  /** How to reattach and stop, printed when the UI quits. */
  readonly reattachHint: string;
  readonly stopHint: string;
}

/** running, paused, exited, created, restarting, dead, or missing (no container at all). */
export type ContainerState = string;

export interface InstanceContainers {
  readonly app: ContainerState;
  readonly sidecar: ContainerState;
}

/** Consul's verdict, or unknown when the instance is not registered or Consul does not answer. */
export type HealthStatus = 'passing' | 'warning' | 'critical' | 'unknown';

export interface RequestStats {
  /** Requests per second; undefined when Prometheus has no data yet. */
  readonly rps: number | undefined;
  /** 0..1 */
  readonly success: number | undefined;
  readonly p50Ms: number | undefined;
  readonly p99Ms: number | undefined;
}

export const NO_STATS: RequestStats = { rps: undefined, success: undefined, p50Ms: undefined, p99Ms: undefined };

export interface ClientStats extends RequestStats {
  /** The rate the load generator tries to send, requests/s. */
  readonly targetRate: number | undefined;
  readonly paused: boolean | undefined;
}

export type { OutlierView };

export interface ActiveFault {
  readonly id: string;
  /** `catalog` (every instance) or `catalog-2` */
  readonly target: string;
  readonly kind: string;
  /** Human summary: `abort 503 50%`, `delay 300ms 100%`. */
  readonly summary: string;
  /** Epoch ms; undefined = until cleared. */
  readonly expiresAt: number | undefined;
}

export interface ActivePartition {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly expiresAt: number | undefined;
}

export type EventSource = 'docker' | 'consul' | 'sidecar' | 'fault' | 'config' | 'ui';

export interface LogEvent {
  readonly at: number;
  readonly source: EventSource;
  readonly text: string;
  readonly level: 'info' | 'warn' | 'error';
}

export type Reachability = 'up' | 'down' | 'unknown';

/** The control domain's kinds: the form offers each (views/dialogs.tsx KINDS). */
export type { FaultKind };

/** The fault form's values; `value` means ms (delay), HTTP status (abort), bytes/s (bandwidth) or requests (flaky). */
export interface FaultDraft {
  readonly kind: FaultKind;
  readonly value: number | undefined;
  readonly percent: number;
  readonly ttlMs: number;
}

/** A request to change the mesh. Data, so keys can be tested and confirmation can hold one. */
export type MeshCommand =
  | { readonly type: 'kill' | 'stop' | 'start' | 'restart' | 'pause' | 'unpause'; readonly instance: string }
  | { readonly type: 'add-fault'; readonly target: string; readonly fault: FaultDraft }
  | { readonly type: 'clear-faults'; readonly target: string }
  | { readonly type: 'clear-all-faults' }
  | { readonly type: 'partition'; readonly from: string; readonly to: string; readonly ttlMs: number }
  | { readonly type: 'scale'; readonly service: string; readonly delta: 1 | -1 }
  | { readonly type: 'set-rate'; readonly rate: number }
  | { readonly type: 'pause-traffic' | 'resume-traffic' }
  | { readonly type: 'quit'; readonly down: boolean };

export type Modal =
  | { readonly kind: 'none' }
  | { readonly kind: 'help' }
  | { readonly kind: 'filter' }
  | { readonly kind: 'confirm'; readonly command: MeshCommand; readonly prompt: string }
  | { readonly kind: 'fault-menu'; readonly target: string }
  | { readonly kind: 'fault-form'; readonly target: string; readonly draft: FaultDraft }
  | { readonly kind: 'partition'; readonly from: string }
  | { readonly kind: 'traffic' }
  /** The log pane: the instance's app container, or its sidecar with `sidecar`. */
  | { readonly kind: 'logs'; readonly instance: string; readonly sidecar: boolean };

export type Focus = 'services' | 'instances';

export interface ViewState {
  readonly focus: Focus;
  /** Selected service and instance by name, so selection survives filtering and refreshes. */
  readonly service: string | undefined;
  readonly instance: string | undefined;
  readonly filter: string;
  readonly modal: Modal;
}

export interface UiState {
  readonly layout: MeshLayout;
  readonly now: number;
  readonly containers: Readonly<Record<string, InstanceContainers>>;
  readonly health: Readonly<Record<string, HealthStatus>>;
  readonly reach: { readonly docker: Reachability; readonly consul: Reachability; readonly prometheus: Reachability };
  readonly services: Readonly<Record<string, RequestStats>>;
  readonly instances: Readonly<Record<string, RequestStats>>;
  readonly client: ClientStats | undefined;
  /** Per service, requests/s samples, oldest first, at most SPARK_CAPACITY. */
  readonly sparks: Readonly<Record<string, readonly number[]>>;
  readonly outliers: Readonly<Record<string, OutlierView>>;
  readonly faults: readonly ActiveFault[];
  readonly partitions: readonly ActivePartition[];
  /** Newest last, at most EVENT_CAPACITY. */
  readonly events: readonly LogEvent[];
  readonly view: ViewState;
  /** Commands sent and not answered yet (shown as a spinner). */
  readonly pending: number;
}

export const EVENT_CAPACITY = 200;
export const SPARK_CAPACITY = 120;
