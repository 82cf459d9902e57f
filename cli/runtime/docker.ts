import Docker from 'dockerode';
import { dockerUnreachable } from '../errors.js';
import { LABELS } from '../compose/labels.js';

/**
 * The Docker engine, through dockerode: everything that acts on live containers (state, events,
 * logs, stats). Up and down go through the Compose CLI (`compose.ts`).
 */
export interface ProjectContainer {
  readonly id: string;
  readonly name: string;
  readonly composeService: string;
  readonly role: string;
  readonly instance: string | undefined;
  readonly service: string | undefined;
  readonly version: string | undefined;
  /** running, paused, exited, created, restarting, dead */
  readonly state: string;
  /** healthy, unhealthy, starting, or undefined when the container has no healthcheck */
  readonly health: string | undefined;
  readonly status: string;
}

export function connectDocker(): Docker {
  // dockerode honours DOCKER_HOST; otherwise the default Unix socket.
  return new Docker();
}

/** Fails with the doctor's fix when no engine answers. */
export async function ensureDockerReachable(docker: Docker): Promise<void> {
  try {
    await docker.ping();
  } catch (err) {
    throw dockerUnreachable(err);
  }
}

function healthOf(status: string): string | undefined {
  const m = /\((healthy|unhealthy|health: starting)\)/.exec(status);
  if (!m) return undefined;
  return m[1] === 'health: starting' ? 'starting' : m[1];
}

export async function listProjectContainers(docker: Docker, project: string): Promise<ProjectContainer[]> {
  const list = await docker.listContainers({
    all: true,
    filters: { label: [`${LABELS.composeProject}=${project}`] },
  });
  return list
    .map((c) => {
      const l = c.Labels ?? {};
      return {
        id: c.Id,
        name: (c.Names[0] ?? c.Id).replace(/^\//, ''),
        composeService: l[LABELS.composeService] ?? '',
        role: l[LABELS.role] ?? 'unknown',
        instance: l[LABELS.instance],
        service: l[LABELS.service],
        version: l[LABELS.version],
        state: c.State,
        health: healthOf(c.Status),
        status: c.Status,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

export interface ProjectLeftovers {
  readonly containers: string[];
  readonly networks: string[];
  readonly volumes: string[];
}

export async function findProjectResources(docker: Docker, project: string): Promise<ProjectLeftovers> {
  const filter = { label: [`${LABELS.composeProject}=${project}`] };
  const [containers, networks, volumes] = await Promise.all([
    docker.listContainers({ all: true, filters: filter }),
    docker.listNetworks({ filters: filter }),
    docker.listVolumes({ filters: filter }),
  ]);
  return {
    containers: containers.map((c) => (c.Names[0] ?? c.Id).replace(/^\//, '')),
    networks: networks.map((n) => n.Name),
    volumes: (volumes.Volumes ?? []).map((v) => v.Name),
  };
}

/**
 * Removes whatever of a project is left without its Compose file (a `.meshdev/` deleted, a
 * different working directory, an `up` killed before the file was written).
 */
export async function sweepProject(docker: Docker, project: string, volumes: boolean): Promise<ProjectLeftovers> {
  const found = await findProjectResources(docker, project);
  const filter = { label: [`${LABELS.composeProject}=${project}`] };
  const containers = await docker.listContainers({ all: true, filters: filter });
  await Promise.all(
    containers.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch(() => undefined),
    ),
  );
  const networks = await docker.listNetworks({ filters: filter });
  await Promise.all(
    networks.map((n) =>
      docker
        .getNetwork(n.Id)
        .remove()
        .catch(() => undefined),
    ),
  );
  if (volumes) {
    const vols = (await docker.listVolumes({ filters: filter })).Volumes ?? [];
    await Promise.all(
      vols.map((v) =>
        docker
          .getVolume(v.Name)
          .remove()
          .catch(() => undefined),
      ),
    );
  }
  return found;
}

/** The container of an instance: its app, or with `sidecar` its sidecar. */
export async function findInstanceContainer(
  docker: Docker,
  project: string,
  instance: string,
  role: 'app' | 'sidecar',
): Promise<ProjectContainer | undefined> {
  const all = await listProjectContainers(docker, project);
  return all.find((c) => c.instance === instance && c.role === role) ?? all.find((c) => c.composeService === instance);
}
