import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { reservedAppEnvReason, SidecarBootstrap } from '../../proxy/schema/index.js';
import { parseTopology } from '../mesh/load.js';
import { resolveMesh } from '../mesh/model.js';
import type { ComposeFile } from './render.js';
import { renderProject, toYaml } from './render.js';
import { unescapeInterpolation } from './literal.js';
import { SIDECAR_NODE_OPTIONS } from '../../proxy/schema/index.js';

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

function renderText(topology: unknown, topologyPath = 'mesh.yaml'): { compose: ComposeFile; text: string } {
  // JSON is YAML, and unlike the `yaml` package's block scalars it keeps every string exactly.
  const hostile = resolveMesh(parseTopology(JSON.stringify(topology), topologyPath));
  const { compose } = renderProject(hostile, { images, topologyDir: '/srv/me$h', grafanaDir: '/pkg/gr$fana' });
  return { compose, text: toYaml(compose, topologyPath) };
}

describe('toYaml with hostile topology text', () => {
  const { compose, text } = renderText({
    name: 'shop',
    loadgen: { path: '/p$x?q=${HOME}' },
    services: {
      gateway: {
        image: 'reg/img$x:1',
        command: ['sh', '-c', 'echo $1 ${HOME}', 'a$1'],
        port: 3000,
        ingress: true,
        healthPath: '/h$HOME',
        env: { A: 'pa$word', B: '${HOME}', C: '$$', D: 'one\ntwo $X', E: 'x\u2028  privileged: true' },
      },
      builder: {
        build: { context: './ctx$HOME', dockerfile: 'Dockerfile.$X', args: { V$K: '${VERSION:-1}' } },
        port: 3000,
      },
    },
  });
  const parsed = parse(text) as ComposeFile;

  it('writes every $ of a value as $$, so Compose interpolates nothing', () => {
    const gateway = parsed.services['gateway-1']!;
    expect(gateway.environment).toMatchObject({ A: 'pa$$word', B: '$${HOME}', C: '$$$$', D: 'one\ntwo $$X' });
    expect(gateway.environment!.E).toBe('x\u2028  privileged: true');
    expect(gateway.command).toEqual(['sh', '-c', 'echo $$1 $${HOME}', 'a$$1']);
    expect(gateway.image).toBe('reg/img$$x:1');
    expect(parsed.services.loadgen!.environment!.TARGET_URL).toBe('http://ingress:8080/p$$x?q=$${HOME}');
    expect(parsed.services['gateway-1-sidecar']!.environment!.MESHDEV_SIDECAR).toContain('"healthPath":"/h$$HOME"');
    expect(parsed.services['builder-1']!.build).toEqual({
      context: '/srv/me$$h/ctx$$HOME',
      dockerfile: 'Dockerfile.$$X',
      args: { V$K: '$${VERSION:-1}' },
    });
    expect(parsed.services.grafana!.volumes).toEqual(['/pkg/gr$$fana:/etc/meshdev/grafana:ro']);
  });

  it('gives back exactly the rendered object once $$ is read as $', () => {
    expect(unescapeInterpolation(parsed)).toEqual(JSON.parse(JSON.stringify(compose)));
    expect(compose.services['gateway-1']!.environment!.A).toBe('pa$word');
  });

  it('writes the topology path as one quoted comment line, whatever it contains', () => {
    const path = '/tmp/x\nservices:\n  evil: {image: alpine, privileged: true}\n\u2028#/mesh.yaml';
    const { text: evilText } = renderText({ name: 'shop', services: { app: { port: 3000 } } }, path);
    const [comment, next] = evilText.split('\n');
    expect(comment).toBe(
      '# Generated by meshdev from "/tmp/x\\nservices:\\n  evil: {image: alpine, privileged: true}\\n\\u2028#/mesh.yaml". Do not edit: re-rendered by every `meshdev up`.',
    );
    expect(next).toBe('name: meshdev-shop');
    expect(Object.keys((parse(evilText) as ComposeFile).services)).not.toContain('evil');
  });
});

/** Env values and command args a topology may carry: Compose and YAML syntax, every kind of line break, any Unicode. */
const hostileChar = fc.oneof(
  fc.constantFrom('$', '$$', '${', '}', '{', '"', "'", '\\', '\n', '\r', '\t', ' ', '#', ': ', '- ', '---', '&', '*'),
  fc.constantFrom('\u0085', '\u2028', '\u2029', '\ufeff', '\u00a0', 'é', '😀'),
  // NUL is refused by the topology schema (Docker and the kernel would cut the text there).
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((c) => c !== '\0'),
);
const hostileText = fc.string({ unit: hostileChar, maxLength: 30 });
/** Names meshdev sets itself (PORT, HOST, MESHDEV_*) are refused in a topology's env. */
const envName = fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,6}$/).filter((n) => reservedAppEnvReason(n, []) === undefined);

describe('toYaml round trip (property)', () => {
  it('keeps a line of blanks in a multi-line value (a block scalar would read it as an empty line)', () => {
    for (const value of [' \n', ' \n\n', '\t \nx', 'a\n  \n', '\r\n ']) {
      const { text } = renderText({ name: 'prop', services: { app: { port: 3000, env: { V: value } } } });
      const back = unescapeInterpolation(parse(text)) as ComposeFile;
      expect(back.services['app-1']!.environment!.V).toBe(value);
    }
  });

  const RUNS = 200;
  it(`hands every generated env value and command arg back unchanged, with nothing added (${RUNS} topologies)`, () => {
    fc.assert(
      fc.property(
        fc.dictionary(envName, hostileText, { maxKeys: 6 }),
        fc.array(hostileText, { minLength: 1, maxLength: 5 }),
        (env, command) => {
          const { compose, text } = renderText({ name: 'prop', services: { app: { port: 3000, env, command } } });
          const back = unescapeInterpolation(parse(text)) as ComposeFile;
          expect(back).toEqual(JSON.parse(JSON.stringify(compose)));
          expect(Object.keys(back.services).sort()).toEqual([
            'app-1',
            'app-1-sidecar',
            'consul',
            'grafana',
            'prometheus',
          ]);
          expect(back.services['app-1']!.command).toEqual(command);
          for (const [k, v] of Object.entries(env)) expect(back.services['app-1']!.environment![k]).toBe(v);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
