import http from 'node:http';

/**
 * A small JSON-sized HTTP client over node:http, for control-plane calls: the sidecar's Consul
 * client and the CLI's calls to Consul, Prometheus and the load generator. Not undici and not
 * `fetch` (Node's internal undici): either loads an HTTP parser compiled to WebAssembly, ~20-27 MB
 * RSS, which a command making a few small requests does not need (`meshdev status` peaks at 66
 * instead of 113 MB). Hot paths keep undici: the sidecar's data path, and the dashboard's
 * once-a-second poll of every sidecar (cli/tui/data/layer.ts says why).
 */

/** The part of a fetch Response callers use; the body is read whole (answers here are small). */
export interface PlainResponse {
  readonly ok: boolean;
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
  json(): Promise<unknown>;
}

export interface PlainRequestOptions {
  readonly method?: string;
  /** Sent as JSON (content-type application/json). */
  readonly body?: string;
  readonly signal?: AbortSignal;
  /** The whole exchange, connect to last byte. */
  readonly timeoutMs: number;
  /** Default: Node's global agent (keep-alive). */
  readonly agent?: http.Agent;
}

export function plainRequest(url: string, options: PlainRequestOptions): Promise<PlainResponse> {
  const { body, signal, timeoutMs } = options;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const req = http.request(url, {
      method: options.method ?? 'GET',
      ...(options.agent === undefined ? {} : { agent: options.agent }),
      headers:
        body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    const onAbort = () => req.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    req.on('error', (err) => {
      done();
      reject(err);
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (err) => {
        done();
        reject(err);
      });
      res.on('end', () => {
        done();
        const text = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        resolve({
          ok: status >= 200 && status < 300,
          status,
          headers: { get: (name) => (res.headers[name.toLowerCase()] as string | undefined) ?? null },
          text: async () => text,
          json: async () => JSON.parse(text) as unknown,
        });
      });
    });
    req.end(body);
  });
}
