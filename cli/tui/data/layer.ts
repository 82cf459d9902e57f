import type Docker from 'dockerode';
import { LABELS } from '../../compose/labels.js';
import type { ResolvedMesh } from '../../mesh/model.js';
import { serviceHealth } from '../../runtime/consul.js';
import { listProjectContainers } from '../../runtime/docker.js';
import type { UiAction } from '../state/actions.js';
import type { ActiveFault, ActivePartition, HealthStatus } from '../state/types.js';
import { getJson as getJsonWithin } from '../../runtime/http-json.js';
import { outliersFromEndpoints, readProxyEndpoints, runningProxies } from '../../mesh/ejections.js';
import type { RunningProxy } from '../../mesh/ejections.js';
import {
  combinedQuery,
  containersByInstance,
  describeDockerEvent,
  metricQueries,
  newRefusals,
  parseVector,
  splitCombined,
  statsFromResults,
} from './parse.js';

/** Where active faults and partitions come from: the mesh's control reads them from Consul KV (tui/fault-adapter.ts). */
export interface FaultSource {
  list(): Promise<{ faults: readonly ActiveFault[]; partitions: readonly ActivePartition[] }>;
}

export const NO_FAULTS: FaultSource = { list: async () => ({ faults: [], partitions: [] }) };

export interface DataLayerOptions {
  readonly docker: Docker;
  readonly mesh: ResolvedMesh;
  readonly refreshMs: number;
  readonly faults?: FaultSource;
  readonly now?: () => number;
}

const HTTP_TIMEOUT_MS = 1500;

const getJson = (url: string): Promise<unknown> => getJsonWithin(url, HTTP_TIMEOUT_MS);

/**
 * The one place the UI does I/O to watch the mesh: every `refreshMs` it lists containers, asks
 * Consul for health, Prometheus for traffic and every sidecar for its endpoints, and streams
 * Docker events in between. Each source fails on its own (a dead Prometheus does not blank the
 * container list) and turns into actions for the reducer; nothing here decides what to show.
 */
export class DataLayer {
  private readonly docker: Docker;
  private mesh: ResolvedMesh;
  private readonly refreshMs: number;
  private readonly faults: FaultSource;
  private readonly now: () => number;
  private readonly queries: ReturnType<typeof metricQueries>;
  private readonly query: string;
  private readonly addresses = new Map<string, string>();
  /** By caller: the last reason its `/endpoints` was refused, so the log says it once, not every refresh. */
  private refusedEndpoints: ReadonlyMap<string, string> = new Map();
  private timer: NodeJS.Timeout | undefined;
  private events: NodeJS.ReadableStream | undefined;
  private stopped = false;
  private refreshing = false;

  constructor(options: DataLayerOptions) {
    this.docker = options.docker;
    this.mesh = options.mesh;
    this.refreshMs = options.refreshMs;
    this.faults = options.faults ?? NO_FAULTS;
    this.now = options.now ?? Date.now;
    // Prometheus scrapes every 2 s; 5 scrapes smooth the rates without hiding a failover for long.
    this.queries = metricQueries(Math.max(10, Math.round((this.refreshMs * 5) / 1000)));
    this.query = combinedQuery(this.queries);
  }

  start(dispatch: (action: UiAction) => void): void {
    void this.subscribeDockerEvents(dispatch);
    const loop = async () => {
      if (this.stopped) return;
      await this.refresh(dispatch);
      if (!this.stopped) this.timer = setTimeout(() => void loop(), this.refreshMs);
    };
    void loop();
  }

  /** The mesh changed shape (scaled): poll its new instance list from now on. */
  setMesh(mesh: ResolvedMesh): void {
    this.mesh = mesh;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const ev = this.events as (NodeJS.ReadableStream & { destroy?: () => void }) | undefined;
    ev?.destroy?.();
  }

  /**
   * One round over every polled source; also called right after a command for a quick update.
   * What the sources answer is handed on together at the end, so the UI draws once per round.
   */
  async refresh(dispatch: (action: UiAction) => void): Promise<void> {
    if (this.refreshing) return;
    this.refreshing = true;
    const batch: UiAction[] = [];
    const collect = (action: UiAction) => batch.push(action);
    try {
      await Promise.all([
        this.pollContainers(collect),
        this.pollHealth(collect),
        this.pollMetrics(collect),
        this.pollFaults(collect),
      ]);
      collect({ type: 'tick', now: this.now() });
    } finally {
      this.refreshing = false;
      if (!this.stopped) for (const action of batch) dispatch(action);
    }
  }

