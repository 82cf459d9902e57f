import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultEngine, faultingHttpHandler, faultingTcpHandler } from '../../proxy/faults/index.js';
import type { ListenerScope } from '../../proxy/faults/index.js';
import { T0 } from '../../proxy/faults/testing.js';
import { MeshProxy } from '../../proxy/mesh-proxy.js';
import { HttpForwarder } from '../../proxy/http/forwarder.js';
import { INBOUND_CONFIG } from '../../proxy/sidecar.js';
import { silentLogger } from '../../proxy/log.js';
import { faultRuleKey, headerFaultSettingsKey, partitionKey } from '../../proxy/schema/faults.js';
import { request, startHttpServer } from '../support/http.js';
import type { TestServer } from '../support/http.js';

/**
 * Every fault against real sockets: a real backend, a real front server whose handler is the
 * fault wrapper around a forwarder (a plain pipe, and once the sidecar's own HttpForwarder).
 */

const BIG = Buffer.alloc(200 * 1024, 'x');
let backend: TestServer;
let backendHits = 0;
const now = { t: T0 };
const registry = new Registry();
const engine = new FaultEngine({
  self: { service: 'catalog', version: 'v1', instance: 'catalog-1', ingress: false },
  registry,
  clock: { now: () => now.t },
});
const servers: net.Server[] = [];

function setFaults(docs: Record<string, unknown>[], extra: { key: string; value: string }[] = []): void {
  engine.applyEntries(
    'shop',
    [
      ...docs.map((d, i) => {
        const doc = {
          id: `f${i}`,
          target: { service: 'catalog' },
          createdAt: new Date(T0 - 1000).toISOString(),
          expiresAt: new Date(T0 + 60_000).toISOString(),
          ...d,
        };
        return { key: faultRuleKey('shop', doc.id as string), value: JSON.stringify(doc) };
      }),
      ...extra,
    ],
    'test',
  );
  expect(engine.problems).toEqual([]);
}

/** The simplest forwarder: one upstream request per request, bodies piped. */
function pipeTo(port: number): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  return (req, res) => {
    const u = http.request(
      { host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers },
      (ur) => {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.pipe(res);
      },
    );
    u.on('error', () => res.destroy());
    req.pipe(u);
  };
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return (server.address() as AddressInfo).port;
}

let inboundUrl: string;
let outboundUrl: string;
let realForwarderUrl: string;
let mesh: MeshProxy;

beforeAll(async () => {
  backend = await startHttpServer((req, res) => {
    backendHits++;
    if (req.url === '/big') res.end(BIG);
    else res.end('ok');
  });
  const inbound: ListenerScope = { direction: 'inbound', protocol: 'http' };
  inboundUrl = `http://127.0.0.1:${await listen(http.createServer(faultingHttpHandler(engine, inbound, pipeTo(backend.port))))}`;
  // this sidecar (catalog) calling pricing
  const outbound: ListenerScope = { direction: 'outbound', protocol: 'http', upstream: 'pricing' };
  outboundUrl = `http://127.0.0.1:${await listen(http.createServer(faultingHttpHandler(engine, outbound, pipeTo(backend.port))))}`;

  // The sidecar's own forwarder behind the wrapper: what `MeshProxy.listen` will do once wired.
  mesh = new MeshProxy(new Registry(), silentLogger);
  const up = mesh.upstream('catalog', INBOUND_CONFIG);
  mesh.setEndpoints('catalog', [{ id: 'app', host: '127.0.0.1', port: backend.port, weight: 1, version: 'v1' }]);
  const fwd = new HttpForwarder({
    upstream: up,
    direction: 'inbound',
    stats: mesh.metrics.routes.seriesFor('inbound', 'catalog'),
    client: mesh.client,
    log: silentLogger,
    clock: mesh.clock,
    rng: mesh.rng,
  });
  realForwarderUrl = `http://127.0.0.1:${await listen(http.createServer(faultingHttpHandler(engine, inbound, fwd.handle)))}`;
});

afterAll(async () => {
  for (const s of servers) {
    if (s instanceof http.Server) s.closeAllConnections();
    s.close();
  }
  await mesh?.close(0);
  await backend?.close();
});

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
}

