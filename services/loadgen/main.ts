import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { EnvError } from '../shop/env.js';
import { createLogger, formatLogLine, type Logger } from '../shop/log.js';
import { readLoadgenConfig, type LoadgenConfig } from './config.js';
import { controlRoutes, createHttpApp, finishApp, metricsRoutes } from './control.js';
import { LoadGenerator } from './generator.js';
import { LoadgenMetrics } from './metrics.js';
import { OUTCOMES } from './outcome.js';

export { readLoadgenConfig, type LoadgenConfig } from './config.js';

export interface RunningLoadgen {
  readonly generator: LoadGenerator;
  readonly registry: Registry;
  /** Base URL of /metrics (and of the control API unless it has its own port). */
  readonly metricsUrl: string;
  readonly controlUrl: string;
  /** Stops sending, waits up to `graceMs` for requests in flight, closes the servers. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts sending and serving; used by the container entry and by tests (ports 0). */
export async function startLoadgen(
  config: LoadgenConfig,
  options: { logger?: Logger; processMetrics?: boolean } = {},
): Promise<RunningLoadgen> {
  const logger = options.logger ?? createLogger({ service: 'loadgen', mesh: config.mesh });
  const registry = new Registry();
  const metrics = new LoadgenMetrics(registry, { processMetrics: options.processMetrics ?? false });
  const generator = new LoadGenerator(config, metrics);

  const separateControl = config.controlPort !== undefined;
  const metricsApp = createHttpApp();
  metricsRoutes(metricsApp, registry);
  if (!separateControl) controlRoutes(metricsApp, generator);
  finishApp(metricsApp);
  const servers: Server[] = [await listen(metricsApp, config.host, config.metricsPort)];
  if (separateControl) {
    const controlApp = createHttpApp();
    controlApp.get('/healthz', (_req, res) => {
      res.json({ status: 'ok' });
    });
    controlRoutes(controlApp, generator);
    finishApp(controlApp);
    servers.push(await listen(controlApp, config.host, config.controlPort ?? 0));
  }
  const urlOf = (s: Server) => {
    const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
    return `http://${host}:${(s.address() as AddressInfo).port}`;
  };

  generator.start();
  const summaryTimer =
    config.logIntervalMs > 0
      ? setInterval(() => logSummary(logger, generator), config.logIntervalMs).unref()
      : undefined;
  logger.log('info', 'started', {
    target: config.targetUrl,
    rate: config.rate,
    paused: config.startPaused || undefined,
    timeout_ms: config.timeoutMs,
    max_in_flight: config.maxInFlight,
    metrics: `${config.host}:${(servers[0]!.address() as AddressInfo).port}`,
    control: separateControl ? `${config.host}:${(servers[1]!.address() as AddressInfo).port}` : undefined,
  });

  let stopping: Promise<void> | undefined;
  return {
    generator,
    registry,
    metricsUrl: urlOf(servers[0]!),
    controlUrl: urlOf(servers.at(-1)!),
    stop(graceMs = 1000) {
      stopping ??= (async () => {
        if (summaryTimer) clearInterval(summaryTimer);
        await generator.stop(graceMs);
        await Promise.all(servers.map(close));
      })();
      return stopping;
    },
  };
}

function logSummary(logger: Logger, generator: LoadGenerator): void {
  const s = generator.state();
  const r = s.recent;
  const fields: Record<string, string | number | undefined> = {
    rate: s.paused ? 0 : s.rate,
    rps: r.rps,
    success_pct: r.successRatio === null ? undefined : Math.round(r.successRatio * 1000) / 10,
    p50_ms: r.p50Ms ?? undefined,
    p99_ms: r.p99Ms ?? undefined,
    in_flight: s.inFlight,
  };
  for (const o of OUTCOMES) if (o !== 'success' && r.outcomes[o] > 0) fields[o] = r.outcomes[o];
  const dropped = s.totals.dropped.max_in_flight + s.totals.dropped.behind_schedule;
  if (dropped > 0) fields.dropped_total = dropped;
  const failing = s.lastFailure !== null && s.lastFailure.secondsAgo * 1000 < r.windowSeconds * 1000;
  logger.log(failing ? 'warn' : 'info', s.paused ? 'paused' : 'traffic', {
    ...fields,
    last_failure: failing ? s.lastFailure?.detail.slice(0, 200) : undefined,
  });
}

function listen(app: ReturnType<typeof createHttpApp>, host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once('listening', () => resolve(server));
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE' ? new Error(`cannot listen on ${host}:${port}: the port is already in use`) : err,
      ),
    );
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 1000).unref();
  });
}

/** Runs the load generator configured by environment variables until SIGTERM/SIGINT. */
export async function runLoadgenFromEnv(): Promise<void> {
  let running: RunningLoadgen;
  try {
    running = await startLoadgen(readLoadgenConfig(process.env), { processMetrics: true });
  } catch (err) {
    process.stderr.write(
      `${formatLogLine(new Date(), 'error', 'cannot start', { service: 'loadgen', error: err instanceof Error ? err.message : String(err) })}\n`,
    );
    process.exitCode = err instanceof EnvError ? 2 : 1;
    return;
  }
  const stop = (signal: string) => {
    process.stdout.write(`${formatLogLine(new Date(), 'info', 'stopping', { service: 'loadgen', signal })}\n`);
    void running.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
