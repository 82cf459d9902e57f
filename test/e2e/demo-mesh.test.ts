import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meshdev, spawnMeshdev } from '../support/cli.js';
import { projectResources } from '../support/docker.js';
import { panelQueries } from '../../grafana/panels.js';

/**
 * The demo mesh, really started in Docker through the CLI, as a user would: `up --detach --wait`,
 * traffic through the ingress across several sidecar hops, registrations in Consul, targets in
 * Prometheus, `status --json`, then `down` leaves nothing behind.
 */
const PROJECT = 'meshdev-shop';
const INGRESS = 'http://127.0.0.1:8080';
const CONSUL = 'http://127.0.0.1:8500';
const PROMETHEUS = 'http://127.0.0.1:9090';

const DEMO_INSTANCES = {
  gateway: ['gateway-1'],
  catalog: ['catalog-1', 'catalog-2', 'catalog-3'],
  pricing: ['pricing-1', 'pricing-2', 'pricing-3'],
  inventory: ['inventory-1', 'inventory-2'],
} as const;

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

/** Polls `probe` until it returns true or `timeoutMs` passes (bounded; never loops forever). */
async function eventually(probe: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await probe()) return;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}

let workdir: string;

beforeAll(async () => {
  workdir = await mkdtemp(join(tmpdir(), 'meshdev-e2e-'));
  // A mesh left over by an earlier, interrupted run must not make this one pass or fail.
  await meshdev(['down'], { cwd: workdir });
});

afterAll(async () => {
  await meshdev(['down'], { cwd: workdir });
  await rm(workdir, { recursive: true, force: true });
});

describe('bad input starts nothing', () => {
  it('rejects an invalid topology with exit 2, naming file and field', async () => {
    const file = join(workdir, 'bad.yaml');
    await writeFile(file, 'name: badmesh\nservices:\n  catalog:\n    port: 3000\n    replicas: -1\n');
    const r = await meshdev(['up', '-f', file, '--detach'], { cwd: workdir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`${file}:5:5: services.catalog.replicas:`);
    expect((await projectResources('meshdev-badmesh')).containers).toEqual([]);
  });

  it('names a host port that is already in use and leaves nothing half-started', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(18_599, '127.0.0.1', r));
    try {
      const file = join(workdir, 'busy.yaml');
      await writeFile(
        file,
        'name: busymesh\nports: {consul: 18599, prometheus: 18598, ingress: 18597, grafana: 18596}\nservices:\n  web: {command: [service, inventory], port: 3000}\n',
      );
      const r = await meshdev(['up', '-f', file, '--detach'], { cwd: workdir });
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(/host port 18599 \(ports\.consul\) is already in use/);
      expect(r.stderr).toMatch(/fix:/);
      expect(await projectResources('meshdev-busymesh')).toEqual({ containers: [], networks: [], volumes: [] });
    } finally {
      blocker.close();
    }
  });
});