describe('HTTP faults against a real server', () => {
  it('no fault: passes straight through', async () => {
    setFaults([]);
    const r = await request(`${inboundUrl}/x`);
    expect(r.status).toBe(200);
    expect(r.body).toBe('ok');
  });

  it('delay adds the time', async () => {
    setFaults([{ action: { type: 'delay', fixedMs: 300 } }]);
    const { ms, value } = await timed(() => request(`${inboundUrl}/x`));
    expect(value.status).toBe(200);
    expect(ms).toBeGreaterThanOrEqual(290);
    expect(ms).toBeLessThan(1500);
  });

  it('abort answers the status with a reason, and the app never sees the request', async () => {
    setFaults([{ action: { type: 'abort', status: 503 } }]);
    const before = backendHits;
    const r = await request(`${inboundUrl}/x`, { method: 'POST', body: 'payload' });
    expect(r.status).toBe(503);
    expect(r.headers['x-meshdev-reason']).toBe('fault-injected: abort 503 (fault f0)');
    expect(backendHits).toBe(before);
  });

  it('reset destroys the connection', async () => {
    setFaults([{ action: { type: 'reset' } }]);
    await expect(request(`${inboundUrl}/x`)).rejects.toThrow(/ECONNRESET|socket hang up/);
  });

  it('blackhole never answers: the client times out', async () => {
    setFaults([{ action: { type: 'blackhole' } }]);
    const before = backendHits;
    const { ms } = await timed(() => request(`${inboundUrl}/x`, { timeoutMs: 600 }).catch((e: Error) => e));
    expect(ms).toBeGreaterThanOrEqual(590);
    await expect(request(`${inboundUrl}/x`, { timeoutMs: 300 })).rejects.toThrow(/no answer .* within 300 ms/);
    expect(backendHits).toBe(before);
  });

  it('bandwidth throttles a 200 KiB response to roughly the rate (plain pipe and the sidecar forwarder)', async () => {
    setFaults([]);
    const fast = await timed(() => request(`${inboundUrl}/big`));
    expect(fast.value.body.length).toBe(BIG.length);
    expect(fast.ms).toBeLessThan(500);
    setFaults([{ action: { type: 'bandwidth', bytesPerSecond: 100 * 1024 } }]);
    for (const url of [inboundUrl, realForwarderUrl]) {
      const slow = await timed(() => request(`${url}/big`));
      expect(slow.value.status).toBe(200);
      expect(slow.value.body.length).toBe(BIG.length);
      // 200 KiB at 100 KiB/s: ~2 s (the first 5 KiB slice leaves at once)
      expect(slow.ms).toBeGreaterThan(1800);
      expect(slow.ms).toBeLessThan(2600);
    }
  });

  it('abort through the sidecar forwarder too', async () => {
    setFaults([{ action: { type: 'abort', status: 502 }, match: { pathPrefix: '/only' } }]);
    expect((await request(`${realForwarderUrl}/only/this`)).status).toBe(502);
    expect((await request(`${realForwarderUrl}/other`)).status).toBe(200);
  });

  it('a fault stops at its expiresAt without anyone removing it', async () => {
    setFaults([{ action: { type: 'abort', status: 503 }, expiresAt: new Date(T0 + 1000).toISOString() }]);
    expect((await request(`${inboundUrl}/x`)).status).toBe(503);
    now.t = T0 + 1000;
    expect((await request(`${inboundUrl}/x`)).status).toBe(200);
    now.t = T0;
  });

  it('partition: outbound requests are refused at once with the reason', async () => {
    setFaults(
      [],
      [
        {
          key: partitionKey('shop', 'p1'),
          value: JSON.stringify({ id: 'p1', a: ['catalog'], b: ['pricing'], createdAt: new Date(T0).toISOString() }),
        },
      ],
    );
    const { ms, value } = await timed(() => request(`${outboundUrl}/x`));
    expect(value.status).toBe(503);
    expect(value.headers['x-meshdev-reason']).toMatch(/^partitioned: catalog cannot reach pricing \(partition p1/);
    expect(ms).toBeLessThan(200);
    // inbound traffic of catalog is not pricing's: not cut here
    expect((await request(`${inboundUrl}/x`)).status).toBe(200);
  });

  it('header faults: applied when enabled, passed through when not', async () => {
    setFaults([]);
    const r1 = await request(`${inboundUrl}/x`, { headers: { 'x-meshdev-fault-abort': '418' } });
    expect(r1.status).toBe(200);
    setFaults([], [{ key: headerFaultSettingsKey('shop'), value: '{"enabled":true}' }]);
    const r2 = await request(`${inboundUrl}/x`, { headers: { 'x-meshdev-fault-abort': '418' } });
    expect(r2.status).toBe(418);
    const { ms } = await timed(() => request(`${inboundUrl}/x`, { headers: { 'x-meshdev-fault-delay-ms': '250' } }));
    expect(ms).toBeGreaterThanOrEqual(240);
    const text = await registry.metrics();
    expect(text).toMatch(/meshdev_faults_injected_total\{type="header_abort"\} 1/);
    expect(text).toMatch(/meshdev_faults_injected_total\{type="bandwidth"\} 2/);
  });
});

describe('TCP faults against a real echo server', () => {
  let echoPort: number;
  let frontPort: number;
  beforeAll(async () => {
    echoPort = await listen(net.createServer((s) => s.pipe(s)));
    const scope: ListenerScope = { direction: 'inbound', protocol: 'tcp' };
    frontPort = await listen(
      net.createServer(
        faultingTcpHandler(engine, scope, (client) => {
          const up = net.connect(echoPort, '127.0.0.1');
          up.on('error', () => client.destroy());
          client.on('error', () => up.destroy());
          client.pipe(up).pipe(client);
        }),
      ),
    );
  });

  /** Sends `bytes`, resolves when as many came back (or rejects on error). */
  function echo(bytes: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const t = performance.now();
      const s = net.connect(frontPort, '127.0.0.1');
      let got = 0;
      s.on('data', (d: Buffer) => {
        got += d.length;
        if (got >= bytes) {
          s.destroy();
          resolve(performance.now() - t);
        }
      });
      s.on('error', reject);
      s.on('close', () => reject(new Error(`closed after ${got} bytes`)));
      s.setTimeout(5000, () => s.destroy(new Error('timeout')));
      s.write(Buffer.alloc(bytes, 'y'));
    });
  }

  it('tcp-latency delays the bytes back', async () => {
    setFaults([{ action: { type: 'tcp-latency', fixedMs: 200 } }]);
    const ms = await echo(10);
    expect(ms).toBeGreaterThanOrEqual(195);
  });
  it('tcp-bandwidth paces the bytes back', async () => {
    setFaults([{ action: { type: 'tcp-bandwidth', bytesPerSecond: 50 * 1024 } }]);
    const ms = await echo(50 * 1024);
    expect(ms).toBeGreaterThan(800);
    expect(ms).toBeLessThan(1600);
  });
  it('tcp-reset resets the connection', async () => {
    setFaults([{ action: { type: 'tcp-reset' } }]);
    await expect(echo(10)).rejects.toThrow(/ECONNRESET|closed after 0/);
  });
});
