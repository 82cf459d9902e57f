import { describe, expect, it } from 'vitest';
import type { UiAction } from './actions.js';
import { SHOP_LAYOUT, T0, healthyShop } from './fixtures.js';
import { initialState, reduce } from './reduce.js';
import { selectedInstance, selectedService } from './select.js';
import { EVENT_CAPACITY, SPARK_CAPACITY } from './types.js';
import type { UiState } from './types.js';

const run = (state: UiState, ...actions: UiAction[]) => actions.reduce(reduce, state);

describe('reduce: source snapshots', () => {
  it('logs a health change but not the first sighting of an instance', () => {
    const first = reduce(initialState(SHOP_LAYOUT, T0), {
      type: 'health',
      now: T0,
      reachable: true,
      health: { 'catalog-1': 'passing' },
    });
    expect(first.events).toEqual([]);
    expect(first.reach.consul).toBe('up');
    const next = reduce(first, {
      type: 'health',
      now: T0 + 1000,
      reachable: true,
      health: { 'catalog-1': 'critical' },
    });
    expect(next.events).toEqual([
      { at: T0 + 1000, source: 'consul', level: 'error', text: 'catalog-1 health passing -> critical' },
    ]);
  });

  it('keeps the last health when Consul stops answering, and says it is down', () => {
    const s = run(healthyShop(), { type: 'health', now: T0 + 1, reachable: false, health: {} });
    expect(s.reach.consul).toBe('down');
    expect(s.health['catalog-1']).toBe('passing');
  });

  it('logs who starts and stops ejecting an instance', () => {
    const s = run(
      healthyShop(),
      { type: 'outliers', now: T0, outliers: { 'catalog-2': { ejectedBy: [], active: 0 } } },
      { type: 'outliers', now: T0 + 1, outliers: { 'catalog-2': { ejectedBy: ['gateway-1'], active: 0 } } },
      { type: 'outliers', now: T0 + 2, outliers: { 'catalog-2': { ejectedBy: [], active: 0 } } },
    );
    expect(s.events.map((e) => e.text)).toEqual([
      'catalog-2 ejected by gateway-1',
      'catalog-2 re-admitted by gateway-1',
    ]);
  });

  it('logs faults added, and expired ones as expired rather than cleared', () => {
    const fault = { id: 'f1', target: 'catalog', kind: 'abort', summary: 'abort 503', expiresAt: T0 + 5000 };
    const s = run(
      healthyShop(),
      { type: 'faults', now: T0, faults: [fault], partitions: [] },
      { type: 'faults', now: T0 + 5000, faults: [], partitions: [] },
    );
    expect(s.events.map((e) => e.text)).toEqual(['fault on catalog: abort 503', 'fault on catalog expired: abort 503']);
  });

  it('caps the event log, dropping the oldest', () => {
    let s = healthyShop();
    for (let i = 0; i < EVENT_CAPACITY + 5; i++) {
      s = reduce(s, { type: 'log', event: { at: T0 + i, source: 'ui', level: 'info', text: `e${i}` } });
    }
    expect(s.events).toHaveLength(EVENT_CAPACITY);
    expect(s.events[0]!.text).toBe('e5');
    expect(s.events.at(-1)!.text).toBe(`e${EVENT_CAPACITY + 4}`);
  });

  it('appends one sparkline sample per service per metrics snapshot, bounded, 0 for no data', () => {
    let s = healthyShop();
    for (let i = 0; i < SPARK_CAPACITY + 3; i++) {
      s = reduce(s, {
        type: 'metrics',
        now: T0 + i,
        reachable: true,
        services: { catalog: { rps: i, success: 1, p50Ms: 1, p99Ms: 2 } },
        instances: {},
        client: undefined,
      });
    }
    expect(s.sparks.catalog).toHaveLength(SPARK_CAPACITY);
    expect(s.sparks.catalog!.at(-1)).toBe(SPARK_CAPACITY + 2);
    expect(s.sparks.catalog![0]).toBe(3);
    expect(s.sparks.pricing!.every((v) => v === 0)).toBe(true);
  });

  it('does not record a sample while Prometheus is down', () => {
    const s = run(healthyShop(), {
      type: 'metrics',
      now: T0,
      reachable: false,
      services: {},
      instances: {},
      client: undefined,
    });
    expect(s.reach.prometheus).toBe('down');
    expect(s.sparks).toEqual({});
  });
});

