import type { InstanceContainers, HealthStatus, OutlierView, RequestStats, UiState } from './types.js';

/** A line of the services table. */
export interface ServiceRow {
  readonly name: string;
  /** Instances that serve now (see isServing), out of `total`. */
  readonly serving: number;
  readonly total: number;
  readonly stats: RequestStats | undefined;
  /** Requests/s samples, oldest first. */
  readonly spark: readonly number[];
  /** A fault targets the service or one of its instances. */
  readonly faulted: boolean;
}

/** A line of the instances table. */
export interface InstanceRow {
  readonly id: string;
  readonly containers: InstanceContainers | undefined;
  readonly health: HealthStatus | undefined;
  readonly outliers: OutlierView | undefined;
  readonly stats: RequestStats | undefined;
}

/** Services shown under the current filter: a service matches by its name or any instance id. */
export function visibleServices(state: UiState): UiState['layout']['services'] {
  const f = state.view.filter.trim().toLowerCase();
  if (f === '') return state.layout.services;
  return state.layout.services.filter((s) => s.name.includes(f) || s.instances.some((i) => i.includes(f)));
}

export function selectedService(state: UiState): UiState['layout']['services'][number] | undefined {
  const list = visibleServices(state);
  return list.find((s) => s.name === state.view.service) ?? list[0];
}

export function selectedInstance(state: UiState): string | undefined {
  const svc = selectedService(state);
  if (svc === undefined) return undefined;
  return svc.instances.find((i) => i === state.view.instance) ?? svc.instances[0];
}

/** What `f`, `c` and `n` act on: the instance when drilled in, else the whole service. */
export function selectionTarget(state: UiState): string | undefined {
  return state.view.focus === 'instances' ? selectedInstance(state) : selectedService(state)?.name;
}

/**
 * Whether an instance serves requests now: its app container runs, Consul's check passes, and no
 * caller's outlier detection has ejected it. Consul and Docker alone miss the instance that answers
 * its health check and fails its callers' requests (an injected abort, a bad release): its callers
 * stop sending to it, so it serves no one whatever its check says.
 */
export function isServing(state: UiState, instance: string): boolean {
  return (
    state.containers[instance]?.app === 'running' &&
    state.health[instance] === 'passing' &&
    (state.outliers[instance]?.ejectedBy.length ?? 0) === 0
  );
}

/** The services table's UP column: how many of `instances` serve (see isServing). */
export function servingCount(state: UiState, instances: readonly string[]): number {
  let n = 0;
  for (const i of instances) if (isServing(state, i)) n++;
  return n;
}

/** The services table: one row per visible service. */
export function serviceRows(state: UiState): ServiceRow[] {
  const faultedServices = new Set(state.faults.map((f) => f.target.replace(/-\d+$/, '')));
  return visibleServices(state).map((s) => ({
    name: s.name,
    serving: servingCount(state, s.instances),
    total: s.instances.length,
    stats: state.services[s.name],
    spark: state.sparks[s.name] ?? [],
    faulted: faultedServices.has(s.name),
  }));
}

/** The instances table: the selected service's instances. */
export function instanceRows(state: UiState): InstanceRow[] {
  return (selectedService(state)?.instances ?? []).map((id) => ({
    id,
    containers: state.containers[id],
    health: state.health[id],
    outliers: state.outliers[id],
    stats: state.instances[id],
  }));
}

/** Seconds left of a TTL, never negative; undefined for no TTL. */
export function secondsLeft(expiresAt: number | undefined, now: number): number | undefined {
  return expiresAt === undefined ? undefined : Math.max(0, Math.ceil((expiresAt - now) / 1000));
}
