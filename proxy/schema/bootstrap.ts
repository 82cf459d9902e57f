import * as z from 'zod';
import { ServiceName, UpstreamProtocol, VersionLabel } from './topology.js';

/**
 * What the CLI hands each sidecar when it starts (env `MESHDEV_SIDECAR`, JSON): who the instance
 * is and which listeners to open. Everything that may change while the mesh runs (balancer,
 * retries, routes, faults) lives in Consul KV instead and is described in `config.ts`.
 */

const Port = z.number().int().min(0).max(65535);

export const ListenAddress = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: Port,
});

export const UpstreamListener = z.strictObject({
  service: ServiceName,
  protocol: UpstreamProtocol.default('http'),
  listen: ListenAddress,
});

export const SidecarBootstrap = z.strictObject({
  /** The mesh name; prefixes every Consul KV key this sidecar reads. */
  mesh: ServiceName,
  /** `sidecar`: next to an app. `ingress`: the mesh's edge proxy, no app of its own. */
  mode: z.enum(['sidecar', 'ingress']).default('sidecar'),
  service: ServiceName,
  /** `<service>-<n>`, unique in the mesh; the Consul service ID. */
  instanceId: z.string().regex(/^[a-z][a-z0-9-]*-[0-9]+$|^ingress$/),
  version: VersionLabel.default('v1'),
  weight: z.number().int().min(1).max(1000).default(100),
  /** The app this sidecar fronts (absent in ingress mode). */
  app: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      port: Port,
      healthPath: z.string().startsWith('/').default('/healthz'),
    })
    .optional(),
  /** Traffic for this instance from other sidecars. */
  inbound: ListenAddress.default({ host: '0.0.0.0', port: 15006 }),
  /** Admin API: /metrics, /healthz, /ready, /config, /endpoints. Consul checks /healthz. */
  admin: ListenAddress.default({ host: '0.0.0.0', port: 15000 }),
  upstreams: z.array(UpstreamListener).default([]),
  consul: z
    .strictObject({
      url: z.string().url().default('http://127.0.0.1:8500'),
      /** Seconds between Consul's health checks of this instance. */
      checkIntervalSeconds: z.number().min(0.5).max(60).default(1),
    })
    .default({ url: 'http://127.0.0.1:8500', checkIntervalSeconds: 1 }),
  /** Address registered in Consul; default: the first non-internal IPv4 address of the host. */
  advertiseAddress: z.string().optional(),
});

export type SidecarBootstrap = z.infer<typeof SidecarBootstrap>;
export type UpstreamListener = z.infer<typeof UpstreamListener>;

/** Environment variable the sidecar reads its bootstrap document from. */
export const SIDECAR_BOOTSTRAP_ENV = 'MESHDEV_SIDECAR';

/** Consul service metadata keys every meshdev registration carries. */
export const CONSUL_META = {
  mesh: 'meshdev_mesh',
  instance: 'meshdev_instance',
  version: 'version',
  metricsPort: 'metrics_port',
  role: 'meshdev_role',
} as const;
