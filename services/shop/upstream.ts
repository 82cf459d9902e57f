import { Agent, request, type Dispatcher } from 'undici';

/**
 * Calls from a demo service to one of its upstreams. The base URL is the local sidecar's outbound
 * listener for that upstream (`<UPSTREAM>_URL`); the app never resolves other instances itself,
 * so everything it sends crosses the mesh.
 */

export type UpstreamFailureKind = 'http_error' | 'timeout' | 'unreachable' | 'bad_response';

/** Stable codes in the JSON error a service answers with when an upstream failed. */
export const failureCodes: Readonly<Record<UpstreamFailureKind, string>> = {
  http_error: 'UPSTREAM_HTTP_ERROR',
  timeout: 'UPSTREAM_TIMEOUT',
  unreachable: 'UPSTREAM_UNREACHABLE',
  bad_response: 'UPSTREAM_BAD_RESPONSE',
};

export class UpstreamError extends Error {
  constructor(
    readonly upstream: string,
    readonly kind: UpstreamFailureKind,
    message: string,
    readonly status?: number,
    /** The upstream's own JSON error, so the whole failing chain is visible at the ingress. */
    readonly upstreamBody?: unknown,
    /** Why the sidecar itself answered (its `x-meshdev-reason` header), e.g. "circuit-open max-pending". */
    readonly meshReason?: string,
  ) {
    super(message);
    this.name = 'UpstreamError';
  }
}

export interface UpstreamReply<T> {
  readonly status: number;
  readonly body: T;
}

export interface UpstreamClientOptions {
  readonly timeoutMs: number;
  readonly dispatcher: Dispatcher;
  /** Non-2xx statuses handed back to the caller instead of thrown (e.g. 404 for unknown products). */
  readonly passStatuses?: readonly number[];
}

/** One keep-alive pool per process, shared by every upstream (they are all the same local sidecar). */
export function createUpstreamAgent(): Agent {
  return new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 60_000, connections: 128 });
}

export class UpstreamClient {
  constructor(
    readonly name: string,
    readonly baseUrl: string,
    private readonly options: UpstreamClientOptions,
  ) {}

  async getJson<T>(path: string, headers: Readonly<Record<string, string>>): Promise<UpstreamReply<T>> {
    const url = `${this.baseUrl}${path}`;
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    let response: Dispatcher.ResponseData;
    try {
      response = await request(url, {
        method: 'GET',
        headers: { accept: 'application/json', ...headers },
        dispatcher: this.options.dispatcher,
        signal,
      });
    } catch (err) {
      if (signal.aborted) {
        throw new UpstreamError(
          this.name,
          'timeout',
          `${this.name} did not answer within ${this.options.timeoutMs} ms`,
        );
      }
      throw new UpstreamError(
        this.name,
        'unreachable',
        `${this.name} unreachable at ${this.baseUrl}: ${describe(err)}`,
      );
    }

    let text: string;
    try {
      text = await response.body.text();
    } catch (err) {
      if (signal.aborted) {
        throw new UpstreamError(
          this.name,
          'timeout',
          `${this.name} did not finish its response within ${this.options.timeoutMs} ms`,
        );
      }
      throw new UpstreamError(this.name, 'unreachable', `${this.name} broke off its response: ${describe(err)}`);
    }
    const status = response.statusCode;
    const body = parseJson(text);
    const passed = this.options.passStatuses?.includes(status) ?? false;
    if ((status < 200 || status > 299) && !passed) {
      const reason = response.headers['x-meshdev-reason'];
      const meshReason = typeof reason === 'string' ? reason : undefined;
      throw new UpstreamError(
        this.name,
        'http_error',
        `${this.name} answered ${status} to GET ${path}${meshReason ? ` (from the sidecar: ${meshReason})` : ''}`,
        status,
        body ?? (text.length > 0 ? text.slice(0, 500) : undefined),
        meshReason,
      );
    }
    if (body === undefined) {
      throw new UpstreamError(
        this.name,
        'bad_response',
        `${this.name} answered ${status} with a body that is not JSON`,
        status,
      );
    }
    return { status, body: body as T };
  }
}

function parseJson(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as Error & { code?: unknown }).code;
    const cause = err.cause instanceof Error ? err.cause.message : undefined;
    return [typeof code === 'string' ? code : undefined, err.message, cause].filter(Boolean).join(': ');
  }
  return String(err);
}
