import { execa } from 'execa';
import fc from 'fast-check';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { Mesh } from '../../cli/mesh/mesh.js';
import { DEMO_TOPOLOGY_PATH } from '../../cli/mesh/load.js';
import { renderProject } from '../../cli/compose/render.js';

/** The rendered project is accepted by the real Compose v2 CLI (its own schema and interpolation). */
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshdev-compose-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('rendered compose file', () => {
  it('passes `docker compose config` and keeps every published port on 127.0.0.1', async () => {
    const mesh = await Mesh.load(DEMO_TOPOLOGY_PATH, { cwd: dir });
    const { yaml, files } = mesh.render({ runtime: 'rt:1', consul: 'c:1', prometheus: 'p:1', grafana: 'g:1' });
    const file = join(dir, 'compose.yaml');
    await writeFile(file, yaml);
    for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
    const r = await execa('docker', ['compose', '-p', 'meshdev-shop', '-f', file, 'config', '--format', 'json'], {
      reject: false,
    });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const normalized = JSON.parse(r.stdout) as {
      services: Record<string, { ports?: Array<{ host_ip: string; published: string }>; network_mode?: string }>;
    };
    const ports = Object.values(normalized.services).flatMap((s) => s.ports ?? []);
    expect(ports.map((p) => `${p.host_ip}:${p.published}`).sort()).toEqual(
      ['127.0.0.1:3000', '127.0.0.1:8080', '127.0.0.1:8500', '127.0.0.1:9090'].sort(),
    );
    expect(normalized.services['catalog-3']!.network_mode).toBe('service:catalog-3-sidecar');
    const prom = parse(await readFile(join(dir, 'prometheus.yml'), 'utf8')) as { scrape_configs: unknown[] };
    expect(prom.scrape_configs.length).toBe(2);
  });

  it('hands the containers every topology string exactly as written: no interpolation, no injected YAML', async () => {
    // A directory whose path would inject a privileged service through the header comment.
    const topologyDir = join(dir, 'to$HOME\nservices:\n  evil: {image: alpine, privileged: true}\n\u2028#');
    await mkdir(join(topologyDir, 'ctx$HOME'), { recursive: true });
    const hostileChar = fc.oneof(
      fc.constantFrom('$', '$$', '${', '}', '{', '"', "'", '\\', '\n', '\r', '\t', ' ', '#', ': ', '- ', '---'),
      fc.constantFrom('\u0085', '\u2028', '\u2029', '\ufeff', 'é', '😀'),
      // NUL is refused by the topology schema (Docker and the kernel would cut the text there).
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((c) => c !== '\0'),
    );
    const generated = fc.sample(fc.string({ unit: hostileChar, maxLength: 30 }), { numRuns: 100, seed: 7 });
    const env: Record<string, string> = {
      CANARY: '$',
      A: 'pa$word',
      B: '${HOME}',
      C: '$$',
      D: 'x\u2028  privileged: true',
      ...Object.fromEntries(generated.map((v, i) => [`G${i}`, v])),
    };
    const command = ['sh', '-c', 'echo $1 ${HOME}', 'a$1', ...generated.slice(0, 20)];
    const topology = {
      name: 'hostile',
      loadgen: { path: '/p$x?q=${HOME}' },
      services: {
        gateway: { image: 'reg/img$x:1', command, port: 3000, ingress: true, healthPath: '/h$HOME', env },
        builder: {
          build: { context: './ctx$HOME', dockerfile: 'Dockerfile.$X', args: { V: '${VERSION:-1}' } },
          port: 3000,
        },
      },
    };
    const topologyPath = join(topologyDir, 'mesh.yaml');
    await writeFile(topologyPath, stringify(topology));
    const mesh = await Mesh.load(topologyPath, { cwd: dir });
    const images = { runtime: 'rt:1', consul: 'c:1', prometheus: 'p:1', grafana: 'g:1' };
    const { yaml } = mesh.render(images);
    const rendered = renderProject(mesh.resolved, { images, topologyDir, grafanaDir: '/pkg/grafana' }).compose;
    const file = join(dir, 'hostile.yaml');
    await writeFile(file, yaml);

    const compose = (...args: string[]) =>
      execa('docker', ['compose', '-p', 'meshdev-hostile', '-f', file, 'config', ...args], { reject: false });
    const variables = await compose('--variables');
    expect(variables.stderr).toBe('');
    expect(variables.stdout.trim().split('\n')).toHaveLength(1); // the table's header: no variable is read
    const r = await compose('--format', 'json');
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    // `config` writes the interpolated model with every `$` escaped again as `$$` (Compose 2.26 does):
    // the canary (a single `$`) tells which, and the values are then read as the containers get them.
    const reescaped = r.stdout.includes('"CANARY": "$$"');
    const resolved = JSON.parse(reescaped ? r.stdout.split('$$').join('$') : r.stdout) as {
      services: Record<
        string,
        {
          image?: string;
          entrypoint?: string[] | null;
          command?: string[] | null;
          environment?: Record<string, string>;
          labels?: Record<string, string>;
          healthcheck?: { test: string[] };
          privileged?: boolean;
          build?: { context: string; dockerfile: string; args: Record<string, string> };
        }
      >;
    };
    expect(Object.keys(resolved.services).sort()).toEqual(Object.keys(rendered.services).sort());
    for (const [name, s] of Object.entries(resolved.services)) {
      const want = rendered.services[name]!;
      expect(s.privileged).toBeUndefined();
      // What meshdev generates (probes, bootstrap JSON, labels) reaches Docker as rendered, too.
      const got = { name, image: s.image, entrypoint: s.entrypoint ?? undefined, command: s.command ?? undefined };
      expect(got).toEqual({ name, image: want.image, entrypoint: want.entrypoint, command: want.command });
      expect(s.environment ?? {}).toEqual(want.environment ?? {});
      expect(s.labels).toEqual(want.labels);
      expect(s.healthcheck?.test).toEqual(want.healthcheck?.test);
    }
    const gateway = resolved.services['gateway-1']!;
    for (const [k, v] of Object.entries(env)) expect({ [k]: gateway.environment![k] }).toEqual({ [k]: v });
    expect(gateway.command).toEqual(command);
    expect(gateway.image).toBe('reg/img$x:1');
    expect(resolved.services.loadgen!.environment!.TARGET_URL).toBe('http://ingress:8080/p$x?q=${HOME}');
    const boot = JSON.parse(resolved.services['gateway-1-sidecar']!.environment!.MESHDEV_SIDECAR!) as {
      app: { healthPath: string };
    };
    expect(boot.app.healthPath).toBe('/h$HOME');
    expect(resolved.services['builder-1']!.build).toMatchObject({
      context: join(topologyDir, 'ctx$HOME'),
      dockerfile: 'Dockerfile.$X',
      args: { V: '${VERSION:-1}' },
    });
  });
});
