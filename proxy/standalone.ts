import { Registry } from 'prom-client';
import type { BalancerName } from './policy/types.js';
import { MeshProxy } from './mesh-proxy.js';
import type { BoundListener } from './mesh-proxy.js';
import { startAdminServer } from './admin.js';
import { FaultEngine } from './faults/index.js';
import { BufferedStdout, Logger } from './log.js';
import type { PolicyDocument } from './schema/config.js';

/**
 * Standalone mode (`meshdev proxy`): the sidecar's data path with static upstream endpoints and no
 * Consul, every feature on (balancer, retries, outlier detection, circuit breaking, metrics).
 */
export interface StandaloneOptions {
  listen: { host: string; port: number };
  upstreams: { host: string; port: number }[];
  /** Name used in metrics and logs. */
  name?: string;
  balancer?: BalancerName;
  admin?: { host: string; port: number };
  /** Extra policy (same document as `meshdev policy set`), e.g. from tests or benchmarks. */
  policy?: PolicyDocument;
  accessLogSampleRate?: number;
  exposeEndpoint?: boolean;
  registry?: Registry;
}

export interface RunningStandalone {
  proxy: MeshProxy;
  log: Logger;
  listener: BoundListener;
  adminPort: number | undefined;
  stop(): Promise<void>;
}

/** `log` defaults to a buffered stdout logger of its own, so a front door that runs this needs nothing else of proxy/. */
export async function startStandalone(
  o: StandaloneOptions,
  log: Logger = new Logger(new BufferedStdout()),
): Promise<RunningStandalone> {
  const registry = o.registry ?? new Registry();
  const name = o.name ?? 'upstream';
  // An empty fault engine, so that benchmarks of standalone mode pay for the per-request fault check
  // the sidecar does (there is no Consul here to feed it faults).
  const faults = new FaultEngine({
    self: { service: name, version: 'v1', instance: 'standalone-1', ingress: false },
    registry,
  });
  const proxy = new MeshProxy(registry, log, {
    exposeEndpoint: o.exposeEndpoint ?? false,
    faults,
  });
  const doc: PolicyDocument = {
    ...o.policy,
    ...(o.balancer === undefined ? {} : { balancer: o.balancer }),
    accessLog: {
      ...o.policy?.accessLog,
      ...(o.accessLogSampleRate === undefined ? {} : { sampleRate: o.accessLogSampleRate }),
    },
  };
  proxy.applySnapshot({ defaults: doc, services: {} }, 'command line');
  const listener = await proxy.listen({
    upstream: name,
    direction: 'outbound',
    protocol: 'http',
    host: o.listen.host,
    port: o.listen.port,
  });
  proxy.setEndpoints(
    name,
    o.upstreams.map((u) => ({ id: `${u.host}:${u.port}`, host: u.host, port: u.port, weight: 1, version: 'v1' })),
  );
  const admin =
    o.admin === undefined
      ? undefined
      : await startAdminServer(
          {
            registry,
            healthz: async () => ({ ok: true, detail: 'running' }),
            ready: async () => ({ ok: true, detail: 'running' }),
            config: () => proxy.configView(),
            endpoints: () => proxy.endpointsView(),
            faults: () => faults.view(),
          },
          o.admin,
        );
  return {
    proxy,
    log,
    listener,
    adminPort: admin?.port,
    stop: async () => {
      await proxy.close(1000);
      if (admin !== undefined) {
        await new Promise<void>((resolve) => {
          admin.server.close(() => resolve());
          admin.server.closeAllConnections();
        });
      }
      log.flush();
    },
  };
}