  private async pollContainers(dispatch: (action: UiAction) => void): Promise<void> {
    try {
      const list = await listProjectContainers(this.docker, this.mesh.project);
      dispatch({
        type: 'containers',
        now: this.now(),
        reachable: true,
        containers: containersByInstance(
          this.mesh.instances.map((i) => i.id),
          list,
        ),
      });
      await this.pollProxies(dispatch, runningProxies(list));
    } catch {
      dispatch({ type: 'containers', now: this.now(), reachable: false, containers: {} });
    }
  }

  private async pollProxies(dispatch: (action: UiAction) => void, proxies: readonly RunningProxy[]): Promise<void> {
    const { views, invalid } = await readProxyEndpoints(this.docker, proxies, this.addresses, HTTP_TIMEOUT_MS);
    dispatch({ type: 'outliers', now: this.now(), outliers: outliersFromEndpoints(views) });
    const news = newRefusals(this.refusedEndpoints, invalid);
    this.refusedEndpoints = invalid;
    for (const why of news)
      dispatch({ type: 'log', event: { at: this.now(), source: 'sidecar', level: 'error', text: why } });
  }

  private async pollHealth(dispatch: (action: UiAction) => void): Promise<void> {
    const consul = `http://127.0.0.1:${this.mesh.topology.ports.consul}`;
    try {
      const lists = await Promise.all(this.mesh.services.map((s) => serviceHealth(consul, s.name)));
      const health: Record<string, HealthStatus> = {};
      for (const i of this.mesh.instances) health[i.id] = 'unknown';
      for (const e of lists.flat()) health[e.id] = e.status;
      dispatch({ type: 'health', now: this.now(), reachable: true, health });
    } catch {
      dispatch({ type: 'health', now: this.now(), reachable: false, health: {} });
    }
  }

  private async pollMetrics(dispatch: (action: UiAction) => void): Promise<void> {
    const base = `http://127.0.0.1:${this.mesh.topology.ports.prometheus}/api/v1/query`;
    try {
      const body = await getJson(`${base}?query=${encodeURIComponent(this.query)}`);
      const results = splitCombined(this.queries, parseVector(body));
      dispatch({ type: 'metrics', now: this.now(), reachable: true, ...statsFromResults(results) });
    } catch {
      dispatch({ type: 'metrics', now: this.now(), reachable: false, services: {}, instances: {}, client: undefined });
    }
  }

  private async pollFaults(dispatch: (action: UiAction) => void): Promise<void> {
    try {
      const { faults, partitions } = await this.faults.list();
      dispatch({ type: 'faults', now: this.now(), faults, partitions });
    } catch {
      // The fault source keeps the last list; its absence is not worth a log line every second.
    }
  }

  private async subscribeDockerEvents(dispatch: (action: UiAction) => void): Promise<void> {
    try {
      const stream = (await this.docker.getEvents({
        filters: { type: ['container'], label: [`${LABELS.composeProject}=${this.mesh.project}`] },
      })) as NodeJS.ReadableStream;
      this.events = stream;
      if (this.stopped) return this.stop();
      let buffered = '';
      stream.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl).trim();
          buffered = buffered.slice(nl + 1);
          if (line === '') continue;
          try {
            const ev = JSON.parse(line) as Parameters<typeof describeDockerEvent>[0] & { timeNano?: number };
            const d = describeDockerEvent(ev);
            if (d === undefined) continue;
            const at = ev.timeNano !== undefined ? Math.round(ev.timeNano / 1e6) : this.now();
            dispatch({ type: 'docker-event', at, ...d });
            // A container changed: show it now rather than at the next poll.
            void this.refresh(dispatch);
          } catch {
            // A malformed event line is skipped; the poll still shows the state.
          }
        }
      });
      stream.on('error', () => undefined);
    } catch {
      dispatch({
        type: 'log',
        event: { at: this.now(), source: 'ui', level: 'warn', text: 'Docker events unavailable; polling only' },
      });
    }
  }
}
