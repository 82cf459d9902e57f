import { initialState } from './reduce.js';
import type { MeshLayout, UiState } from './types.js';

/** A small shop mesh for tests of the reducer, key map and views. */
export const SHOP_LAYOUT: MeshLayout = {
  name: 'shop',
  runtime: 'docker',
  services: [
    { name: 'gateway', instances: ['gateway-1'] },
    { name: 'catalog', instances: ['catalog-1', 'catalog-2', 'catalog-3'] },
    { name: 'pricing', instances: ['pricing-1', 'pricing-2'] },
  ],
  reattachHint: 'meshdev ui',
  stopHint: 'meshdev down',
};

export const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);

/** Every instance running and passing. */
export function healthyShop(now = T0): UiState {
  const ids = SHOP_LAYOUT.services.flatMap((s) => s.instances);
  return {
    ...initialState(SHOP_LAYOUT, now),
    reach: { docker: 'up', consul: 'up', prometheus: 'up' },
    containers: Object.fromEntries(ids.map((id) => [id, { app: 'running', sidecar: 'running' }])),
    health: Object.fromEntries(ids.map((id) => [id, 'passing' as const])),
  };
}
