import http from 'node:http';
import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Endpoint } from '../upstream.js';
import { outlierResultOf } from '../policy/outlier-detector.js';
import { selectVersion } from '../policy/routing.js';
import type { ForwarderOptions } from './forwarder-options.js';
import { accessLogSampled, writeAccessLog } from './access-log.js';
import { forwardableHeaders, upgradeHeaders, writeLocalAnswer } from './headers.js';
import { FORWARDER_SET_HEADERS, continueTrace, requestIdOf } from './trace.js';

/**
 * WebSocket and other `Upgrade` requests, once the listener's handler let them through (partitions
 * and faults act before, see upgrade.ts): an endpoint is picked by the same routing as any request,
 * the handshake goes to it on a connection of its own (the tunnel will hold it) with the request id,
 * trace and source identity every request carries, and the answer is relayed: a 101 turns both
 * connections into one byte pipe, any other answer is passed on and the connection closed. One try
 * (a handshake that reached an upstream is not repeated), bounded by the overall timeout. Metrics and
 * the access log record the handshake: its status and how long it took, not the tunnel's lifetime.
 */
export function forwardUpgrade(o: ForwarderOptions, req: IncomingMessage, res: ServerResponse): void {
  new UpgradeExchange(o, req, res).start();
}

/** Methods Node's client sends without a body framing when none is given. */
const BODYLESS_BY_DEFAULT = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT']);

class UpgradeExchange {
  private readonly startedAt: number;
  private requestId = '';
  private traceId = '';
  private version: string | undefined;
  private endpoint: Endpoint | undefined;
  private ureq: ClientRequest | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Bytes of the handshake may have reached the upstream (its connection was made). */
  private sent = false;
  private tryStartedAt = 0;
  private upstreamMs = -1;
  private status = 0;
  private reason: string | undefined;
  private recorded = false;
  private released = true;

  constructor(
    private readonly o: ForwarderOptions,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
  ) {
    this.startedAt = o.clock.now();
  }

  start(): void {
    const { o, req } = this;
    const up = o.upstream;
    const trace = continueTrace(req.headers.traceparent as string | undefined);
    this.traceId = trace.traceId;
    this.requestId = requestIdOf(req.headers['x-request-id'], trace.traceId);
    const routes = up.routes;
    this.version =
      routes.rules.length === 0 && routes.fallback === undefined
        ? undefined
        : selectVersion(routes, { path: req.url ?? '/', headers: req.headers }, o.rng);
    this.res.on('close', () => this.onClientClose());
    const candidates = up.candidates(this.version);
    if (candidates.length === 0) {
      up.stats.noEndpoint.inc();
      this.answerLocally(
        503,
        `no-healthy-endpoint: no healthy instance of ${up.name}${this.version === undefined ? '' : ` (version ${this.version})`}`,
      );
      return;
    }
    const ep = up.balancer.pick(candidates) as Endpoint;
    this.endpoint = ep;
    ep.active++;
    this.released = false;
    const headers = upgradeHeaders(req.rawHeaders, FORWARDER_SET_HEADERS, [
      'traceparent',
      trace.traceparent,
      'x-request-id',
      this.requestId,
    ]);
    if (req.headers.host === undefined) headers.push('host', `${ep.host}:${ep.port}`);
    // A passed-through upgrade has no body (upgrade.ts). Node's client would send a POST or PATCH
    // without a length as chunked, and its closing `0\r\n\r\n` would reach the tunnel as data.
    if (!BODYLESS_BY_DEFAULT.has(req.method ?? 'GET')) headers.push('content-length', '0');
    this.tryStartedAt = o.clock.now();
    const ureq = http.request({
      host: ep.host,
      port: ep.port,
      method: req.method,
      path: req.url,
      headers,
      setHost: false,
      agent: false,
    });
    this.ureq = ureq;
    const timeoutMs = up.policyFor(this.version).retry.timeoutMs;
    this.timer = setTimeout(() => this.onTimeout(timeoutMs), timeoutMs);
    ureq.once('socket', (s: Socket) => s.once('connect', () => (this.sent = true)));
    ureq.on('upgrade', (ures: IncomingMessage, usocket: Duplex, uhead: Buffer) => this.onSwitch(ures, usocket, uhead));
    ureq.on('response', (ures: IncomingMessage) => this.onDeclined(ures));
    ureq.on('error', (err: Error & { code?: string }) => this.onUpstreamError(err));
    ureq.end();
  }

