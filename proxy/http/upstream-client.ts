import net from 'node:net';
import { HTTPParser, SKIP_BODY } from './llhttp.js';
import type { HeadersCompleteCallback, NativeHttpParser } from './llhttp.js';

/**
 * The sidecar's HTTP/1.1 client towards upstream endpoints: keep-alive connections pooled per
 * endpoint (last used first, so idle ones age out), requests written as raw bytes, responses parsed
 * by Node's native llhttp (./llhttp.ts) and handed over as raw header pairs and body chunks.
 *
 * Why not node:http or undici: a proxy needs none of their conveniences (header objects, streams
 * per message, redirect or retry logic: the forwarder decides those), and they cost most of a
 * forwarded request's CPU time; undici also brings a WebAssembly parser that costs tens of MB of
 * RSS. See bench/proxy/RESULTS.md.
 *
 * One connection carries one request at a time (no pipelining). A connection goes back to its pool
 * only when the request was written in full and the response read in full with keep-alive; any
 * other ending (abort, error, early response, `connection: close`) closes it.
 */

/** What the forwarder learns about one try. Nothing is called after `abort()`, nor after complete/error. */
export interface UpstreamHandler {
  /** A new connection is established: from now on bytes of the request may reach the upstream. */
  onUpstreamConnect(): void;
  /** The upstream answered `100 Continue` to a request sent with `Expect: 100-continue`. */
  onUpstreamContinue(): void;
  /** `raw`: header name, value, name, value... as received. */
  onUpstreamHeaders(status: number, raw: string[], statusMessage: string): void;
  /** A body chunk; return false to stop reading until `resume()`. */
  onUpstreamData(chunk: Buffer): boolean;
  onUpstreamComplete(): void;
  onUpstreamError(err: Error & { code?: string }): void;
  /** The request body can take more after a `write()` returned false. */
  onUpstreamDrain(): void;
}

/** How the request body is framed on the wire. */
export const enum BodyFraming {
  None,
  /** `content-length` is among the request's headers. */
  Length,
  /** No length known: sent with `transfer-encoding: chunked`. */
  Chunked,
}

export interface UpstreamAddress {
  host: string;
  port: number;
  /** Pool key, unique per address (`http://host:port`). */
  origin: string;
}

export interface UpstreamClientOptions {
  /**
   * An idle connection is not reused after this long (and is closed by the next sweep). Below the
   * 5 s keep-alive timeout of Node's servers, so the upstream never closes a connection the proxy
   * is about to reuse; a shorter `Keep-Alive: timeout=N` from the upstream lowers it further.
   */
  idleTimeoutMs: number;
  connectTimeoutMs: number;
  /** Idle connections kept per endpoint (beyond this a released connection is closed). */
  maxIdlePerEndpoint: number;
  now?: () => number;
}

export const DEFAULT_CLIENT_OPTIONS: UpstreamClientOptions = {
  idleTimeoutMs: 4000,
  connectTimeoutMs: 5000,
  maxIdlePerEndpoint: 1024,
};

class ConnectionError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

const CHUNK_END = '\r\n';
const LAST_CHUNK = '0\r\n\r\n';

export class UpstreamClient {
  private readonly idle = new Map<string, Connection[]>();
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;
  readonly opts: UpstreamClientOptions;
  readonly now: () => number;
  /** Connections opened over the client's life (reuse shows as requests per connection). */
  connectionsOpened = 0;

  constructor(opts: Partial<UpstreamClientOptions> = {}) {
    this.opts = { ...DEFAULT_CLIENT_OPTIONS, ...opts };
    this.now = opts.now ?? (() => performance.now());
    this.sweeper = setInterval(() => this.sweep(), Math.min(1000, this.opts.idleTimeoutMs)).unref();
  }

