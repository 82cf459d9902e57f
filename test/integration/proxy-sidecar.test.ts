import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type http from 'node:http';
import { startConsul } from '../support/consul.js';
import type { ConsulAgent } from '../support/consul.js';
import { eventually, request, startHttpServer } from '../support/http.js';
import type { TestServer } from '../support/http.js';
import { startTestSidecar } from '../support/sidecar.js';
import type { RunningSidecar } from '../../proxy/sidecar.js';
import { parseAdminConfig, parseAdminEndpoints } from '../../proxy/schema/admin.js';

/**
 * The sidecar against a real Consul agent and real HTTP apps: registration (shape, health check),
 * discovery of upstream instances, removal of a dead instance, deregistration on stop.
 */

let consul: ConsulAgent;
const apps: TestServer[] = [];
const sidecars: RunningSidecar[] = [];
const appHealthy = new Map<string, boolean>();

async function app(id: string): Promise<TestServer> {
  appHealthy.set(id, true);
  const s = await startHttpServer((req: http.IncomingMessage, res: http.ServerResponse) => {
    if (req.url === '/healthz') {
      res.writeHead(appHealthy.get(id) ? 200 : 500).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ instance: id, url: req.url, traceparent: req.headers.traceparent ?? null }));
  });
  apps.push(s);
  return s;
}

async function sidecar(doc: Record<string, unknown>): Promise<RunningSidecar> {
  const s = await startTestSidecar(consul.url, { ...doc });
  sidecars.push(s);
  return s;
}

beforeAll(async () => {
  consul = await startConsul();
});

afterAll(async () => {
  await Promise.allSettled(sidecars.map((s) => s.stop()));
  await Promise.allSettled(apps.map((a) => a.close()));
  await consul?.stop();
});

