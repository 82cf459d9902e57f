import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meshdev, spawnMeshdev } from '../support/cli.js';
import { DEMO_PROJECT } from '../support/demo-mesh.js';
import { projectResources } from '../support/docker.js';
import { RUNTIME_REPOSITORY } from '../../cli/images/refs.js';

/**
 * `up` SIGKILLed at any step — while it builds an image, while Compose creates or starts the
 * containers, while it waits for health — leaves nothing that `down` cannot clear: zero
 * containers, networks and volumes, no Compose process still creating containers behind it, and
 * the next `up` works. The kill is the hard kind (no handler runs), as when a terminal is closed
 * or the OOM killer strikes.
 */
const docker = new Docker();

async function allVolumes(): Promise<Set<string>> {
  return new Set(((await docker.listVolumes()).Volumes ?? []).map((v) => v.Name));
}

/** Live `docker compose` processes of the demo project (a killed `up` must not leave one running). */
function composeProcesses(): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (argv.includes('compose') && argv[argv.indexOf('-p') + 1] === DEMO_PROJECT)
      found.push(`${pid}: ${argv.join(' ')}`);
  }
  return found;
}

/** Starts `up --detach --wait` and SIGKILLs it as soon as its progress shows `at`; returns the line it saw. */
async function killUpAt(workdir: string, at: RegExp): Promise<string> {
  const up = spawnMeshdev(['up', '--detach', '--wait'], { cwd: workdir });
  let seen = '';
  const hit = new Promise<string>((resolve) => {
    const onData = (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      const line = seen.split('\n').find((l) => at.test(l));
      if (line !== undefined) {
        up.kill('SIGKILL');
        resolve(line.trim());
      }
    };
    up.stderr?.on('data', onData);
    up.stdout?.on('data', onData);
  });
  const ended = up.then(() => undefined);
  const line = await Promise.race([hit, ended.then(() => undefined)]);
  await ended;
  if (line === undefined) throw new Error(`up ended before showing ${at}:\n${seen}`);
  return line;
}

let workdir: string;
let volumesBefore: Set<string>;

beforeAll(async () => {
  workdir = await mkdtemp(join(tmpdir(), 'meshdev-e2e-kill-'));
  await meshdev(['down'], { cwd: workdir });
  volumesBefore = await allVolumes();
});

afterAll(async () => {
  await meshdev(['down'], { cwd: workdir });
  await rm(workdir, { recursive: true, force: true });
});

async function expectNothingLeft(): Promise<void> {
  // `down` straight after the kill, as a user would: it must stop what the killed `up` left running.
  const down = await meshdev(['down'], { cwd: workdir, timeoutMs: 120_000 });
  expect(down.exitCode, down.stderr).toBe(0);
  expect(composeProcesses()).toEqual([]);
  // Nothing appears afterwards either (an orphaned Compose would go on creating containers).
  await new Promise((r) => setTimeout(r, 3000));
  expect(await projectResources(DEMO_PROJECT)).toEqual({ containers: [], networks: [], volumes: [] });
  const newVolumes = [...(await allVolumes())].filter((v) => !volumesBefore.has(v));
  expect(newVolumes).toEqual([]);
}

describe('up killed at any step', () => {
  it('while it builds the runtime image', async () => {
    // Remove the runtime image so this `up` has to build it (its base images stay: a few seconds).
    for (const img of await docker.listImages({ filters: { reference: [RUNTIME_REPOSITORY] } })) {
      await docker
        .getImage(img.Id)
        .remove({ force: true })
        .catch(() => undefined);
    }
    const line = await killUpAt(workdir, /building meshdev\/runtime/);
    expect(line).toMatch(/building/);
    await expectNothingLeft();
  });

  it('right after rendering, while Compose creates the network and containers', async () => {
    await killUpAt(workdir, /rendered .*compose\.yaml/);
    await expectNothingLeft();
  });

  it('while Compose starts the containers', async () => {
    await killUpAt(workdir, /started \d+\/\d+/);
    await expectNothingLeft();
  });

  it('while it waits for every instance to be healthy', async () => {
    await killUpAt(workdir, /healthy \d+\/\d+/);
    await expectNothingLeft();
  });

  it('and the next up works', async () => {
    const up = await meshdev(['up', '--detach', '--wait'], { cwd: workdir, timeoutMs: 600_000 });
    expect(up.exitCode, up.stderr).toBe(0);
    const res = await fetch('http://127.0.0.1:8080/products', { signal: AbortSignal.timeout(10_000) });
    expect(res.status).toBe(200);
    await res.body?.cancel();
    await expectNothingLeft();
  });
});