  /**
   * Starts one request on a pooled or new connection. The head is written at once (queued until a
   * new connection is up); the body follows through `write`/`end` of the returned request. A reused
   * connection is connected on return (`connected`), without an `onUpstreamConnect` call.
   */
  request(
    to: UpstreamAddress,
    method: string,
    path: string,
    headers: readonly string[],
    framing: BodyFraming,
    handler: UpstreamHandler,
  ): UpstreamRequest {
    const conn = this.takeIdle(to.origin) ?? this.open(to);
    const req = new UpstreamRequest(conn, handler, method === 'HEAD', framing);
    conn.begin(req);
    let head = `${method} ${path} HTTP/1.1\r\n`;
    for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
    head += framing === BodyFraming.Chunked ? 'transfer-encoding: chunked\r\n\r\n' : '\r\n';
    conn.socket.write(head, 'latin1');
    if (framing === BodyFraming.None) req.ended = true;
    return req;
  }

  private takeIdle(origin: string): Connection | undefined {
    const list = this.idle.get(origin);
    if (list === undefined) return undefined;
    const now = this.now();
    for (let conn = list.pop(); conn !== undefined; conn = list.pop()) {
      if (conn.usable(now)) return conn;
      conn.destroy();
    }
    return undefined;
  }

  private open(to: UpstreamAddress): Connection {
    this.connectionsOpened++;
    return new Connection(this, to);
  }

  /** Called by a connection whose exchange ended cleanly. */
  release(conn: Connection): void {
    if (this.closed) return conn.destroy();
    let list = this.idle.get(conn.origin);
    if (list === undefined) this.idle.set(conn.origin, (list = []));
    if (list.length >= this.opts.maxIdlePerEndpoint) return conn.destroy();
    conn.idleSince = this.now();
    list.push(conn);
  }

  /** Called by a connection that closed while idle. */
  forget(conn: Connection): void {
    const list = this.idle.get(conn.origin);
    if (list === undefined) return;
    const i = list.indexOf(conn);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.idle.delete(conn.origin);
  }

  private sweep(): void {
    const now = this.now();
    for (const [origin, list] of this.idle) {
      // Oldest first: the list is used from its end.
      let keep = 0;
      while (keep < list.length && !list[keep]!.usable(now)) keep++;
      for (const conn of list.splice(0, keep)) conn.destroy();
      if (list.length === 0) this.idle.delete(origin);
    }
  }

  /** Idle connections per endpoint origin (what the tests check reuse by). */
  idleCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [origin, list] of this.idle) out[origin] = list.length;
    return out;
  }

  /** Closes idle connections and stops pooling; requests in flight run to their end. */
  close(): void {
    this.closed = true;
    clearInterval(this.sweeper);
    for (const list of this.idle.values()) for (const conn of list.splice(0)) conn.destroy();
    this.idle.clear();
  }
}

/** One try of the forwarder on one connection. */
export class UpstreamRequest {
  /** The whole request (head and body) was handed to the socket. */
  ended = false;
  /** Response finished or request aborted: no more callbacks. */
  done = false;
  readonly connected: boolean;

  constructor(
    private readonly conn: Connection,
    readonly handler: UpstreamHandler,
    readonly isHead: boolean,
    private readonly framing: BodyFraming,
  ) {
    this.connected = !conn.connecting;
  }

  /** A body chunk; false when the socket's buffer is full (wait for `onUpstreamDrain`). */
  write(chunk: Buffer): boolean {
    if (this.done || this.ended || chunk.length === 0) return true;
    const socket = this.conn.socket;
    if (this.framing !== BodyFraming.Chunked) return socket.write(chunk);
    socket.cork();
    socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
    socket.write(chunk);
    const more = socket.write(CHUNK_END, 'latin1');
    socket.uncork();
    return more;
  }

  end(): void {
    if (this.done || this.ended) return;
    this.ended = true;
    if (this.framing === BodyFraming.Chunked) this.conn.socket.write(LAST_CHUNK, 'latin1');
  }

  /** Reads the response body again after `onUpstreamData` returned false. */
  resume(): void {
    if (!this.done) this.conn.socket.resume();
  }

  /** Gives up this try: no more callbacks, and the connection is closed (its state is unknown). */
  abort(): void {
    if (this.done) return;
    this.done = true;
    this.conn.destroy();
  }
}

const enum ConnState {
  Busy,
  Idle,
  Closed,
}

