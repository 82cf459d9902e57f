import type { ServerOptions } from 'node:http';

/**
 * Bounds on the client connections of one HTTP listener. Every phase of a connection has one:
 *   - opened, nothing sent yet, or a request head still arriving: `headersTimeoutMs` (Node counts it
 *     from the connection's opening for the first request, from its first byte for the next ones);
 *   - between an answer and the next request: `keepAliveTimeoutMs`;
 *   - a request in flight: the forwarder's per-try and overall timeouts (a slow upload or a slow
 *     answer is the upstream's business, not the connection's, so Node's requestTimeout stays off);
 *   - an upgraded connection (WebSocket): open as long as both sides keep it.
 * Node does all of this itself once told; nothing here runs per request.
 */
export interface ConnectionLimits {
  /** Open connections per listener; beyond it a new connection is closed at once (and counted). */
  readonly maxConnections: number;
  readonly headersTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  /**
   * How often Node checks the header timeout. Its default (30 s) would let a 10 s timeout run to
   * 40 s; the check walks the connection list in native code, so once a second costs nothing.
   */
  readonly timeoutCheckIntervalMs: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  // Far above what a laptop mesh sees (the load generator holds tens), well below the file
  // descriptor limit (Node raises the soft limit to the hard one, 524288 or more in Docker), where
  // accept() would fail instead.
  maxConnections: 4096,
  headersTimeoutMs: 10_000,
  // Node's default. It is announced (`Keep-Alive: timeout=5`), and pools that read it (undici)
  // close an idle connection before the server does, rather than racing it with a request.
  keepAliveTimeoutMs: 5_000,
  timeoutCheckIntervalMs: 1_000,
};

/** The `http.createServer` options for a listener with these limits. */
export function httpServerOptions(limits: ConnectionLimits): ServerOptions {
  return {
    noDelay: true,
    keepAlive: true,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: 0,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: limits.timeoutCheckIntervalMs,
  };
}

/** The defaults with `overrides` applied, each checked (a limit of 0 or less would refuse every connection). */
export function connectionLimits(overrides: Partial<ConnectionLimits> = {}): ConnectionLimits {
  const limits = { ...DEFAULT_CONNECTION_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value <= 0) {
      throw new RangeError(`connection limit ${name} must be a positive integer (got ${String(value)})`);
    }
  }
  return limits;
}
