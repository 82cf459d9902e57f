import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type http from 'node:http';
import net from 'node:net';
import { startConsul } from '../support/consul.js';
import type { ConsulAgent } from '../support/consul.js';
import { eventually, request, startHttpServer } from '../support/http.js';
import type { TestServer } from '../support/http.js';
import { startTestSidecar } from '../support/sidecar.js';
import { faultRuleKey, partitionKey } from '../../proxy/schema/faults.js';
import type { RunningSidecar } from '../../proxy/sidecar.js';

/**
 * Faults wired into the real sidecar: fault documents written to a real Consul agent's KV apply live
 * to the traffic of sidecars that watch them (inbound abort at one instance, the caller retrying
 * around it; a source-matched fault seeing the calling service; a partition refused fast with a
 * reason; a hand-written invalid document ignored with a visible error; a flaky fault failing the
 * first N of each caller, and the first N connections of a TCP upstream), and stop when removed.
 */

const MESH = 'fx';
let consul: ConsulAgent;
const apps: TestServer[] = [];
const sidecars: RunningSidecar[] = [];
let gatewayOutbound: string;
let gatewayAdmin: string;
let catalog2Inbound: string;
let catalog2Admin: string;

async function app(id: string): Promise<TestServer> {
  const s = await startHttpServer((req: http.IncomingMessage, res: http.ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ instance: id, source: req.headers['x-meshdev-source'] ?? null }));
  });
  apps.push(s);
  return s;
}

async function sidecar(doc: Record<string, unknown>): Promise<RunningSidecar> {
  const s = await startTestSidecar(consul.url, { mesh: MESH, ...doc });
  sidecars.push(s);
  return s;
}

async function kvPut(key: string, value: unknown): Promise<void> {
  const res = await fetch(`${consul.url}/v1/kv/${key}`, {
    method: 'PUT',
    body: typeof value === 'string' ? value : JSON.stringify(value),
  });
  expect(res.ok).toBe(true);
}

async function kvDelete(key: string): Promise<void> {
  expect((await fetch(`${consul.url}/v1/kv/${key}`, { method: 'DELETE' })).ok).toBe(true);
}

function fault(id: string, rest: Record<string, unknown>): Record<string, unknown> {
  const now = Date.now();
  return {
    id,
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + 120_000).toISOString(),
    ...rest,
  };
}

/** Waits until a sidecar's `/faults` lists exactly these rule and partition ids. */
async function applied(admin: string, ids: string[]): Promise<Record<string, unknown>> {
  return eventually(
    async () => {
      const view = JSON.parse((await request(`${admin}/faults`)).body) as {
        faults: { id: string }[];
        partitions: { id: string }[];
      };
      const seen = [...view.faults.map((f) => f.id), ...view.partitions.map((p) => p.id)].sort();
      return JSON.stringify(seen) === JSON.stringify([...ids].sort()) ? (view as Record<string, unknown>) : undefined;
    },
    { timeoutMs: 10_000, what: `faults ${ids.join(',') || '(none)'} applied at ${admin}` },
  );
}

beforeAll(async () => {
  consul = await startConsul();
  const c1 = await sidecar({
    service: 'catalog',
    instanceId: 'catalog-1',
    app: { port: (await app('catalog-1')).port },
  });
  const c2 = await sidecar({
    service: 'catalog',
    instanceId: 'catalog-2',
    app: { port: (await app('catalog-2')).port },
  });
  const gw = await sidecar({
    service: 'gateway',
    instanceId: 'gateway-1',
    app: { port: (await app('gateway-1')).port },
    upstreams: [{ service: 'catalog', listen: { host: '127.0.0.1', port: 0 } }],
  });
  void c1;
  gatewayOutbound = `http://127.0.0.1:${gw.listeners.find((l) => l.direction === 'outbound')!.boundPort}`;
  gatewayAdmin = `http://127.0.0.1:${gw.adminPort}`;
  catalog2Inbound = `http://127.0.0.1:${c2.listeners.find((l) => l.direction === 'inbound')!.boundPort}`;
  catalog2Admin = `http://127.0.0.1:${c2.adminPort}`;
  await eventually(
    async () => {
      const ids = new Set<string>();
      for (let i = 0; i < 8; i++)
        ids.add((JSON.parse((await request(`${gatewayOutbound}/p`)).body) as { instance: string }).instance);
      return ids.size === 2 ? true : undefined;
    },
    { timeoutMs: 15_000, what: 'both catalog instances served through the gateway sidecar' },
  );
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(sidecars.map((s) => s.stop()));
  await Promise.allSettled(apps.map((a) => a.close()));
  await consul?.stop();
});

