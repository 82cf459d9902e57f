import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ConnectionLimits } from './connection-limits.js';
import { httpServerOptions } from './connection-limits.js';
import { writeLocalAnswer } from './headers.js';
import { answerClientError, closeQueuedAnswerWithConnection } from './pipelining.js';
import { CONNECT_REFUSAL, framingRefusal } from './request-framing.js';
import { refuseTunnel, upgradeListener } from './upgrade.js';

/**
 * The HTTP server of one listener, as a careful HTTP/1.1 server behaves: every request, upgrades
 * included, goes to `handle`; answers on a connection stay whole and in order (pipelining.ts); a
 * client that half-closes after its request is answered; every phase of a connection is bounded
 * and the connections of a listener are capped (connection-limits.ts); framing the forwarder would
 * not relay faithfully is refused (request-framing.ts). Node does most of it once configured; what
 * it does not do is in those modules, each saying why.
 */

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface HttpListenerOptions {
  limits: ConnectionLimits;
  /** A connection arrived while the listener had `limits.maxConnections` open: it was closed. */
  onConnectionRefused(): void;
  /** A request (or a request head Node's parser refused) was answered `status` by the sidecar itself. */
  onProtocolError(status: number): void;
}

export function createHttpListener(handle: Handler, o: HttpListenerOptions): http.Server {
  const checked = guarded(handle, o.onProtocolError);
  const server = http.createServer(httpServerOptions(o.limits), checked);
  // By default Node drops the requests in flight when the client half-closes (shutdown(SHUT_WR) after
  // its request, as `nc -N` or a careful client does) and ends the connection unanswered. With this
  // field (not a createServer option, but set by every Node version's constructor) it answers them
  // and closes after the last one.
  (server as http.Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  // Beyond it, Node closes a new connection as it is accepted and emits 'drop'.
  server.maxConnections = o.limits.maxConnections;
  server.on('drop', () => o.onConnectionRefused());
  server.on('checkContinue', checked);
  server.on('upgrade', upgradeListener(server, checked));
  const refuseConnect = refuseTunnel(CONNECT_REFUSAL);
  server.on('connect', (req: IncomingMessage, socket) => {
    o.onProtocolError(CONNECT_REFUSAL.status);
    refuseConnect(req, socket);
  });
  server.on('clientError', (err: Error & { code?: string }, socket) => {
    const status = answerClientError(err, socket);
    if (status !== 0) o.onProtocolError(status);
  });
  return server;
}

/**
 * `handle`, behind the framing checks of request-framing.ts (a refused request closes its
 * connection), with the answer of a pipelined request closed when its connection closes first.
 */
export function guarded(handle: Handler, onRefused: (status: number) => void): Handler {
  return (req, res) => {
    // Not yet on its connection: a request pipelined behind one still being answered (rare).
    if (res.socket == null) closeQueuedAnswerWithConnection(req, res);
    const refusal = framingRefusal(req);
    if (refusal === undefined) {
      handle(req, res);
      return;
    }
    onRefused(refusal.status);
    // Its body (if any) cannot be trusted to end where the next request would begin.
    res.shouldKeepAlive = false;
    writeLocalAnswer(res, refusal.status, refusal.reason);
  };
}
