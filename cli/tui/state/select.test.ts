import { describe, expect, it } from 'vitest';
import { healthyShop } from './fixtures.js';
import { isServing, serviceRows, servingCount } from './select.js';
import type { UiState } from './types.js';

const CATALOG = ['catalog-1', 'catalog-2', 'catalog-3'];

function catalogUp(state: UiState): string {
  const row = serviceRows(state).find((r) => r.name === 'catalog')!;
  return `${row.serving}/${row.total}`;
}

describe('the UP column: instances that serve', () => {
  it('counts every instance of a healthy service', () => {
    expect(catalogUp(healthyShop())).toBe('3/3');
  });

  it('leaves out an instance its callers eject, though Consul passes it and its container runs', () => {
    const state: UiState = {
      ...healthyShop(),
      outliers: {
        'catalog-1': { ejectedBy: [], active: 0 },
        'catalog-2': { ejectedBy: ['gateway-1'], active: 0 },
      },
    };
    expect(state.health['catalog-2']).toBe('passing');
    expect(isServing(state, 'catalog-2')).toBe(false);
    expect(isServing(state, 'catalog-1')).toBe(true);
    expect(catalogUp(state)).toBe('2/3');
  });

  it('leaves out an instance Consul does not pass, or whose app container does not run', () => {
    const base = healthyShop();
    const state: UiState = {
      ...base,
      health: { ...base.health, 'catalog-1': 'critical', 'catalog-2': 'unknown' },
      containers: { ...base.containers, 'catalog-3': { app: 'paused', sidecar: 'running' } },
    };
    expect(servingCount(state, CATALOG)).toBe(0);
    expect(catalogUp(state)).toBe('0/3');
  });

  it('counts an instance back in when its callers re-admit it', () => {
    const state: UiState = { ...healthyShop(), outliers: { 'catalog-2': { ejectedBy: [], active: 2 } } };
    expect(catalogUp(state)).toBe('3/3');
  });
});
