import type { UiAction } from './actions.js';
import { appendBounded, pushBounded } from './ring.js';
import { selectedInstance, selectedService, visibleServices } from './select.js';
import type { HealthStatus, LogEvent, MeshLayout, OutlierView, UiState } from './types.js';
import { EVENT_CAPACITY, SPARK_CAPACITY } from './types.js';

export function initialState(layout: MeshLayout, now: number): UiState {
  return {
    layout,
    now,
    containers: {},
    health: {},
    reach: { docker: 'unknown', consul: 'unknown', prometheus: 'unknown' },
    services: {},
    instances: {},
    client: undefined,
    sparks: {},
    outliers: {},
    faults: [],
    partitions: [],
    events: [],
    view: {
      focus: 'services',
      service: layout.services[0]?.name,
      instance: undefined,
      filter: '',
      modal: { kind: 'none' },
    },
    pending: 0,
  };
}

function log(state: UiState, events: readonly LogEvent[]): UiState {
  return events.length === 0 ? state : { ...state, events: appendBounded(state.events, events, EVENT_CAPACITY) };
}

/** Health changes since the last snapshot; the first sighting of an instance is not a change. */
function healthEvents(
  before: Readonly<Record<string, HealthStatus>>,
  after: Readonly<Record<string, HealthStatus>>,
  now: number,
): LogEvent[] {
  const out: LogEvent[] = [];
  for (const [id, status] of Object.entries(after)) {
    const prev = before[id];
    if (prev === undefined || prev === status) continue;
    out.push({
      at: now,
      source: 'consul',
      level: status === 'passing' ? 'info' : status === 'critical' ? 'error' : 'warn',
      text: `${id} health ${prev} -> ${status}`,
    });
  }
  return out;
}

/** Ejections and re-admissions: who started or stopped ejecting each instance. */
function outlierEvents(
  before: Readonly<Record<string, OutlierView>>,
  after: Readonly<Record<string, OutlierView>>,
  now: number,
): LogEvent[] {
  const out: LogEvent[] = [];
  const ids = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const id of ids) {
    const was = new Set(before[id]?.ejectedBy ?? []);
    const is = new Set(after[id]?.ejectedBy ?? []);
    const added = [...is].filter((c) => !was.has(c)).sort();
    const removed = [...was].filter((c) => !is.has(c)).sort();
    if (added.length > 0) {
      out.push({ at: now, source: 'sidecar', level: 'warn', text: `${id} ejected by ${added.join(', ')}` });
    }
    if (removed.length > 0 && after[id] !== undefined) {
      out.push({ at: now, source: 'sidecar', level: 'info', text: `${id} re-admitted by ${removed.join(', ')}` });
    }
  }
  return out;
}

function faultEvents(before: UiState, after: Pick<UiState, 'faults' | 'partitions'>, now: number): LogEvent[] {
  const out: LogEvent[] = [];
  const was = new Map(before.faults.map((f) => [f.id, f]));
  const is = new Map(after.faults.map((f) => [f.id, f]));
  for (const [id, f] of is) {
    if (!was.has(id)) out.push({ at: now, source: 'fault', level: 'warn', text: `fault on ${f.target}: ${f.summary}` });
  }
  for (const [id, f] of was) {
    if (is.has(id)) continue;
    const expired = f.expiresAt !== undefined && f.expiresAt <= now + 1000;
    out.push({
      at: now,
      source: 'fault',
      level: 'info',
      text: `fault on ${f.target} ${expired ? 'expired' : 'cleared'}: ${f.summary}`,
    });
  }
  const pWas = new Set(before.partitions.map((p) => p.id));
  const pIs = new Set(after.partitions.map((p) => p.id));
  for (const p of after.partitions) {
    if (!pWas.has(p.id)) out.push({ at: now, source: 'fault', level: 'warn', text: `partition ${p.from} -/- ${p.to}` });
  }
  for (const p of before.partitions) {
    if (!pIs.has(p.id))
      out.push({ at: now, source: 'fault', level: 'info', text: `partition ${p.from} -/- ${p.to} healed` });
  }
  return out;
}

/** Keeps the selection on a visible row after a move or a filter change. */
function moveSelection(state: UiState, delta: number): UiState {
  const services = visibleServices(state);
  if (services.length === 0) return state;
  if (state.view.focus === 'services') {
    const current = Math.max(
      0,
      services.findIndex((s) => s.name === selectedService(state)?.name),
    );
    const next = Math.min(services.length - 1, Math.max(0, current + delta));
    return { ...state, view: { ...state.view, service: services[next]!.name, instance: undefined } };
  }
  const instances = selectedService(state)?.instances ?? [];
  if (instances.length === 0) return state;
  const current = Math.max(0, instances.indexOf(selectedInstance(state) ?? ''));
  const next = Math.min(instances.length - 1, Math.max(0, current + delta));
  return { ...state, view: { ...state.view, instance: instances[next] } };
}

