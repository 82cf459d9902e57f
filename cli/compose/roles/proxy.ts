import type { SidecarBootstrap } from '../../../proxy/schema/index.js';
import { INSTANCE_PORTS, SIDECAR_BOOTSTRAP_ENV, SIDECAR_NODE_OPTIONS } from '../../../proxy/schema/index.js';
import type { ResolvedInstance, ResolvedMesh } from '../../mesh/model.js';
import { LABELS } from '../labels.js';
import type { ComposeService } from '../compose-file.js';
import { containerLabels, containerName, HEALTH_INTERVAL, httpProbe, NETWORK } from '../compose-file.js';

/** The port the ingress listens on inside its container (published on the topology's ingress port). */
export const INGRESS_CONTAINER_PORT = 8080;

/** Where every meshdev proxy in Docker listens and finds Consul (the same in every network namespace). */
const PROXY_LISTENERS = {
  inbound: { host: '0.0.0.0', port: INSTANCE_PORTS.inbound },
  admin: { host: '0.0.0.0', port: INSTANCE_PORTS.admin },
  consul: { url: 'http://consul:8500', checkIntervalSeconds: 1 },
} as const;

export function sidecarBootstrap(mesh: ResolvedMesh, instance: ResolvedInstance): SidecarBootstrap {
  return {
    mesh: mesh.name,
    mode: 'sidecar',
    service: instance.service,
    instanceId: instance.id,
    version: instance.version,
    weight: instance.weight,
    app: { host: '127.0.0.1', port: instance.appPort, healthPath: instance.healthPath },
    ...PROXY_LISTENERS,
    upstreams: instance.upstreams.map((u) => ({
      service: u.service,
      protocol: u.protocol,
      listen: { host: '127.0.0.1', port: u.port },
    })),
  };
}

export function ingressBootstrap(mesh: ResolvedMesh, target: string): SidecarBootstrap {
  return {
    mesh: mesh.name,
    mode: 'ingress',
    service: 'ingress',
    instanceId: 'ingress',
    version: 'v1',
    weight: 100,
    ...PROXY_LISTENERS,
    upstreams: [{ service: target, protocol: 'http', listen: { host: '0.0.0.0', port: INGRESS_CONTAINER_PORT } }],
  };
}

/** The labels an instance's two containers (sidecar and app) share. */
export function instanceLabels(instance: ResolvedInstance): Record<string, string> {
  return {
    [LABELS.service]: instance.service,
    [LABELS.instance]: instance.id,
    [LABELS.version]: instance.version,
  };
}

/**
 * An instance's sidecar. It owns the instance's network namespace; the app joins it, so killing the
 * app leaves the sidecar (and its Consul registration) up and the instance turns critical.
 */
export function sidecarService(mesh: ResolvedMesh, image: string, instance: ResolvedInstance): ComposeService {
  return proxyContainer(
    mesh,
    image,
    instance.sidecarContainer,
    instance.id,
    sidecarBootstrap(mesh, instance),
    containerLabels(mesh, 'sidecar', instanceLabels(instance)),
  );
}

/** The ingress: a meshdev proxy in front of the topology's ingress service, published on the host. */
export function ingressService(mesh: ResolvedMesh, image: string, target: string): ComposeService {
  return {
    ...proxyContainer(
      mesh,
      image,
      'ingress',
      'ingress',
      ingressBootstrap(mesh, target),
      containerLabels(mesh, 'ingress'),
    ),
    ports: [`127.0.0.1:${mesh.topology.ports.ingress}:${INGRESS_CONTAINER_PORT}`],
  };
}

/**
 * A meshdev proxy container (an instance's sidecar or the ingress). Only the ingress gets a Docker
 * healthcheck (its admin `/ready`): a sidecar's readiness is its Consul check (see HEALTH_INTERVAL).
 */
function proxyContainer(
  mesh: ResolvedMesh,
  image: string,
  service: string,
  hostname: string,
  bootstrap: SidecarBootstrap,
  labels: Record<string, string>,
): ComposeService {
  return {
    image,
    container_name: containerName(mesh, service),
    hostname,
    command: ['sidecar'],
    environment: { [SIDECAR_BOOTSTRAP_ENV]: JSON.stringify(bootstrap), NODE_OPTIONS: SIDECAR_NODE_OPTIONS },
    networks: [NETWORK],
    labels,
    ...(bootstrap.mode === 'ingress'
      ? {
          healthcheck: {
            test: httpProbe(INSTANCE_PORTS.admin, '/ready'),
            interval: HEALTH_INTERVAL,
            timeout: '2s',
            retries: 120,
          },
        }
      : {}),
    stop_grace_period: '6s',
    restart: 'no',
  };
}
