import type http from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * `Upgrade: h2c` asks to switch a connection to cleartext HTTP/2: curl --http2 sends it, and so does
 * Java's HttpClient for every http:// URL by default. The mesh speaks HTTP/1.1, and RFC 9113 3.2
 * lets a server ignore the offer and answer in HTTP/1.1, as if the header were not there (Envoy
 * does the same).
 *
 * Node cannot ignore it for us: with an 'upgrade' listener (the WebSocket pass-through), every
 * request with `Connection: upgrade` becomes an upgrade, handed over as a bare socket with the
 * request body unread. Relayed as an upgrade, the body was lost and a POST hung until a timeout.
 * So such a request goes back to the HTTP server as an ordinary one, with faults, retries and
 * metrics: its head is written again without the upgrade headers, put back in front of the bytes
 * already read, and the socket is handed to the server as a new connection. Node leaves an
 * upgraded socket's stream to JavaScript (it no longer reads it natively), so the server's new
 * parser gets the rewritten head first and the rest of the body after it, in order.
 */

/** Does the request offer h2c and nothing else (no WebSocket or other protocol to pass through)? */
export function offersOnlyH2c(req: IncomingMessage): boolean {
  const upgrade = req.headers.upgrade;
  if (upgrade === undefined) return false;
  return upgrade.split(',').every((p) => p.trim().toLowerCase() === 'h2c');
}

/** The headers of the offer, dropped from the request and from its `Connection` tokens. */
const OFFER_HEADERS = new Set(['upgrade', 'http2-settings']);

/** The request's head, HTTP/1.1 as received, without `Upgrade`, `HTTP2-Settings` and their `Connection` tokens. */
export function headWithoutUpgrade(req: IncomingMessage): string {
  let head = `${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (OFFER_HEADERS.has(name)) continue;
    if (name === 'connection') {
      const kept = raw[i + 1]!.split(',')
        .map((t) => t.trim())
        .filter((t) => t !== '' && !OFFER_HEADERS.has(t.toLowerCase()));
      if (kept.length > 0) head += `${raw[i]}: ${kept.join(', ')}\r\n`;
      continue;
    }
    head += `${raw[i]}: ${raw[i + 1]}\r\n`;
  }
  return `${head}\r\n`;
}

/**
 * Serves an h2c offer as the plain HTTP/1.1 request it also is (see above). An offer pipelined
 * behind a request still being answered waits for that answer: the server's bookkeeping of
 * pipelined responses belongs to the connection it is handed back as.
 */
export function serveIgnoringH2c(server: http.Server, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  const replay = () => {
    socket.off('error', onWaitError);
    if (socket.destroyed) return;
    socket.unshift(Buffer.concat([Buffer.from(headWithoutUpgrade(req), 'latin1'), head]));
    server.emit('connection', socket);
  };
  // Node took its error listener off the socket when it handed it over: until the server has it
  // back, a reset (ECONNRESET) would be an uncaught error.
  const onWaitError = () => socket.destroy();
  const answering = (socket as Duplex & { _httpMessage?: http.ServerResponse | null })._httpMessage;
  if (answering) {
    socket.on('error', onWaitError);
    answering.once('finish', replay);
  } else replay();
}
