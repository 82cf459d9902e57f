import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meshdev } from '../support/cli.js';
import { projectResources } from '../support/docker.js';

/**
 * `meshdev kill|stop|start|restart|pause|unpause INSTANCE [--sidecar]` on real containers: a tiny
 * Compose project of its own (unique name, no published ports, the local base image) labelled as
 * `meshdev up` labels an instance's app and sidecar.
 */

const suffix = Math.random().toString(36).slice(2, 8);
const meshName = `faulttest${suffix}`;
const project = `meshdev-${meshName}`;
const docker = new Docker();
let dir: string;
let topology: string;
let composeFile: string;

function container(instance: string, role: 'app' | 'sidecar') {
  return {
    image: 'meshdev/debian:trixie',
    command: ['sleep', 'infinity'],
    init: true,
    network_mode: 'none',
    labels: {
      'dev.meshdev.mesh': meshName,
      'dev.meshdev.role': role,
      'dev.meshdev.service': 'catalog',
      'dev.meshdev.instance': instance,
      'dev.meshdev.version': 'v1',
    },
  };
}

async function state(name: string): Promise<string> {
  const info = await docker.getContainer(`${project}-${name}`).inspect();
  return info.State.Status;
}
const cli = (...args: string[]) => meshdev([...args, '-f', topology], { timeoutMs: 60_000 });

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'meshdev-faulttest-'));
  topology = path.join(dir, 'mesh.yaml');
  composeFile = path.join(dir, 'compose.json');
  await writeFile(
    topology,
    `name: ${meshName}\nports: { ingress: 18081, consul: 18501, prometheus: 19091, grafana: 13001 }\nservices:\n  catalog: { image: busybox, port: 3000, replicas: 2 }\n`,
  );
  await writeFile(
    composeFile,
    JSON.stringify({
      name: project,
      services: {
        'catalog-1': { ...container('catalog-1', 'app'), container_name: `${project}-catalog-1` },
        'catalog-1-sidecar': { ...container('catalog-1', 'sidecar'), container_name: `${project}-catalog-1-sidecar` },
      },
    }),
  );
  await execa('docker', ['compose', '-p', project, '-f', composeFile, 'up', '--detach', '--wait'], {
    timeout: 120_000,
  });
});

afterAll(async () => {
  await execa('docker', ['compose', '-p', project, '-f', composeFile, 'down', '--timeout', '1'], { reject: false });
  expect((await projectResources(project)).containers).toEqual([]);
  await rm(dir, { recursive: true, force: true });
});

describe('container faults', () => {
  it('pause / unpause', async () => {
    const r = await cli('pause', 'catalog-1');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(`^\\S+Z paused catalog-1 \\(container ${project}-catalog-1\\); state now: paused$`),
    );
    expect(await state('catalog-1')).toBe('paused');
    expect(await state('catalog-1-sidecar')).toBe('running');
    expect((await cli('unpause', 'catalog-1')).exitCode).toBe(0);
    expect(await state('catalog-1')).toBe('running');
  });

  it('kill (SIGKILL) then start', async () => {
    const r = await cli('kill', 'catalog-1', '--json');
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ action: 'kill', instance: 'catalog-1', role: 'app', state: 'exited' });
    const info = await docker.getContainer(`${project}-catalog-1`).inspect();
    expect(info.State.ExitCode).toBe(137);
    expect((await cli('start', 'catalog-1')).stdout).toMatch(/started catalog-1 .* state now: running$/);
    expect(await state('catalog-1')).toBe('running');
  });

  it('stop, start twice (already running: nothing to do), restart', async () => {
    expect((await cli('stop', 'catalog-1', '--timeout', '1s')).stdout).toMatch(/state now: exited$/);
    expect((await cli('start', 'catalog-1')).exitCode).toBe(0);
    const again = await cli('start', 'catalog-1');
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(/catalog-1 was already running .*nothing to do$/);
    const before = (await docker.getContainer(`${project}-catalog-1`).inspect()).State.StartedAt;
    expect((await cli('restart', 'catalog-1', '--timeout', '1s')).stdout).toMatch(/restarted catalog-1 .*running$/);
    expect((await docker.getContainer(`${project}-catalog-1`).inspect()).State.StartedAt).not.toBe(before);
  });

  it('--sidecar acts on the sidecar only', async () => {
    expect((await cli('kill', 'catalog-1', '--sidecar')).stdout).toMatch(/killed catalog-1 \(sidecar\)/);
    expect(await state('catalog-1-sidecar')).toBe('exited');
    expect(await state('catalog-1')).toBe('running');
    expect((await cli('start', 'catalog-1', '--sidecar')).exitCode).toBe(0);
  });

  it('an unknown instance is exit 2 naming the instances; a missing container is exit 1', async () => {
    const r = await cli('kill', 'catalog');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/"catalog" is a service; name one of its instances: catalog-1, catalog-2/);
    const missing = await cli('kill', 'catalog-2');
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toMatch(new RegExp(`no app container for catalog-2 in project ${project}`));
  });
});
