import { execa } from 'execa';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChaosReport } from '../../cli/chaos/run.js';
import { REPO_ROOT, meshdev } from '../support/cli.js';

/**
 * Every shipped chaos scenario (services/demo/chaos/*.yaml), played against the demo mesh started
 * once in Docker, through the real `meshdev chaos run FILE --json`: exit 0 and every objective met
 * in the JSON report. The figures of each scenario are printed so that they show in the test output.
 *
 * The load is the mesh's own load generator (each scenario sets its rate for the run and restores
 * it); objectives are judged on what it saw, through Prometheus. Before each scenario the mesh is
 * brought back to a clean state (no fault, no partition, every catalog replica running, passing in
 * Consul and in rotation at the gateway's sidecar) so that one scenario's after-effects (an
 * ejection still running, a replica still starting) are not charged to the next.
 */
const PROJECT = 'meshdev-shop';
const CONSUL = 'http://127.0.0.1:8500';
const GATEWAY_SIDECAR = `${PROJECT}-gateway-1-sidecar`;
const SCENARIO_DIR = join(REPO_ROOT, 'services/demo/chaos');
const SCENARIOS = readdirSync(SCENARIO_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const CATALOG = ['catalog-1', 'catalog-2', 'catalog-3'];

let workdir: string;

async function cli(args: string[], timeoutMs = 120_000): Promise<string> {
  const r = await meshdev(args, { cwd: workdir, timeoutMs });
  if (r.exitCode !== 0) throw new Error(`meshdev ${args.join(' ')} exited ${r.exitCode}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

async function passingCatalog(): Promise<number> {
  const res = await fetch(`${CONSUL}/v1/health/service/catalog?passing`, { signal: AbortSignal.timeout(5000) });
  return ((await res.json()) as unknown[]).length;
}

async function gatewayCatalogEndpoints(): Promise<{ id: string; state: string }[]> {
  const r = await execa('docker', [
    'exec',
    GATEWAY_SIDECAR,
    'node',
    '-e',
    'fetch("http://127.0.0.1:15000/endpoints").then(r=>r.text()).then(t=>process.stdout.write(t))',
  ]);
  return (
    (JSON.parse(r.stdout) as { catalog?: { endpoints: { id: string; state: string }[] } }).catalog?.endpoints ?? []
  );
}

/** No fault, no partition, the three catalog replicas running, passing and in rotation (bounded wait). */
async function cleanMesh(): Promise<string> {
  await cli(['fault', 'rm', '--all']);
  await cli(['heal']);
  for (const i of CATALOG) {
    await meshdev(['unpause', i], { cwd: workdir });
    await meshdev(['start', i], { cwd: workdir });
  }
  const deadline = Date.now() + 60_000;
  let last = '';
  while (Date.now() < deadline) {
    const passing = await passingCatalog().catch(() => 0);
    const eps = await gatewayCatalogEndpoints().catch(() => []);
    last = `catalog passing in Consul: ${passing}/3; at the gateway: ${eps.map((e) => `${e.id} ${e.state}`).join(', ')}`;
    if (passing === 3 && eps.length === 3 && eps.every((e) => e.state === 'healthy')) return last;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the mesh did not come back to a clean state within 60 s (${last})`);
}

function figures(r: ChaosReport): string {
  const phases = Object.entries(r.phases).map(([name, p]) => {
    const rate = p.requests === 0 ? 'n/a' : `${((100 * p.successes) / p.requests).toFixed(2)}%`;
    return `${name} [${(p.fromMs / 1000).toFixed(0)}-${(p.toMs / 1000).toFixed(0)}s] ${p.requests} req, success ${rate}, p99 ${p.p99Ms === null ? 'n/a' : `${Math.round(p.p99Ms)} ms`}`;
  });
  const objectives = r.objectives.map((o) => `${o.ok ? 'PASS' : 'FAIL'} ${o.phase} ${o.metric}: ${o.detail}`);
  return [...phases, ...objectives, ...(r.aborted ? [`aborted: ${r.aborted}`] : [])].join('\n  ');
}

beforeAll(async () => {
  workdir = await mkdtemp(join(tmpdir(), 'meshdev-chaos-'));
  const up = await meshdev(['up', '--detach', '--wait'], { cwd: workdir, timeoutMs: 600_000 });
  if (up.exitCode !== 0) throw new Error(`meshdev up failed (${up.exitCode}): ${up.stderr}${up.stdout}`);
}, 900_000);

afterAll(async () => {
  await meshdev(['fault', 'rm', '--all'], { cwd: workdir }).catch(() => undefined);
  await meshdev(['heal'], { cwd: workdir }).catch(() => undefined);
  await meshdev(['down'], { cwd: workdir });
  await rm(workdir, { recursive: true, force: true });
}, 300_000);

describe.sequential('the shipped chaos scenarios against the demo mesh', () => {
  it('ships the five kinds the issue names (kill, pause, slow, abort, partition)', () => {
    for (const kind of ['kill', 'pause', 'slow', 'abort', 'partition'])
      expect(SCENARIOS.some((f) => f.startsWith(`${kind}-`))).toBe(true);
  });

  it.each(SCENARIOS)('%s meets its objectives', async (file) => {
    const clean = await cleanMesh();
    const catalogPolicyBefore = await cli(['policy', 'get', 'catalog', '--json']);
    const started = Date.now();
    const r = await meshdev(['chaos', 'run', join(SCENARIO_DIR, file), '--json'], { cwd: workdir, timeoutMs: 300_000 });
    let report: ChaosReport;
    try {
      report = JSON.parse(r.stdout) as ChaosReport;
    } catch {
      throw new Error(`chaos run ${file} printed no JSON report (exit ${r.exitCode}): ${r.stderr}${r.stdout}`);
    }
    console.log(
      `[chaos] ${report.scenario} (${((Date.now() - started) / 1000).toFixed(0)} s, exit ${r.exitCode}, host load ${loadavg()[0]!.toFixed(1)}; before: ${clean})\n  ${figures(report)}`,
    );
    const missed = report.objectives.filter((o) => !o.ok).map((o) => `${o.phase} ${o.metric}: ${o.detail}`);
    expect(missed, r.stderr).toEqual([]);
    expect(report.aborted).toBeUndefined();
    expect(report.ok).toBe(true);
    expect(r.exitCode).toBe(0);
    // Every step was applied and reverted, and a policy a scenario set is back as it was.
    for (const t of report.timeline) expect(t.error, `${t.kind} ${t.step}`).toBeUndefined();
    expect(await cli(['policy', 'get', 'catalog', '--json'])).toBe(catalogPolicyBefore);
  });
});
