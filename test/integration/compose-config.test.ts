import { execa } from 'execa';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Mesh } from '../../cli/mesh/mesh.js';
import { DEMO_TOPOLOGY_PATH } from '../../cli/mesh/load.js';

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
});
