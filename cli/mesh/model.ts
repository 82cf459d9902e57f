import type { Topology, UpstreamProtocol } from '../../proxy/schema/index.js';
import { upstreamEnvName, upstreamListenerPort, upstreamTarget } from '../../proxy/schema/index.js';

/**
 * A topology resolved into what actually runs: one entry per service instance, numbered
 * `<service>-<n>` across versions in the order they are written, with each upstream's local
 * listener port. Pure: the compose renderer, `status` and the TUI all read this.
 */
export interface ResolvedUpstream {
  readonly service: string;
  readonly protocol: UpstreamProtocol;
  readonly port: number;
  readonly envName: string;
  readonly url: string;
}

export interface ResolvedInstance {
  readonly id: string;
  readonly service: string;
  readonly version: string;
  readonly ordinal: number;
  readonly weight: number;
  readonly image: string | undefined;
  readonly build: Topology['services'][string]['build'];
  readonly command: readonly string[] | undefined;
  readonly env: Readonly<Record<string, string>>;
  readonly appPort: number;
  readonly healthPath: string;
  readonly upstreams: readonly ResolvedUpstream[];
  /** Compose service names of the two containers of this instance. */
  readonly appContainer: string;
  readonly sidecarContainer: string;
}

export interface ResolvedService {
  readonly name: string;
  readonly ingress: boolean;
  readonly versions: readonly string[];
  readonly instances: readonly ResolvedInstance[];
}

export interface ResolvedMesh {
  readonly name: string;
  readonly project: string;
  readonly topology: Topology;
  readonly services: readonly ResolvedService[];
  readonly instances: readonly ResolvedInstance[];
  readonly ingressService: string | undefined;
}

/** Compose project name of a mesh; every container, network and volume carries it as a label. */
export function projectName(meshName: string): string {
  return `meshdev-${meshName}`;
}

function stringEnv(env: Record<string, string | number | boolean>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
}

export function resolveMesh(topology: Topology): ResolvedMesh {
  const services: ResolvedService[] = [];
  for (const [name, spec] of Object.entries(topology.services)) {
    const upstreams: ResolvedUpstream[] = spec.upstreams.map((ref, i) => {
      const service = upstreamTarget(ref);
      const protocol: UpstreamProtocol = typeof ref === 'string' ? 'http' : ref.protocol;
      const port = upstreamListenerPort(i);
      const scheme = protocol === 'tcp' ? 'tcp' : 'http';
      return { service, protocol, port, envName: upstreamEnvName(service), url: `${scheme}://127.0.0.1:${port}` };
    });
    const groups =
      spec.versions !== undefined
        ? Object.entries(spec.versions).map(([version, v]) => ({
            version,
            replicas: v.replicas,
            image: v.image ?? spec.image,
            command: v.command ?? spec.command,
            env: { ...stringEnv(spec.env), ...stringEnv(v.env) },
            weight: v.weight,
          }))
        : [
            {
              version: spec.version ?? 'v1',
              replicas: spec.replicas ?? 1,
              image: spec.image,
              command: spec.command,
              env: stringEnv(spec.env),
              weight: spec.weight,
            },
          ];
    const instances: ResolvedInstance[] = [];
    for (const group of groups) {
      for (let r = 0; r < group.replicas; r++) {
        const ordinal = instances.length + 1;
        const id = `${name}-${ordinal}`;
        instances.push({
          id,
          service: name,
          version: group.version,
          ordinal,
          weight: group.weight,
          image: group.image,
          build: spec.build,
          command: group.command,
          env: group.env,
          appPort: spec.port,
          healthPath: spec.healthPath,
          upstreams,
          appContainer: id,
          sidecarContainer: `${id}-sidecar`,
        });
      }
    }
    services.push({
      name,
      ingress: spec.ingress,
      versions: groups.map((g) => g.version),
      instances,
    });
  }
  return {
    name: topology.name,
    project: projectName(topology.name),
    topology,
    services,
    instances: services.flatMap((s) => s.instances),
    ingressService: services.find((s) => s.ingress)?.name,
  };
}
