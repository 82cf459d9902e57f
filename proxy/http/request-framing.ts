import type { IncomingMessage } from 'node:http';

/**
 * What the sidecar answers a request whose framing it will not forward (RFC 9112), decided from the
 * parsed head alone. Node's parser (llhttp) already refuses most malformed heads (those reach the
 * server's 'clientError', see `clientErrorAnswer`); these are the ones it lets through.
 */

export interface Refusal {
  readonly status: number;
  /** The `x-meshdev-reason` of the answer. */
  readonly reason: string;
}

const HTTP_09: Refusal = { status: 400, reason: 'bad-request: HTTP/0.9 requests are not supported' };
const VERSION: Refusal = { status: 505, reason: 'http-version-not-supported: the sidecar speaks HTTP/1.x' };
const DUPLICATE_HOST: Refusal = { status: 400, reason: 'bad-request: more than one Host header (RFC 9112 3.2)' };
const HTTP_10_CHUNKED: Refusal = {
  status: 400,
  reason: 'bad-request: Transfer-Encoding in an HTTP/1.0 request (RFC 9112 6.1: its framing is faulty)',
};
const TRANSFER_CODING: Refusal = {
  status: 501,
  reason: 'not-implemented: a transfer coding other than chunked (RFC 9112 6.1)',
};

/**
 * The sidecar is a reverse proxy: a CONNECT asks it to be a forward proxy (a tunnel to any host),
 * which it is not. Node would close such a connection without a word.
 */
export const CONNECT_REFUSAL: Refusal = {
  status: 405,
  reason: 'method-not-allowed: CONNECT (the sidecar is not a forward proxy)',
};

/**
 * Is this head one the sidecar refuses? Runs on every request, so it allocates nothing and reads
 * `rawHeaders` once:
 *   - HTTP/0.9 (llhttp reads `GET /` followed by an empty line as one) and versions other than 1.x;
 *   - two `Host` headers: Node keeps the first in `headers`, but would forward both, and the
 *     upstream may read the other one (RFC 9112 3.2: 400);
 *   - a transfer coding other than `chunked` alone: llhttp accepts `gzip, chunked` (chunked last),
 *     but the forwarder re-frames the body as chunked only, so the other coding would be silently
 *     dropped (RFC 9112 6.1: 501 for a coding the server does not understand);
 *   - any `Transfer-Encoding` in HTTP/1.0, which has none (RFC 9112 6.1: faulty framing).
 */
export function framingRefusal(
  req: Pick<IncomingMessage, 'httpVersionMajor' | 'httpVersionMinor' | 'rawHeaders' | 'headers'>,
): Refusal | undefined {
  if (req.httpVersionMajor !== 1) return req.httpVersionMajor === 0 ? HTTP_09 : VERSION;
  const raw = req.rawHeaders;
  let hosts = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 4 && isHost(name) && ++hosts > 1) return DUPLICATE_HOST;
  }
  const te = req.headers['transfer-encoding'];
  if (te !== undefined) {
    if (req.httpVersionMinor === 0) return HTTP_10_CHUNKED;
    if (!isChunkedAlone(te)) return TRANSFER_CODING;
  }
  return undefined;
}

/** `host` in any case, without allocating a lower-case copy (this runs for every header of every request). */
function isHost(name: string): boolean {
  return (
    (name.charCodeAt(0) | 0x20) === 0x68 &&
    (name.charCodeAt(1) | 0x20) === 0x6f &&
    (name.charCodeAt(2) | 0x20) === 0x73 &&
    (name.charCodeAt(3) | 0x20) === 0x74
  );
}

/** `chunked`, in any case, with optional whitespace around it (Node joins repeated headers with ", "). */
function isChunkedAlone(te: string): boolean {
  return te.length === 7 ? te.toLowerCase() === 'chunked' : te.trim().toLowerCase() === 'chunked';
}

/**
 * The status a request head Node's parser refused gets, or 0 for none (close without a word).
 * A connection that timed out without sending a single byte is closed silently, as nginx does: it
 * asked nothing, and a 408 could be read by a client as the answer to the request it sends next.
 */
export function clientErrorAnswer(code: string | undefined, bytesRead: number): number {
  switch (code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return bytesRead === 0 ? 0 : 408;
    case 'HPE_HEADER_OVERFLOW':
      return 431;
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return 413;
    case 'HPE_INVALID_VERSION':
      return 505;
    default:
      return 400;
  }
}
