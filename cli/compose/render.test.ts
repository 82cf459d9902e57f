import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SidecarBootstrap } from '../../proxy/schema/index.js';
import { parseTopology } from '../mesh/load.js';
import { resolveMesh } from '../mesh/model.js';
import { renderProject, toYaml } from './render.js';
import { SIDECAR_NODE_OPTIONS } from '../../proxy/node-options.js';

const images = { runtime: 'meshdev/runtime:test', consul: 'c:1', prometheus: 'p:1', grafana: 'g:1' };
const mesh = resolveMesh(
  parseTopology(
    `
name: shop
ports: {ingress: 18080}
services:
  gateway: {command: [service, gateway], port: 3000, ingress: true, upstreams: [catalog]}
  catalog: {command: [service, catalog], port: 3000, replicas: 2}
`,
    'mesh.yaml',
  ),
);
const rendered = renderProject(mesh, { images, topologyDir: '/tmp', grafanaDir: '/pkg/grafana' });
const services = rendered.compose.services;

describe('renderProject', () => {
  it('renders two containers per instance, the app inside the sidecar network namespace', () => {
    expect(Object.keys(services).sort()).toEqual(
      [
        'catalog-1',
        'catalog-1-sidecar',
        'catalog-2',
        'catalog-2-sidecar',
        'consul',
        'gateway-1',
        'gateway-1-sidecar',
        'grafana',
        'ingress',
        'loadgen',
        'prometheus',
      ].sort(),
    );
    expect(services['catalog-2']!.network_mode).toBe('service:catalog-2-sidecar');
    expect(services['catalog-2']!.networks).toBeUndefined();
    expect(services['catalog-2']!.environment).toMatchObject({ MESHDEV_INSTANCE: 'catalog-2', HOST: '127.0.0.1' });
    expect(services['gateway-1']!.environment).toMatchObject({ CATALOG_URL: 'http://127.0.0.1:15101' });
  });

  it('gives Docker healthchecks only to what Compose waits for; sidecars are checked by Consul', () => {
    const checked = Object.entries(services)
      .filter(([, s]) => s.healthcheck !== undefined)
      .map(([name]) => name)
      .sort();
    expect(checked).toEqual(['consul', 'ingress', 'loadgen', 'prometheus']);
    expect(services.loadgen!.depends_on).toEqual({ ingress: { condition: 'service_healthy' } });
    // An exec per check: cheap shell probes only, never a `node` or `consul` process.
    for (const name of checked) expect(services[name]!.healthcheck!.test.join(' ')).toMatch(/\/dev\/tcp|wget/);
  });

  it('publishes every port on 127.0.0.1 only', () => {
    const published = Object.values(services).flatMap((s) => s.ports ?? []);
    expect(published.length).toBeGreaterThanOrEqual(4);
    for (const p of published) expect(p).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
    expect(services.ingress!.ports).toEqual(['127.0.0.1:18080:8080']);
  });

  it('hands each sidecar a bootstrap document the proxy schema accepts', () => {
    const env = services['catalog-1-sidecar']!.environment!.MESHDEV_SIDECAR!;
    const boot = SidecarBootstrap.parse(JSON.parse(env));
    expect(boot).toMatchObject({ service: 'catalog', instanceId: 'catalog-1', app: { port: 3000 } });
    const ingress = SidecarBootstrap.parse(JSON.parse(services.ingress!.environment!.MESHDEV_SIDECAR!));
    expect(ingress.mode).toBe('ingress');
    expect(ingress.upstreams[0]).toMatchObject({ service: 'gateway', listen: { host: '0.0.0.0', port: 8080 } });
  });

  it('runs every proxy container, and only those, with the node options the benchmark measured', () => {
    for (const name of ['catalog-1-sidecar', 'gateway-1-sidecar', 'ingress'])
      expect(services[name]!.environment!.NODE_OPTIONS).toBe(SIDECAR_NODE_OPTIONS);
    expect(SIDECAR_NODE_OPTIONS.split(' ')).toEqual(['--max-semi-space-size=4', '--v8-pool-size=1']);
    for (const name of ['catalog-1', 'gateway-1', 'loadgen'])
      expect(services[name]!.environment?.NODE_OPTIONS).toBeUndefined();
  });

  it('labels every container with the mesh and leaves no anonymous volume behind', () => {
    for (const s of Object.values(services)) expect(s.labels['dev.meshdev.mesh']).toBe('shop');
    expect(services.prometheus!.tmpfs).toContain('/prometheus');
    expect(services.consul!.tmpfs).toContain('/consul/data');
  });

  it('lets Prometheus discover sidecars through Consul, keeping only this mesh', () => {
    const prom = parse(rendered.files['prometheus.yml']!) as {
      scrape_configs: Array<{ consul_sd_configs?: unknown[]; relabel_configs?: Array<{ regex?: string }> }>;
    };
    const sd = prom.scrape_configs.find((c) => c.consul_sd_configs !== undefined)!;
    expect(sd.consul_sd_configs).toEqual([{ server: 'consul:8500', refresh_interval: '2s' }]);
    expect(sd.relabel_configs!.some((r) => r.regex === 'shop')).toBe(true);
  });

  it('leaves Grafana out when there is no Grafana image', () => {
    const noGrafana = renderProject(mesh, {
      images: { ...images, grafana: undefined },
      topologyDir: '/',
      grafanaDir: '/',
    });
    expect(noGrafana.compose.services.grafana).toBeUndefined();
  });

  it('serializes to YAML that round-trips', () => {
    const text = toYaml(rendered.compose, 'mesh.yaml');
    expect(parse(text)).toEqual(JSON.parse(JSON.stringify(rendered.compose)));
  });
});
