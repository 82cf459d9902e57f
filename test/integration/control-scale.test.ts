import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meshActuators } from '../../cli/chaos/actuators.js';
import { parseScenario } from '../../cli/chaos/load.js';
import { writeScaleOverrides } from '../../cli/control/scale.js';
import { Mesh } from '../../cli/mesh/mesh.js';
import { planScale } from '../../cli/mesh/scale.js';
import { connectDocker } from '../../cli/runtime/docker.js';
import { ControlMeshActions } from '../../cli/tui/actions.js';
import { ConsulClient } from '../../proxy/consul/client.js';
import type { FaultDocument } from '../../proxy/schema/faults.js';
import { faultRulesPrefix } from '../../proxy/schema/faults.js';
import { FieldError, Mesh as ApiMesh } from '../../cli/api.js';
import { meshdev } from '../support/cli.js';
import { startConsul } from '../support/consul.js';
import type { ConsulAgent } from '../support/consul.js';

/**
 * After `meshdev scale catalog 4` (its override written by the same code `meshdev scale` runs),
 * every front door accepts the new instance catalog-4: the command (the built CLI, in the mesh's
 * directory), a chaos scenario (planner and actuator), the terminal UI's actions. Each goes through
 * the mesh's control, so each reads the override; Consul is real, Docker is never reached.
 */

let consul: ConsulAgent;
let kv: ConsulClient;
let dir: string;
let file: string;

async function stored(): Promise<FaultDocument[]> {
  return (await kv.kvList(faultRulesPrefix('scalectl'), 0, 0)).value.map((e) => JSON.parse(e.value!) as FaultDocument);
}

beforeAll(async () => {
  consul = await startConsul();
  kv = new ConsulClient(consul.url);
  dir = await mkdtemp(path.join(os.tmpdir(), 'meshdev-scalectl-'));
  file = path.join(dir, 'mesh.yaml');
  await writeFile(
    file,
    [
      'name: scalectl',
      `ports: { ingress: 18081, consul: ${consul.httpPort}, prometheus: 19091, grafana: 13001 }`,
      'services:',
      '  gateway: { image: busybox, port: 3000, ingress: true, upstreams: [catalog] }',
      '  catalog: { image: busybox, port: 3000, replicas: 2 }',
      '',
    ].join('\n'),
  );
});