  /** The upstream switched protocols: relay its 101, then pipe bytes both ways until either side closes. */
  private onSwitch(ures: IncomingMessage, usocket: Duplex, uhead: Buffer): void {
    this.timer = stop(this.timer);
    const socket = this.res.socket;
    if (this.recorded || socket == null || socket.destroyed) {
      usocket.destroy();
      return;
    }
    this.judge(ures.statusCode ?? 101);
    let head = `HTTP/1.1 ${ures.statusCode ?? 101} ${ures.statusMessage ?? 'Switching Protocols'}\r\n`;
    const raw = ures.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) head += `${raw[i]}: ${raw[i + 1]}\r\n`;
    socket.write(`${head}\r\n`);
    if (uhead.length > 0) socket.write(uhead);
    this.record();
    usocket.on('error', () => socket.destroy());
    usocket.on('close', () => {
      this.release();
      socket.destroy();
    });
    socket.on('close', () => usocket.destroy());
    usocket.pipe(socket);
    socket.pipe(usocket);
  }

  /** The upstream answered without switching: its answer goes to the client, then the connection closes. */
  private onDeclined(ures: IncomingMessage): void {
    this.timer = stop(this.timer);
    this.judge(ures.statusCode ?? 502);
    try {
      this.res.writeHead(this.status, ures.statusMessage, forwardableHeaders(ures.rawHeaders));
    } catch (err) {
      // An upstream header Node's server refuses to send.
      ures.destroy();
      this.answerLocally(502, `bad-upstream-response: ${(err as Error).message}`);
      return;
    }
    ures.on('end', () => this.release());
    ures.on('error', () => this.res.destroy());
    ures.pipe(this.res);
  }

  private onUpstreamError(err: Error & { code?: string }): void {
    if (this.ureq === undefined) return; // abandoned (timeout, client gone): its error is expected
    this.timer = stop(this.timer);
    if (this.recorded || this.status !== 0) {
      // The tunnel or a relayed answer was under way: nothing to answer any more.
      this.res.destroy();
      return;
    }
    const ep = this.endpoint!;
    this.o.upstream.report(ep, 'gateway-error', this.o.clock.now() - this.tryStartedAt);
    this.release();
    const what = err.code ?? err.message;
    if (this.sent) this.answerLocally(502, `upstream-reset: ${ep.id}: ${what}`);
    else this.answerLocally(503, `upstream-connect-error: ${ep.id} (${ep.host}:${ep.port}): ${what}`);
  }

  private onTimeout(timeoutMs: number): void {
    this.timer = undefined;
    this.abandonUpstream();
    this.o.upstream.report(this.endpoint!, 'gateway-error', this.o.clock.now() - this.tryStartedAt);
    this.release();
    this.answerLocally(504, `upstream-timeout: no response within ${timeoutMs} ms (1 tries)`);
  }

  /** A response of the upstream arrived: report it to the balancer and outlier detector. */
  private judge(status: number): void {
    const latency = this.o.clock.now() - this.tryStartedAt;
    this.status = status;
    this.upstreamMs = latency;
    const ep = this.endpoint!;
    if (status < 500) this.o.upstream.report(ep, 'success', latency);
    else this.o.upstream.report(ep, outlierResultOf({ kind: 'response', status, reachedUpstream: true }), latency);
  }

  private answerLocally(status: number, reason: string): void {
    this.status = status;
    this.reason = reason;
    if (this.res.headersSent || this.res.destroyed) {
      this.res.destroy();
      return;
    }
    writeLocalAnswer(this.res, status, reason);
  }

  /** The client connection closed: before an answer, the handshake is abandoned. */
  private onClientClose(): void {
    if (this.recorded) return;
    this.timer = stop(this.timer);
    if (!this.res.writableFinished) {
      this.abandonUpstream();
      this.release();
      if (this.status === 0) this.reason = 'client-disconnected';
    }
    this.record();
  }

  private abandonUpstream(): void {
    const ureq = this.ureq;
    this.ureq = undefined;
    ureq?.destroy();
  }

  private release(): void {
    if (this.released) return;
    this.released = true;
    this.endpoint!.active--;
  }

  private record(): void {
    if (this.recorded) return;
    this.recorded = true;
    const durationMs = this.o.clock.now() - this.startedAt;
    this.o.stats.record(this.status, durationMs / 1000);
    if (accessLogSampled(this.o)) {
      writeAccessLog(this.o, this.req, {
        requestId: this.requestId,
        traceId: this.traceId,
        version: this.version,
        endpoint: this.endpoint,
        attempts: this.endpoint === undefined ? 0 : 1,
        status: this.status,
        reason: this.reason,
        durationMs,
        upstreamMs: this.upstreamMs,
      });
    }
  }
}

function stop(timer: NodeJS.Timeout | undefined): undefined {
  if (timer !== undefined) clearTimeout(timer);
  return undefined;
}
