import express, { type NextFunction, type Request, type Response } from 'express';
import type { Registry } from 'prom-client';
import type { LoadGenerator } from './generator.js';
import { MAX_RATE } from './schedule.js';

/**
 * HTTP face of the load generator. Thin: parse, call the generator, answer with its state.
 *   GET  /metrics   Prometheus exposition (client-side metrics)
 *   GET  /healthz   200 while the process runs
 *   GET  /state     rate, paused, in flight, totals, the last 10 s, the last failure
 *   PUT  /rate      {"rate": 50}  -> new state; 400 with the accepted range when invalid
 *   POST /pause     stop sending (in-flight requests finish)
 *   POST /resume    start sending again, from now
 */

export function metricsRoutes(app: express.Express, registry: Registry): void {
  app.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
}

export function controlRoutes(app: express.Express, generator: LoadGenerator): void {
  app.get('/state', (_req, res) => {
    res.json(generator.state());
  });
  app.put('/rate', express.json({ limit: '1kb' }), (req, res) => {
    const rate = (req.body as { rate?: unknown } | undefined)?.rate;
    if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0 || rate > MAX_RATE) {
      res.status(400).json({
        error: {
          code: 'INVALID_RATE',
          message: `expected a JSON body {"rate": N} with N requests per second from 0 to ${MAX_RATE}, got ${JSON.stringify(req.body ?? null)}`,
        },
      });
      return;
    }
    generator.setRate(rate);
    res.json(generator.state());
  });
  app.post('/pause', (_req, res) => {
    generator.pause();
    res.json(generator.state());
  });
  app.post('/resume', (_req, res) => {
    generator.resume();
    res.json(generator.state());
  });
}

export function createHttpApp(): express.Express {
  const app = express();
  app.disable('x-powered-by');
  return app;
}

/** Last handlers: JSON 404 and JSON errors (malformed JSON bodies included). */
export function finishApp(app: express.Express): void {
  app.use((req, res) => {
    res.status(404).json({ error: { code: 'NOT_FOUND', message: `no route for ${req.method} ${req.path}` } });
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = typeof (err as { status?: unknown }).status === 'number' ? (err as { status: number }).status : 500;
    res.status(status).json({
      error: {
        code: status < 500 ? 'BAD_REQUEST' : 'INTERNAL',
        message: err instanceof Error ? err.message : String(err),
      },
    });
  });
}