afterAll(async () => {
  await consul?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('before the scale', () => {
  it('catalog-4 is not an instance: the command refuses it (exit 2) and writes nothing', async () => {
    const r = await meshdev(['fault', 'add', 'catalog-4', '--abort', '503', '-f', file], {
      cwd: dir,
      timeoutMs: 30_000,
    });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/TARGET: "catalog-4" is not a service, service@version or instance of mesh scalectl/);
    expect(await stored()).toEqual([]);
  });
});

describe('after `meshdev scale catalog 4`', () => {
  beforeAll(async () => {
    const mesh = await Mesh.load(file, { cwd: dir });
    const plan = planScale(mesh.resolved, mesh.scaleOverrides, 'catalog', { kind: 'absolute', replicas: 4 });
    expect(plan.add).toEqual(['catalog-3', 'catalog-4']);
    await mkdir(mesh.stateDir, { recursive: true });
    await writeScaleOverrides(mesh, plan.overrides);
  });

  it('the command: `fault add catalog-4` is written, targeting the instance', async () => {
    const r = await meshdev(['fault', 'add', 'catalog-4', '--abort', '503', '--percent', '50', '-f', file, '--json'], {
      cwd: dir,
      timeoutMs: 30_000,
    });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const { fault } = JSON.parse(r.stdout) as { fault: FaultDocument };
    expect(fault).toMatchObject({ target: { service: 'catalog', instance: 'catalog-4' }, percent: 50 });
    expect((await stored()).map((f) => f.id)).toEqual([fault.id]);
    expect((await meshdev(['fault', 'rm', '--all', '-f', file], { cwd: dir, timeoutMs: 30_000 })).exitCode).toBe(0);
  });

  it('the command: a partition names services; naming catalog-4 says which service it is', async () => {
    const r = await meshdev(['partition', 'gateway', 'catalog-4', '-f', file], { cwd: dir, timeoutMs: 30_000 });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(
      /B: "catalog-4" is not a service .*"catalog-4" is an instance of catalog: name the service/,
    );
    const ok = await meshdev(['partition', 'gateway', 'catalog', '--ttl', '1m', '-f', file], {
      cwd: dir,
      timeoutMs: 30_000,
    });
    expect(ok.exitCode).toBe(0);
    expect((await meshdev(['heal', '-f', file], { cwd: dir, timeoutMs: 30_000 })).stdout).toMatch(/healed 1/);
  });

  it('chaos: the planner accepts steps on catalog-4 and the actuator writes and removes its fault', async () => {
    const control = (await Mesh.load(file, { cwd: dir })).control();
    const { plan } = parseScenario(
      [
        'name: scaled',
        'duration: 20s',
        'steps:',
        '  - { name: slow-4, at: 1s, for: 5s, fault: { target: catalog-4, delay: 200ms, percent: 50 } }',
        '  - { name: kill-4, at: 10s, for: 5s, kill: catalog-4 }',
        'objectives: [{ successRate: 99 }]',
        '',
      ].join('\n'),
      'scaled.yaml',
      control.mesh,
    );
    const step = plan.steps.find((s) => s.name === 'slow-4')!;
    const actuators = meshActuators(control, 'test');
    expect(await actuators.apply(step, 19_000)).toMatch(/^fault chaos-test-0: delay 200ms on catalog-4/);
    expect(await stored()).toMatchObject([
      { id: 'chaos-test-0', target: { instance: 'catalog-4' }, createdBy: 'meshdev chaos run (test)' },
    ]);
    expect(await actuators.revert(step)).toBe('removed fault chaos-test-0');
    expect(await stored()).toEqual([]);
  });

  it('the UI: a mesh loaded before the scale still reaches catalog-4 through its control', async () => {
    // The dashboard's mesh may predate a `meshdev scale` run elsewhere; its control reads the override again.
    const control = (await Mesh.load(file, { cwd: dir })).control();
    const ui = new ControlMeshActions(control, connectDocker(), async () => undefined);
    await ui.addFault('catalog-4', { kind: 'reset', value: undefined, percent: 100, ttlMs: 60_000 });
    expect(await stored()).toMatchObject([
      { action: { type: 'reset' }, target: { instance: 'catalog-4' }, createdBy: 'meshdev ui' },
    ]);
    await ui.clearFaults('catalog-4');
    expect(await stored()).toEqual([]);
    // `C`: every fault and every partition.
    await ui.addFault('catalog-4', { kind: 'flaky', value: 2, percent: 100, ttlMs: 60_000 });
    await ui.partition('gateway', 'catalog', 60_000);
    expect((await control.listFaults()).partitions).toHaveLength(1);
    await ui.clearAllFaults();
    expect(await stored()).toEqual([]);
    expect((await control.listFaults()).partitions).toEqual([]);
  });

  it('the programmatic API: typed faults on the scaled mesh; bad input names the field', async () => {
    const control = (await ApiMesh.load(file, { cwd: dir })).control();
    const doc = await control.addFault({ target: 'catalog-4', kind: 'abort', status: 503, percent: 50, ttlMs: 60_000 });
    expect(doc).toMatchObject({ target: { instance: 'catalog-4' }, percent: 50, action: { status: 503 } });
    const err = await control.addFault({ target: 'catalog', kind: 'delay', fixedMs: 700_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FieldError);
    expect(err).toMatchObject({ field: 'fixedMs', exitCode: 2 });
    expect(await control.clearAllFaults()).toEqual([doc.id]);
  });
});
