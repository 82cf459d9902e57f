import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { headWithoutUpgrade, offersOnlyH2c } from './h2c.js';
import { afterAnswersDueOnHandedOver, endLingering } from './pipelining.js';
import type { Refusal } from './request-framing.js';
import { writeLocalAnswer } from './headers.js';

/**
 * `Upgrade` requests (WebSocket and any other protocol) take the path every request takes: the
 * listener's handler, with identity, partitions, faults, metrics and the access log. Node hands such
 * a request over ('upgrade') as a bare connection instead of a request and a response; here it gets
 * a response again, written on that connection, so that a partition or an injected abort refuses it
 * as it refuses any request (same status, same `x-meshdev-reason`). The forwarder tells an upgrade to
 * pass through by that response (`isUpgradeResponse`).
 *
 * Only a simple upgrade is passed through: not h2c (see h2c.ts) and without a request body, which
 * could not be relayed before the 101. Any other is served as the ordinary request it also is (RFC
 * 9110 7.8 lets a server ignore the offer). Where that request's body is depends on the Node version:
 * up to 24 it is left unread in the connection, so the head is written again without the offer and
 * the connection handed back to the server to read it all as a new one; from 25 on Node reads it
 * into the request, which is then served from the handed-over connection, and the connection handed
 * back after the answer. (Node >= 24.9 could be told beforehand with `shouldUpgradeCallback`, but a
 * request it declines that way loses whatever was pipelined behind it in the same packet.)
 *
 * An upgrade pipelined behind requests still being answered waits for their answers: Node stops
 * writing them in order on a connection it handed over only if something else writes first.
 */

export type UpgradeRoute = 'pass-through' | 'serve-from-request' | 'replay';

/**
 * How an upgrade request is served. `bodyInRequest`: Node has read (or is reading) the declared
 * body into the request, rather than leaving it in the connection.
 */
export function routeUpgrade(u: { onlyH2c: boolean; declaresBody: boolean; bodyInRequest: boolean }): UpgradeRoute {
  if (!u.declaresBody) return u.onlyH2c ? 'replay' : 'pass-through';
  return u.bodyInRequest ? 'serve-from-request' : 'replay';
}

function routeOf(req: IncomingMessage): UpgradeRoute {
  const h = req.headers;
  const declaresBody =
    h['transfer-encoding'] !== undefined || (h['content-length'] !== undefined && h['content-length'] !== '0');
  return routeUpgrade({
    onlyH2c: offersOnlyH2c(req),
    declaresBody,
    bodyInRequest: declaresBody && (!req.complete || req.readableLength > 0),
  });
}

const UPGRADE = Symbol('meshdev.upgrade');

/** Is this the response to an upgrade to pass through (made by the 'upgrade' listener)? */
export function isUpgradeResponse(res: ServerResponse): boolean {
  return (res as ServerResponse & { [UPGRADE]?: true })[UPGRADE] === true;
}

function destroyOnError(this: Duplex): void {
  this.destroy();
}

/**
 * A response written on a connection Node handed over. Node no longer reads that connection, so no
 * request can follow this one on it: after the answer it is closed, unless `handBack` gives it
 * back to the server (which then reads the requests that follow).
 */
export function responseOnHandedOver(
  req: IncomingMessage,
  socket: Duplex,
  opts: { upgrade: boolean; handBack?: () => void },
): ServerResponse {
  // Node took its error listener off: until the connection is closed or handed back, a reset
  // (ECONNRESET) would otherwise be an uncaught error.
  socket.on('error', destroyOnError);
  const res = new http.ServerResponse(req) as ServerResponse & { [UPGRADE]?: true };
  if (opts.upgrade) res[UPGRADE] = true;
  const handBack = opts.handBack;
  res.shouldKeepAlive = handBack !== undefined && req.httpVersionMinor >= 1;
  res.assignSocket(socket as Socket);
  res.once('finish', () => {
    if (handBack === undefined || !res.shouldKeepAlive || socket.destroyed) {
      endLingering(socket);
      return;
    }
    res.detachSocket(socket as Socket);
    socket.off('error', destroyOnError);
    handBack();
  });
  return res;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** The 'upgrade' of a listener whose requests go to `handle`. */
export function upgradeListener(
  server: http.Server,
  handle: Handler,
): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (req, socket, head) => {
    if (socket.destroyed) return;
    // `socket` may be a stream over the connection (Node >= 25, a request with a body: it yields
    // what follows the body); the answers due are those of the connection itself.
    socket.on('error', destroyOnError);
    afterAnswersDueOnHandedOver(req.socket, () => {
      socket.off('error', destroyOnError);
      const route = routeOf(req);
      if (route === 'replay') {
        replayWithoutUpgrade(server, req, socket, head);
        return;
      }
      // Bytes that came after the head (a WebSocket frame; a next request) go back in front of the rest.
      if (head.length > 0) socket.unshift(head);
      if (route === 'pass-through') handle(req, responseOnHandedOver(req, socket, { upgrade: true }));
      else {
        const handBack = () => server.emit('connection', socket);
        handle(req, responseOnHandedOver(req, socket, { upgrade: false, handBack }));
      }
    });
  };
}

/** The 'connect' of a listener: CONNECT is refused, and the connection closed. */
export function refuseTunnel(refusal: Refusal): (req: IncomingMessage, socket: Duplex) => void {
  return (req, socket) => {
    const res = responseOnHandedOver(req, socket, { upgrade: false });
    res.setHeader('allow', 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, TRACE');
    writeLocalAnswer(res, refusal.status, refusal.reason);
  };
}

/**
 * The request's head is written again without the upgrade headers, put back in front of the bytes
 * already read, and the connection handed to the server as a new one. Node leaves a handed-over
 * connection's stream to JavaScript (it no longer reads it natively), so the server's new parser
 * gets the rewritten head first and the rest of the body after it, in order.
 */
function replayWithoutUpgrade(server: http.Server, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  socket.unshift(Buffer.concat([Buffer.from(headWithoutUpgrade(req), 'latin1'), head]));
  server.emit('connection', socket);
}
