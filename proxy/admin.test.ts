import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { startAdminServer } from './admin.js';
import { Logger } from './log.js';
import { MeshProxy } from './mesh-proxy.js';
import { parseAdminConfig, parseAdminEndpoints } from './schema/admin.js';
import { serviceKey } from './schema/config.js';

/**
 * The admin documents as the proxy writes them, served over HTTP and parsed back with the schema
 * module's contract (proxy/schema/admin.ts), as the CLI reads them.
 */

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function serve(proxy: MeshProxy): Promise<(path: string) => Promise<unknown>> {
  const { server, port } = await startAdminServer(
    {
      registry: proxy.registry,
      healthz: async () => ({ ok: true, detail: 'test' }),
      ready: async () => ({ ok: true, detail: 'test' }),
      config: () => proxy.configView(),
      endpoints: () => proxy.endpointsView(),
    },
    { host: '127.0.0.1', port: 0 },
  );
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return async (path) => (await fetch(`http://127.0.0.1:${port}${path}`)).json();
}

describe('admin documents against their schema', () => {
  it('/endpoints, with an ejected endpoint and a rejected config document, parses; the CLI reads what the proxy wrote', async () => {
    const proxy = new MeshProxy(new Registry(), new Logger({ write: () => {} }));
    closers.push(() => proxy.close(0));
    const catalog = proxy.upstream('catalog');
    proxy.setEndpoints('catalog', [
      { id: 'catalog-1', host: '127.0.0.1', port: 1, weight: 100, version: 'v1' },
      { id: 'catalog-2', host: '127.0.0.1', port: 2, weight: 100, version: 'v2' },
    ]);
    for (let i = 0; i < 10 && !catalog.outliers.isEjected('catalog-2'); i++) {
      catalog.outliers.record('catalog-2', 'gateway-error');
    }
    expect(catalog.outliers.isEjected('catalog-2')).toBe(true);
    proxy.recordRejections([{ key: serviceKey('shop', 'catalog'), problems: ['balancer: bad'], inEffect: 'none' }]);

    const get = await serve(proxy);
    const endpoints = parseAdminEndpoints(await get('/endpoints'), '/endpoints');
    expect(endpoints.catalog?.endpoints.map((e) => [e.id, e.state, e.ejectedUntil === null])).toEqual([
      ['catalog-1', 'healthy', true],
      ['catalog-2', 'ejected', false],
    ]);
    const config = parseAdminConfig(await get('/config'), '/config');
    expect(config.valid).toBe(false);
    expect(config.rejected.map((r) => r.key)).toEqual([serviceKey('shop', 'catalog')]);
    expect(config.effective.catalog?.balancer).toBe('round-robin');
  });
});
