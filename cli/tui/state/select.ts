import type { UiState } from './types.js';

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

export function healthyCount(state: UiState, instances: readonly string[]): number {
  return instances.filter((i) => state.health[i] === 'passing' && state.containers[i]?.app === 'running').length;
}

/** Seconds left of a TTL, never negative; undefined for no TTL. */
export function secondsLeft(expiresAt: number | undefined, now: number): number | undefined {
  return expiresAt === undefined ? undefined : Math.max(0, Math.ceil((expiresAt - now) / 1000));
}