class Connection {
  readonly socket: net.Socket;
  readonly origin: string;
  private readonly parser: NativeHttpParser;
  private state = ConnState.Busy;
  connecting = true;
  private current: UpstreamRequest | undefined;
  /** The current response is informational (1xx): the final one follows. */
  private informational = false;
  private keepAlive = true;
  private idleLimitMs: number;
  idleSince = 0;
  private headerChunks: string[] | undefined;
  private connectTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: UpstreamClient,
    to: UpstreamAddress,
  ) {
    this.origin = to.origin;
    this.idleLimitMs = client.opts.idleTimeoutMs;
    const socket = (this.socket = net.connect({ host: to.host, port: to.port, noDelay: true }));
    this.connectTimer = setTimeout(this.onConnectTimeout, client.opts.connectTimeoutMs);
    socket.once('connect', this.onConnect);
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
    socket.on('drain', this.onDrain);
    const parser = (this.parser = new HTTPParser());
    parser.initialize(HTTPParser.RESPONSE, {}, 0, HTTPParser.kLenientNone);
    parser[HTTPParser.kOnMessageBegin] = this.onMessageBegin;
    parser[HTTPParser.kOnHeaders] = this.onHeaderChunk;
    parser[HTTPParser.kOnHeadersComplete] = this.onHeadersComplete;
    parser[HTTPParser.kOnBody] = this.onBody;
    parser[HTTPParser.kOnMessageComplete] = this.onMessageComplete;
  }

  begin(req: UpstreamRequest): void {
    this.state = ConnState.Busy;
    this.current = req;
  }

  /** May this idle connection carry another request now? */
  usable(now: number): boolean {
    return this.state === ConnState.Idle && now - this.idleSince < this.idleLimitMs && !this.socket.destroyed;
  }

  private onConnect = (): void => {
    this.connecting = false;
    clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    const req = this.current;
    if (req !== undefined && !req.done) req.handler.onUpstreamConnect();
  };

  private onConnectTimeout = (): void => {
    this.connectTimer = undefined;
    this.fail(new ConnectionError(`connect timeout (${this.client.opts.connectTimeoutMs} ms)`, 'ETIMEDOUT'));
  };

  private onData = (data: Buffer): void => {
    if (this.current === undefined) {
      // Bytes while idle: not a response to anything, the connection's state is unknown.
      this.destroy();
      return;
    }
    const ret = this.parser.execute(data);
    if (typeof ret !== 'number') this.fail(new ConnectionError(`invalid response: ${ret.message}`, ret.code ?? 'HPE'));
  };

  /**
   * A response starts. With no request waiting for one, these are bytes the upstream sent after the
   * response it owed (in the same packet as its end, so onData's idle check did not see them): the
   * connection's state is unknown, and reusing it would hand them to the next request as its answer.
   */
  private onMessageBegin = (): void => {
    if (this.current === undefined) this.destroy();
  };

  private onHeaderChunk = (headers: string[]): void => {
    // More than 32 header pairs arrive in chunks before onHeadersComplete (which then gets none);
    // a chunked body's trailer fields arrive the same way before onMessageComplete.
    (this.headerChunks ??= []).push(...headers);
  };

  private onHeadersComplete: HeadersCompleteCallback = (
    _major,
    _minor,
    headers,
    _method,
    _url,
    status,
    statusMessage,
    _upgrade,
    shouldKeepAlive,
  ) => {
    const req = this.current;
    let raw = headers;
    if (this.headerChunks !== undefined) {
      raw = headers === undefined ? this.headerChunks : this.headerChunks.concat(headers);
      this.headerChunks = undefined;
    }
    raw ??= [];
    if (req === undefined || req.done) return SKIP_BODY;
    if (status < 200) {
      this.informational = true;
      if (status === 100) req.handler.onUpstreamContinue();
      else if (status === 101)
        this.fail(new ConnectionError('101 Switching Protocols without an upgrade', 'HPE_UNEXPECTED_UPGRADE'));
      return SKIP_BODY;
    }
    if (!shouldKeepAlive) this.keepAlive = false;
    else this.idleLimitMs = Math.min(this.idleLimitMs, keepAliveLimitMs(raw, this.client.opts.idleTimeoutMs));
    req.handler.onUpstreamHeaders(status, raw, statusMessage);
    return req.isHead ? SKIP_BODY : 0;
  };

  private onBody = (chunk: Buffer): void => {
    const req = this.current;
    if (req === undefined || req.done) return;
    if (!req.handler.onUpstreamData(chunk)) this.socket.pause();
  };

  private onMessageComplete = (): void => {
    // Header pairs still gathered here are a chunked body's trailer fields (llhttp hands them over
    // like headers, just before completing). Dropped, as Envoy does on HTTP/1 by default: kept, they
    // would open the next response's headers on this connection.
    this.headerChunks = undefined;
    if (this.informational) {
      this.informational = false;
      return;
    }
    const req = this.current;
    if (req === undefined || req.done) return;
    req.done = true;
    this.current = undefined;
    // Reuse needs the request sent in full too: after an early answer (a 413 before the body, a
    // final status instead of 100 Continue) the upstream's reading position is unknown.
    if (req.ended && this.keepAlive && !this.socket.destroyed) {
      this.state = ConnState.Idle;
      this.socket.resume(); // paused by backpressure on this response's body
      this.client.release(this);
    } else {
      this.destroy();
    }
    req.handler.onUpstreamComplete();
  };

  private onDrain = (): void => {
    const req = this.current;
    if (req !== undefined && !req.done) req.handler.onUpstreamDrain();
  };

  private onEnd = (): void => {
    // The upstream closed its side: a body delimited by the close ends here, anything else is cut short.
    if (this.current !== undefined && !this.current.done) {
      const ret = this.parser.finish();
      if (ret instanceof Error) this.fail(new ConnectionError(`response cut short: ${ret.message}`, 'ECONNRESET'));
    }
    this.fail(new ConnectionError('upstream closed the connection', 'ECONNRESET'));
  };

  private onError = (err: Error): void => {
    this.fail(err);
  };

  private onClose = (): void => {
    this.fail(new ConnectionError('connection closed', 'ECONNRESET'));
  };

  /** Ends the connection; a request still waiting for its response gets `err`. */
  private fail(err: Error & { code?: string }): void {
    const req = this.current;
    this.current = undefined;
    this.destroy();
    if (req !== undefined && !req.done) {
      req.done = true;
      req.handler.onUpstreamError(err);
    }
  }

  destroy(): void {
    if (this.state === ConnState.Closed) return;
    const wasIdle = this.state === ConnState.Idle;
    this.state = ConnState.Closed;
    if (this.connectTimer !== undefined) clearTimeout(this.connectTimer);
    this.socket.destroy();
    // Not while the parser may be executing (this can run from its callbacks): Node's http does the same.
    setImmediate(closeParser, this.parser);
    if (wasIdle) this.client.forget(this);
  }
}

function closeParser(parser: NativeHttpParser): void {
  parser.close();
}

/**
 * How long a connection may idle before reuse, from the upstream's `Keep-Alive: timeout=N` (seconds
 * it keeps an idle connection open): a second less, to stay clear of its close.
 */
export function keepAliveLimitMs(raw: readonly string[], defaultMs: number): number {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length !== 10 || name.toLowerCase() !== 'keep-alive') continue;
    return keepAliveValueLimitMs(raw[i + 1]!, defaultMs);
  }
  return defaultMs;
}

// An upstream sends the same value on every response: parse it once.
let lastValue = '';
let lastDefaultMs = -1;
let lastLimitMs = 0;
function keepAliveValueLimitMs(value: string, defaultMs: number): number {
  if (value !== lastValue || defaultMs !== lastDefaultMs) {
    const m = /(?:^|[,\s])timeout\s*=\s*(\d+)/i.exec(value);
    lastLimitMs = m === null ? defaultMs : Math.min(defaultMs, Math.max(0, Number(m[1]) * 1000 - 1000));
    lastValue = value;
    lastDefaultMs = defaultMs;
  }
  return lastLimitMs;
}