describe('reduce: navigation', () => {
  it('moves the service selection and clamps at both ends', () => {
    const s = healthyShop();
    expect(selectedService(s)?.name).toBe('gateway');
    expect(selectedService(run(s, { type: 'move', delta: 1 }))?.name).toBe('catalog');
    expect(selectedService(run(s, { type: 'move', delta: 5 }))?.name).toBe('pricing');
    expect(selectedService(run(s, { type: 'move', delta: -1 }))?.name).toBe('gateway');
  });

  it('drills into a service and moves among its instances, back returns to services', () => {
    const s = run(healthyShop(), { type: 'move', delta: 1 }, { type: 'drill-in' }, { type: 'move', delta: 1 });
    expect(s.view.focus).toBe('instances');
    expect(selectedInstance(s)).toBe('catalog-2');
    const back = reduce(s, { type: 'back' });
    expect(back.view.focus).toBe('services');
    expect(selectedService(back)?.name).toBe('catalog');
  });

  it('back closes an open dialog before leaving the instance list', () => {
    const s = run(healthyShop(), { type: 'drill-in' }, { type: 'open', modal: { kind: 'help' } }, { type: 'back' });
    expect(s.view.modal.kind).toBe('none');
    expect(s.view.focus).toBe('instances');
  });

  it('a filter hides services and moves the selection to the first match', () => {
    const s = run(healthyShop(), { type: 'set-filter', text: 'pri' });
    expect(selectedService(s)?.name).toBe('pricing');
    const byInstance = run(healthyShop(), { type: 'set-filter', text: 'catalog-3' });
    expect(selectedService(byInstance)?.name).toBe('catalog');
  });

  it('counts commands in flight and logs how they ended', () => {
    const s = run(
      healthyShop(),
      { type: 'command-started' },
      { type: 'command-finished', at: T0, ok: false, text: 'kill catalog-2 failed: gone' },
    );
    expect(s.pending).toBe(0);
    expect(s.events.at(-1)).toMatchObject({ level: 'error', text: 'kill catalog-2 failed: gone' });
  });
});

describe('reduce: the mesh changes shape (scale)', () => {
  const scaled = (instances: string[]) => ({
    ...SHOP_LAYOUT,
    services: SHOP_LAYOUT.services.map((s) => (s.name === 'catalog' ? { ...s, instances } : s)),
  });

  it('lists a new instance and keeps the selection', () => {
    const s = run(
      healthyShop(),
      { type: 'move', delta: 1 },
      { type: 'drill-in' },
      { type: 'move', delta: 1 },
      {
        type: 'layout',
        layout: scaled(['catalog-1', 'catalog-2', 'catalog-3', 'catalog-4']),
      },
    );
    expect(selectedService(s)?.instances).toEqual(['catalog-1', 'catalog-2', 'catalog-3', 'catalog-4']);
    expect(selectedInstance(s)).toBe('catalog-2');
  });

  it('moves the selection off a removed instance and closes its log pane', () => {
    const s = run(
      healthyShop(),
      { type: 'move', delta: 1 },
      { type: 'drill-in' },
      { type: 'move', delta: 2 },
      { type: 'open', modal: { kind: 'logs', instance: 'catalog-3', sidecar: false } },
      { type: 'layout', layout: scaled(['catalog-1', 'catalog-2']) },
    );
    expect(selectedInstance(s)).toBe('catalog-2');
    expect(s.view.modal).toEqual({ kind: 'none' });
  });
});

describe('reduce: tick', () => {
  it('moves the clock only while something has a TTL (otherwise the same state: no render)', () => {
    const idle = healthyShop();
    expect(reduce(idle, { type: 'tick', now: T0 + 1000 })).toBe(idle);
    const withFault = reduce(idle, {
      type: 'faults',
      now: T0,
      faults: [{ id: 'f1', target: 'catalog', kind: 'abort', summary: 'abort 503 100%', expiresAt: T0 + 60_000 }],
      partitions: [],
    });
    expect(reduce(withFault, { type: 'tick', now: T0 + 1000 }).now).toBe(T0 + 1000);
  });
});
