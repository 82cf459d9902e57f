import { describe, expect, it } from 'vitest';
import { buildRegistration } from './registration.js';
import { SidecarBootstrap } from '../schema/bootstrap.js';

describe('consul registration', () => {
  it('describes the instance as Prometheus and the sidecars expect it', () => {
    const b = SidecarBootstrap.parse({
      mesh: 'shop',
      service: 'catalog',
      instanceId: 'catalog-2',
      version: 'v2',
      weight: 50,
      app: { port: 3000 },
      consul: { url: 'http://consul:8500', checkIntervalSeconds: 0.5 },
    });
    expect(buildRegistration(b, '172.18.0.5', { inbound: 15006, admin: 15000 })).toEqual({
      ID: 'catalog-2',
      Name: 'catalog',
      Address: '172.18.0.5',
      Port: 15006,
      Tags: ['version:v2'],
      Meta: {
        meshdev_mesh: 'shop',
        meshdev_instance: 'catalog-2',
        version: 'v2',
        metrics_port: '15000',
        meshdev_role: 'sidecar',
      },
      Weights: { Passing: 50, Warning: 1 },
      Check: { HTTP: 'http://172.18.0.5:15000/healthz', Interval: '500ms', Timeout: '3s' },
    });
  });
  it('registers an ingress as service "ingress" with role ingress', () => {
    const b = SidecarBootstrap.parse({
      mesh: 'shop',
      mode: 'ingress',
      service: 'gateway',
      instanceId: 'ingress',
      upstreams: [{ service: 'gateway', listen: { host: '0.0.0.0', port: 8080 } }],
    });
    const r = buildRegistration(b, '10.0.0.2', { inbound: 8080, admin: 15000 });
    expect(r.Name).toBe('ingress');
    expect(r.Meta.meshdev_role).toBe('ingress');
    expect(r.Check.Interval).toBe('1s');
  });
});