describe('the demo mesh', () => {
  it('comes up with --detach --wait', async () => {
    const r = await meshdev(['up', '--detach', '--wait', '--timeout', '5m'], { cwd: workdir });
    if (r.exitCode !== 0) throw new Error(`meshdev up failed (${r.exitCode}):\n${r.stderr}\n${r.stdout}`);
    expect(r.stdout).toContain('mesh shop is up');
    expect(r.stdout).toContain('http://127.0.0.1:8080/products');
  });

  it('answers /products through the ingress across >= 3 sidecar hops, naming every instance', async () => {
    // `--wait` returned when every instance was passing; callers learn it through Consul watches
    // within moments. Allow that, bounded, then require 30 answers in a row to be 200.
    await eventually(
      async () => (await fetch(`${INGRESS}/products`, { signal: AbortSignal.timeout(5000) })).status === 200,
      20_000,
      'a first 200 from the ingress',
    );
    const seenCatalog = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const res = await fetch(`${INGRESS}/products`, { signal: AbortSignal.timeout(5000) });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { servedBy: Record<string, string>; products: unknown[] };
      expect(body.products.length).toBeGreaterThan(0);
      // ingress -> gateway sidecar -> gateway -> catalog sidecar -> catalog -> pricing/inventory sidecars
      expect(Object.keys(body.servedBy)).toEqual(
        expect.arrayContaining(['gateway', 'catalog', 'pricing', 'inventory']),
      );
      expect(DEMO_INSTANCES.gateway).toContain(body.servedBy.gateway);
      expect(DEMO_INSTANCES.pricing).toContain(body.servedBy.pricing);
      seenCatalog.add(body.servedBy.catalog!);
    }
    // The balancer spreads load: every catalog replica served some of 30 requests.
    expect([...seenCatalog].sort()).toEqual([...DEMO_INSTANCES.catalog]);
  });

  it('has every instance registered and passing in Consul', async () => {
    await eventually(
      async () => {
        const r = await meshdev(['status', '--json'], { cwd: workdir });
        const st = JSON.parse(r.stdout) as { services: Array<{ instances: Array<{ health: string }> }> };
        return st.services.every((s) => s.instances.every((i) => i.health === 'passing'));
      },
      30_000,
      'every instance passing',
    );
    for (const [service, ids] of Object.entries(DEMO_INSTANCES)) {
      const entries = await getJson<
        Array<{ Service: { ID: string; Meta: Record<string, string> }; Checks: Array<{ Status: string }> }>
      >(`${CONSUL}/v1/health/service/${service}`);
      expect(entries.map((e) => e.Service.ID).sort()).toEqual([...ids].sort());
      for (const e of entries) {
        expect(
          e.Checks.every((c) => c.Status === 'passing'),
          `${e.Service.ID} passing`,
        ).toBe(true);
        expect(e.Service.Meta.metrics_port).toBe('15000');
      }
    }
  });

  it('has every sidecar as an up target in Prometheus, discovered through Consul', async () => {
    const expected = [...Object.values(DEMO_INSTANCES).flat(), 'ingress'].sort();
    await eventually(
      async () => {
        const t = await getJson<{
          data: { activeTargets: Array<{ labels: Record<string, string>; health: string; scrapePool: string }> };
        }>(`${PROMETHEUS}/api/v1/targets?state=active`);
        const sidecars = t.data.activeTargets.filter((x) => x.scrapePool === 'meshdev');
        const up = sidecars
          .filter((x) => x.health === 'up')
          .map((x) => x.labels.instance!)
          .sort();
        return JSON.stringify(up) === JSON.stringify(expected);
      },
      60_000,
      `Prometheus targets ${expected.join(', ')} all up`,
    );
  });

  it('answers every dashboard panel query from the live Prometheus', async () => {
    const queries = panelQueries();
    expect(queries.length).toBeGreaterThan(10);
    const always = queries.filter((q) => q.expectsData === 'always');
    // The load generator has been sending traffic since the mesh came up; give rates a window.
    await eventually(
      async () => {
        for (const q of always) {
          const r = await getJson<{ status: string; data: { result: unknown[] } }>(
            `${PROMETHEUS}/api/v1/query?query=${encodeURIComponent(q.promql)}`,
          );
          if (r.status !== 'success' || r.data.result.length === 0)
            throw new Error(`no data for panel "${q.panelTitle}": ${q.promql}`);
        }
        return true;
      },
      90_000,
      'data in every panel',
    );
    for (const q of queries) {
      const r = await getJson<{ status: string }>(`${PROMETHEUS}/api/v1/query?query=${encodeURIComponent(q.promql)}`);
      expect(r.status, q.promql).toBe('success');
    }
  });

  it('reports every instance in status --json', async () => {
    const r = await meshdev(['status', '--json'], { cwd: workdir });
    expect(r.exitCode).toBe(0);
    const status = JSON.parse(r.stdout) as {
      name: string;
      services: Array<{
        name: string;
        instances: Array<{ id: string; version: string; container: string; state: string; health: string }>;
      }>;
      endpoints: Record<string, string | null>;
    };
    expect(status.name).toBe('shop');
    const instances = status.services.flatMap((s) => s.instances);
    expect(instances.map((i) => i.id).sort()).toEqual(Object.values(DEMO_INSTANCES).flat().sort());
    for (const i of instances) {
      expect(i).toMatchObject({ state: 'running', health: 'passing' });
      expect(i.container).toBe(`${PROJECT}-${i.id}`);
    }
    expect(status.services.find((s) => s.name === 'pricing')!.instances.map((i) => i.version)).toEqual([
      'v1',
      'v1',
      'v2',
    ]);
    expect(status.endpoints).toMatchObject({ ingress: INGRESS, consul: CONSUL, prometheus: PROMETHEUS });
  });

  it('reconciles on a second up: no duplicate containers', async () => {
    const before = (await projectResources(PROJECT)).containers.sort();
    const r = await meshdev(['up', '--detach', '--wait'], { cwd: workdir });
    expect(r.exitCode, r.stderr).toBe(0);
    expect((await projectResources(PROJECT)).containers.sort()).toEqual(before);
  });

  it('shows an instance log', async () => {
    const r = await meshdev(['logs', 'catalog-2'], { cwd: workdir });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/catalog-2/);
  });

  it('goes down leaving no container, network or volume', async () => {
    const r = await meshdev(['down'], { cwd: workdir });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await projectResources(PROJECT)).toEqual({ containers: [], networks: [], volumes: [] });
  });
});

describe('an interrupted up', () => {
  it('leaves nothing once interrupted with Ctrl-C', async () => {
    const child = spawnMeshdev(['up', '--detach', '--wait'], { cwd: workdir });
    // Interrupt while containers are being created/started.
    await eventually(async () => (await projectResources(PROJECT)).containers.length > 0, 120_000, 'first container');
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode).not.toBe(0);
    await meshdev(['down'], { cwd: workdir });
    expect(await projectResources(PROJECT)).toEqual({ containers: [], networks: [], volumes: [] });
  });
});
