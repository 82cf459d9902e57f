/** How one request of the load generator ended, as the client saw it. */
export type Outcome = 'success' | 'http_error' | 'timeout' | 'connection_error';

export const OUTCOMES: readonly Outcome[] = ['success', 'http_error', 'timeout', 'connection_error'];

/** A response arrived: 1xx-3xx is success, anything else an HTTP error (the mesh's 503s included). */
export function outcomeOfStatus(status: number): Outcome {
  return status >= 100 && status < 400 ? 'success' : 'http_error';
}

const timeoutCodes = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'ETIMEDOUT',
]);

/**
 * No (complete) response: our own deadline or a socket-level timeout is a timeout; everything
 * else (refused, reset, DNS, closed mid-body) is a connection error.
 */
export function outcomeOfError(err: unknown, deadlinePassed: boolean): Outcome {
  if (deadlinePassed) return 'timeout';
  const code = errorCode(err);
  return code !== undefined && timeoutCodes.has(code) ? 'timeout' : 'connection_error';
}

/** The most specific error code in an error or its causes: a system code (ECONNREFUSED) wins over undici's wrappers. */
export function errorCode(err: unknown): string | undefined {
  const codes: string[] = [];
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as Error & { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
  }
  return codes.find((c) => /^E[A-Z]+$/.test(c)) ?? codes[0];
}
