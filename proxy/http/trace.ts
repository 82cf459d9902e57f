import { randomFillSync } from 'node:crypto';

/**
 * W3C Trace Context (`traceparent: 00-<trace-id>-<parent-id>-<flags>`). Each hop keeps the trace id and
 * flags and puts its own span id as the parent id; a request without a valid header starts a trace.
 * Random ids come from a refilled pool so a request costs no crypto call.
 */

const POOL_SIZE = 4096;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let offset = POOL_SIZE;

function randomHex(bytes: number): string {
  if (offset + bytes > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const hex = pool.toString('hex', offset, offset + bytes);
  offset += bytes;
  return hex;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

export interface TraceContext {
  traceId: string;
  spanId: string;
  /** The header to send upstream. */
  traceparent: string;
}

export function continueTrace(incoming: string | undefined): TraceContext {
  const spanId = randomHex(8);
  if (incoming !== undefined && incoming.length === 55) {
    const m = TRACEPARENT.exec(incoming);
    if (m !== null && m[1] !== ZERO_TRACE && m[2] !== ZERO_SPAN) {
      return { traceId: m[1]!, spanId, traceparent: `00-${m[1]}-${spanId}-${m[3]}` };
    }
  }
  const traceId = randomHex(16);
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

/** Headers the forwarder sets itself on every request it sends (any copy the client sent is dropped). */
export const FORWARDER_SET_HEADERS: ReadonlySet<string> = new Set(['traceparent', 'x-request-id']);

/** The request id: the client's `x-request-id` when it is sensible, else the trace id. */
export function requestIdOf(header: string | string[] | undefined, traceId: string): string {
  return typeof header === 'string' && header.length > 0 && header.length <= 128 ? header : traceId;
}
