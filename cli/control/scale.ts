import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import type Docker from 'dockerode';
import { parse } from 'yaml';
import type { MeshImages } from '../compose/render.js';
import { LABELS } from '../compose/labels.js';
import { MeshdevError } from '../errors.js';
import { ensureComposeV2, runCompose } from '../runtime/compose.js';
import { deregisterInstance, serviceHealth } from '../runtime/consul.js';
import { ensureDockerReachable, listProjectContainers } from '../runtime/docker.js';
import { waitForAll, WaitTimeoutError } from '../runtime/wait.js';
import type { ControlledMesh } from './controlled-mesh.js';
import type { ScaleOverrides, ScalePlan, ScaleTarget } from '../mesh/scale.js';
import { instancesById, planScale } from '../mesh/scale.js';
import { meshdevCommand } from '../invocation.js';
import { fromComposeLiteral } from '../compose/literal.js';

export interface ScaleOptions {
  readonly onProgress?: (line: string) => void;
  /** How long a new instance may take to pass its Consul check. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

interface RenderedCompose {
  services?: Record<string, { image?: string; labels?: Record<string, string> }>;
}

/**
 * The images the running mesh was started with, read from the Compose file `up` wrote: a scaled
 * instance runs exactly what its siblings run, without asking a registry again.
 */
export function imagesFromCompose(compose: RenderedCompose, file: string): MeshImages {
  const services = compose.services ?? {};
  // The rendered file holds every value escaped for Compose (`$` as `$$`): read back as written.
  const byRole = (role: string): string | undefined => {
    const image = Object.values(services).find((s) => s.labels?.[LABELS.role] === role && s.image !== undefined)?.image;
    return image === undefined ? undefined : fromComposeLiteral(image);
  };
  const runtime = byRole('sidecar') ?? byRole('ingress');
  const consul = byRole('consul');
  const prometheus = byRole('prometheus');
  if (runtime === undefined || consul === undefined || prometheus === undefined) {
    throw new MeshdevError('ESCALE', `${file} does not name the runtime, Consul and Prometheus images`, {
      fix: `Run \`${meshdevCommand('up')}\` again: it re-renders the Compose file.`,
    });
  }
  return { runtime, consul, prometheus, grafana: byRole('grafana') };
}

function composeServices(mesh: ControlledMesh, ids: readonly string[]): string[] {
  const instances = instancesById(mesh.resolved, ids);
  // Sidecars first: each app joins its sidecar's network namespace.
  return [...instances.map((i) => i.sidecarContainer), ...instances.map((i) => i.appContainer)];
}

/** Persists the override (what `Mesh.load` applies); none at all means the topology as written, so no file. */
export async function writeScaleOverrides(mesh: ControlledMesh, overrides: ScaleOverrides): Promise<void> {
  if (Object.keys(overrides.services).length === 0) await rm(mesh.scaleFile, { force: true });
  else await writeFile(mesh.scaleFile, `${JSON.stringify(overrides, null, 2)}\n`);
}

/**
 * Changes the replica count of one service of a running mesh: re-renders the Compose file from
 * the topology with the new count (persisted in `.meshdev/<name>/scale.json`, so `status`, `up`
 * and `down` see the same instances) and applies it with Compose to the added or removed
 * instances only. New instances are waited for until they pass in Consul; removed ones are stopped
 * (their sidecar deregisters on SIGTERM) and removed, and any registration left behind (a sidecar
 * that had been killed) is deregistered.
 */
export async function scaleService(
  mesh: ControlledMesh,
  docker: Docker,
  service: string,
  target: ScaleTarget,
  options: ScaleOptions = {},
): Promise<ScalePlan> {
  const progress = options.onProgress ?? (() => undefined);
  const plan = planScale(mesh.resolved, mesh.scaleOverrides, service, target);
  await ensureDockerReachable(docker);
  await ensureComposeV2();
  const project = mesh.resolved.project;
  const containers = await listProjectContainers(docker, project);
  if (!containers.some((c) => c.role === 'consul' && c.state === 'running') || !existsSync(mesh.composeFile)) {
    throw new MeshdevError('ENOTRUNNING', `mesh ${mesh.name} is not running; scale changes a running mesh`, {
      fix: `Start it with \`${meshdevCommand('up')}\`, or set \`replicas:\` in ${mesh.topologyPath}.`,
    });
  }
  if (plan.add.length === 0 && plan.remove.length === 0) return plan;
  const images = imagesFromCompose(
    parse(await readFile(mesh.composeFile, 'utf8')) as RenderedCompose,
    mesh.composeFile,
  );
  const consul = `http://127.0.0.1:${mesh.resolved.topology.ports.consul}`;
  const compose = (file: string) => ({
    project,
    file,
    onLine: progress,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });

  if (plan.remove.length > 0) {
    progress(`removing ${plan.remove.join(', ')}`);
    await runCompose(compose(mesh.composeFile), ['rm', '--stop', '--force', ...composeServices(mesh, plan.remove)]);
    await writeScaleOverrides(mesh, plan.overrides);
    await mesh.reloaded().writeRendered(images);
    await deregisterLeftovers(consul, service, plan.remove);
    return plan;
  }

  await writeScaleOverrides(mesh, plan.overrides);
  const next = mesh.reloaded();
  await next.writeRendered(images);
  const added = composeServices(next, plan.add);
  try {
    progress(`starting ${plan.add.join(', ')}`);
    await runCompose(compose(next.composeFile), ['up', '--detach', '--no-deps', ...added]);
    await waitForAll(
      [
        {
          name: 'consul',
          check: async () => {
            const passing = new Set(
              (await serviceHealth(consul, service)).filter((e) => e.status === 'passing').map((e) => e.id),
            );
            const missing = plan.add.filter((id) => !passing.has(id));
            return { ready: missing.length === 0, detail: `not passing yet: ${missing.join(', ')}` };
          },
        },
      ],
      {
        timeoutMs: options.timeoutMs ?? 90_000,
        intervalMs: 250,
        onProgress: progress,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      },
    );
  } catch (err) {
    // Back to where we were: the new instances go, the override and the Compose file are restored.
    progress(`scaling ${service} failed; removing ${plan.add.join(', ')}`);
    await runCompose(compose(next.composeFile), ['rm', '--stop', '--force', ...added]).catch(() => undefined);
    await writeScaleOverrides(mesh, mesh.scaleOverrides);
    await mesh.writeRendered(images);
    await deregisterLeftovers(consul, service, plan.add).catch(() => undefined);
    if (err instanceof WaitTimeoutError) {
      throw new MeshdevError('ETIMEOUT', `${plan.add.join(', ')} did not become healthy: ${err.message}`, {
        fix: `\`${meshdevCommand(`logs ${plan.add[0]}`)}\` (and --sidecar) shows why; --timeout waits longer.`,
      });
    }
    throw err;
  }
  return plan;
}

/** Deregisters what a removed instance left in Consul (its sidecar does it itself unless it was killed). */
async function deregisterLeftovers(consul: string, service: string, removed: readonly string[]): Promise<void> {
  const gone = new Set(removed);
  const left = (await serviceHealth(consul, service)).filter((e) => gone.has(e.id));
  for (const e of left) await deregisterInstance(consul, e.id);
}
