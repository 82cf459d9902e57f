import { describe, expect, it } from 'vitest';
import { parseTopology } from './load.js';
import { resolveMesh } from './model.js';

const topo = parseTopology(
  `
name: shop
services:
  gateway: {port: 3000, ingress: true, upstreams: [catalog]}
  catalog: {port: 3000, replicas: 2, upstreams: [pricing, {service: stock, protocol: tcp}]}
  pricing:
    port: 3000
    env: {CURRENCY: EUR}
    versions:
      v1: {replicas: 2}
      v2: {replicas: 1, env: {DISCOUNT_PERCENT: 15}, weight: 10}
  stock: {port: 7000}
`,
  'mesh.yaml',
);

describe('resolveMesh', () => {
  const mesh = resolveMesh(topo);

  it('numbers instances <service>-<n> across versions in the order written', () => {
    expect(mesh.instances.map((i) => `${i.id}/${i.version}`)).toEqual([
      'gateway-1/v1',
      'catalog-1/v1',
      'catalog-2/v1',
      'pricing-1/v1',
      'pricing-2/v1',
      'pricing-3/v2',
      'stock-1/v1',
    ]);
  });

  it('gives each upstream its own local listener and env var', () => {
    const catalog = mesh.instances.find((i) => i.id === 'catalog-1')!;
    expect(catalog.upstreams).toEqual([
      { service: 'pricing', protocol: 'http', port: 15101, envName: 'PRICING_URL', url: 'http://127.0.0.1:15101' },
      { service: 'stock', protocol: 'tcp', port: 15102, envName: 'STOCK_URL', url: 'tcp://127.0.0.1:15102' },
    ]);
  });

  it('merges service and version env, version winning, and keeps per-version weights', () => {
    const v2 = mesh.instances.find((i) => i.id === 'pricing-3')!;
    expect(v2.env).toEqual({ CURRENCY: 'EUR', DISCOUNT_PERCENT: '15' });
    expect(v2.weight).toBe(10);
    expect(mesh.instances.find((i) => i.id === 'pricing-1')!.weight).toBe(100);
  });

  it('knows the project name and the ingress service', () => {
    expect(mesh.project).toBe('meshdev-shop');
    expect(mesh.ingressService).toBe('gateway');
  });
});
