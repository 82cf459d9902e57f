import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { AdminConfigDocument, AdminEndpointsDocument } from './schema/admin.js';

/**
 * The admin API, on its own port, off the data path: /metrics, /healthz, /ready, /config, /endpoints,
 * /faults (when the sidecar applies faults).
 */
export interface AdminSources {
  registry: Registry;
  /** 200 when the instance can serve (the app answers). */
  healthz(): Promise<{ ok: boolean; detail: string }>;
  /** 200 when registered and healthy. */
  ready(): Promise<{ ok: boolean; detail: string }>;
  /** The contract of both documents is in proxy/schema/admin.ts (the CLI parses them with it). */
  config(): AdminConfigDocument;
  endpoints(): AdminEndpointsDocument;
  /** The fault set this sidecar applies (absent: no fault engine, `/faults` is 404). */
  faults?: () => unknown;
}

export async function startAdminServer(
  sources: AdminSources,
  listen: { host: string; port: number },
): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer((req, res) => {
    void route(sources, req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`${(err as Error).message}\n`);
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return { server, port: (server.address() as AddressInfo).port };
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, null, 2);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function route(s: AdminSources, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  switch (path) {
    case '/metrics': {
      const text = await s.registry.metrics();
      res.writeHead(200, { 'content-type': s.registry.contentType });
      res.end(text);
      return;
    }
    case '/healthz':
    case '/ready': {
      const r = path === '/healthz' ? await s.healthz() : await s.ready();
      res.writeHead(r.ok ? 200 : 503, { 'content-type': 'text/plain' });
      res.end(`${r.ok ? 'ok' : 'unavailable'}: ${r.detail}\n`);
      return;
    }
    case '/config':
      return json(res, 200, s.config());
    case '/endpoints':
      return json(res, 200, s.endpoints());
    case '/faults':
      if (s.faults === undefined) break;
      return json(res, 200, s.faults());
    case '/':
      return json(res, 200, { endpoints: routes(s) });
  }
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end(`not found; try ${routes(s).join(', ')}\n`);
}

function routes(s: AdminSources): string[] {
  const r = ['/metrics', '/healthz', '/ready', '/config', '/endpoints'];
  if (s.faults !== undefined) r.push('/faults');
  return r;
}
