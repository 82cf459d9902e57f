import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FaultEngine } from '../../proxy/faults/index.js';
import type { ConnectionLimits } from '../../proxy/http/connection-limits.js';
import { Logger } from '../../proxy/log.js';
import { MeshProxy } from '../../proxy/mesh-proxy.js';
import { faultRuleKey, partitionKey } from '../../proxy/schema/faults.js';
import { eventually } from '../support/http.js';
import { parseResponses, rawExchange } from '../support/raw-http.js';

/**
 * Hostile HTTP/1.1 against a real sidecar listener (MeshProxy, outbound `web` -> `catalog`, with a
 * fault engine) and a real backend, over raw sockets: upgrades under faults and partitions, half-
 * closed clients, malformed requests pipelined behind answers in progress, timeouts, the connection
 * cap, the RFC 9112 refusals, and a generated set of odd request heads. Every exchange is bounded
 * (a deadline per exchange, short timeouts on the listener); none may crash the process, smuggle a
 * request to the backend, or produce an answer that does not parse.
 */

const LIMITS: Partial<ConnectionLimits> = {
  headersTimeoutMs: 400,
  keepAliveTimeoutMs: 400,
  timeoutCheckIntervalMs: 50,
  maxConnections: 200,
};

interface Seen {
  seq: number;
  method: string;
  url: string;
  caseId: string | undefined;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** The backend: records every request it parses, numbers it, and says so in its answer. */
class Backend {
  readonly seen: Seen[] = [];
  readonly server: http.Server;
  port = 0;
  constructor() {
    this.server = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('latin1');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        const s = this.record(req, body);
        const headers = { 'x-backend-seq': String(s.seq), 'x-case-echo': s.caseId ?? '' };
        if (req.url === '/stream') {
          // A chunked answer that takes a while: a malformed request pipelined behind it must wait.
          res.writeHead(200, headers);
          let n = 0;
          const t = setInterval(() => {
            res.write(`part ${n}\n`);
            if (++n === 5) {
              clearInterval(t);
              res.end();
            }
          }, 40);
          res.on('close', () => clearInterval(t));
        } else if (req.url === '/slow') {
          setTimeout(() => res.writeHead(200, headers).end(`slow ${body}`), 200);
        } else {
          res.writeHead(200, headers).end(`ok ${req.method} ${req.url} [${body}]`);
        }
      });
    });
    this.server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
      const s = this.record(req, '');
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nconnection: Upgrade\r\nupgrade: ${req.headers.upgrade}\r\nx-backend-seq: ${s.seq}\r\n\r\n`,
      );
      if (head.length > 0) socket.write(head);
      socket.on('error', () => socket.destroy());
      socket.pipe(socket);
    });
  }
  private record(req: http.IncomingMessage, body: string): Seen {
    const s = {
      seq: this.seen.length + 1,
      method: req.method ?? '',
      url: req.url ?? '',
      caseId: req.headers['x-case'] as string | undefined,
      headers: req.headers,
      body,
    };
    this.seen.push(s);
    return s;
  }
  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

const T0 = Date.now();
const backend = new Backend();
const accessLines: Record<string, unknown>[] = [];
let proxy: MeshProxy;
let engine: FaultEngine;
let port = 0;

function setFaults(rules: Record<string, unknown>[], partitions: Record<string, unknown>[] = []): void {
  const stamp = { createdAt: new Date(T0 - 1000).toISOString(), expiresAt: new Date(T0 + 600_000).toISOString() };
  engine.applyEntries(
    'shop',
    [
      ...rules.map((r, i) => {
        const doc = { id: `f${i}`, target: { service: 'catalog' }, where: 'outbound', ...stamp, ...r };
        return { key: faultRuleKey('shop', doc.id), value: JSON.stringify(doc) };
      }),
      ...partitions.map((p, i) => {
        const doc = { id: `p${i}`, ...stamp, ...p };
        return { key: partitionKey('shop', doc.id), value: JSON.stringify(doc) };
      }),
    ],
    'test',
  );
  expect(engine.problems).toEqual([]);
}

async function metric(name: string): Promise<number> {
  const text = await proxy.registry.metrics();
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(name)) sum += Number(line.split(' ').pop());
  return sum;
}

beforeAll(async () => {
  await backend.start();
  const registry = new Registry();
  engine = new FaultEngine({ self: { service: 'web', version: 'v1', instance: 'web-1', ingress: false }, registry });
  const log = new Logger({ write: (line) => accessLines.push(JSON.parse(line) as Record<string, unknown>) });
  proxy = new MeshProxy(registry, log, { faults: engine, connectionLimits: LIMITS });
  proxy.applySnapshot(
    { defaults: { accessLog: { sampleRate: 1 }, resilience: { timeoutMs: 1500 } }, services: {} },
    'test',
  );
  const bound = await proxy.listen({
    upstream: 'catalog',
    direction: 'outbound',
    protocol: 'http',
    host: '127.0.0.1',
    port: 0,
  });
  port = bound.boundPort;
  proxy.setEndpoints('catalog', [{ id: 'catalog-1', host: '127.0.0.1', port: backend.port, weight: 1, version: 'v1' }]);
});

afterAll(async () => {
  await proxy.close(200);
  await backend.close();
});

afterEach(() => setFaults([]));

const UPGRADE = 'GET /ws HTTP/1.1\r\nhost: catalog\r\nupgrade: foo\r\nconnection: Upgrade\r\n\r\n';

describe('upgrades take the path of every request', () => {
  it('an abort fault refuses an upgrade as it refuses a plain request, before the backend', async () => {
    setFaults([{ action: { type: 'abort', status: 503 } }]);
    const before = backend.seen.length;
    const plain = parseResponses(
      (await rawExchange(port, ['GET /ws HTTP/1.1\r\nhost: catalog\r\nconnection: close\r\n\r\n'])).out,
    );
    const upgrade = await rawExchange(port, [UPGRADE]);
    const answered = parseResponses(upgrade.out);
    expect(answered.garbage).toBe('');
    expect(answered.responses.map((r) => r.status)).toEqual([503]);
    expect(answered.responses[0]!.headers['x-meshdev-reason']).toEqual(plain.responses[0]!.headers['x-meshdev-reason']);
    expect(answered.responses[0]!.headers['x-meshdev-reason']![0]).toMatch(/^fault-injected: abort 503/);
    expect(upgrade.end).toBe('closed');
    expect(backend.seen.length).toBe(before);
  });

  it('a partition refuses an upgrade (WebSocket included) with the partition reason', async () => {
    setFaults([], [{ a: ['web'], b: ['catalog'] }]);
    const before = backend.seen.length;
    const ws =
      'GET /chat HTTP/1.1\r\nhost: catalog\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-version: 13\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n';
    const answered = parseResponses((await rawExchange(port, [ws])).out);
    expect(answered.responses.map((r) => r.status)).toEqual([503]);
    expect(answered.responses[0]!.headers['x-meshdev-reason']![0]).toMatch(/^partitioned: web cannot reach catalog/);
    expect(backend.seen.length).toBe(before);
  });

  it('a delay fault holds an upgrade back like any request', async () => {
    setFaults([{ action: { type: 'delay', fixedMs: 300, jitterMs: 0 } }]);
    const t0 = performance.now();
    const out = await rawExchange(port, [UPGRADE, 'ping'], { gapMs: 10, deadlineMs: 600 });
    expect(out.out).toMatch(/^HTTP\/1\.1 101 /);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
  });

  it('a passed upgrade carries the request id, trace and source identity, and is counted and logged', async () => {
    const requests = await metric('meshdev_requests_total');
    accessLines.length = 0;
    const out = await rawExchange(port, [UPGRADE.replace('\r\n\r\n', '\r\nx-request-id: up-1\r\n\r\n'), 'hello'], {
      gapMs: 20,
      deadlineMs: 300,
    });
    expect(out.out).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n[\s\S]*\r\n\r\nhello$/);
    const seen = backend.seen.at(-1)!;
    expect(seen.headers['x-request-id']).toBe('up-1');
    expect(seen.headers['x-meshdev-source']).toBe('web');
    expect(seen.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(await metric('meshdev_requests_total')).toBe(requests + 1);
    await eventually(() => accessLines.some((l) => l.request_id === 'up-1'));
    expect(accessLines.find((l) => l.request_id === 'up-1')).toMatchObject({ status: 101, path: '/ws', attempts: 1 });
  });

  it('an upgrade with a body is served as the ordinary request it also is, body intact', async () => {
    const out = await rawExchange(
      port,
      [
        'POST /form HTTP/1.1\r\nhost: catalog\r\nupgrade: websocket\r\nconnection: Upgrade\r\ncontent-length: 5\r\n\r\nhello' +
          'GET /next HTTP/1.1\r\nhost: catalog\r\nconnection: close\r\n\r\n',
      ],
      {},
    );
    const answered = parseResponses(out.out);
    expect(answered.garbage).toBe('');
    expect(answered.responses.map((r) => r.body)).toEqual(['ok POST /form [hello]', 'ok GET /next []']);
    expect(backend.seen.at(-2)!.headers.upgrade).toBeUndefined();
  });

  it('an upgrade pipelined behind a slower request waits for its answer', async () => {
    const out = await rawExchange(port, ['GET /slow HTTP/1.1\r\nhost: catalog\r\n\r\n' + UPGRADE, 'ping'], {
      gapMs: 300,
      deadlineMs: 600,
    });
    expect(out.out).toMatch(/^HTTP\/1\.1 200 [\s\S]*slow \r\n0\r\n\r\nHTTP\/1\.1 101 [\s\S]*\r\n\r\nping$/);
  });
});

describe('HTTP framing', () => {
  it('answers a client that half-closes after its request, then closes', async () => {
    const out = await rawExchange(port, ['GET /slow HTTP/1.1\r\nhost: catalog\r\n\r\n'], { halfClose: true });
    expect(parseResponses(out.out).responses.map((r) => r.body)).toEqual(['slow ']);
    expect(out.end).toBe('closed');
  });

  it('a malformed request behind a streaming answer: the answer completes whole, then 400, then close', async () => {
    const out = await rawExchange(port, ['GET /stream HTTP/1.1\r\nhost: catalog\r\n\r\nNOT HTTP AT ALL\r\n\r\n']);
    const answered = parseResponses(out.out);
    expect(answered.garbage).toBe('');
    expect(answered.truncated).toBe(false);
    expect(answered.responses.map((r) => r.status)).toEqual([200, 400]);
    expect(answered.responses[0]!.body).toBe('part 0\npart 1\npart 2\npart 3\npart 4\n');
    expect(out.end).toBe('closed');
  });

  it('a malformed request behind a POST: the POST that ran is answered first', async () => {
    const before = backend.seen.length;
    const out = await rawExchange(port, [
      'POST /slow HTTP/1.1\r\nhost: catalog\r\ncontent-length: 3\r\n\r\nabcGET / HTTP/1.1\r\nhost: a\r\nbad header\r\n\r\n',
    ]);
    const answered = parseResponses(out.out);
    expect(answered.responses.map((r) => `${r.status} ${r.body}`)).toEqual(['200 slow abc', '400 ']);
    expect(backend.seen.length).toBe(before + 1);
  });

  it('a broken chunked body: its request is not answered as if whole, and nothing after it is forwarded', async () => {
    const before = backend.seen.length;
    const out = await rawExchange(port, [
      'POST /x HTTP/1.1\r\nhost: catalog\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\nGET /smuggled HTTP/1.1\r\nhost: a\r\n\r\n',
    ]);
    const answered = parseResponses(out.out);
    expect(answered.garbage).toBe('');
    expect(answered.responses.every((r) => r.status === 400)).toBe(true);
    expect(backend.seen.slice(before).some((s) => s.url === '/smuggled')).toBe(false);
  });

  it('closes a connection that never sends a byte, silently, after the header timeout', async () => {
    const out = await rawExchange(port, [], { deadlineMs: 2000 });
    expect(out.end).toBe('closed');
    expect(out.out).toBe('');
    expect(out.ms).toBeLessThan(400 + 50 + 300);
  });

  it('answers 408 to a request head that stops arriving, and closes an idle keep-alive connection', async () => {
    const slow = await rawExchange(port, ['GET / HTTP/1.1\r\nhost: cat'], { deadlineMs: 2000 });
    expect(parseResponses(slow.out).responses.map((r) => r.status)).toEqual([408]);
    const idle = await rawExchange(port, ['GET / HTTP/1.1\r\nhost: catalog\r\n\r\n'], { deadlineMs: 2000 });
    expect(parseResponses(idle.out).responses.map((r) => r.status)).toEqual([200]);
    expect(idle.end).toBe('closed');
    expect(idle.ms).toBeLessThan(400 + 1000 + 300); // keep-alive timeout (+ Node 26's 1 s buffer)
  });

  it('refuses duplicate Host (400), unknown transfer codings (501), HTTP/0.9 (400), HTTP/2.0 (505), before the backend', async () => {
    const before = backend.seen.length;
    const cases: [string, number][] = [
      ['GET / HTTP/1.1\r\nhost: catalog\r\nhost: evil\r\n\r\n', 400],
      ['POST / HTTP/1.1\r\nhost: catalog\r\ntransfer-encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n', 501],
      [
        'POST / HTTP/1.1\r\nhost: catalog\r\ntransfer-encoding: gzip\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n',
        501,
      ],
      ['GET /\r\n\r\n', 400],
      ['GET / HTTP/2.0\r\nhost: catalog\r\n\r\n', 505],
    ];
    for (const [text, status] of cases) {
      const out = await rawExchange(port, [text]);
      const answered = parseResponses(out.out);
      expect(
        answered.responses.map((r) => r.status),
        text,
      ).toEqual([status]);
      expect(answered.responses[0]!.headers['x-meshdev-reason'], text).toBeDefined();
      expect(out.end, text).toBe('closed');
    }
    expect(backend.seen.length).toBe(before);
  });

  it('a bare HTTP/0.9 request line never hangs: closed on half-close, or at the header timeout', async () => {
    const half = await rawExchange(port, ['GET /\r\n'], { halfClose: true });
    expect(half.end).toBe('closed');
    expect(half.ms).toBeLessThan(300);
    const open = await rawExchange(port, ['GET /\r\n'], { deadlineMs: 2000 });
    expect(open.end).toBe('closed');
  });

  it('refuses CONNECT with 405 and closes: the sidecar is not a forward proxy', async () => {
    const out = await rawExchange(port, ['CONNECT example.com:443 HTTP/1.1\r\nhost: example.com:443\r\n\r\n']);
    const answered = parseResponses(out.out);
    expect(answered.responses.map((r) => r.status)).toEqual([405]);
    expect(answered.responses[0]!.headers.allow).toBeDefined();
    expect(answered.responses[0]!.headers['x-meshdev-reason']![0]).toMatch(/not a forward proxy/);
    expect(out.end).toBe('closed');
  });
});

describe('connection cap', () => {
  it('closes connections beyond the cap as they arrive, counts them, and serves again below it', async () => {
    const registry = new Registry();
    const capped = new MeshProxy(registry, new Logger({ write() {} }), {
      connectionLimits: { ...LIMITS, maxConnections: 3 },
    });
    const bound = await capped.listen({
      upstream: 'catalog',
      direction: 'outbound',
      protocol: 'http',
      host: '127.0.0.1',
      port: 0,
    });
    capped.setEndpoints('catalog', [
      { id: 'catalog-1', host: '127.0.0.1', port: backend.port, weight: 1, version: 'v1' },
    ]);
    try {
      const held = await Promise.all(
        [0, 1, 2].map(
          () =>
            new Promise<net.Socket>((resolve) => {
              const s = net.connect(bound.boundPort, '127.0.0.1', () => resolve(s));
              s.on('error', () => undefined);
            }),
        ),
      );
      await new Promise((r) => setTimeout(r, 50));
      const refused = await rawExchange(bound.boundPort, ['GET / HTTP/1.1\r\nhost: catalog\r\n\r\n'], {
        deadlineMs: 1000,
      });
      expect(refused.end).not.toBe('hung');
      expect(refused.out).toBe('');
      const text = await registry.metrics();
      expect(text).toMatch(/meshdev_connections_refused_total\{direction="outbound",upstream="catalog"\} 1/);
      held[0]!.destroy();
      await new Promise((r) => setTimeout(r, 50));
      const served = await rawExchange(bound.boundPort, [
        'GET / HTTP/1.1\r\nhost: catalog\r\nconnection: close\r\n\r\n',
      ]);
      expect(parseResponses(served.out).responses.map((r) => r.status)).toEqual([200]);
      for (const s of held) s.destroy();
    } finally {
      await capped.close(100);
    }
  });
});

/** One generated exchange: a request head (often odd), a body, maybe a request pipelined behind it. */
interface Case {
  id: string;
  text: string;
  /** Every part is valid HTTP/1.1: the first request must reach the backend and be answered by it. */
  valid: boolean;
  /** The first request must be refused by the sidecar (never reach the backend). */
  mustRefuse: boolean;
  halfClose: boolean;
}

/** A part of a request: its text, and whether it makes the request invalid (must be refused) or merely odd. */
interface Part {
  text: string;
  kind: 'valid' | 'odd' | 'refuse';
}
const valid = (...texts: string[]): Part[] => texts.map((text) => ({ text, kind: 'valid' }));
const odd = (...texts: string[]): Part[] => texts.map((text) => ({ text, kind: 'odd' }));
const refuse = (...texts: string[]): Part[] => texts.map((text) => ({ text, kind: 'refuse' }));
/** Mostly valid, sometimes odd or invalid. */
const part = (parts: Part[]): fc.Arbitrary<Part> =>
  fc.oneof(
    { arbitrary: fc.constantFrom(...parts.filter((p) => p.kind === 'valid')), weight: 6 },
    { arbitrary: fc.constantFrom(...parts.filter((p) => p.kind !== 'valid')), weight: 1 },
  );

const methods = part([
  ...valid('GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'),
  ...odd('get', 'PRI', 'FOO', 'HEAD'.replace('HEAD', 'SEARCH')),
  ...refuse('G ET', ''),
]);
const targets = part([
  ...valid('/', '/a?b=c', '/x/y%20z', 'http://catalog/abs'),
  ...odd('/\x7f', '//x'),
  ...refuse('/a b', ''),
]);
const versions = part([
  ...valid('HTTP/1.1'),
  ...odd('HTTP/1.2', 'HTTP/1.0'),
  ...refuse('http/1.1', 'HTTP/0.9', 'HTTP/2.0', ''),
]);
const eols = part([...valid('\r\n'), ...odd('\n'), ...refuse('\r')]);
const hosts = part([...valid('host: catalog'), ...odd(''), ...refuse('host: catalog\r\nHost: evil', 'host : catalog')]);
const extraLines = part([
  ...valid(
    'connection: keep-alive',
    'accept: */*',
    'x-trace: 1',
    'upgrade: h2c\r\nconnection: Upgrade',
    'expect: 100-continue',
  ),
  ...odd('upgrade: websocket\r\nconnection: Upgrade', 'connection: close', 'x-folded: a\r\n b', 'content-length: 0'),
  ...refuse('bad header', 'x-nul: a\0b', 'x space: 1', ': empty-name', `x-long: ${'a'.repeat(20_000)}`),
]);
const SMUGGLED = 'GET /smuggled HTTP/1.1\r\nhost: catalog\r\n\r\n';
/** The body and the headers that frame it. */
const framings = part([
  ...valid('', 'content-length: 5\r\n\r\nhello', 'transfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'),
  ...valid(`content-length: ${SMUGGLED.length}\r\n\r\n${SMUGGLED}`),
  ...valid(`transfer-encoding: chunked\r\n\r\n${SMUGGLED.length.toString(16)}\r\n${SMUGGLED}\r\n0\r\n\r\n`),
  ...valid('transfer-encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n0\r\nx-trailer: 1\r\n\r\n'),
  ...odd(
    'content-length: 10\r\n\r\nhello',
    'transfer-encoding: chunked\r\n\r\n5\r\nhel',
    'transfer-encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n',
  ),
  ...odd(
    'content-length: 5, 5\r\n\r\nhello',
    `content-length: 4\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`,
  ),
  ...odd(`transfer-encoding: chunked\r\ncontent-length: 60\r\n\r\n0\r\n\r\n${SMUGGLED}`),
  ...refuse(
    'content-length: -1\r\n\r\n',
    'content-length: +5\r\n\r\nhello',
    'transfer-encoding: gzip, chunked\r\n\r\n0\r\n\r\n',
  ),
  ...refuse('transfer-encoding: chunked, gzip\r\n\r\n0\r\n\r\n', 'transfer-encoding: identity\r\n\r\nhello'),
  ...refuse(
    'transfer-encoding\t: chunked\r\n\r\n0\r\n\r\n',
    'transfer-encoding: chunked\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n',
  ),
]);

function caseArbitrary(id: number): fc.Arbitrary<Case> {
  return fc
    .record({
      method: methods,
      target: targets,
      version: versions,
      eol: eols,
      host: hosts,
      extra: fc.array(extraLines, { maxLength: 3 }),
      framing: framings,
      pipelined: fc.boolean(),
      halfClose: fc.boolean(),
    })
    .map((c) => {
      const caseId = `c${id}`;
      const eol = c.eol.text;
      const lines = [`${c.method.text} ${c.target.text} ${c.version.text}`, `x-case: ${caseId}`, c.host.text];
      for (const e of c.extra) lines.push(e.text);
      const head = lines.filter((l) => l !== '').join(eol);
      // The framing part carries the blank line that ends the head (none when it has no header).
      const framed = c.framing.text === '' ? `${eol}${eol}` : `${eol}${c.framing.text}`;
      const second = c.pipelined ? `GET /second HTTP/1.1\r\nhost: catalog\r\nx-case: ${caseId}\r\n\r\n` : '';
      const parts = [c.method, c.target, c.version, c.eol, c.host, c.framing, ...c.extra];
      return {
        id: caseId,
        text: `${head}${framed}${second}`,
        valid: parts.every((p) => p.kind === 'valid'),
        mustRefuse: parts.some((p) => p.kind === 'refuse'),
        // Most generated clients half-close (they are answered at once); the others meet the timeouts.
        halfClose: c.halfClose || id % 4 !== 0,
      };
    });
}

describe('generated hostile exchanges', () => {
  it(
    'never hang, crash, smuggle, forward what must be refused, or answer malformed HTTP',
    { timeout: 120_000 },
    async () => {
      const N = 240;
      const cases = Array.from(
        { length: N },
        (_, i) => fc.sample(caseArbitrary(i), { numRuns: 1, seed: 1000 + i })[0]!,
      );
      const counts = {
        exchanges: 0,
        valid: 0,
        mustRefuse: 0,
        wronglyRefused: 0,
        hung: 0,
        malformed: 0,
        smuggled: 0,
        wronglyForwarded: 0,
        answers: 0,
        forwarded: 0,
      };
      const statuses: Record<number, number> = {};
      const problems: string[] = [];
      for (const c of cases) {
        const from = backend.seen.length;
        const out = await rawExchange(port, [c.text], { halfClose: c.halfClose, deadlineMs: 4000 });
        await new Promise((r) => setTimeout(r, 15)); // anything the backend would still get arrives meanwhile
        counts.exchanges++;
        if (c.valid) counts.valid++;
        if (c.mustRefuse) counts.mustRefuse++;
        const seen = backend.seen.slice(from).filter((s) => s.caseId === c.id || s.caseId === undefined);
        const parsed = parseResponses(out.out);
        counts.answers += parsed.responses.length;
        counts.forwarded += seen.length;
        for (const r of parsed.responses) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
        const relayed = parsed.responses.filter((r) => r.headers['x-backend-seq'] !== undefined).length;
        const note = (what: string) =>
          problems.push(`${what}: ${JSON.stringify(c.text.slice(0, 160))} -> ${JSON.stringify(out.out.slice(0, 200))}`);
        // A 101 opened a tunnel, which stays open as long as both ends want; it must carry nothing
        // the client did not send (the backend echoes).
        if (parsed.tunnel !== undefined && parsed.tunnel !== '') {
          counts.malformed++;
          note('bytes in a tunnel the client did not send');
        }
        if (out.end === 'hung' && parsed.tunnel === undefined) {
          counts.hung++;
          note('hung');
        }
        if (parsed.garbage !== '') {
          counts.malformed++;
          note('malformed answer');
        }
        // Smuggling: a request the client did not send as one, or more forwarded than answered for
        // (one may be cut short when its body breaks).
        if (seen.some((s) => s.url === '/smuggled') || seen.length > relayed + 1) {
          counts.smuggled++;
          note(`smuggled (backend saw ${seen.map((s) => `${s.method} ${s.url}`).join(', ')})`);
        }
        if (c.mustRefuse && seen.some((s) => s.url !== '/second')) {
          counts.wronglyForwarded++;
          note('forwarded what must be refused');
        }
        const final = parsed.responses.find((r) => r.status >= 200);
        if (c.valid && !(final?.status === 200 && final.headers['x-backend-seq'] !== undefined)) {
          counts.wronglyRefused++;
          note('did not forward a valid request');
        }
      }
      // The process is alive (no crash) and the listener still serves; no exchange kept an upstream slot.
      const after = parseResponses(
        (await rawExchange(port, ['GET /after HTTP/1.1\r\nhost: catalog\r\nconnection: close\r\n\r\n'])).out,
      );
      expect(after.responses.map((r) => r.status)).toEqual([200]);
      await eventually(() => proxy.upstreams.get('catalog')!.breaker.active === 0, { what: 'no upstream slot held' });
      console.log(`hostile HTTP: ${JSON.stringify({ ...counts, crashes: 0, statuses })}`);
      expect(problems).toEqual([]);
      expect(counts.exchanges).toBe(N);
    },
  );
});
