import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { DEMO_TOPOLOGY_PATH, parseTopology } from './load.js';

function problems(text: string): string {
  try {
    parseTopology(text, 'mesh.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).exitCode).toBe(2);
    return (err as Error).message;
  }
  throw new Error('expected the topology to be rejected');
}

describe('parseTopology', () => {
  it('accepts the bundled demo and fills defaults', () => {
    const topo = parseTopology(readFileSync(DEMO_TOPOLOGY_PATH, 'utf8'), DEMO_TOPOLOGY_PATH);
    expect(topo.name).toBe('shop');
    expect(topo.ports.ingress).toBe(8080);
    expect(topo.services.catalog?.replicas).toBe(3);
    expect(topo.services.gateway?.healthPath).toBe('/healthz');
  });

  it('names the file, the field path and what was expected', () => {
    const msg = problems('name: shop\nservices:\n  catalog:\n    port: 3000\n    replicas: lots\n');
    expect(msg).toMatch(/mesh\.yaml:5:5: services\.catalog\.replicas: .*number/);
  });

  it('rejects unknown upstreams with the list of known services', () => {
    const msg = problems('name: shop\nservices:\n  alpha:\n    port: 1\n    upstreams: [beta]\n');
    expect(msg).toContain('mesh.yaml:5:17: services.alpha.upstreams[0]: unknown service "beta"; known services: alpha');
  });

  it('rejects unknown keys instead of ignoring typos', () => {
    const msg = problems('name: shop\nservices:\n  alpha:\n    port: 1\n    replica: 2\n');
    expect(msg).toMatch(/services\.alpha.*replica/);
  });

  it('rejects replicas next to versions, and reserved names', () => {
    expect(
      problems('name: shop\nservices:\n  alpha:\n    port: 1\n    replicas: 2\n    versions: {v1: {}}\n'),
    ).toContain('services.alpha.replicas: with "versions"');
    expect(problems('name: shop\nservices:\n  consul:\n    port: 1\n')).toContain(
      'services.consul: "consul" is reserved',
    );
  });

  it('rejects two host ports that collide', () => {
    expect(problems('name: shop\nports: {ingress: 9000, consul: 9000}\nservices:\n  alpha: {port: 1}\n')).toContain(
      'ports.consul: port 9000 is already used by ports.ingress',
    );
  });

  it('reports YAML syntax errors with line and column', () => {
    expect(problems('name: shop\nservices:\n  alpha: [\n')).toMatch(/mesh\.yaml:\d+:\d+/);
  });
});

describe('service names', () => {
  it('explains what a valid service name is', () => {
    expect(problems('name: shop\nservices:\n  Bad_Name: {port: 1}\n')).toContain(
      'services.Bad_Name: a service name must be a lower-case DNS label',
    );
  });
});
