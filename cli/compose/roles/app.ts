import { isAbsolute, resolve } from 'node:path';
import type { APP_ENV } from '../../../proxy/schema/index.js';
import type { ResolvedInstance, ResolvedMesh } from '../../mesh/model.js';
import type { ComposeService } from '../compose-file.js';
import { containerLabels, containerName } from '../compose-file.js';
import { instanceLabels } from './proxy.js';

/** An instance's app, inside its sidecar's network namespace, started again when the sidecar restarts. */
export function appService(
  mesh: ResolvedMesh,
  instance: ResolvedInstance,
  runtimeImage: string,
  topologyDir: string,
): ComposeService {
  const build = appBuild(instance, topologyDir);
  return {
    image: appImage(mesh, instance, runtimeImage),
    ...(build === undefined ? {} : { build }),
    container_name: containerName(mesh, instance.appContainer),
    ...(instance.command === undefined ? {} : { command: [...instance.command] }),
    environment: appEnv(mesh, instance),
    network_mode: `service:${instance.sidecarContainer}`,
    labels: containerLabels(mesh, 'app', instanceLabels(instance)),
    depends_on: { [instance.sidecarContainer]: { condition: 'service_started', restart: true } },
    stop_grace_period: '5s',
    restart: 'no',
  };
}

/** The app's environment: the topology's `env`, then what meshdev sets (names the topology schema refuses in `env`). */
function appEnv(mesh: ResolvedMesh, instance: ResolvedInstance): Record<string, string> {
  const injected: Record<keyof typeof APP_ENV, string> = {
    PORT: String(instance.appPort),
    HOST: '127.0.0.1',
    MESHDEV_MESH: mesh.name,
    MESHDEV_SERVICE: instance.service,
    MESHDEV_INSTANCE: instance.id,
    MESHDEV_VERSION: instance.version,
  };
  const upstreams = Object.fromEntries(instance.upstreams.map((u) => [u.envName, u.url]));
  return { ...instance.env, ...injected, ...upstreams };
}

function appImage(mesh: ResolvedMesh, instance: ResolvedInstance, runtime: string): string {
  if (instance.image !== undefined) return instance.image;
  if (instance.build !== undefined) return `${mesh.project}-${instance.service}:local`;
  return runtime;
}

function appBuild(instance: ResolvedInstance, topologyDir: string): ComposeService['build'] | undefined {
  const b = instance.build;
  if (b === undefined) return undefined;
  const spec = typeof b === 'string' ? { context: b } : b;
  const context = isAbsolute(spec.context) ? spec.context : resolve(topologyDir, spec.context);
  return {
    context,
    ...(spec.dockerfile === undefined ? {} : { dockerfile: spec.dockerfile }),
    ...(spec.args === undefined ? {} : { args: spec.args }),
  };
}
