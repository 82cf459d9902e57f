import { Registry } from 'prom-client';
import type { Server } from 'node:http';
import type { SidecarBootstrap } from './schema/bootstrap.js';
import { BUILTIN_DEFAULTS, deepMerge } from './schema/config.js';
import type { EffectiveConfig } from './schema/config.js';
import { MeshProxy } from './mesh-proxy.js';
import type { BoundListener } from './mesh-proxy.js';
import { ConsulClient } from './consul/client.js';
import { Registrar, buildRegistration, defaultAdvertiseAddress } from './consul/registration.js';
import { watchService } from './consul/discovery.js';
import { watchConfig } from './consul/config-watch.js';
import { AppProbe } from './health-probe.js';
import { startAdminServer } from './admin.js';
import { FaultEngine, watchFaults } from './faults/index.js';
import type { Logger } from './log.js';

/**
 * The inbound hop goes to one local app: no retries (the caller's sidecar retries on another
 * instance), no outlier detection (there is nothing to balance), generous limits.
 */
export const INBOUND_CONFIG: EffectiveConfig = deepMerge(BUILTIN_DEFAULTS, {
  resilience: {
    retries: { maxRetries: 0 },
    outlierDetection: { enabled: false },
    circuitBreaker: { maxConcurrent: 4096, maxPending: 4096 },
  },
});

export interface RunningSidecar {
  proxy: MeshProxy;
  adminPort: number;
  listeners: BoundListener[];
  stop(): Promise<void>;
}

export async function startSidecar(
  b: SidecarBootstrap,
  log: Logger,
  opts: { registry?: Registry; consulWaitSeconds?: number; drainMs?: number; registrationRecheckMs?: number } = {},
): Promise<RunningSidecar> {
  const registry = opts.registry ?? new Registry();
  const faults = new FaultEngine({
    self: { service: b.service, version: b.version, instance: b.instanceId, ingress: b.mode === 'ingress' },
    registry,
    log,
  });
  const proxy = new MeshProxy(registry, log, { faults });
  const consul = new ConsulClient(b.consul.url);
  const abort = new AbortController();
  const probe =
    b.app === undefined ? undefined : new AppProbe({ host: b.app.host, port: b.app.port, path: b.app.healthPath });

  const listeners: BoundListener[] = [];
  let inboundPort = b.inbound.port;
  if (b.mode === 'sidecar') {
    if (b.app === undefined) throw new Error('MESHDEV_SIDECAR: app: required in sidecar mode');
    const inbound = await proxy.listen({
      upstream: b.service,
      direction: 'inbound',
      protocol: 'http',
      host: b.inbound.host,
      port: b.inbound.port,
      fixedConfig: INBOUND_CONFIG,
    });
    proxy.setEndpoints(b.service, [{ id: 'app', host: b.app.host, port: b.app.port, weight: 1, version: b.version }]);
    inboundPort = inbound.boundPort;
    listeners.push(inbound);
  }
  for (const u of b.upstreams) {
    listeners.push(
      await proxy.listen({
        upstream: u.service,
        direction: 'outbound',
        protocol: u.protocol,
        host: u.listen.host,
        port: u.listen.port,
      }),
    );
  }

  const healthz = async () => {
    if (probe === undefined) return { ok: true, detail: 'ingress running' };
    const ok = await probe.check();
    return { ok, detail: probe.detail };
  };
  const admin = await startAdminServer(
    {
      registry,
      healthz,
      ready: async () => {
        const h = await healthz();
        const registered = registrar.registered;
        return {
          ok: h.ok && registered,
          detail: `${registered ? 'registered in consul' : 'not registered in consul yet'}; ${h.detail}`,
        };
      },
      config: () => ({ bootstrap: b, ...proxy.configView() }),
      endpoints: () => proxy.endpointsView(),
      faults: () => faults.view(),
    },
    b.admin,
  );

  const address = b.advertiseAddress ?? defaultAdvertiseAddress();
  const registration = buildRegistration(b, address, {
    inbound: b.mode === 'sidecar' ? inboundPort : (listeners[0]?.boundPort ?? inboundPort),
    admin: admin.port,
  });
  const registrar = new Registrar(consul, registration, log, proxy.metrics, opts.registrationRecheckMs);
  registrar.start(abort.signal);

  const watches: Promise<void>[] = [];
  for (const u of b.upstreams) {
    watches.push(
      watchService({
        consul,
        service: u.service,
        onChange: (eps) => proxy.setEndpoints(u.service, eps),
        log,
        metrics: proxy.metrics,
        signal: abort.signal,
        waitSeconds: opts.consulWaitSeconds,
      }),
    );
  }
  watches.push(
    watchConfig({ consul, mesh: b.mesh, proxy, log, signal: abort.signal, waitSeconds: opts.consulWaitSeconds }),
    watchFaults({
      consul,
      mesh: b.mesh,
      engine: faults,
      log,
      signal: abort.signal,
      waitSeconds: opts.consulWaitSeconds,
      onError: () => proxy.metrics.consulErrors.labels('faults').inc(),
    }),
  );

  const where = [
    b.mode === 'sidecar' ? `inbound ${b.inbound.host}:${inboundPort} -> app ${b.app!.host}:${b.app!.port}` : undefined,
    ...listeners
      .filter((l) => l.direction === 'outbound')
      .map((l) => `${l.protocol === 'tcp' ? 'tcp ' : ''}outbound ${l.upstream} ${l.host}:${l.boundPort}`),
    `admin ${b.admin.host}:${admin.port}`,
    `consul ${b.consul.url}`,
  ].filter((x) => x !== undefined);
  log.info(`meshdev ${b.mode} ${b.instanceId} (${b.service} ${b.version}) listening: ${where.join('; ')}`, {
    event: 'started',
    advertise: address,
  });

  let stopping: Promise<void> | undefined;
  return {
    proxy,
    adminPort: admin.port,
    listeners,
    stop: () =>
      (stopping ??= (async () => {
        abort.abort();
        await registrar.deregister();
        await proxy.close(opts.drainMs);
        await Promise.allSettled(watches);
        await new Promise<void>((resolve) => {
          admin.server.close(() => resolve());
          (admin.server as Server).closeAllConnections();
        });
        probe?.close();
        log.info('stopped', { event: 'stopped' });
        log.flush();
      })()),
  };
}
