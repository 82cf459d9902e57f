import type {
  ActiveFault,
  ActivePartition,
  ClientStats,
  FaultDraft,
  HealthStatus,
  InstanceContainers,
  LogEvent,
  MeshLayout,
  Modal,
  OutlierView,
  RequestStats,
} from './types.js';

/**
 * Everything that can change the UI state. Source snapshots carry `now` (the data layer's clock)
 * so the reducer stays pure; the reducer derives log lines by comparing a snapshot with the last.
 */
export type UiAction =
  | { readonly type: 'tick'; readonly now: number }
  | {
      readonly type: 'containers';
      readonly now: number;
      readonly reachable: boolean;
      readonly containers: Readonly<Record<string, InstanceContainers>>;
    }
  | {
      readonly type: 'docker-event';
      readonly at: number;
      /** Instance id (or component name) and what happened: die, start, pause, health_status: healthy ... */
      readonly subject: string;
      readonly action: string;
    }
  | {
      readonly type: 'health';
      readonly now: number;
      readonly reachable: boolean;
      readonly health: Readonly<Record<string, HealthStatus>>;
    }
  | {
      readonly type: 'metrics';
      readonly now: number;
      readonly reachable: boolean;
      readonly services: Readonly<Record<string, RequestStats>>;
      readonly instances: Readonly<Record<string, RequestStats>>;
      readonly client: ClientStats | undefined;
    }
  | { readonly type: 'outliers'; readonly now: number; readonly outliers: Readonly<Record<string, OutlierView>> }
  | {
      readonly type: 'faults';
      readonly now: number;
      readonly faults: readonly ActiveFault[];
      readonly partitions: readonly ActivePartition[];
    }
  | { readonly type: 'log'; readonly event: LogEvent }
  /** The mesh changed shape (scaled): new instance lists per service. */
  | { readonly type: 'layout'; readonly layout: MeshLayout }
  | { readonly type: 'move'; readonly delta: number }
  | { readonly type: 'drill-in' }
  | { readonly type: 'back' }
  | { readonly type: 'open'; readonly modal: Modal }
  | { readonly type: 'close' }
  | { readonly type: 'set-filter'; readonly text: string }
  | { readonly type: 'update-draft'; readonly draft: FaultDraft }
  | { readonly type: 'command-started' }
  | { readonly type: 'command-finished'; readonly at: number; readonly ok: boolean; readonly text: string };
