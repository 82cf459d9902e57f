import { afterEach, describe, expect, it } from 'vitest';
import type http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { startHttpServer } from '../support/http.js';
import type { TestServer } from '../support/http.js';
import { BodyFraming, UpstreamClient } from '../../proxy/http/upstream-client.js';
import type { UpstreamAddress, UpstreamHandler, UpstreamRequest } from '../../proxy/http/upstream-client.js';

/**
 * The sidecar's upstream HTTP/1.1 client against real servers (node:http and raw sockets): reuse,
 * framing both ways, informational responses, and every way an exchange can end.
 */

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

function newClient(opts: ConstructorParameters<typeof UpstreamClient>[0] = {}): UpstreamClient {
  const c = new UpstreamClient(opts);
  cleanup.push(() => c.close());
  return c;
}

/** A node:http server that also counts the TCP connections it accepted. */
async function server(handler: http.RequestListener): Promise<TestServer & { connections: () => number }> {
  const s = await startHttpServer(handler);
  let n = 0;
  s.server.on('connection', () => n++);
  cleanup.push(() => s.close());
  return Object.assign(s, { connections: () => n });
}

/** A raw TCP server: `onSocket` writes whatever bytes a test needs. */
async function rawServer(onSocket: (s: net.Socket) => void): Promise<{ port: number }> {
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    onSocket(s);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  cleanup.push(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        srv.close(() => r());
      }),
  );
  return { port: (srv.address() as AddressInfo).port };
}

const at = (port: number): UpstreamAddress => ({ host: '127.0.0.1', port, origin: `http://127.0.0.1:${port}` });

interface Outcome {
  connectEvents: number;
  continued: boolean;
  status: number;
  headers: string[];
  body: Buffer;
  error?: Error & { code?: string };
}

/** Runs one request to completion (or error) and collects what the handler saw. */
function exchange(
  client: UpstreamClient,
  to: UpstreamAddress,
  opts: {
    method?: string;
    path?: string;
    headers?: string[];
    body?: Buffer[];
    framing?: BodyFraming;
    /** Returned from onUpstreamData (false pauses); the test resumes. */
    onData?: (chunk: Buffer, req: UpstreamRequest) => boolean;
    onHeaders?: (req: UpstreamRequest) => void;
  } = {},
): { req: UpstreamRequest; done: Promise<Outcome> } {
  const out: Outcome = { connectEvents: 0, continued: false, status: 0, headers: [], body: Buffer.alloc(0) };
  const chunks: Buffer[] = [];
  let req!: UpstreamRequest;
  const body = opts.body ?? [];
  const sendBody = () => {
    for (const b of body) req.write(b);
    req.end();
  };
  const done = new Promise<Outcome>((resolve) => {
    const handler: UpstreamHandler = {
      onUpstreamConnect: () => {
        out.connectEvents++;
      },
      onUpstreamContinue: () => {
        out.continued = true;
        sendBody();
      },
      onUpstreamHeaders: (status, raw) => {
        out.status = status;
        out.headers = raw;
        opts.onHeaders?.(req);
      },
      onUpstreamData: (chunk) => {
        chunks.push(chunk);
        return opts.onData?.(chunk, req) ?? true;
      },
      onUpstreamComplete: () => {
        out.body = Buffer.concat(chunks);
        resolve(out);
      },
      onUpstreamError: (err) => {
        out.error = err;
        out.body = Buffer.concat(chunks);
        resolve(out);
      },
      onUpstreamDrain: () => undefined,
    };
    req = client.request(
      to,
      opts.method ?? 'GET',
      opts.path ?? '/',
      ['host', 'test', ...(opts.headers ?? [])],
      opts.framing ?? (body.length > 0 ? BodyFraming.Chunked : BodyFraming.None),
      handler,
    );
  });
  const expectsContinue = (opts.headers ?? []).some((h) => h.toLowerCase() === '100-continue');
  if (body.length > 0 && !expectsContinue) sendBody();
  return { req, done };
}

