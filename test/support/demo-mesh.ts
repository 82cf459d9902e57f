import { execa } from 'execa';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { meshdev } from './cli.js';

/**
 * The bundled demo mesh as the Docker end-to-end tests drive it, through the real CLI: started
 * once per test file from an empty directory, brought back to a clean state between cases, and
 * taken down with whatever a failed case left behind.
 */

export const DEMO_PROJECT = 'meshdev-shop';
export const CONSUL_URL = 'http://127.0.0.1:8500';
export const PROMETHEUS_URL = 'http://127.0.0.1:9090';
/** The sidecar of the one gateway: the caller of `catalog` whose rotation the tests watch. */
export const GATEWAY_SIDECAR = `${DEMO_PROJECT}-gateway-1-sidecar`;
export const CATALOG = ['catalog-1', 'catalog-2', 'catalog-3'] as const;

/** Runs `meshdev ARGS` in `workdir`; a non-zero exit throws with its output. */
export async function cli(workdir: string, args: readonly string[], timeoutMs = 120_000): Promise<string> {
  const r = await meshdev(args, { cwd: workdir, timeoutMs });
  if (r.exitCode !== 0) throw new Error(`meshdev ${args.join(' ')} exited ${r.exitCode}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** `meshdev up --detach --wait` from a new empty directory (so the bundled demo is used); returns it. */
export async function startDemoMesh(prefix: string): Promise<string> {
  const workdir = await mkdtemp(join(tmpdir(), prefix));
  const up = await meshdev(['up', '--detach', '--wait'], { cwd: workdir, timeoutMs: 600_000 });
  if (up.exitCode !== 0) throw new Error(`meshdev up failed (${up.exitCode}): ${up.stderr}${up.stdout}`);
  return workdir;
}

/** Clears faults and partitions (best effort), brings the mesh down and removes the directory. */
export async function stopDemoMesh(workdir: string): Promise<void> {
  await meshdev(['fault', 'rm', '--all'], { cwd: workdir }).catch(() => undefined);
  await meshdev(['heal'], { cwd: workdir }).catch(() => undefined);
  await meshdev(['down'], { cwd: workdir });
  await rm(workdir, { recursive: true, force: true });
}

/** The catalog endpoints as the gateway's sidecar sees them (its admin port is not published). */
export async function gatewayCatalogEndpoints(): Promise<{ id: string; state: string }[]> {
  const r = await execa('docker', [
    'exec',
    GATEWAY_SIDECAR,
    'node',
    '-e',
    'fetch("http://127.0.0.1:15000/endpoints").then(r=>r.text()).then(t=>process.stdout.write(t))',
  ]);
  const view = JSON.parse(r.stdout) as { catalog?: { endpoints: { id: string; state: string }[] } };
  return view.catalog?.endpoints ?? [];
}

async function passingCatalog(): Promise<number> {
  const res = await fetch(`${CONSUL_URL}/v1/health/service/catalog?passing`, { signal: AbortSignal.timeout(5000) });
  return ((await res.json()) as unknown[]).length;
}

/**
 * Bounded wait until the gateway's sidecar has the three catalog replicas in rotation (and, with
 * `consul`, Consul has them passing). Returns whether it got there and what it saw last.
 */
export async function untilCatalogInRotation(
  options: { consul?: boolean; timeoutMs?: number } = {},
): Promise<{ ok: boolean; detail: string }> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let detail = '';
  for (;;) {
    const passing = options.consul ? await passingCatalog().catch(() => 0) : CATALOG.length;
    const eps = await gatewayCatalogEndpoints().catch(() => []);
    detail = `${options.consul ? `catalog passing in Consul: ${passing}/3; ` : ''}at the gateway: ${eps.map((e) => `${e.id} ${e.state}`).join(', ')}`;
    const ok = passing === CATALOG.length && eps.length === CATALOG.length && eps.every((e) => e.state === 'healthy');
    if (ok || Date.now() >= deadline) return { ok, detail };
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** No fault, no partition, every catalog replica unpaused and started (a previous case may have left any). */
export async function resetCatalog(workdir: string): Promise<void> {
  await cli(workdir, ['fault', 'rm', '--all']);
  await cli(workdir, ['heal']);
  for (const i of CATALOG) {
    await meshdev(['unpause', i], { cwd: workdir });
    await meshdev(['start', i], { cwd: workdir });
  }
}

async function promScalar(promql: string): Promise<number> {
  const res = await fetch(`${PROMETHEUS_URL}/api/v1/query?query=${encodeURIComponent(promql)}`, {
    signal: AbortSignal.timeout(5000),
  });
  const body = (await res.json()) as { data?: { result?: { value: [number, string] }[] } };
  return Number(body.data?.result?.[0]?.value[1] ?? 0);
}

/**
 * Bounded wait until the mesh's own load generator saw a clean window: requests, and every one a
 * success, over the last `windowSeconds` (from Prometheus). Right after `up` the mesh still warms up
 * (compiling hot code, containers settling) on a busy 2-core machine, and a chaos scenario started
 * then is charged for it.
 */
export async function untilClientsClean(
  options: { windowSeconds?: number; timeoutMs?: number } = {},
): Promise<{ ok: boolean; detail: string }> {
  const window = `${options.windowSeconds ?? 15}s`;
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  let detail = '';
  for (;;) {
    const ok = await promScalar(`sum(increase(meshdev_client_requests_total{outcome="success"}[${window}]))`).catch(
      () => 0,
    );
    const failed = await promScalar(
      `sum(increase(meshdev_client_requests_total{outcome!="success"}[${window}]))`,
    ).catch(() => NaN);
    detail = `last ${window}: ${Math.round(ok)} ok, ${Number.isNaN(failed) ? '?' : Math.round(failed)} failed`;
    if ((ok > 0 && failed === 0) || Date.now() >= deadline) return { ok: ok > 0 && failed === 0, detail };
    await new Promise((r) => setTimeout(r, 2000));
  }
}
