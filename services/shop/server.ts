import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createServiceApp, TrafficSummary, type DemoServiceDefinition, type ServiceDeps } from './app.js';
import { catalogService } from './catalog.js';
import { readServiceConfig, type ServiceConfig } from './config.js';
import type { Env } from './env.js';
import { hasFaults } from './faults.js';
import { gatewayService } from './gateway.js';
import { inventoryService } from './inventory-service.js';
import { createLogger } from './log.js';
import { pricingService } from './pricing-service.js';
import { createUpstreamAgent } from './upstream.js';

/** The demo shop, by the name used in `command: [service, NAME]`. */
export const demoServices: Readonly<Record<string, DemoServiceDefinition>> = {
  gateway: gatewayService,
  catalog: catalogService,
  pricing: pricingService,
  inventory: inventoryService,
};

export interface RunningDemoService {
  readonly config: ServiceConfig;
  /** http://host:port of the listening app. */
  readonly url: string;
  readonly port: number;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then drops what is left. */
  close(graceMs?: number): Promise<void>;
}

export class UnknownServiceError extends Error {
  constructor(name: string) {
    super(`unknown demo service "${name}": expected one of ${Object.keys(demoServices).join(', ')}`);
    this.name = 'UnknownServiceError';
  }
}

export async function startDemoService(
  name: string,
  env: Env,
  deps: Partial<ServiceDeps> = {},
): Promise<RunningDemoService> {
  const definition = demoServices[name];
  if (!definition) throw new UnknownServiceError(name);
  const config = readServiceConfig(name, definition.upstreams, env);
  const { service, instance, version, mesh } = config.identity;
  const logger = deps.logger ?? createLogger({ service, instance, version });
  const dispatcher = deps.dispatcher ?? createUpstreamAgent();
  const summary = new TrafficSummary();
  const app = createServiceApp(
    definition,
    config,
    env,
    {
      rng: deps.rng ?? Math.random,
      randomHex: deps.randomHex ?? ((bytes) => randomBytes(bytes).toString('hex')),
      logger,
      dispatcher,
      now: deps.now ?? (() => performance.now()),
    },
    summary,
  );

  const server = await listen(app, config.host, config.port);
  // Longer than any sidecar pool's idle timeout, so the proxy closes idle connections first and
  // never writes into one the app is closing.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const port = (server.address() as AddressInfo).port;

  const summaryTimer =
    config.logSummaryIntervalMs > 0
      ? setInterval(() => {
          const fields = summary.drain();
          if (fields) logger.log('info', 'traffic', { interval_s: config.logSummaryIntervalMs / 1000, ...fields });
        }, config.logSummaryIntervalMs).unref()
      : undefined;

  const f = config.faults;
  logger.log('info', 'started', {
    mesh,
    listen: `${config.host}:${port}`,
    upstreams:
      Object.entries(config.upstreams)
        .map(([n, u]) => `${n}=${u}`)
        .join(' ') || 'none',
    faults: hasFaults(f)
      ? `error_rate=${f.errorRate} error_status=${f.errorStatus} latency_ms=${f.latencyMs} jitter_ms=${f.latencyJitterMs}`
      : undefined,
    discount_percent: env.DISCOUNT_PERCENT,
  });

  let closing: Promise<void> | undefined;
  return {
    config,
    url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
    port,
    close(graceMs = 5000) {
      closing ??= (async () => {
        if (summaryTimer) clearInterval(summaryTimer);
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const force = setTimeout(() => server.closeAllConnections(), graceMs);
        await closed;
        clearTimeout(force);
        if (!deps.dispatcher) await dispatcher.close();
      })();
      return closing;
    },
  };
}

function listen(app: ReturnType<typeof createServiceApp>, host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once('listening', () => resolve(server));
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(`cannot listen on ${host}:${port}: the port is already in use (set PORT to another port)`)
          : err,
      );
    });
  });
}
