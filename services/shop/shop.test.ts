import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from './log.js';
import { startDemoService, type RunningDemoService } from './server.js';

/**
 * Every service really listening on port 0, wired to real HTTP upstreams (the other services, or
 * stand-in servers when a test needs to see or break what an upstream does).
 */

const started: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});

interface CapturedLog {
  readonly lines: { level: string; msg: string; fields: Record<string, unknown> }[];
  readonly logger: Logger;
}
function captureLog(): CapturedLog {
  const lines: CapturedLog['lines'] = [];
  return { lines, logger: { log: (level, msg, fields = {}) => lines.push({ level, msg, fields }) } };
}

async function service(
  name: string,
  env: Record<string, string>,
  rng?: () => number,
  log = captureLog(),
): Promise<RunningDemoService> {
  const running = await startDemoService(
    name,
    { PORT: '0', LOG_SUMMARY_INTERVAL_MS: '0', ...env },
    { logger: log.logger, ...(rng ? { rng } : {}) },
  );
  started.push(running);
  return running;
}

interface StandIn {
  readonly url: string;
  readonly requests: { url: string; headers: IncomingHttpHeaders }[];
}
/** A real HTTP server playing an upstream; `respond` decides each answer (or never answers). */
async function standIn(respond: (url: string) => { status: number; body: string } | 'hang'): Promise<StandIn> {
  const requests: StandIn['requests'] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ url: req.url ?? '', headers: req.headers });
    const answer = respond(req.url ?? '');
    if (answer === 'hang') return;
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  started.push({
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests poke into JSON answers freely
type Json = any;

async function getJson(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: Json }> {
  const res = await fetch(url, { headers });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

/** The whole shop: gateway -> catalog -> pricing (v2, 15% off) + inventory. */
async function shop(overrides: { pricing?: Record<string, string>; catalog?: Record<string, string> } = {}) {
  const pricing = await service('pricing', {
    MESHDEV_INSTANCE: 'pricing-3',
    MESHDEV_VERSION: 'v2',
    DISCOUNT_PERCENT: '15',
    ...overrides.pricing,
  });
  const inventory = await service('inventory', { MESHDEV_INSTANCE: 'inventory-1' });
  const catalog = await service('catalog', {
    MESHDEV_INSTANCE: 'catalog-2',
    PRICING_URL: pricing.url,
    INVENTORY_URL: inventory.url,
    ...overrides.catalog,
  });
  const gateway = await service('gateway', {
    MESHDEV_INSTANCE: 'gateway-1',
    MESHDEV_MESH: 'shop',
    CATALOG_URL: catalog.url,
  });
  return { pricing, inventory, catalog, gateway };
}

describe('the demo shop chain', () => {
  it('answers GET /products with the products and every instance that served it', async () => {
    const { gateway } = await shop();
    const { status, body, headers } = await getJson(`${gateway.url}/products`);
    expect(status).toBe(200);
    expect(body.servedBy).toEqual({
      gateway: 'gateway-1',
      catalog: 'catalog-2',
      pricing: 'pricing-3',
      inventory: 'inventory-1',
    });
    expect(body.versions).toEqual({ gateway: 'v1', catalog: 'v1', pricing: 'v2', inventory: 'v1' });
    expect(body.count).toBe(12);
    expect(body.products).toHaveLength(12);
    const beans = body.products.find((p: { id: string }) => p.id === 'p-1001');
    expect(beans.price).toMatchObject({
      currency: 'EUR',
      listAmountCents: 1450,
      amountCents: 1233,
      discountPercent: 15,
    });
    expect(beans.stock).toEqual({ available: 78, reserved: 6, status: 'in_stock' });
    expect(headers.get('x-served-by')).toBe('gateway-1');
    expect(body.requestId).toBe(headers.get('x-request-id'));
  });

  it('filters by category and serves single products, 404 for unknown ones', async () => {
    const { gateway } = await shop();
    const grinders = await getJson(`${gateway.url}/products?category=grinders`);
    expect(grinders.body.products.map((p: { id: string }) => p.id)).toEqual(['p-1008', 'p-1009']);

    const one = await getJson(`${gateway.url}/products/p-1007`);
    expect(one.status).toBe(200);
    expect(one.body.product).toMatchObject({
      id: 'p-1007',
      stock: { status: 'out_of_stock' },
      price: { amountCents: 2542 },
    });
    expect(one.body.servedBy).toEqual({
      gateway: 'gateway-1',
      catalog: 'catalog-2',
      pricing: 'pricing-3',
      inventory: 'inventory-1',
    });

    const missing = await getJson(`${gateway.url}/products/p-9999`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('UNKNOWN_PRODUCT');
  });

  it('pricing without a discount (v1) charges list price', async () => {
    const { gateway } = await shop({ pricing: { MESHDEV_VERSION: 'v1', DISCOUNT_PERCENT: '' } });
    const { body } = await getJson(`${gateway.url}/products/p-1008`);
    expect(body.product.price).toMatchObject({ amountCents: 12900, discountPercent: 0 });
    expect(body.versions.pricing).toBe('v1');
  });

  it('propagates trace context, request id and x-meshdev-* headers to every upstream', async () => {
    const pricing = await standIn(() => ({
      status: 200,
      body: JSON.stringify({ service: 'pricing', instance: 'stand-in', version: 'v9', prices: [] }),
    }));
    const inventory = await service('inventory', {});
    const catalog = await service('catalog', { PRICING_URL: pricing.url, INVENTORY_URL: inventory.url });
    const gateway = await service('gateway', { CATALOG_URL: catalog.url });

    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const { status, body } = await getJson(`${gateway.url}/products`, {
      traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
      'x-request-id': 'req-42',
      'x-meshdev-route': 'canary',
      tracestate: 'vendor=1',
      cookie: 'session=secret',
    });
    expect(status).toBe(200);
    expect(body.servedBy.pricing).toBe('stand-in');
    expect(body.traceId).toBe(traceId);
    expect(body.requestId).toBe('req-42');

    expect(pricing.requests).toHaveLength(1);
    const seen = pricing.requests[0]!;
    expect(seen.url).toMatch(/^\/prices\?ids=p-1001%2Cp-1002/);
    expect(seen.headers['x-request-id']).toBe('req-42');
    expect(seen.headers['x-meshdev-route']).toBe('canary');
    expect(seen.headers.tracestate).toBe('vendor=1');
    expect(seen.headers.cookie).toBeUndefined();
    // Same trace, but the parent is catalog's own span, neither the client's nor the gateway's.
    const [, seenTrace, seenParent] = String(seen.headers.traceparent).split('-');
    expect(seenTrace).toBe(traceId);
    expect(seenParent).not.toBe('00f067aa0ba902b7');
    expect(seenParent).toMatch(/^[0-9a-f]{16}$/);
  });

  it('starts a trace and a request id when the caller sends none', async () => {
    const catalog = await standIn(() => ({ status: 404, body: '{"instance":"c","version":"v1"}' }));
    const gateway = await service('gateway', { CATALOG_URL: catalog.url });
    const { body, headers } = await getJson(`${gateway.url}/products/p-1`);
    const forwarded = catalog.requests[0]!.headers;
    expect(forwarded.traceparent).toMatch(new RegExp(`^00-${body.traceId}-[0-9a-f]{16}-01$`));
    expect(forwarded['x-request-id']).toBe(headers.get('x-request-id'));
    expect(body.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('fault knobs', () => {
  it('ERROR_RATE=1 fails every request with a JSON error naming the instance, but not /healthz', async () => {
    const pricing = await service('pricing', { MESHDEV_INSTANCE: 'pricing-2', ERROR_RATE: '1', ERROR_STATUS: '503' });
    const failed = await getJson(`${pricing.url}/prices`);
    expect(failed.status).toBe(503);
    expect(failed.body).toMatchObject({ error: { code: 'INJECTED_FAULT' }, instance: 'pricing-2' });
    const health = await getJson(`${pricing.url}/healthz`);
    expect(health).toMatchObject({ status: 200, body: { status: 'ok', instance: 'pricing-2' } });
  });

  it('ERROR_RATE fails the requests whose draw is below it (injected random source)', async () => {
    const draws = [0.1, 0.9, 0.29, 0.31];
    const pricing = await startDemoService(
      'pricing',
      { PORT: '0', ERROR_RATE: '0.3', LOG_SUMMARY_INTERVAL_MS: '0' },
      { rng: () => draws.shift() ?? 0.99, logger: captureLog().logger },
    );
    started.push(pricing);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await fetch(`${pricing.url}/prices/p-1001`)).status);
    expect(statuses).toEqual([500, 200, 500, 200]);
  });

  it('LATENCY_MS delays every answer', async () => {
    const inventory = await service('inventory', { LATENCY_MS: '150' });
    const t0 = performance.now();
    expect((await fetch(`${inventory.url}/stock/p-1001`)).status).toBe(200);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(145);
    const h0 = performance.now();
    await fetch(`${inventory.url}/healthz`);
    expect(performance.now() - h0).toBeLessThan(100);
  });
});

describe('upstream failures', () => {
  it('an erroring pricing instance makes the gateway answer 502 naming the failed chain', async () => {
    const log = captureLog();
    const pricing = await service('pricing', { MESHDEV_INSTANCE: 'pricing-1', ERROR_RATE: '1' });
    const inventory = await service('inventory', {});
    const catalog = await service(
      'catalog',
      { MESHDEV_INSTANCE: 'catalog-3', PRICING_URL: pricing.url, INVENTORY_URL: inventory.url },
      undefined,
      log,
    );
    const gateway = await service('gateway', { CATALOG_URL: catalog.url });

    const { status, body } = await getJson(`${gateway.url}/products`);
    expect(status).toBe(502);
    expect(body.error).toMatchObject({
      code: 'UPSTREAM_HTTP_ERROR',
      upstream: 'catalog',
      status: 502,
      chain: ['catalog', 'pricing'],
    });
    expect(body.error.cause).toMatchObject({
      instance: 'catalog-3',
      error: { code: 'UPSTREAM_HTTP_ERROR', upstream: 'pricing', status: 500, cause: { instance: 'pricing-1' } },
    });
    expect(body.instance).toBe('gateway-1');
    expect(log.lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        msg: 'upstream call failed',
        fields: expect.objectContaining({ upstream: 'pricing' }),
      }),
    );
  });

  it("passes on the sidecar's reason when the mesh itself refused the call", async () => {
    const sidecar = createServer((_req, res) => {
      res
        .writeHead(503, {
          'x-meshdev-reason': 'no-healthy-endpoint: no healthy instance of catalog',
          'content-length': '0',
        })
        .end();
    });
    await new Promise<void>((resolve) => sidecar.listen(0, '127.0.0.1', resolve));
    started.push({ close: () => new Promise<void>((resolve) => sidecar.close(() => resolve())) });
    const gateway = await service('gateway', {
      CATALOG_URL: `http://127.0.0.1:${(sidecar.address() as AddressInfo).port}`,
    });
    const { status, body } = await getJson(`${gateway.url}/products`);
    expect(status).toBe(502);
    expect(body.error).toMatchObject({
      code: 'UPSTREAM_HTTP_ERROR',
      upstream: 'catalog',
      status: 503,
      meshReason: 'no-healthy-endpoint: no healthy instance of catalog',
      message:
        'catalog answered 503 to GET /products (from the sidecar: no-healthy-endpoint: no healthy instance of catalog)',
    });
  });

  it('an unreachable upstream is a 502 UPSTREAM_UNREACHABLE', async () => {
    const gone = await standIn(() => ({ status: 200, body: '{}' }));
    await started.pop()!.close();
    const gateway = await service('gateway', { CATALOG_URL: gone.url });
    const { status, body } = await getJson(`${gateway.url}/products`);
    expect(status).toBe(502);
    expect(body.error).toMatchObject({ code: 'UPSTREAM_UNREACHABLE', upstream: 'catalog', chain: ['catalog'] });
  });

  it('an upstream that does not answer in UPSTREAM_TIMEOUT_MS is a 502 UPSTREAM_TIMEOUT', async () => {
    const inventory = await standIn(() => 'hang');
    const pricing = await service('pricing', {});
    const catalog = await service('catalog', {
      PRICING_URL: pricing.url,
      INVENTORY_URL: inventory.url,
      UPSTREAM_TIMEOUT_MS: '200',
    });
    const t0 = performance.now();
    const { status, body } = await getJson(`${catalog.url}/products`);
    expect(performance.now() - t0).toBeLessThan(1500);
    expect(status).toBe(502);
    expect(body.error).toMatchObject({ code: 'UPSTREAM_TIMEOUT', upstream: 'inventory' });
  });

  it('an upstream answering something other than the expected JSON is a 502 UPSTREAM_BAD_RESPONSE', async () => {
    const catalog = await standIn(() => ({ status: 200, body: '<html>hello</html>' }));
    const gateway = await service('gateway', { CATALOG_URL: catalog.url });
    const { status, body } = await getJson(`${gateway.url}/products`);
    expect(status).toBe(502);
    expect(body.error).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', upstream: 'catalog' });

    const wrongShape = await standIn(() => ({ status: 200, body: '{"instance":"c-1","version":"v1"}' }));
    const gateway2 = await service('gateway', { CATALOG_URL: wrongShape.url });
    const second = await getJson(`${gateway2.url}/products`);
    expect(second.body.error.message).toBe('catalog answered without products, servedBy, versions');
  });
});

describe('lifecycle', () => {
  it('refuses to start without its upstream URLs or with an unknown name', async () => {
    await expect(startDemoService('catalog', { PORT: '0', PRICING_URL: 'http://127.0.0.1:1' })).rejects.toThrow(
      /INVENTORY_URL is not set/,
    );
    await expect(startDemoService('payments', { PORT: '0' })).rejects.toThrow(
      /unknown demo service "payments": expected one of gateway, catalog, pricing, inventory/,
    );
  });

  it('logs one start line naming instance, port and upstreams', async () => {
    const log = captureLog();
    const catalog = await service(
      'catalog',
      { MESHDEV_INSTANCE: 'catalog-2', PRICING_URL: 'http://127.0.0.1:15101', INVENTORY_URL: 'http://127.0.0.1:15102' },
      undefined,
      log,
    );
    expect(log.lines).toEqual([
      {
        level: 'info',
        msg: 'started',
        fields: expect.objectContaining({
          mesh: 'local',
          listen: `127.0.0.1:${catalog.port}`,
          upstreams: 'pricing=http://127.0.0.1:15101 inventory=http://127.0.0.1:15102',
        }),
      },
    ]);
  });

  it('closes promptly even with an idle keep-alive connection open', async () => {
    const pricing = await startDemoService(
      'pricing',
      { PORT: '0', LOG_SUMMARY_INTERVAL_MS: '0' },
      { logger: captureLog().logger },
    );
    const res = await fetch(`${pricing.url}/healthz`); // undici keeps the connection alive
    await res.text();
    const t0 = performance.now();
    await pricing.close();
    expect(performance.now() - t0).toBeLessThan(1000);
    await expect(fetch(`${pricing.url}/healthz`)).rejects.toThrow();
  });
});