describe('upstream client', () => {
  it('reuses one keep-alive connection for sequential requests and reports connect only for a new one', async () => {
    const s = await server((req, res) => res.end(`hello ${req.url}`));
    const client = newClient();
    const first = await exchange(client, at(s.port), { path: '/a' }).done;
    expect(first.status).toBe(200);
    expect(first.body.toString()).toBe('hello /a');
    expect(first.connectEvents).toBe(1);
    for (let i = 0; i < 20; i++) {
      const { req, done } = exchange(client, at(s.port), { path: `/n${i}` });
      expect(req.connected).toBe(true);
      const o = await done;
      expect(o.body.toString()).toBe(`hello /n${i}`);
      expect(o.connectEvents).toBe(0);
    }
    expect(s.connections()).toBe(1);
    expect(client.connectionsOpened).toBe(1);
    expect(client.idleCounts()).toEqual({ [at(s.port).origin]: 1 });
  });

  it('sends a chunked body intact and a content-length body as is; reads chunked and HEAD responses', async () => {
    const s = await server((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const got = Buffer.concat(chunks);
        res.setHeader('x-te', String(req.headers['transfer-encoding']));
        res.setHeader('x-len', String(got.length));
        if (req.method === 'HEAD') res.setHeader('content-length', '1234');
        // Two writes without a length: chunked on the wire.
        res.write(got.subarray(0, 10));
        res.end(got.subarray(10));
      });
    });
    const client = newClient();
    const parts = [Buffer.alloc(70_000, 'a'), Buffer.alloc(3, 'b'), Buffer.alloc(100_000, 'c')];
    const chunked = await exchange(client, at(s.port), { method: 'POST', body: parts }).done;
    expect(chunked.status).toBe(200);
    expect(header(chunked, 'x-te')).toBe('chunked');
    expect(chunked.body.equals(Buffer.concat(parts))).toBe(true);

    const fixed = Buffer.alloc(5000, 'z');
    const sized = await exchange(client, at(s.port), {
      method: 'PUT',
      headers: ['content-length', String(fixed.length)],
      body: [fixed],
      framing: BodyFraming.Length,
    }).done;
    expect(header(sized, 'x-te')).toBe('undefined');
    expect(header(sized, 'x-len')).toBe('5000');
    expect(sized.body.equals(fixed)).toBe(true);

    const head = await exchange(client, at(s.port), { method: 'HEAD' }).done;
    expect(head.status).toBe(200);
    expect(header(head, 'content-length')).toBe('1234');
    expect(head.body.length).toBe(0);
    // Still in sync after a HEAD whose length announced a body that never comes.
    const after = await exchange(client, at(s.port), { method: 'POST', body: [Buffer.from('0123456789abc')] }).done;
    expect(after.body.toString()).toBe('0123456789abc');
    expect(s.connections()).toBe(1);
  });

  it('waits for 100 Continue before the body when the request expects it', async () => {
    let sawExpect = '';
    const s = await startHttpServer(() => undefined);
    cleanup.push(() => s.close());
    s.server.on('checkContinue', (req: http.IncomingMessage, res: http.ServerResponse) => {
      sawExpect = String(req.headers.expect);
      res.writeContinue();
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => res.end(`got ${Buffer.concat(chunks).toString()}`));
    });
    const o = await exchange(newClient(), at(s.port), {
      method: 'POST',
      headers: ['expect', '100-continue', 'content-length', '4'],
      body: [Buffer.from('data')],
      framing: BodyFraming.Length,
    }).done;
    expect(sawExpect).toBe('100-continue');
    expect(o.continued).toBe(true);
    expect(o.body.toString()).toBe('got data');
  });

  it('reads a body delimited by the close, and does not reuse that connection', async () => {
    const s = await rawServer((sock) =>
      sock.once('data', () => sock.end('HTTP/1.1 200 OK\r\nx-a: 1\r\n\r\nuntil the end')),
    );
    const client = newClient();
    const o = await exchange(client, at(s.port)).done;
    expect(o.error).toBeUndefined();
    expect(o.body.toString()).toBe('until the end');
    expect(client.idleCounts()).toEqual({});
  });

  it('does not reuse a connection the upstream closes (`connection: close`) or after an early answer', async () => {
    let close = true;
    const s = await server((req, res) => {
      if (close) res.setHeader('connection', 'close');
      if (req.url === '/early') {
        res.statusCode = 413;
        res.end('too big');
        return;
      }
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    const client = newClient();
    await exchange(client, at(s.port)).done;
    await exchange(client, at(s.port)).done;
    expect(s.connections()).toBe(2);
    close = false;
    // 413 before the body was sent in full: the upstream's reading position is unknown.
    const { req, done } = exchange(client, at(s.port), {
      method: 'POST',
      path: '/early',
      headers: ['content-length', '10'],
      framing: BodyFraming.Length,
    });
    expect((await done).status).toBe(413);
    req.write(Buffer.from('late'));
    expect(client.idleCounts()).toEqual({});
    await exchange(client, at(s.port)).done;
    expect(s.connections()).toBe(4);
  });

  it('does not reuse a connection that sent bytes after its response (a stray, partial second response)', async () => {
    let connections = 0;
    const s = await rawServer((sock) => {
      const n = ++connections;
      sock.on('data', () =>
        sock.write(
          n === 1
            ? 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n' // one response and the start of another
            : `HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\nconn ${n} ok`,
        ),
      );
    });
    const client = newClient();
    const first = await exchange(client, at(s.port)).done;
    expect(first.body.toString()).toBe('ok');
    const second = await exchange(client, at(s.port)).done;
    expect(second.error).toBeUndefined();
    expect(second.body.toString()).toBe('conn 2 ok');
  });

  it("honours the upstream's Keep-Alive timeout: an older idle connection is not reused", async () => {
    const s = await server((_req, res) => {
      res.setHeader('keep-alive', 'timeout=1');
      res.end('ok');
    });
    const client = newClient();
    await exchange(client, at(s.port)).done;
    // timeout=1 -> reuse within 0 ms only: the next request opens a new connection.
    await new Promise((r) => setTimeout(r, 5));
    await exchange(client, at(s.port)).done;
    expect(s.connections()).toBe(2);
  });

  it('closes idle connections after the idle timeout', async () => {
    const s = await server((_req, res) => res.end('ok'));
    let closed = 0;
    s.server.on('connection', (sock: net.Socket) => sock.on('close', () => closed++));
    const client = newClient({ idleTimeoutMs: 100 });
    await exchange(client, at(s.port)).done;
    expect(client.idleCounts()).toEqual({ [at(s.port).origin]: 1 });
    await new Promise((r) => setTimeout(r, 400));
    expect(client.idleCounts()).toEqual({});
    expect(closed).toBe(1);
  });

  it('passes more than 32 response headers (llhttp hands them over in parts)', async () => {
    const s = await server((_req, res) => {
      for (let i = 0; i < 50; i++) res.setHeader(`x-h${i}`, `v${i}`);
      res.end('many');
    });
    const o = await exchange(newClient(), at(s.port)).done;
    expect(header(o, 'x-h0')).toBe('v0');
    expect(header(o, 'x-h49')).toBe('v49');
    expect(o.headers.filter((_, i) => i % 2 === 0 && o.headers[i]!.startsWith('x-h'))).toHaveLength(50);
  });

  it("drops a chunked response's trailer fields: they never show up as headers of the next response on that connection", async () => {
    const s = await server((req, res) => {
      if (req.url === '/with-trailer') {
        res.writeHead(200, { trailer: 'x-checksum' });
        res.write('body');
        res.addTrailers({ 'x-checksum': 'abc' });
        res.end();
      } else res.end('plain');
    });
    const client = newClient();
    const first = await exchange(client, at(s.port), { path: '/with-trailer' }).done;
    expect(first.body.toString()).toBe('body');
    const second = await exchange(client, at(s.port), { path: '/plain' }).done;
    expect(second.body.toString()).toBe('plain');
    expect(second.headers.map((h) => h.toLowerCase())).not.toContain('x-checksum');
    expect(s.connections()).toBe(1); // the same connection carried both
  });

  it('pauses reading while the handler applies backpressure, then resumes', async () => {
    const big = Buffer.alloc(4 * 1024 * 1024, 'q');
    const s = await server((_req, res) => res.end(big));
    let paused = 0;
    const o = await exchange(newClient(), at(s.port), {
      onData: (_chunk, req) => {
        paused++;
        setTimeout(() => req.resume(), 1);
        return false;
      },
    }).done;
    expect(o.body.equals(big)).toBe(true);
    expect(paused).toBeGreaterThan(1);
  });

  it('errors: refused connect (no connect event), invalid response, reset mid-body, abort', async () => {
    const client = newClient();
    const closedPort = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    const refused = await exchange(client, at(closedPort)).done;
    expect(refused.error?.code).toBe('ECONNREFUSED');
    expect(refused.connectEvents).toBe(0);

    const garbage = await rawServer((sock) => sock.once('data', () => sock.write('NOT HTTP AT ALL\r\n\r\n')));
    const invalid = await exchange(client, at(garbage.port)).done;
    expect(invalid.error?.code).toMatch(/^HPE_/);

    const cut = await rawServer((sock) =>
      sock.once('data', () => {
        sock.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly part');
        setTimeout(() => sock.destroy(), 20);
      }),
    );
    const reset = await exchange(client, at(cut.port)).done;
    expect(reset.status).toBe(200);
    expect(reset.body.toString()).toBe('only part');
    expect(reset.error?.code).toBe('ECONNRESET');

    let serverSawClose = false;
    // Reads the request (a paused socket would not see the close) and never answers.
    const hang = await rawServer((sock) => sock.resume().on('close', () => (serverSawClose = true)));
    const { req, done } = exchange(client, at(hang.port));
    let settled = false;
    void done.then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 50));
    req.abort();
    await new Promise((r) => setTimeout(r, 50));
    expect(serverSawClose).toBe(true);
    expect(settled).toBe(false); // no callback after abort
    expect(client.idleCounts()).toEqual({});
  });
});

function header(o: Outcome, name: string): string | undefined {
  for (let i = 0; i < o.headers.length; i += 2) if (o.headers[i]!.toLowerCase() === name) return o.headers[i + 1];
  return undefined;
}
