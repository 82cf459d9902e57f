import net from 'node:net';

/**
 * Raw HTTP/1.1 on a socket, for tests that send what no client library would: bytes in, bytes out,
 * how the connection ended, and a strict reader of the answers that came back.
 */

export interface RawOutcome {
  /** Everything the server wrote, as latin1 text. */
  out: string;
  /** closed: the server closed (FIN); reset: ECONNRESET or the like; hung: still open at the deadline. */
  end: 'closed' | 'reset' | 'hung';
  ms: number;
}

/**
 * Connects to `port`, writes `chunks` (one write each, `gapMs` apart), half-closes when `halfClose`,
 * and collects what comes back until the server closes the connection or `deadlineMs` pass.
 */
export function rawExchange(
  port: number,
  chunks: readonly (string | Buffer)[],
  opts: { halfClose?: boolean; deadlineMs?: number; gapMs?: number } = {},
): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const parts: Buffer[] = [];
    let settled = false;
    const sock = net.connect(port, '127.0.0.1');
    const done = (end: RawOutcome['end']) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      sock.destroy();
      resolve({ out: Buffer.concat(parts).toString('latin1'), end, ms: performance.now() - t0 });
    };
    const deadline = setTimeout(() => done('hung'), opts.deadlineMs ?? 3000);
    sock.on('data', (d: Buffer) => parts.push(d));
    sock.on('end', () => done('closed'));
    sock.on('close', () => done('closed'));
    sock.on('error', () => done('reset'));
    sock.on('connect', async () => {
      for (const c of chunks) {
        if (sock.destroyed) return;
        sock.write(c);
        if (opts.gapMs) await new Promise((r) => setTimeout(r, opts.gapMs));
      }
      if (opts.halfClose && !sock.destroyed) sock.end();
    });
  });
}

export interface RawResponse {
  status: number;
  headers: Record<string, string[]>;
  body: string;
}

export interface ParsedResponses {
  responses: RawResponse[];
  /** What does not parse as a response (empty when every byte did). */
  garbage: string;
  /** The last response stopped before its declared end (a connection cut mid-answer). */
  truncated: boolean;
  /** After a 101: the bytes of the protocol switched to (not HTTP any more). */
  tunnel?: string;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Reads `text` as the answers of an HTTP/1.1 server, strictly (RFC 9112): status line, header lines
 * `name: value` with token names, then a body framed by chunked coding, Content-Length, or the
 * connection's close. 1xx, 204 and 304 have no body; after a 101 the rest is the tunnel's. Requests
 * must not have used HEAD.
 */
export function parseResponses(text: string): ParsedResponses {
  const responses: RawResponse[] = [];
  let at = 0;
  const fail = (): ParsedResponses => ({ responses, garbage: text.slice(at), truncated: false });
  while (at < text.length) {
    const headEnd = text.indexOf('\r\n\r\n', at);
    if (headEnd < 0) return fail();
    const lines = text.slice(at, headEnd).split('\r\n');
    const m = /^HTTP\/1\.1 (\d{3}) [\x20-\x7e]*$/.exec(lines[0]!);
    if (m === null) return fail();
    const status = Number(m[1]);
    const headers: Record<string, string[]> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon);
      if (colon <= 0 || !TOKEN.test(name) || /[\r\n\0]/.test(line)) return fail();
      (headers[name.toLowerCase()] ??= []).push(line.slice(colon + 1).trim());
    }
    let bodyStart = headEnd + 4;
    let body = '';
    const te = headers['transfer-encoding'];
    const cl = headers['content-length'];
    if (status < 200 || status === 204 || status === 304) {
      // no body
    } else if (te !== undefined) {
      if (te.join(',').toLowerCase() !== 'chunked' || cl !== undefined) return fail();
      for (;;) {
        const lineEnd = text.indexOf('\r\n', bodyStart);
        if (lineEnd < 0) return { responses, garbage: '', truncated: true };
        const size = parseInt(text.slice(bodyStart, lineEnd), 16);
        if (!/^[0-9a-fA-F]+$/.test(text.slice(bodyStart, lineEnd))) return fail();
        if (lineEnd + 2 + size + 2 > text.length) return { responses, garbage: '', truncated: true };
        if (size === 0) {
          if (text.slice(lineEnd + 2, lineEnd + 4) !== '\r\n') return fail();
          bodyStart = lineEnd + 4;
          break;
        }
        body += text.slice(lineEnd + 2, lineEnd + 2 + size);
        if (text.slice(lineEnd + 2 + size, lineEnd + 4 + size) !== '\r\n') return fail();
        bodyStart = lineEnd + 4 + size;
      }
    } else if (cl !== undefined) {
      if (cl.length !== 1 || !/^\d+$/.test(cl[0]!)) return fail();
      const n = Number(cl[0]);
      if (bodyStart + n > text.length) return { responses, garbage: '', truncated: true };
      body = text.slice(bodyStart, bodyStart + n);
      bodyStart += n;
    } else {
      body = text.slice(bodyStart);
      bodyStart = text.length;
    }
    responses.push({ status, headers, body });
    at = bodyStart;
    if (status === 101) return { responses, garbage: '', truncated: false, tunnel: text.slice(at) };
  }
  return { responses, garbage: '', truncated: false };
}
