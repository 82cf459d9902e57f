/**
 * Request correlation across the chain: W3C `traceparent` (https://www.w3.org/TR/trace-context/)
 * and `x-request-id`. Every service keeps the caller's trace id and starts its own span, so the
 * sidecars' logs and the demo's JSON can be joined on one id.
 */

export interface TraceContext {
  /** 32 lower-case hex digits, not all zero. */
  readonly traceId: string;
  /** This hop's span id: 16 lower-case hex digits, not all zero. */
  readonly spanId: string;
  /** 2 hex digits; "01" = sampled. */
  readonly flags: string;
}

/** Returns `bytes` random bytes as lower-case hex (node:crypto in production, seeded in tests). */
export type RandomHex = (bytes: number) => string;

const traceparentPattern = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** Parses an incoming header; undefined when absent or malformed (then a new trace starts). */
export function parseTraceparent(header: string | undefined): TraceContext | undefined {
  if (header === undefined) return undefined;
  const m = traceparentPattern.exec(header.trim().toLowerCase());
  if (!m) return undefined;
  const [, version, traceId, spanId, flags, rest] = m;
  if (version === 'ff' || traceId === undefined || spanId === undefined || flags === undefined) return undefined;
  // Version 00 has exactly four fields; later versions may append more, which we ignore.
  if (version === '00' && rest !== undefined) return undefined;
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId, flags };
}

export function formatTraceparent(ctx: TraceContext): string {
  return `00-${ctx.traceId}-${ctx.spanId}-${ctx.flags}`;
}

/**
 * The context of this hop: the caller's trace continued with a new span id, or a new sampled
 * trace when the caller sent none.
 */
export function continueTrace(incoming: TraceContext | undefined, randomHex: RandomHex): TraceContext {
  const spanId = nonZero(randomHex, 8);
  if (incoming) return { traceId: incoming.traceId, spanId, flags: incoming.flags };
  return { traceId: nonZero(randomHex, 16), spanId, flags: '01' };
}

function nonZero(randomHex: RandomHex, bytes: number): string {
  for (;;) {
    const hex = randomHex(bytes);
    if (!/^0+$/.test(hex)) return hex;
  }
}

/** Request ids we accept from callers: printable, bounded, no header injection. */
export function acceptableRequestId(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  return /^[\x21-\x7e]{1,128}$/.test(trimmed) ? trimmed : undefined;
}