export function reduce(state: UiState, action: UiAction): UiState {
  switch (action.type) {
    case 'tick':
      // Only TTLs count down with the clock: without faults or partitions a tick changes nothing
      // on screen, and returning the same state spares a render.
      return state.faults.length + state.partitions.length === 0 ? state : { ...state, now: action.now };

    case 'containers':
      return {
        ...state,
        now: action.now,
        reach: { ...state.reach, docker: action.reachable ? 'up' : 'down' },
        containers: action.reachable ? action.containers : state.containers,
      };

    case 'docker-event':
      return log(state, [
        {
          at: action.at,
          source: 'docker',
          level: /die|kill|oom|stop|pause|unhealthy/.test(action.action) ? 'warn' : 'info',
          text: `${action.subject} ${action.action}`,
        },
      ]);

    case 'health': {
      if (!action.reachable) {
        return { ...state, now: action.now, reach: { ...state.reach, consul: 'down' } };
      }
      const next = {
        ...state,
        now: action.now,
        reach: { ...state.reach, consul: 'up' as const },
        health: action.health,
      };
      return log(next, healthEvents(state.health, action.health, action.now));
    }

    case 'metrics': {
      if (!action.reachable) return { ...state, now: action.now, reach: { ...state.reach, prometheus: 'down' } };
      const sparks: Record<string, readonly number[]> = { ...state.sparks };
      for (const svc of state.layout.services) {
        sparks[svc.name] = pushBounded(sparks[svc.name], action.services[svc.name]?.rps ?? 0, SPARK_CAPACITY);
      }
      return {
        ...state,
        now: action.now,
        reach: { ...state.reach, prometheus: 'up' },
        services: action.services,
        instances: action.instances,
        client: action.client,
        sparks,
      };
    }

    case 'outliers':
      return log(
        { ...state, now: action.now, outliers: action.outliers },
        outlierEvents(state.outliers, action.outliers, action.now),
      );

    case 'faults':
      return log(
        { ...state, now: action.now, faults: action.faults, partitions: action.partitions },
        faultEvents(state, action, action.now),
      );

    case 'log':
      return log(state, [action.event]);

    case 'layout': {
      // The selection stays where it was unless its instance went away (scaled down): then the
      // service's last instance, the neighbour of the one removed.
      const next = { ...state, layout: action.layout };
      const svc = next.layout.services.find((s) => s.name === state.view.service);
      const instance =
        state.view.instance === undefined || svc === undefined || svc.instances.includes(state.view.instance)
          ? state.view.instance
          : svc.instances.at(-1);
      const open = state.view.modal;
      const modal =
        open.kind === 'logs' && !action.layout.services.some((s) => s.instances.includes(open.instance))
          ? { kind: 'none' as const }
          : open;
      return { ...next, view: { ...next.view, instance, modal } };
    }

    case 'move':
      return moveSelection(state, action.delta);

    case 'drill-in': {
      if (state.view.focus === 'instances') return state;
      const svc = selectedService(state);
      if (svc === undefined) return state;
      return { ...state, view: { ...state.view, focus: 'instances', service: svc.name, instance: svc.instances[0] } };
    }

    case 'back':
      if (state.view.modal.kind !== 'none') return { ...state, view: { ...state.view, modal: { kind: 'none' } } };
      return { ...state, view: { ...state.view, focus: 'services', instance: undefined } };

    case 'open':
      return { ...state, view: { ...state.view, modal: action.modal } };

    case 'close':
      return { ...state, view: { ...state.view, modal: { kind: 'none' } } };

    case 'set-filter': {
      const next = { ...state, view: { ...state.view, filter: action.text } };
      // The selection follows the filter: the first match when the selected service is hidden.
      const svc = selectedService(next);
      return {
        ...next,
        view: { ...next.view, service: svc?.name, focus: svc === undefined ? 'services' : next.view.focus },
      };
    }

    case 'update-draft':
      if (state.view.modal.kind !== 'fault-form') return state;
      return { ...state, view: { ...state.view, modal: { ...state.view.modal, draft: action.draft } } };

    case 'command-started':
      return { ...state, pending: state.pending + 1 };

    case 'command-finished':
      return log({ ...state, pending: Math.max(0, state.pending - 1) }, [
        { at: action.at, source: 'ui', level: action.ok ? 'info' : 'error', text: action.text },
      ]);
  }
}
