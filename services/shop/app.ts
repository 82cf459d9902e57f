import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { ServiceConfig } from './config.js';
import type { Env } from './env.js';
import { decideFault, type Rng } from './faults.js';
import { LogThrottle, type Logger } from './log.js';
import {
  acceptableRequestId,
  continueTrace,
  formatTraceparent,
  parseTraceparent,
  type RandomHex,
  type TraceContext,
} from './trace.js';
import { failureCodes, UpstreamClient, UpstreamError } from './upstream.js';
import type { Dispatcher } from 'undici';

/**
 * The frame every demo service shares: identity in every answer, trace/request-id propagation,
 * the fault knobs, /healthz, JSON errors (502 naming the upstream that failed) and logs. A
 * service itself only adds its routes (see gateway.ts, catalog.ts, pricing-service.ts, inventory-service.ts).
 */

export interface DemoServiceDefinition {
  readonly name: string;
  readonly upstreams: readonly string[];
  /** Adds the service's routes. Runs once at startup, so reading service-specific env here fails fast. */
  mount(router: Router, ctx: ServiceContext): void;
}

export interface ServiceContext {
  readonly config: ServiceConfig;
  readonly env: Env;
  readonly logger: Logger;
  upstream(name: string): UpstreamClient;
}

/** I/O the frame needs, injectable so tests pin randomness. */
export interface ServiceDeps {
  readonly rng: Rng;
  readonly randomHex: RandomHex;
  readonly logger: Logger;
  readonly dispatcher: Dispatcher;
  /** Monotonic milliseconds. */
  readonly now: () => number;
}

export interface RequestContext {
  readonly trace: TraceContext;
  readonly requestId: string;
  readonly startedAt: number;
}

/** Headers forwarded to upstreams besides the rewritten traceparent. */
const propagatedHeaders = ['x-request-id', 'tracestate', 'baggage'];
/** Headers under this prefix (e.g. routing hints for the sidecars) travel the whole chain. */
const propagatedPrefix = 'x-meshdev-';

export function requestContext(res: Response): RequestContext {
  return res.locals.meshdev as RequestContext;
}

/** Headers for a call this request makes to an upstream: same trace, our span as parent, same request id. */
export function outgoingHeaders(req: Request, res: Response): Record<string, string> {
  const ctx = requestContext(res);
  const headers: Record<string, string> = { traceparent: formatTraceparent(ctx.trace), 'x-request-id': ctx.requestId };
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value !== 'string') continue;
    if (name === 'x-request-id') continue;
    if (propagatedHeaders.includes(name) || name.startsWith(propagatedPrefix)) headers[name] = value;
  }
  return headers;
}

export function identityOf(config: ServiceConfig): { service: string; instance: string; version: string } {
  const { service, instance, version } = config.identity;
  return { service, instance, version };
}

/** Counts what happened since the last summary line. */
export class TrafficSummary {
  requests = 0;
  readonly byStatusClass = new Map<string, number>();
  injected = 0;
  readonly upstreamFailures = new Map<string, number>();
  private totalMs = 0;

  record(status: number, durationMs: number): void {
    this.requests++;
    const cls = `${Math.floor(status / 100)}xx`;
    this.byStatusClass.set(cls, (this.byStatusClass.get(cls) ?? 0) + 1);
    this.totalMs += durationMs;
  }

  /** The summary's fields, or undefined when nothing happened; resets the counts. */
  drain(): Record<string, number> | undefined {
    if (this.requests === 0) return undefined;
    const fields: Record<string, number> = {
      requests: this.requests,
      avg_ms: Math.round(this.totalMs / this.requests),
    };
    for (const [cls, n] of [...this.byStatusClass].sort()) fields[`status_${cls}`] = n;
    if (this.injected > 0) fields.injected_faults = this.injected;
    for (const [upstream, n] of this.upstreamFailures) fields[`${upstream}_failures`] = n;
    this.requests = 0;
    this.totalMs = 0;
    this.injected = 0;
    this.byStatusClass.clear();
    this.upstreamFailures.clear();
    return fields;
  }
}

