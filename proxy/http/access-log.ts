import type { IncomingMessage } from 'node:http';
import type { Endpoint } from '../upstream.js';
import type { ForwarderOptions } from './forwarder-options.js';

/**
 * The access log of a listener: one JSON line per exchange (sampled), the same for ordinary and
 * upgrade requests.
 */

/** Is this request's access-log line written (`accessLog.sampleRate` of the upstream)? */
export function accessLogSampled(o: ForwarderOptions): boolean {
  const rate = o.upstream.config.accessLog.sampleRate;
  return rate > 0 && (rate >= 1 || o.rng() < rate);
}

/** What an access-log line says of one exchange beyond its request. */
export interface ExchangeRecord {
  requestId: string;
  traceId: string;
  version: string | undefined;
  endpoint: Endpoint | undefined;
  attempts: number;
  /** 0: the client went away before an answer. */
  status: number;
  reason: string | undefined;
  durationMs: number;
  /** -1: no response from an upstream. */
  upstreamMs: number;
}

export function writeAccessLog(o: ForwarderOptions, req: IncomingMessage, e: ExchangeRecord): void {
  const ep = e.endpoint;
  o.log.access({
    ts: new Date().toISOString(),
    type: 'access',
    request_id: e.requestId,
    trace_id: e.traceId,
    direction: o.direction,
    upstream: o.upstream.name,
    method: req.method,
    path: req.url,
    version: e.version ?? null,
    endpoint: ep === undefined ? null : `${ep.id}@${ep.host}:${ep.port}`,
    attempts: e.attempts,
    status: e.status,
    reason: e.reason ?? null,
    duration_ms: Math.round(e.durationMs * 1000) / 1000,
    upstream_ms: e.upstreamMs < 0 ? null : Math.round(e.upstreamMs * 1000) / 1000,
  });
}
