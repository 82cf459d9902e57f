import { afterEach, describe, expect, it } from 'vitest';
import http from 'node:http';
import net from 'node:net';
import { createHash } from 'node:crypto';
import { WebSocket, WebSocketServer } from 'ws';
import { eventually, request, startHttpServer } from '../support/http.js';
import type { TestServer } from '../support/http.js';
import { startStandalone } from '../../proxy/standalone.js';
import type { RunningStandalone, StandaloneOptions } from '../../proxy/standalone.js';
import { silentLogger } from '../../proxy/log.js';

/**
 * The HTTP data path (standalone mode: static endpoints, no Consul) against real HTTP servers:
 * resilience (retries, outlier detection, circuit breaking) and HTTP correctness.
 */

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => undefined);
});

async function server(handler: http.RequestListener): Promise<TestServer> {
  const s = await startHttpServer(handler);
  cleanup.push(() => s.close());
  return s;
}

async function proxyTo(
  backends: TestServer[] | { host: string; port: number }[],
  extra: Partial<StandaloneOptions> = {},
): Promise<RunningStandalone & { url: string }> {
  const p = await startStandalone(
    {
      listen: { host: '127.0.0.1', port: 0 },
      upstreams: backends.map((b) => ({ host: '127.0.0.1', port: b.port })),
      admin: { host: '127.0.0.1', port: 0 },
      accessLogSampleRate: 0,
      exposeEndpoint: true,
      ...extra,
    },
    silentLogger,
  );
  cleanup.push(() => p.stop());
  return { ...p, url: `http://127.0.0.1:${p.listener.boundPort}` };
}

function counting(name: string, status = 200) {
  const hits = { n: 0, methods: [] as string[] };
  const handler: http.RequestListener = (req, res) => {
    hits.n++;
    hits.methods.push(req.method ?? '');
    req.resume();
    req.on('end', () => res.writeHead(status, { 'x-served-by': name }).end(name));
  };
  return { hits, handler };
}

async function metric(p: RunningStandalone, name: string): Promise<number> {
  const text = await p.proxy.registry.metrics();
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(name)) sum += Number(line.split(' ').pop());
  return sum;
}

/**
 * POSTs `body` with `Expect: 100-continue` the way Node's client does: the body goes only once a
 * 100 Continue has arrived.
 */
function postAfterContinue(url: string, body: string): Promise<{ continued: boolean; status: number; text: string }> {
  return new Promise((resolve, reject) => {
    let continued = false;
    const req = http.request(
      url,
      { method: 'POST', agent: false, headers: { expect: '100-continue', 'content-length': String(body.length) } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c));
        res.on('end', () => resolve({ continued, status: res.statusCode ?? 0, text }));
      },
    );
    req.on('continue', () => {
      continued = true;
      req.end(body);
    });
    req.on('error', reject);
    req.flushHeaders();
  });
}

/**
 * Writes `text` on a new connection to `port` and collects what comes back until the other side
 * closes the connection (`closedByProxy`) or 3 s pass.
 */
function rawExchange(port: number, text: string): Promise<{ out: string; closedByProxy: boolean }> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1', () => sock.write(text));
    let out = '';
    let closedByProxy = true;
    sock.on('data', (d) => (out += d));
    sock.on('close', () => resolve({ out, closedByProxy }));
    sock.on('error', () => resolve({ out, closedByProxy }));
    setTimeout(() => {
      closedByProxy = false;
      sock.destroy();
    }, 3000);
  });
}

