import { readFileSync } from 'node:fs';
import { renderToString } from 'ink';
import { describe, expect, it } from 'vitest';
import type { MeshActions } from './actions.js';
import { App } from './App.js';
import { SHOP_LAYOUT, healthyShop } from './state/fixtures.js';
import { reduce } from './state/reduce.js';
import type { UiState } from './state/types.js';

/**
 * The whole dashboard at 80x24 (renderToString's terminal, no colour) against the recorded screen
 * in fixtures/screen-80x24.txt: catalog-2 killed and ejected, an abort fault on pricing.
 */

const FIXTURE = readFileSync(new URL('./fixtures/screen-80x24.txt', import.meta.url), 'utf8');

/** Local clock times, as the event log prints them. */
const at = (seconds: number) => new Date(2025, 0, 1, 12, 0, seconds).getTime();

/** Requests per second of the last 15 refreshes: steady, a dip, steady again. */
const TRAFFIC = [17, 17, 20, 20, 20, 17, 20, 14, 9, 9, 11, 17, 20, 20, 20];

function degradedShop(): UiState {
  const now = at(18);
  let state: UiState = { ...healthyShop(now), now };
  state = reduce(state, {
    type: 'metrics',
    now,
    reachable: true,
    services: {
      gateway: { rps: 20, success: 0.97, p50Ms: 6, p99Ms: 45 },
      catalog: { rps: 20, success: 0.95, p50Ms: 3, p99Ms: 38 },
      pricing: { rps: 40, success: 1, p50Ms: 1.2, p99Ms: 9 },
    },
    instances: {
      'catalog-1': { rps: 10, success: 1, p50Ms: undefined, p99Ms: undefined },
      'catalog-3': { rps: 10, success: 1, p50Ms: undefined, p99Ms: undefined },
    },
    client: { rps: 19.8, success: 0.962, p50Ms: 7, p99Ms: 61, targetRate: 20, paused: false },
  });
  state = { ...state, sparks: Object.fromEntries(SHOP_LAYOUT.services.map((s) => [s.name, TRAFFIC])) };
  state = reduce(state, { type: 'docker-event', at: at(15), subject: 'catalog-2', action: 'killed' });
  state = reduce(state, { type: 'docker-event', at: at(15), subject: 'catalog-2', action: 'die' });
  state = reduce(state, {
    type: 'containers',
    now,
    reachable: true,
    containers: { ...state.containers, 'catalog-2': { app: 'exited', sidecar: 'running' } },
  });
  state = reduce(state, {
    type: 'outliers',
    now: at(15),
    outliers: {
      'catalog-1': { ejectedBy: [], active: 1 },
      'catalog-2': { ejectedBy: ['gateway-1'], active: 0 },
    },
  });
  state = reduce(state, {
    type: 'health',
    now: at(16),
    reachable: true,
    health: { ...state.health, 'catalog-2': 'critical' },
  });
  state = reduce(state, {
    type: 'faults',
    now: at(17),
    faults: [{ id: 'f1', target: 'pricing', kind: 'abort', summary: 'abort 503 50%', expiresAt: now + 41_500 }],
    partitions: [],
  });
  state = reduce(state, { type: 'move', delta: 1 });
  state = reduce(state, { type: 'drill-in' });
  state = reduce(state, { type: 'move', delta: 1 });
  return { ...state, now };
}

const NO_ACTIONS = new Proxy({}, { get: () => async () => undefined }) as MeshActions;

describe('the dashboard at 80x24', () => {
  it('draws the recorded screen', () => {
    const screen = renderToString(
      <App
        layout={SHOP_LAYOUT}
        actions={NO_ACTIONS}
        yes={false}
        noColor={true}
        onExit={() => {}}
        initial={degradedShop()}
        now={() => at(18)}
      />,
      { columns: 80 },
    );
    expect(
      screen
        .split('\n')
        .map((l) => l.trimEnd())
        .join('\n'),
    ).toBe(FIXTURE.trimEnd());
  });
});