describe('sidecar with a real consul agent', () => {
  it('registers, discovers upstream instances, drops a dead one, deregisters on stop', async () => {
    const c1 = await app('catalog-1');
    const c2 = await app('catalog-2');
    const s1 = await sidecar({ service: 'catalog', instanceId: 'catalog-1', app: { port: c1.port }, weight: 7 });
    const s2 = await sidecar({ service: 'catalog', instanceId: 'catalog-2', app: { port: c2.port }, version: 'v2' });
    const gw = await sidecar({
      service: 'gateway',
      instanceId: 'gateway-1',
      app: { port: (await app('gateway-1')).port },
      upstreams: [{ service: 'catalog', listen: { host: '127.0.0.1', port: 0 } }],
    });

    // Registration shape as the compose file and Prometheus rely on it.
    const reg = await eventually(async () => {
      const res = await fetch(`${consul.url}/v1/agent/service/catalog-1`);
      return res.ok
        ? ((await res.json()) as {
            Service: string;
            Address: string;
            Port: number;
            Tags: string[];
            Meta: Record<string, string>;
            Weights: unknown;
          })
        : undefined;
    });
    expect(reg.Service).toBe('catalog');
    expect(reg.Address).toBe('127.0.0.1');
    expect(reg.Port).toBe(s1.listeners[0]!.boundPort);
    expect(reg.Tags).toEqual(['version:v1']);
    expect(reg.Meta).toMatchObject({
      meshdev_mesh: 'shop',
      meshdev_instance: 'catalog-1',
      version: 'v1',
      metrics_port: String(s1.adminPort),
      meshdev_role: 'sidecar',
    });
    expect(reg.Weights).toEqual({ Passing: 7, Warning: 1 });

    const outbound = `http://127.0.0.1:${gw.listeners.find((l) => l.direction === 'outbound')!.boundPort}`;
    // Both instances become passing and are both served.
    const seen = await eventually(
      async () => {
        const ids = new Set<string>();
        for (let i = 0; i < 10; i++)
          ids.add((JSON.parse((await request(`${outbound}/products`)).body) as { instance: string }).instance);
        return ids.size === 2 ? ids : undefined;
      },
      { timeoutMs: 15_000, what: 'both catalog instances served through the gateway sidecar' },
    );
    expect([...seen].sort()).toEqual(['catalog-1', 'catalog-2']);

    // traceparent is created and propagated.
    const traced = JSON.parse((await request(`${outbound}/x`)).body) as { traceparent: string };
    expect(traced.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);

    // Admin API.
    const ready = await eventually(
      async () => (await request(`http://127.0.0.1:${s1.adminPort}/ready`)).status === 200,
    );
    expect(ready).toBe(true);
    const metrics = (await request(`http://127.0.0.1:${gw.adminPort}/metrics`)).body;
    expect(metrics).toMatch(/meshdev_requests_total\{direction="outbound",upstream="catalog",status_class="2xx"\} \d+/);
    // /endpoints and /config are the contract the CLI reads them by (proxy/schema/admin.ts).
    const endpoints = parseAdminEndpoints(
      JSON.parse((await request(`http://127.0.0.1:${gw.adminPort}/endpoints`)).body),
      'gateway-1 /endpoints',
    );
    expect(endpoints.catalog?.endpoints.map((e) => e.id).sort()).toEqual(['catalog-1', 'catalog-2']);
    expect(Object.keys(endpoints).sort()).toEqual(['catalog', 'gateway']);
    const config = parseAdminConfig(
      JSON.parse((await request(`http://127.0.0.1:${gw.adminPort}/config`)).body),
      'gateway-1 /config',
    );
    expect(config.bootstrap?.instanceId).toBe('gateway-1');
    expect(config.effective.gateway?.fixed).toBe(true);
    expect(config.effective.catalog?.fixed).toBe(false);

    // The app of catalog-2 stops answering its health check: its sidecar's /healthz fails, Consul marks it critical,
    // and the gateway stops sending to it (while it stays registered and visible as critical).
    appHealthy.set('catalog-2', false);
    await eventually(
      async () => {
        const eps = parseAdminEndpoints(
          JSON.parse((await request(`http://127.0.0.1:${gw.adminPort}/endpoints`)).body),
          'gateway-1 /endpoints',
        );
        return eps.catalog?.endpoints.length === 1;
      },
      { timeoutMs: 10_000, what: 'catalog-2 removed from the gateway endpoints' },
    );
    for (let i = 0; i < 6; i++) {
      expect((JSON.parse((await request(`${outbound}/p`)).body) as { instance: string }).instance).toBe('catalog-1');
    }
    const checks = (await (await fetch(`${consul.url}/v1/health/service/catalog`)).json()) as {
      Service: { ID: string };
      Checks: { Status: string }[];
    }[];
    const c2entry = checks.find((e) => e.Service.ID === 'catalog-2');
    expect(c2entry?.Checks.some((c) => c.Status === 'critical')).toBe(true);

    // Stop: deregistered.
    await s2.stop();
    const after = await fetch(`${consul.url}/v1/agent/service/catalog-2`);
    expect(after.status).toBe(404);
  });

  it('answers 503 with a reason header, fast, when an upstream has no healthy instance', async () => {
    const gw = await sidecar({
      service: 'lonely',
      instanceId: 'lonely-1',
      app: { port: (await app('lonely-1')).port },
      upstreams: [{ service: 'nobody', listen: { host: '127.0.0.1', port: 0 } }],
    });
    const started = performance.now();
    const res = await request(`http://127.0.0.1:${gw.listeners.find((l) => l.direction === 'outbound')!.boundPort}/`);
    expect(res.status).toBe(503);
    expect(res.headers['x-meshdev-reason']).toMatch(/^no-healthy-endpoint/);
    expect(performance.now() - started).toBeLessThan(200);
  });

  it('ingress mode: no app, registers as service "ingress" with role ingress, forwards to its upstream', async () => {
    const web = await app('web-1');
    await sidecar({ service: 'web', instanceId: 'web-1', app: { port: web.port } });
    const ingress = await sidecar({
      mode: 'ingress',
      service: 'web',
      instanceId: 'ingress',
      upstreams: [{ service: 'web', listen: { host: '127.0.0.1', port: 0 } }],
    });
    const reg = await eventually(async () => {
      const res = await fetch(`${consul.url}/v1/agent/service/ingress`);
      return res.ok
        ? ((await res.json()) as { Service: string; Port: number; Meta: Record<string, string> })
        : undefined;
    });
    expect(reg.Service).toBe('ingress');
    expect(reg.Port).toBe(ingress.listeners[0]!.boundPort);
    expect(reg.Meta.meshdev_role).toBe('ingress');
    expect((await request(`http://127.0.0.1:${ingress.adminPort}/healthz`)).status).toBe(200);
    const url = `http://127.0.0.1:${ingress.listeners[0]!.boundPort}/products`;
    const served = await eventually(
      async () => {
        const r = await request(url);
        return r.status === 200 ? (JSON.parse(r.body) as { instance: string }) : undefined;
      },
      { timeoutMs: 15_000, what: 'web served through the ingress' },
    );
    expect(served.instance).toBe('web-1');
  });
});