describe('HTTP data path', () => {
  describe('resilience', () => {
    it('ejects an instance that fails every request within 1 s at 20 rps, clients see no error, then re-admits it', async () => {
      const good1 = counting('good1');
      const good2 = counting('good2');
      let badHealthy = false;
      const bad = { n: 0 };
      const s1 = await server(good1.handler);
      const s2 = await server(good2.handler);
      const s3 = await server((req, res) => {
        bad.n++;
        res.writeHead(badHealthy ? 200 : 503).end('bad');
      });
      const p = await proxyTo([s1, s2, s3], {
        policy: { resilience: { outlierDetection: { baseEjectionMs: 1500 } } },
      });
      const started = Date.now();
      let ejectedAt: number | undefined;
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) {
        statuses.push((await request(`${p.url}/x`)).status);
        const eps = p.proxy.endpointsView().upstream as { endpoints: { id: string; state: string }[] };
        if (ejectedAt === undefined && eps.endpoints.find((e) => e.id.endsWith(`:${s3.port}`))?.state === 'ejected') {
          ejectedAt = Date.now() - started;
        }
        await new Promise((r) => setTimeout(r, 50)); // ~20 rps
      }
      expect(statuses.every((s) => s === 200)).toBe(true); // failed tries were retried on another instance
      expect(ejectedAt).toBeDefined();
      expect(ejectedAt!).toBeLessThan(1000);
      expect(await metric(p, 'meshdev_outlier_ejections_total')).toBe(1);
      const badHitsWhileEjected = bad.n;

      // Healthy again: after the ejection time it is re-admitted and receives traffic.
      badHealthy = true;
      await eventually(
        async () => {
          await request(`${p.url}/y`);
          return bad.n > badHitsWhileEjected;
        },
        { timeoutMs: 5000, intervalMs: 50, what: 're-admitted instance receiving traffic' },
      );
      expect(await metric(p, 'meshdev_outlier_readmissions_total')).toBe(1);
    });

    it('a killed instance (connection refused) is retried on another endpoint, even for POST, and ejected', async () => {
      const good = counting('good');
      const s1 = await server(good.handler);
      const dead = await server(() => undefined);
      await dead.close();
      const p = await proxyTo([s1, dead]);
      for (let i = 0; i < 8; i++) {
        const r = await request(`${p.url}/`, { method: 'POST', body: 'hello' });
        expect(r.status).toBe(200);
      }
      expect(good.hits.n).toBe(8);
      expect(await metric(p, 'meshdev_retries_total')).toBeGreaterThanOrEqual(1);
      expect(await metric(p, 'meshdev_outlier_ejections_total')).toBe(1);
    });

    it('never sends a non-idempotent request twice once it reached the upstream; idempotent ones are retried', async () => {
      const arrivals = { POST: 0, GET: 0 };
      const reset: http.RequestListener = (req) => {
        arrivals[req.method as 'POST' | 'GET']++;
        req.socket.destroy(); // reset after the request arrived
      };
      const a = await server(reset);
      const b = await server(reset);
      const p = await proxyTo([a, b], { policy: { resilience: { outlierDetection: { enabled: false } } } });
      const post = await request(`${p.url}/order`, {
        method: 'POST',
        body: JSON.stringify({ item: 1 }),
        headers: { 'content-type': 'application/json' },
      });
      expect(post.status).toBe(502);
      expect(post.headers['x-meshdev-reason']).toMatch(/^upstream-reset/);
      expect(arrivals.POST).toBe(1);
      const bodyless = await request(`${p.url}/order`, { method: 'POST' });
      expect(bodyless.status).toBe(502);
      expect(arrivals.POST).toBe(2);
      const get = await request(`${p.url}/order`);
      expect(get.status).toBe(502);
      expect(arrivals.GET).toBe(3); // first try + 2 retries
    });

    it('retries an idempotent request with a body (PUT) with its whole body, up to the replay limit', async () => {
      const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
      let resets = 0;
      const resetAfterBody: http.RequestListener = (req) => {
        req.resume();
        req.on('end', () => {
          resets++;
          req.socket.destroy();
        });
      };
      const echoHash: http.RequestListener = (req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => res.writeHead(200).end(sha(Buffer.concat(chunks))));
      };
      const a = await server(resetAfterBody);
      const b = await server(echoHash);
      const p = await proxyTo([a, b], { policy: { resilience: { outlierDetection: { enabled: false } } } });
      const body = 'x'.repeat(40_000) + 'end';
      for (let i = 0; i < 2; i++) {
        const r = await request(`${p.url}/doc`, { method: 'PUT', body });
        expect(r.status).toBe(200);
        expect(r.body).toBe(sha(body));
      }
      expect(resets).toBeGreaterThanOrEqual(1); // round-robin sent one of the two first tries to `a`

      // Above REPLAY_BODY_LIMIT (64 KiB) nothing is copied: once the body started, no retry.
      resets = 0;
      const c = await server(resetAfterBody);
      const d = await server(resetAfterBody);
      const q = await proxyTo([c, d], { policy: { resilience: { outlierDetection: { enabled: false } } } });
      const large = await request(`${q.url}/doc`, { method: 'PUT', body: 'y'.repeat(100_000) });
      expect(large.status).toBe(502);
      expect(resets).toBe(1);
      const small = await request(`${q.url}/doc`, { method: 'PUT', body: 'small' });
      expect(small.status).toBe(502);
      expect(resets).toBe(4); // first try + 2 retries
    });

    it('an unasked-for 100 Continue from an upstream changes nothing: not relayed, and its 503 is still retried', async () => {
      const odd = net.createServer((sock) =>
        sock.on('data', () =>
          sock.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n'),
        ),
      );
      await new Promise<void>((resolve) => odd.listen(0, '127.0.0.1', resolve));
      cleanup.push(() => new Promise<void>((resolve) => odd.close(() => resolve())));
      const good = counting('good');
      const s = await server(good.handler);
      const p = await proxyTo([
        { host: '127.0.0.1', port: (odd.address() as net.AddressInfo).port },
        { host: '127.0.0.1', port: s.port },
      ]);
      const get = async () =>
        (await rawExchange(p.listener.boundPort, 'GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n')).out;
      // Round-robin over two: one of the two requests tries the odd upstream first.
      for (const raw of [await get(), await get()]) {
        expect(raw).toMatch(/^HTTP\/1\.1 200/);
        expect(raw).not.toMatch(/100 Continue/);
        expect(raw).toMatch(/x-served-by: good/i);
      }
      expect(good.hits.n).toBe(2);
    });

    it('retries 503 for GET on a different endpoint but not for POST', async () => {
      const unavailable = counting('unavailable', 503);
      const ok = counting('ok');
      const a = await server(unavailable.handler);
      const b = await server(ok.handler);
      const p = await proxyTo([a, b], { policy: { resilience: { outlierDetection: { enabled: false } } } });
      for (let i = 0; i < 4; i++) expect((await request(`${p.url}/`)).status).toBe(200);
      const posts = await Promise.all([0, 1, 2, 3].map(() => request(`${p.url}/`, { method: 'POST', body: 'x' })));
      expect(posts.map((r) => r.status).sort()).toEqual([200, 200, 503, 503]);
    });

    it('the retry budget lets cheap retries through, bounds them, and a local answer says it stopped one', async () => {
      const failing = counting('failing', 503);
      const a = await server(failing.handler);
      const b = await server(failing.handler);
      const noEjection = { enabled: false };
      // Every request fails fast, one at a time. The window alone (10% of recent requests, no floor)
      // would allow 2 retries in 20 requests; one retry in flight is always allowed, so each request
      // gets its first retry, and not its second (its first is still counted in flight when the
      // second is asked for, and the window is spent).
      const p = await proxyTo([a, b], {
        policy: {
          resilience: {
            outlierDetection: noEjection,
            retries: { maxRetries: 2, budgetPercent: 10, budgetMinPerSecond: 0, budgetMinConcurrent: 1 },
          },
        },
      });
      for (let i = 0; i < 20; i++) {
        const r = await request(`${p.url}/`);
        expect(r.status).toBe(503);
        expect(r.headers['x-meshdev-reason']).toBe('upstream-status: 503 (not retried: the retry budget is spent)');
      }
      expect(failing.hits.n).toBe(40);
      expect(await metric(p, 'meshdev_retries_total')).toBe(20);
      expect(await metric(p, 'meshdev_retry_budget_exhausted_total')).toBe(20);

      const dead = await server(() => undefined);
      await dead.close();
      const spent = await proxyTo([dead, dead], {
        policy: {
          resilience: {
            outlierDetection: noEjection,
            retries: { budgetPercent: 0, budgetMinPerSecond: 0, budgetMinConcurrent: 0 },
          },
        },
      });
      const r = await request(`${spent.url}/`);
      expect(r.status).toBe(503);
      expect(r.headers['x-meshdev-reason']).toMatch(
        /^upstream-connect-error: .* \(not retried: the retry budget is spent\)$/,
      );
    });

    it('circuit breaking: beyond max concurrent + pending, an immediate 503 with a reason header', async () => {
      const held: http.ServerResponse[] = [];
      const s = await server((_req, res) => held.push(res));
      const p = await proxyTo([s], { policy: { resilience: { circuitBreaker: { maxConcurrent: 1, maxPending: 0 } } } });
      const first = request(`${p.url}/slow`);
      await eventually(() => held.length === 1);
      const t0 = performance.now();
      const second = await request(`${p.url}/fast`);
      expect(second.status).toBe(503);
      expect(second.headers['x-meshdev-reason']).toMatch(/^circuit-open/);
      expect(performance.now() - t0).toBeLessThan(200);
      held[0]!.end('done');
      expect((await first).status).toBe(200);
      expect(await metric(p, 'meshdev_rejections_total{upstream="upstream",reason="circuit_open"}')).toBe(1);
    });

    it('per-try timeout retries a hung endpoint; the overall timeout answers 504', async () => {
      const hung = await server(() => undefined);
      const ok = counting('ok');
      const s = await server(ok.handler);
      const p = await proxyTo([hung, s], { policy: { resilience: { perTryTimeoutMs: 200, timeoutMs: 2000 } } });
      for (let i = 0; i < 2; i++) expect((await request(`${p.url}/`)).status).toBe(200);
      // With no other instance to retry on, a per-try timeout would only cut the answer short (and,
      // all hops sharing the default, fire before the hop behind could fail over): the overall one applies.
      const only = await proxyTo([hung], { policy: { resilience: { perTryTimeoutMs: 150, timeoutMs: 400 } } });
      const t0 = performance.now();
      const r = await request(`${only.url}/`);
      expect(r.status).toBe(504);
      expect(r.headers['x-meshdev-reason']).toMatch(/^upstream-timeout: no response within 400 ms \(1 tries\)/);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(390);
      expect(performance.now() - t0).toBeLessThan(1500);
    });
  });

  describe('HTTP correctness', () => {
    it('streams large uploads and downloads both ways (chunked), intact', async () => {
      const s = await server((req, res) => {
        const hash = createHash('sha256');
        let n = 0;
        req.on('data', (c: Buffer) => {
          hash.update(c);
          n += c.length;
        });
        req.on('end', () => {
          res.writeHead(200, { 'x-upload-sha': hash.digest('hex'), 'x-upload-bytes': String(n) });
          // 16 MiB download, chunked.
          const chunk = Buffer.alloc(64 * 1024, 7);
          let left = 256;
          const write = () => {
            while (left > 0) {
              left--;
              if (!res.write(chunk)) return res.once('drain', write);
            }
            res.end();
          };
          write();
        });
      });
      const p = await proxyTo([s]);
      const upload = Buffer.alloc(8 * 1024 * 1024);
      for (let i = 0; i < upload.length; i += 4096) upload[i] = i % 251;
      const result = await new Promise<{ headers: http.IncomingHttpHeaders; bytes: number; sha: string }>(
        (resolve, reject) => {
          const req = http.request(`${p.url}/upload`, { method: 'PUT', agent: false }, (res) => {
            const h = createHash('sha256');
            let bytes = 0;
            res.on('data', (c: Buffer) => {
              h.update(c);
              bytes += c.length;
            });
            res.on('end', () => resolve({ headers: res.headers, bytes, sha: h.digest('hex') }));
          });
          req.on('error', reject);
          // Chunked upload in pieces.
          for (let i = 0; i < upload.length; i += 1 << 20) req.write(upload.subarray(i, i + (1 << 20)));
          req.end();
        },
      );
      expect(result.headers['x-upload-bytes']).toBe(String(upload.length));
      expect(result.headers['x-upload-sha']).toBe(createHash('sha256').update(upload).digest('hex'));
      expect(result.bytes).toBe(16 * 1024 * 1024);
      expect(result.sha).toBe(
        createHash('sha256')
          .update(Buffer.alloc(16 * 1024 * 1024, 7))
          .digest('hex'),
      );
    });

    it('passes Expect: 100-continue through to the upstream', async () => {
      let upstreamSawExpect = false;
      const s = await startHttpServer(() => undefined);
      cleanup.push(() => s.close());
      s.server.on('checkContinue', (req, res) => {
        upstreamSawExpect = true;
        res.writeContinue();
        let n = 0;
        req.on('data', (c: Buffer) => (n += c.length));
        req.on('end', () => res.end(`got ${n}`));
      });
      const p = await proxyTo([s]);
      const body = await postAfterContinue(`${p.url}/upload`, '12345');
      expect(upstreamSawExpect).toBe(true);
      expect(body).toEqual({ continued: true, status: 200, text: 'got 5' });
    });

    it('Expect: 100-continue to an upstream that never answers 100: the body goes after a short wait', async () => {
      // A raw server that ignores Expect: it waits for the 5 body bytes, then answers.
      const received: Buffer[] = [];
      const raw = net.createServer((sock) => {
        sock.on('data', (d: Buffer) => {
          received.push(d);
          const all = Buffer.concat(received).toString('latin1');
          const head = all.indexOf('\r\n\r\n');
          if (head >= 0 && all.length - head - 4 >= 5) {
            sock.end(`HTTP/1.1 200 OK\r\ncontent-length: 9\r\nconnection: close\r\n\r\ngot ${all.slice(head + 4)}`);
          }
        });
        sock.on('error', () => undefined);
      });
      await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
      cleanup.push(() => new Promise<void>((r) => raw.close(() => r())));
      const port = (raw.address() as net.AddressInfo).port;
      const p = await proxyTo([{ host: '127.0.0.1', port }], { policy: { resilience: { perTryTimeoutMs: 600 } } });
      const t0 = performance.now();
      // The client sends its body only after a 100: the sidecar must give it one.
      const result = await postAfterContinue(`${p.url}/upload`, '12345');
      expect(result).toEqual({ continued: true, status: 200, text: 'got 12345' });
      expect(Buffer.concat(received).toString('latin1')).toMatch(/expect: 100-continue\r\n[\s\S]*\r\n\r\n12345$/i);
      // Half the per-try timeout (300 ms) of waiting, not the whole per-try timeout.
      expect(performance.now() - t0).toBeGreaterThanOrEqual(280);
      expect(performance.now() - t0).toBeLessThan(590);
    });

    it('HEAD, 204 and 304 have no body; hop-by-hop headers are stripped both ways', async () => {
      let seen: http.IncomingHttpHeaders = {};
      const s = await server((req, res) => {
        seen = req.headers;
        if (req.url === '/204') return res.writeHead(204).end();
        if (req.url === '/304') return res.writeHead(304, { etag: '"a"' }).end();
        res.writeHead(200, {
          'content-length': '5',
          connection: 'x-internal',
          'x-internal': 'secret',
          'x-kept': 'yes',
        });
        res.end(req.method === 'HEAD' ? undefined : 'hello');
      });
      const p = await proxyTo([s]);
      const head = await request(`${p.url}/h`, {
        method: 'HEAD',
        headers: { connection: 'x-private', 'x-private': '1', 'proxy-authorization': 'x', te: 'trailers' },
      });
      expect(head.status).toBe(200);
      expect(head.body).toBe('');
      expect(head.headers['content-length']).toBe('5');
      expect(seen['x-private']).toBeUndefined();
      expect(seen['proxy-authorization']).toBeUndefined();
      expect(seen['te']).toBeUndefined();
      expect(seen.traceparent).toMatch(/^00-/);
      const get = await request(`${p.url}/h`);
      expect(get.body).toBe('hello');
      expect(get.headers['x-internal']).toBeUndefined();
      expect(get.headers['x-kept']).toBe('yes');
      expect((await request(`${p.url}/204`)).status).toBe(204);
      const notModified = await request(`${p.url}/304`);
      expect(notModified.status).toBe(304);
      expect(notModified.body).toBe('');
    });

    it('propagates an incoming traceparent (same trace id, new parent id)', async () => {
      let tp = '';
      const s = await server((req, res) => {
        tp = String(req.headers.traceparent);
        res.end();
      });
      const p = await proxyTo([s]);
      const incoming = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
      await request(`${p.url}/`, { headers: { traceparent: incoming } });
      expect(tp).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
      expect(tp).not.toBe(incoming);
    });

    it('ignores an h2c upgrade offer (curl --http2, Java HttpClient): the request and its body are served as HTTP/1.1', async () => {
      const seen: Array<{ upgrade: string | undefined; settings: string | undefined; body: string }> = [];
      const s = await server((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c));
        req.on('end', () => {
          seen.push({
            upgrade: req.headers.upgrade,
            settings: req.headers['http2-settings'] as string | undefined,
            body,
          });
          res.end(`got [${body}]`);
        });
      });
      const p = await proxyTo([s]);
      const offer =
        'host: x\r\nconnection: Upgrade, HTTP2-Settings\r\nupgrade: h2c\r\nhttp2-settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n';
      const { out, closedByProxy } = await rawExchange(
        p.listener.boundPort,
        `POST /a HTTP/1.1\r\n${offer}content-length: 3\r\n\r\nabc` +
          // Then a chunked one on the same connection (kept alive), and a plain one that closes it.
          `POST /b HTTP/1.1\r\n${offer}transfer-encoding: chunked\r\n\r\n2\r\nde\r\n1\r\nf\r\n0\r\n\r\n` +
          'GET /c HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n',
      );
      expect(out.match(/HTTP\/1\.1 200 OK/g)).toHaveLength(3);
      expect(out).not.toMatch(/101 Switching/);
      expect(out).toMatch(/got \[abc\][\s\S]*got \[def\][\s\S]*got \[\]/);
      expect(closedByProxy).toBe(true);
      expect(seen).toEqual([
        { upgrade: undefined, settings: undefined, body: 'abc' },
        { upgrade: undefined, settings: undefined, body: 'def' },
        { upgrade: undefined, settings: undefined, body: '' },
      ]);
    });

    it('a client that resets while its h2c offer waits behind a slower request does not take the proxy down', async () => {
      const s = await server((req, res) => {
        req.resume();
        req.on('end', () => setTimeout(() => res.end('late'), req.url === '/slow' ? 300 : 0));
      });
      const p = await proxyTo([s]);
      const sock = net.connect(p.listener.boundPort, '127.0.0.1', () =>
        sock.write(
          'GET /slow HTTP/1.1\r\nhost: x\r\n\r\n' +
            'GET /b HTTP/1.1\r\nhost: x\r\nconnection: Upgrade, HTTP2-Settings\r\nupgrade: h2c\r\nhttp2-settings: AAMAAABk\r\n\r\n',
        ),
      );
      sock.on('error', () => undefined);
      await new Promise((r) => setTimeout(r, 100));
      sock.resetAndDestroy();
      await new Promise((r) => setTimeout(r, 400)); // past the slow answer, written to a reset connection
      expect((await request(`${p.url}/after`)).body).toBe('late');
    });

    it('passes WebSocket upgrades through', async () => {
      const s = await startHttpServer((_req, res) => res.end());
      cleanup.push(() => s.close());
      const wss = new WebSocketServer({ server: s.server });
      wss.on('connection', (ws) => ws.on('message', (m) => ws.send(`echo:${String(m)}`)));
      cleanup.push(async () => wss.close());
      const p = await proxyTo([s]);
      const ws = new WebSocket(`ws://127.0.0.1:${p.listener.boundPort}/ws`);
      cleanup.push(async () => ws.terminate());
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      const reply = new Promise<string>((resolve) => ws.once('message', (m) => resolve(String(m))));
      ws.send('ping');
      expect(await reply).toBe('echo:ping');
    });

    it('a client that resets its connection aborts the upstream request', async () => {
      // A reset, not a FIN: a FIN may be a half-close after the request, which is answered (hostile-http.test.ts).
      let upstreamClosed = false;
      let arrived = false;
      const s = await server((req, res) => {
        arrived = true;
        res.on('close', () => (upstreamClosed = true));
      });
      const p = await proxyTo([s]);
      const req = http.request(`${p.url}/long`, { agent: false });
      req.on('error', () => undefined);
      req.end();
      await eventually(() => arrived);
      req.socket?.resetAndDestroy();
      await eventually(() => upstreamClosed, { timeoutMs: 2000, what: 'upstream request aborted' });
    });

    it('an upstream that resets mid-response aborts the client connection and is counted', async () => {
      const s = await server((req, res) => {
        res.writeHead(200, { 'content-length': '100000' });
        res.write(Buffer.alloc(1000));
        setTimeout(() => req.socket.destroy(), 20);
      });
      const p = await proxyTo([s]);
      const outcome = await new Promise<string>((resolve) => {
        const req = http.get(`${p.url}/`, { agent: false }, (res) => {
          res.on('data', () => undefined);
          res.on('end', () => resolve('end'));
          res.on('aborted', () => resolve('aborted'));
          res.on('error', () => resolve('aborted'));
        });
        req.on('error', () => resolve('aborted'));
      });
      expect(outcome).toBe('aborted');
      await eventually(async () => (await metric(p, 'meshdev_upstream_resets_total')) === 1);
      // The proxy still serves other requests.
      const other = await server((_q, r) => r.end('fine'));
      const p2 = await proxyTo([other]);
      expect((await request(`${p2.url}/`)).body).toBe('fine');
    });

    it('keeps the framing right for pipelined requests, an HTTP/1.0 client without Host and a close-delimited upstream body', async () => {
      const hosts: Record<string, string | undefined> = {};
      const s = await server((req, res) => {
        hosts[req.url ?? ''] = req.headers.host;
        // The first pipelined request is the slower one: answers must still come back in order.
        const answer = () => {
          res.write(`body of ${req.url}`); // no content-length: chunked towards the proxy
          res.end();
        };
        if (req.url === '/first') setTimeout(answer, 50);
        else answer();
      });
      const p = await proxyTo([s]);
      const exchange = (text: string) => rawExchange(p.listener.boundPort, text);

      const pipelined = await exchange(
        'GET /first HTTP/1.1\r\nhost: x\r\n\r\nGET /second HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n',
      );
      expect(pipelined.out.match(/^HTTP\/1\.1 200/gm)).toHaveLength(2);
      expect(pipelined.out.indexOf('body of /first')).toBeGreaterThan(0);
      expect(pipelined.out.indexOf('body of /second')).toBeGreaterThan(pipelined.out.indexOf('body of /first'));
      expect(pipelined.closedByProxy).toBe(true);

      // HTTP/1.0 without keep-alive: no chunked encoding (1.0 has none), the body ends with the connection.
      const old = await exchange('GET /old HTTP/1.0\r\n\r\n');
      expect(old.out).toMatch(/^HTTP\/1\.1 200/);
      expect(old.out).not.toMatch(/transfer-encoding/i);
      expect(old.out.endsWith('\r\n\r\nbody of /old')).toBe(true);
      expect(old.closedByProxy).toBe(true);
      // It had no Host (1.0 needs none); upstream it is HTTP/1.1, so the proxy names the endpoint.
      expect(hosts['/old']).toBe(`127.0.0.1:${s.port}`);
      expect(hosts['/first']).toBe('x');

      // An upstream that delimits its body by closing the connection (no length, not chunked).
      const closing = net.createServer((sock) =>
        sock.once('data', () =>
          sock.end('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\nuntil the end'),
        ),
      );
      await new Promise<void>((resolve) => closing.listen(0, '127.0.0.1', resolve));
      cleanup.push(() => new Promise<void>((resolve) => closing.close(() => resolve())));
      const p2 = await proxyTo([{ host: '127.0.0.1', port: (closing.address() as net.AddressInfo).port }]);
      const r = await request(`${p2.url}/`);
      expect(r.status).toBe(200);
      expect(r.body).toBe('until the end');
    });

    it('streams a response as it comes (server-sent events), and passes a final answer after 103 Early Hints', async () => {
      const s = await server((req, res) => {
        if (req.url === '/hints') {
          res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' });
          setTimeout(() => res.end('after hints'), 20);
          return;
        }
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.write('data: first\n\n');
        setTimeout(() => res.end('data: second\n\n'), 400);
      });
      const p = await proxyTo([s]);
      const arrivals = await new Promise<Array<{ at: number; text: string }>>((resolve, reject) => {
        const t0 = performance.now();
        const got: Array<{ at: number; text: string }> = [];
        http
          .get(`${p.url}/events`, { agent: false }, (res) => {
            res.on('data', (c: Buffer) => got.push({ at: performance.now() - t0, text: String(c) }));
            res.on('end', () => resolve(got));
          })
          .on('error', reject);
      });
      expect(arrivals.map((a) => a.text).join('')).toBe('data: first\n\ndata: second\n\n');
      // The first event is not held back until the stream ends.
      expect(arrivals[0]!.text).toBe('data: first\n\n');
      expect(arrivals[0]!.at).toBeLessThan(300);
      const hinted = await request(`${p.url}/hints`);
      expect(hinted.status).toBe(200);
      expect(hinted.body).toBe('after hints');
    });

    it('malformed client HTTP gets a 4xx on that connection only', async () => {
      const s = await server((req, res) => {
        req.resume();
        req.on('end', () => res.end('ok'));
      });
      const p = await proxyTo([s]);
      const raw = async (text: string) => (await rawExchange(p.listener.boundPort, text)).out;
      const badChunk = await raw(
        'POST / HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n',
      );
      expect(badChunk).toMatch(/^HTTP\/1\.1 400/);
      const huge = await raw(`GET / HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`);
      expect(huge).toMatch(/^HTTP\/1\.1 431/);
      expect((await request(`${p.url}/`)).body).toBe('ok');
    });
  });
});

