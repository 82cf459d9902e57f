import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meshdev } from '../support/cli.js';
import { projectResources } from '../support/docker.js';

/**
 * `meshdev scale` against a real Docker mesh of its own (ports apart from the demo's): a new
 * instance registers in Consul and serves traffic, `up` again keeps it, scaling down stops and
 * removes instances and their registrations, and `down` leaves nothing (override included).
 */
const TOPOLOGY = `name: scaletest
ports: {ingress: 28180, consul: 28500, prometheus: 29190, grafana: 23100}
grafana: false
loadgen: {enabled: false}
services:
  gateway: {command: [service, gateway], port: 3000, ingress: true, upstreams: [catalog]}
  catalog: {command: [service, catalog], port: 3000, replicas: 2, upstreams: [pricing, inventory]}
  pricing: {command: [service, pricing], port: 3000}
  inventory: {command: [service, inventory], port: 3000}
`;
const INGRESS = 'http://127.0.0.1:28180';
const CONSUL = 'http://127.0.0.1:28500';
const PROJECT = 'meshdev-scaletest';

let dir: string;
let file: string;

async function consulCatalog(): Promise<Array<{ id: string; status: string }>> {
  const res = await fetch(`${CONSUL}/v1/health/service/catalog`, { signal: AbortSignal.timeout(3000) });
  const entries = (await res.json()) as Array<{ Service: { ID: string }; Checks: Array<{ Status: string }> }>;
  return entries
    .map((e) => ({
      id: e.Service.ID,
      status: e.Checks.every((c) => c.Status === 'passing') ? 'passing' : 'not passing',
    }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

async function catalogContainers(): Promise<string[]> {
  return (await projectResources(PROJECT)).containers.filter((c) => c.includes('-catalog-')).sort();
}

/** Which catalog instance served each of `n` requests through the ingress (every answer must be 200). */
async function servedBy(n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${INGRESS}/products`, { signal: AbortSignal.timeout(5000) });
    expect(res.status).toBe(200);
    out.push(((await res.json()) as { servedBy: { catalog: string } }).servedBy.catalog);
  }
  return out;
}

/** The fault and partition ids an instance's sidecar applies (its admin `/faults`; the port is not published). */
async function sidecarFaults(instance: string): Promise<{ faults: string[]; partitions: string[] }> {
  const r = await execa('docker', [
    'exec',
    `${PROJECT}-${instance}-sidecar`,
    'node',
    '-e',
    'fetch("http://127.0.0.1:15000/faults").then(r=>r.text()).then(t=>process.stdout.write(t))',
  ]);
  const view = JSON.parse(r.stdout) as { faults: { id: string }[]; partitions: { id: string }[] };
  return { faults: view.faults.map((f) => f.id), partitions: view.partitions.map((p) => p.id) };
}

async function until(probe: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshdev-scale-'));
  file = join(dir, 'mesh.yaml');
  await writeFile(file, TOPOLOGY);
  await meshdev(['down', '-f', file], { cwd: dir });
  const up = await meshdev(['up', '-f', file, '--detach', '--wait'], { cwd: dir });
  if (up.exitCode !== 0) throw new Error(`up failed:\n${up.stderr}`);
});

afterAll(async () => {
  await meshdev(['down', '-f', file], { cwd: dir });
  await rm(dir, { recursive: true, force: true });
});

describe('meshdev scale', () => {
  it('rejects bad input with exit 2 and changes nothing', async () => {
    const r = await meshdev(['scale', 'catalgo=+1', '-f', file], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/unknown service "catalgo"/);
    const r2 = await meshdev(['scale', 'catalog', '-f', file, '--', '-3'], { cwd: dir });
    expect(r2.exitCode).toBe(2);
    expect(r2.stderr).toMatch(/cannot go to -1/);
    expect(await catalogContainers()).toHaveLength(4);
  });

  it('scales up: the new instance registers in Consul and receives traffic', async () => {
    const r = await meshdev(['scale', 'catalog=+1', '-f', file], { cwd: dir });
    if (r.exitCode !== 0) throw new Error(`scale failed:\n${r.stderr}`);
    expect(r.stdout).toContain('scaled catalog 2 -> 3 (v1=3): added catalog-3');
    expect(await consulCatalog()).toEqual([
      { id: 'catalog-1', status: 'passing' },
      { id: 'catalog-2', status: 'passing' },
      { id: 'catalog-3', status: 'passing' },
    ]);
    // The gateway's sidecar learns of catalog-3 through its Consul watch; round-robin then sends it
    // every third request.
    await until(async () => (await servedBy(6)).includes('catalog-3'), 30_000, 'a request served by catalog-3');
    expect(existsSync(join(dir, '.meshdev/scaletest/scale.json'))).toBe(true);
  });

  it('status and a second up keep the scaled instance', async () => {
    const status = await meshdev(['status', '-f', file], { cwd: dir });
    expect(status.stdout).toMatch(/catalog\s+catalog-3\s+v1\s+running\s+running\s+passing/);
    const before = await catalogContainers();
    const up = await meshdev(['up', '-f', file, '--detach', '--wait'], { cwd: dir });
    expect(up.exitCode).toBe(0);
    expect(await catalogContainers()).toEqual(before);
    expect(before).toHaveLength(6);
  });

  it('a scaled instance is a target like any other: fault add catalog-4, a partition reaching it', async () => {
    const up = await meshdev(['scale', 'catalog', '4', '-f', file], { cwd: dir });
    if (up.exitCode !== 0) throw new Error(`scale failed:\n${up.stderr}`);
    const add = await meshdev(['fault', 'add', 'catalog-4', '--abort', '503', '--ttl', '2m', '-f', file, '--json'], {
      cwd: dir,
    });
    expect(add.stderr).toBe('');
    expect(add.exitCode).toBe(0);
    const { fault } = JSON.parse(add.stdout) as { fault: { id: string; target: unknown } };
    expect(fault.target).toEqual({ service: 'catalog', instance: 'catalog-4' });
    await until(
      async () => (await sidecarFaults('catalog-4')).faults.includes(fault.id),
      15_000,
      'catalog-4 applying it',
    );
    const named = await meshdev(['partition', 'gateway', 'catalog-4', '-f', file], { cwd: dir });
    expect(named.exitCode).toBe(2);
    expect(named.stderr).toMatch(/"catalog-4" is an instance of catalog: name the service/);
    const cut = await meshdev(['partition', 'gateway', 'catalog', '--ttl', '2m', '-f', file, '--json'], { cwd: dir });
    expect(cut.exitCode).toBe(0);
    const { partition } = JSON.parse(cut.stdout) as { partition: { id: string } };
    await until(
      async () => (await sidecarFaults('catalog-4')).partitions.includes(partition.id),
      15_000,
      'catalog-4 applying the partition',
    );
    expect((await meshdev(['heal', '-f', file], { cwd: dir })).exitCode).toBe(0);
    expect((await meshdev(['fault', 'rm', '--all', '-f', file], { cwd: dir })).exitCode).toBe(0);
    const back = await meshdev(['scale', 'catalog', '3', '-f', file], { cwd: dir });
    if (back.exitCode !== 0) throw new Error(`scale failed:\n${back.stderr}`);
    expect(await catalogContainers()).toHaveLength(6);
  });

  it('scales down: the highest-numbered instances are stopped, removed and deregistered', async () => {
    const r = await meshdev(['scale', 'catalog', '1', '-f', file], { cwd: dir });
    if (r.exitCode !== 0) throw new Error(`scale failed:\n${r.stderr}`);
    expect(r.stdout).toContain('removed catalog-2, catalog-3');
    expect(await catalogContainers()).toEqual(['meshdev-scaletest-catalog-1', 'meshdev-scaletest-catalog-1-sidecar']);
    expect(await consulCatalog()).toEqual([{ id: 'catalog-1', status: 'passing' }]);
    await until(async () => (await servedBy(10)).every((id) => id === 'catalog-1'), 15_000, 'only catalog-1 serving');
    const status = await meshdev(['status', '-f', file], { cwd: dir });
    expect(status.stdout).not.toContain('catalog-2');
  });

  it('down removes everything, the override with it: the next up uses the topology as written', async () => {
    const r = await meshdev(['down', '-f', file], { cwd: dir });
    expect(r.exitCode).toBe(0);
    expect((await projectResources(PROJECT)).containers).toEqual([]);
    expect(existsSync(join(dir, '.meshdev/scaletest/scale.json'))).toBe(false);
    const compose = await meshdev(['compose', '-f', file], { cwd: dir });
    expect(compose.stdout).toContain('catalog-2-sidecar');
  });
});