describe.sequential('faults in the sidecar, fed by a real consul agent', () => {
  it('names the calling service on outbound requests (replacing a forged value)', async () => {
    const r = await request(`${gatewayOutbound}/p`, { headers: { 'x-meshdev-source': 'forged' } });
    expect((JSON.parse(r.body) as { source: string }).source).toBe('gateway');
  });

  it('abort 100% inbound at one instance: that instance answers 503 with a reason; the caller routes around it', async () => {
    await kvPut(
      faultRuleKey(MESH, 'f-abort2'),
      fault('f-abort2', {
        action: { type: 'abort', status: 503 },
        target: { service: 'catalog', instance: 'catalog-2' },
      }),
    );
    await applied(catalog2Admin, ['f-abort2']);
    const direct = await request(`${catalog2Inbound}/p`);
    expect(direct.status).toBe(503);
    expect(direct.headers['x-meshdev-reason']).toBe('fault-injected: abort 503 (fault f-abort2)');

    await applied(gatewayAdmin, ['f-abort2']);
    const served: string[] = [];
    for (let i = 0; i < 30; i++) {
      const r = await request(`${gatewayOutbound}/p`);
      expect(r.status).toBe(200);
      served.push((JSON.parse(r.body) as { instance: string }).instance);
    }
    expect(new Set(served)).toEqual(new Set(['catalog-1']));
    const metrics = (await request(`${catalog2Admin}/metrics`)).body;
    expect(metrics).toMatch(/meshdev_faults_injected_total\{type="abort"\} [1-9]/);

    await kvDelete(faultRuleKey(MESH, 'f-abort2'));
    await applied(catalog2Admin, []);
    expect((await request(`${catalog2Inbound}/p`)).status).toBe(200);
  });

  it('an inbound fault matching a source service applies to that caller only', async () => {
    await kvPut(
      faultRuleKey(MESH, 'f-from-gw'),
      fault('f-from-gw', {
        action: { type: 'abort', status: 418 },
        target: { service: 'catalog' },
        match: { source: 'gateway' },
      }),
    );
    await applied(catalog2Admin, ['f-from-gw']);
    await applied(gatewayAdmin, ['f-from-gw']);
    expect((await request(`${catalog2Inbound}/p`)).status).toBe(200);
    const viaGateway = await request(`${gatewayOutbound}/p`);
    expect(viaGateway.status).toBe(418);
    expect(viaGateway.headers['x-meshdev-reason']).toContain('f-from-gw');
    await kvDelete(faultRuleKey(MESH, 'f-from-gw'));
    await applied(gatewayAdmin, []);
  });

  it('a partition is refused fast by the caller with a reason, and heals when removed', async () => {
    await kvPut(partitionKey(MESH, 'p-gwcat'), {
      id: 'p-gwcat',
      a: ['gateway'],
      b: ['catalog'],
      createdAt: new Date().toISOString(),
    });
    await applied(gatewayAdmin, ['p-gwcat']);
    const started = performance.now();
    const r = await request(`${gatewayOutbound}/p`);
    const ms = performance.now() - started;
    expect(r.status).toBe(503);
    expect(r.headers['x-meshdev-reason']).toMatch(/^partitioned: gateway cannot reach catalog \(partition p-gwcat/);
    expect(ms).toBeLessThan(200);
    await kvDelete(partitionKey(MESH, 'p-gwcat'));
    await applied(gatewayAdmin, []);
    expect((await request(`${gatewayOutbound}/p`)).status).toBe(200);
  });

  it('ignores a hand-written invalid fault document with a visible error, and keeps serving', async () => {
    await kvPut(faultRuleKey(MESH, 'f-bad'), '{"id":"f-bad","action":{"type":"abort","status":99}}');
    const view = await eventually(
      async () => {
        const v = JSON.parse((await request(`${gatewayAdmin}/faults`)).body) as { invalid: unknown[] };
        return v.invalid.length > 0 ? v : undefined;
      },
      { timeoutMs: 10_000, what: 'the invalid document reported at /faults' },
    );
    expect(JSON.stringify(view.invalid)).toContain('f-bad');
    const r = await request(`${gatewayOutbound}/p`);
    expect(r.status, String(r.headers['x-meshdev-reason'])).toBe(200);
    await kvDelete(faultRuleKey(MESH, 'f-bad'));
  });
});

describe.sequential('flaky faults in the sidecar, fed by a real consul agent', () => {
  let pricingInbound: string;
  let pricingAdmin: string;
  let cartToPricing: string;
  let webToPricing: string;
  let cartToDbPort: number;
  let cartAdmin: string;

  /** Sends `text` through cart's TCP listener for db and resolves what came back, or rejects on a reset. */
  function viaTcp(text: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const c = net.connect(cartToDbPort, '127.0.0.1', () => c.end(text));
      let out = '';
      c.setTimeout(5000, () => c.destroy(new Error('no answer within 5 s')));
      c.on('data', (d: Buffer) => (out += d.toString()));
      c.on('error', reject);
      c.on('close', () => (out === '' ? reject(new Error('closed without an answer')) : resolve(out)));
    });
  }

  const echo = net.createServer((s) => s.pipe(s));
  afterAll(() => new Promise<void>((resolve) => echo.close(() => resolve())));

  beforeAll(async () => {
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    // A TCP service with no sidecar of its own (a database): registered as any Consul service is.
    const registered = await fetch(`${consul.url}/v1/agent/service/register`, {
      method: 'PUT',
      body: JSON.stringify({
        ID: 'db-1',
        Name: 'db',
        Address: '127.0.0.1',
        Port: (echo.address() as net.AddressInfo).port,
      }),
    });
    expect(registered.ok).toBe(true);

    const pricing = await sidecar({
      service: 'pricing',
      instanceId: 'pricing-1',
      app: { port: (await app('pricing-1')).port },
    });
    const cart = await sidecar({
      service: 'cart',
      instanceId: 'cart-1',
      app: { port: (await app('cart-1')).port },
      upstreams: [
        { service: 'pricing', listen: { host: '127.0.0.1', port: 0 } },
        { service: 'db', protocol: 'tcp', listen: { host: '127.0.0.1', port: 0 } },
      ],
    });
    const web = await sidecar({
      service: 'web',
      instanceId: 'web-1',
      app: { port: (await app('web-1')).port },
      upstreams: [{ service: 'pricing', listen: { host: '127.0.0.1', port: 0 } }],
    });
    const outbound = (s: RunningSidecar, upstream: string) =>
      s.listeners.find((l) => l.direction === 'outbound' && l.upstream === upstream)!.boundPort;
    pricingInbound = `http://127.0.0.1:${pricing.listeners.find((l) => l.direction === 'inbound')!.boundPort}`;
    pricingAdmin = `http://127.0.0.1:${pricing.adminPort}`;
    cartToPricing = `http://127.0.0.1:${outbound(cart, 'pricing')}`;
    webToPricing = `http://127.0.0.1:${outbound(web, 'pricing')}`;
    cartToDbPort = outbound(cart, 'db');
    cartAdmin = `http://127.0.0.1:${cart.adminPort}`;
    await eventually(
      async () => {
        const both = await Promise.all([request(`${cartToPricing}/p`), request(`${webToPricing}/p`)]);
        const tcp = await viaTcp('ping').catch(() => '');
        return both.every((r) => r.status === 200) && tcp === 'ping' ? true : undefined;
      },
      { timeoutMs: 15_000, what: 'pricing through cart and web, and db through cart' },
    );
  }, 60_000);

  it('fails exactly the first N requests of each caller with the status, then passes them all', async () => {
    await kvPut(
      faultRuleKey(MESH, 'f-flaky'),
      // 500: the callers' sidecars would retry a 503 (one of their defaults), spending the count.
      fault('f-flaky', { action: { type: 'flaky', first: 3, status: 500 }, target: { service: 'pricing' } }),
    );
    await applied(pricingAdmin, ['f-flaky']);
    const callers = { cart: cartToPricing, web: webToPricing, outside: pricingInbound };
    const statuses: Record<string, number[]> = { cart: [], web: [], outside: [] };
    for (let i = 0; i < 6; i++) {
      for (const [caller, url] of Object.entries(callers)) {
        const r = await request(`${url}/p`);
        statuses[caller]!.push(r.status);
        if (r.status === 500) {
          expect(r.headers['x-meshdev-reason']).toBe(
            'fault-injected: flaky 500, the first 3 per caller (fault f-flaky)',
          );
        } else {
          expect((JSON.parse(r.body) as { source: string | null }).source).toBe(caller === 'outside' ? null : caller);
        }
      }
    }
    const firstThreeFail = [500, 500, 500, 200, 200, 200];
    expect(statuses).toEqual({ cart: firstThreeFail, web: firstThreeFail, outside: firstThreeFail });

    const view = JSON.parse((await request(`${pricingAdmin}/faults`)).body) as { faults: Record<string, unknown>[] };
    expect(view.faults).toMatchObject([
      {
        id: 'f-flaky',
        action: { type: 'flaky', first: 3, status: 500 },
        failedByCaller: { cart: 3, web: 3, '(outside)': 3 },
      },
    ]);
    expect((await request(`${pricingAdmin}/metrics`)).body).toMatch(
      /meshdev_faults_injected_total\{type="flaky"\} 9\n/,
    );

    // Removed, its counts go; written again under another id, it counts from the start.
    await kvDelete(faultRuleKey(MESH, 'f-flaky'));
    await applied(pricingAdmin, []);
    await kvPut(
      faultRuleKey(MESH, 'f-flaky2'),
      fault('f-flaky2', { action: { type: 'flaky', first: 1 }, target: { service: 'pricing' } }),
    );
    await applied(pricingAdmin, ['f-flaky2']);
    const again = await request(`${pricingInbound}/p`);
    expect(again.status).toBe(503);
    expect(again.headers['x-meshdev-reason']).toContain('fault f-flaky2');
    expect((await request(`${pricingInbound}/p`)).status).toBe(200);
    await kvDelete(faultRuleKey(MESH, 'f-flaky2'));
    await applied(pricingAdmin, []);
  });

  it('tcp-flaky resets the first N connections, then connections pass', async () => {
    await kvPut(
      faultRuleKey(MESH, 'f-tcp-flaky'),
      fault('f-tcp-flaky', { action: { type: 'tcp-flaky', first: 2 }, target: { service: 'db' }, where: 'outbound' }),
    );
    await applied(cartAdmin, ['f-tcp-flaky']);
    const outcomes: string[] = [];
    for (let i = 0; i < 4; i++) {
      outcomes.push(await viaTcp(`hello ${i}`).catch((err: NodeJS.ErrnoException) => err.code ?? err.message));
    }
    expect(outcomes.slice(0, 2).every((o) => o === 'ECONNRESET' || o === 'closed without an answer')).toBe(true);
    expect(outcomes.slice(2)).toEqual(['hello 2', 'hello 3']);
    expect((await request(`${cartAdmin}/metrics`)).body).toMatch(
      /meshdev_faults_injected_total\{type="tcp-flaky"\} 2\n/,
    );
    await kvDelete(faultRuleKey(MESH, 'f-tcp-flaky'));
    await applied(cartAdmin, []);
  });
});