export function createServiceApp(
  definition: DemoServiceDefinition,
  config: ServiceConfig,
  env: Env,
  deps: ServiceDeps,
  summary: TrafficSummary = new TrafficSummary(),
): express.Express {
  const identity = identityOf(config);
  const { logger } = deps;
  const upstreamFailureLog = new LogThrottle(5000, deps.now);
  const clients = new Map<string, UpstreamClient>();
  for (const [name, baseUrl] of Object.entries(config.upstreams)) {
    clients.set(
      name,
      new UpstreamClient(name, baseUrl, {
        timeoutMs: config.upstreamTimeoutMs,
        dispatcher: deps.dispatcher,
        passStatuses: [404],
      }),
    );
  }

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // The sidecar is the only client; trust it for req.ip in logs.
  app.set('trust proxy', 'loopback');

  app.use((req, res, next) => {
    const ctx: RequestContext = {
      trace: continueTrace(parseTraceparent(req.header('traceparent')), deps.randomHex),
      requestId: acceptableRequestId(req.header('x-request-id')) ?? crypto.randomUUID(),
      startedAt: deps.now(),
    };
    res.locals.meshdev = ctx;
    res.setHeader('x-request-id', ctx.requestId);
    res.setHeader('x-served-by', config.identity.instance);
    res.on('finish', () => {
      const durationMs = deps.now() - ctx.startedAt;
      if (req.path !== '/healthz') summary.record(res.statusCode, durationMs);
      if (config.logRequests && req.path !== '/healthz') {
        logger.log(res.statusCode >= 500 ? 'warn' : 'info', 'request', {
          method: req.method,
          path: req.originalUrl,
          status: res.statusCode,
          duration_ms: Math.round(durationMs * 10) / 10,
          request_id: ctx.requestId,
          trace_id: ctx.trace.traceId,
        });
      }
    });
    next();
  });

  // Health comes before the fault knobs: a slow or erroring instance is still "up", which is what
  // makes it a job for outlier detection rather than the health check.
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', ...identity });
  });

  app.use(async (_req: Request, res: Response, next: NextFunction) => {
    const decision = decideFault(config.faults, deps.rng);
    if (decision.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, decision.delayMs));
    if (decision.failWith !== undefined) {
      summary.injected++;
      res.status(decision.failWith).json({
        error: {
          code: 'INJECTED_FAULT',
          message: `${config.identity.instance} failed this request on purpose (ERROR_RATE=${config.faults.errorRate})`,
        },
        ...identity,
      });
      return;
    }
    next();
  });

  const router = express.Router();
  definition.mount(router, {
    config,
    env,
    logger,
    upstream(name) {
      const client = clients.get(name);
      if (!client)
        throw new Error(`${definition.name} has no upstream "${name}" (declared: ${definition.upstreams.join(', ')})`);
      return client;
    },
  });
  app.use(router);

  app.use((req, res) => {
    res
      .status(404)
      .json({ error: { code: 'NOT_FOUND', message: `no route for ${req.method} ${req.path}` }, ...identity });
  });

  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof UpstreamError) {
      summary.upstreamFailures.set(err.upstream, (summary.upstreamFailures.get(err.upstream) ?? 0) + 1);
      const suppressed = upstreamFailureLog.admit(`${err.upstream}:${err.kind}`);
      if (suppressed !== undefined) {
        logger.log('warn', 'upstream call failed', {
          upstream: err.upstream,
          kind: err.kind,
          status: err.status,
          error: err.message,
          similar_suppressed: suppressed > 0 ? suppressed : undefined,
          request_id: requestContext(res).requestId,
        });
      }
      res.status(502).json({
        error: {
          code: failureCodes[err.kind],
          message: err.message,
          upstream: err.upstream,
          status: err.status,
          meshReason: err.meshReason,
          chain: failureChain(err),
          cause: err.upstreamBody,
        },
        requestId: requestContext(res).requestId,
        ...identity,
      });
      return;
    }
    const status = typeof (err as { status?: unknown }).status === 'number' ? (err as { status: number }).status : 500;
    if (status >= 500) logger.log('error', 'request failed', { error: err instanceof Error ? err.stack : String(err) });
    res.status(status).json({
      error: {
        code: status >= 500 ? 'INTERNAL' : 'BAD_REQUEST',
        message: err instanceof Error ? err.message : String(err),
      },
      ...identity,
    });
  });

  return app;
}

/**
 * Which hops failed, outermost first: the gateway's 502 for a dead pricing instance reads
 * `chain: ["catalog", "pricing"]`, taken from the nested errors the services answered with.
 */
export function failureChain(err: UpstreamError): string[] {
  const inner = (err.upstreamBody as { error?: { upstream?: unknown; chain?: unknown } } | undefined)?.error;
  if (err.kind === 'http_error' && inner && typeof inner.upstream === 'string') {
    const nested =
      Array.isArray(inner.chain) && inner.chain.every((h) => typeof h === 'string')
        ? (inner.chain as string[])
        : [inner.upstream];
    return [err.upstream, ...nested];
  }
  return [err.upstream];
}