describe('TCP (L4) upstreams', () => {
  it('pipes bytes both ways, fails over on connect failure and counts connections and bytes', async () => {
    const { Registry } = await import('prom-client');
    const { MeshProxy } = await import('../../proxy/mesh-proxy.js');
    const echo = net.createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
    cleanup.push(() => new Promise<void>((r) => echo.close(() => r())));
    const deadPort = await (await import('../support/consul.js')).freePort();
    const proxy = new MeshProxy(new Registry(), silentLogger);
    const l = await proxy.listen({
      upstream: 'db',
      direction: 'outbound',
      protocol: 'tcp',
      host: '127.0.0.1',
      port: 0,
    });
    cleanup.push(() => proxy.close(200));
    proxy.setEndpoints('db', [
      { id: 'db-1', host: '127.0.0.1', port: deadPort, weight: 1, version: 'v1' },
      { id: 'db-2', host: '127.0.0.1', port: (echo.address() as net.AddressInfo).port, weight: 1, version: 'v1' },
    ]);
    for (let i = 0; i < 3; i++) {
      const reply = await new Promise<string>((resolve, reject) => {
        const c = net.connect(l.boundPort, '127.0.0.1', () => c.end('hello tcp'));
        let out = '';
        c.on('data', (d) => (out += d));
        c.on('close', () => resolve(out));
        c.on('error', reject);
      });
      expect(reply).toBe('hello tcp');
    }
    await eventually(async () => {
      const text = await proxy.registry.metrics();
      return (
        /meshdev_tcp_connections_total\{upstream="db"\} 3/.test(text) &&
        /meshdev_tcp_bytes_total\{upstream="db",direction="sent"\} 27/.test(text) &&
        /meshdev_tcp_bytes_total\{upstream="db",direction="received"\} 27/.test(text)
      );
    });
  });
});
