import http from 'node:http';

/**
 * The few Consul agent HTTP API calls the sidecar and the CLI make. Every call takes an AbortSignal so
 * shutdown never waits for a blocking query to time out. node:http rather than `fetch`: fetch loads a
 * second HTTP client (Node's internal undici, tens of MB of RSS) into a sidecar that must stay small.
 */

/** The subset of a fetch Response this client uses, over node:http (Consul's answers are small). */
interface MiniResponse {
  ok: boolean;
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
  json(): Promise<unknown>;
  body: { cancel(): Promise<void> } | null;
}

const consulAgent = new http.Agent({ keepAlive: true, maxSockets: 16, timeout: 60_000 });

function httpCall(
  method: string,
  url: string,
  body: string | undefined,
  signal: AbortSignal | undefined,
  timeoutMs: number,
): Promise<MiniResponse> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const req = http.request(url, {
      method,
      agent: consulAgent,
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
          body: { cancel: async () => undefined },
        });
      });
    });
    req.end(body);
  });
}

export class ConsulError extends Error {
  readonly status: number | undefined;
  constructor(message: string, status?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConsulError';
    this.status = status;
  }
}

export interface ServiceRegistration {
  ID: string;
  Name: string;
  Address: string;
  Port: number;
  Tags: string[];
  Meta: Record<string, string>;
  Weights: { Passing: number; Warning: number };
  Check: { HTTP: string; Interval: string; Timeout: string };
}

/** One entry of `/v1/health/service/<name>`, reduced to what the sidecar uses. */
export interface HealthServiceEntry {
  Node: { Node: string; Address: string };
  Service: {
    ID: string;
    Service: string;
    Address: string;
    Port: number;
    Tags: string[] | null;
    Meta: Record<string, string> | null;
    Weights?: { Passing: number; Warning: number };
  };
}

export interface KvEntry {
  key: string;
  value: string | null;
  modifyIndex: number;
  /** Consul's index when the key was created (kept across updates): the order keys were first written. */
  createIndex: number;
}

export interface BlockingResult<T> {
  index: number;
  value: T;
}

export class ConsulClient {
  readonly baseUrl: string;
  constructor(baseUrl: string) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  private async call(method: string, path: string, init: { body?: string; signal?: AbortSignal; timeoutMs?: number }) {
    try {
      return await httpCall(
        method,
        `${this.baseUrl}${path}`,
        init.body,
        init.signal,
        Math.ceil(init.timeoutMs ?? 5000),
      );
    } catch (err) {
      if (init.signal?.aborted) throw err;
      throw new ConsulError(`Consul at ${this.baseUrl} did not answer ${method} ${path}: ${describe(err)}`, undefined, {
        cause: err,
      });
    }
  }

  private async expectOk(res: MiniResponse, what: string): Promise<void> {
    if (res.ok) return;
    const text = await res.text().catch(() => '');
    throw new ConsulError(`Consul ${what}: HTTP ${res.status} ${text.trim()}`.trim(), res.status);
  }

  async registerService(reg: ServiceRegistration, signal?: AbortSignal): Promise<void> {
    const res = await this.call('PUT', '/v1/agent/service/register', { body: JSON.stringify(reg), signal });
    await this.expectOk(res, `register ${reg.ID}`);
    await res.body?.cancel();
  }

  async deregisterService(id: string, signal?: AbortSignal): Promise<void> {
    const res = await this.call('PUT', `/v1/agent/service/deregister/${encodeURIComponent(id)}`, { signal });
    await this.expectOk(res, `deregister ${id}`);
    await res.body?.cancel();
  }

  /** Is `id` registered with this agent? */
  async hasService(id: string, signal?: AbortSignal): Promise<boolean> {
    const res = await this.call('GET', `/v1/agent/service/${encodeURIComponent(id)}`, { signal });
    await res.body?.cancel();
    return res.ok;
  }

  /** Passing instances of `service`; blocks up to `waitSeconds` for a change after `index`. */
  async healthyInstances(
    service: string,
    index: number,
    waitSeconds: number,
    signal?: AbortSignal,
  ): Promise<BlockingResult<HealthServiceEntry[]>> {
    const q = index > 0 ? `&index=${index}&wait=${waitSeconds}s` : '';
    const res = await this.call('GET', `/v1/health/service/${encodeURIComponent(service)}?passing=true${q}`, {
      signal,
      timeoutMs: Math.ceil((waitSeconds + waitSeconds / 16 + 5) * 1000),
    });
    await this.expectOk(res, `health of ${service}`);
    return { index: indexOf(res), value: (await res.json()) as HealthServiceEntry[] };
  }

  /** Every key under `prefix`; blocks up to `waitSeconds` for a change after `index`. */
  async kvList(
    prefix: string,
    index: number,
    waitSeconds: number,
    signal?: AbortSignal,
  ): Promise<BlockingResult<KvEntry[]>> {
    const q = index > 0 ? `&index=${index}&wait=${waitSeconds}s` : '';
    const res = await this.call('GET', `/v1/kv/${encodePath(prefix)}?recurse=true${q}`, {
      signal,
      timeoutMs: Math.ceil((waitSeconds + waitSeconds / 16 + 5) * 1000),
    });
    if (res.status === 404) {
      await res.body?.cancel();
      return { index: indexOf(res), value: [] };
    }
    await this.expectOk(res, `read ${prefix}`);
    const raw = (await res.json()) as { Key: string; Value: string | null; ModifyIndex: number; CreateIndex: number }[];
    return {
      index: indexOf(res),
      value: raw.map((e) => ({
        key: e.Key,
        value: e.Value === null ? null : Buffer.from(e.Value, 'base64').toString('utf8'),
        modifyIndex: e.ModifyIndex,
        createIndex: e.CreateIndex,
      })),
    };
  }

  async kvGet(key: string, signal?: AbortSignal): Promise<string | undefined> {
    const res = await this.call('GET', `/v1/kv/${encodePath(key)}?raw=true`, { signal });
    if (res.status === 404) {
      await res.body?.cancel();
      return undefined;
    }
    await this.expectOk(res, `read ${key}`);
    return await res.text();
  }

  async kvPut(key: string, value: string, signal?: AbortSignal): Promise<void> {
    const res = await this.call('PUT', `/v1/kv/${encodePath(key)}`, { body: value, signal });
    await this.expectOk(res, `write ${key}`);
    await res.body?.cancel();
  }

  async kvDelete(key: string, signal?: AbortSignal): Promise<void> {
    const res = await this.call('DELETE', `/v1/kv/${encodePath(key)}`, { signal });
    await this.expectOk(res, `delete ${key}`);
    await res.body?.cancel();
  }
}

function encodePath(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

function indexOf(res: MiniResponse): number {
  const n = Number(res.headers.get('x-consul-index'));
  return Number.isFinite(n) && n > 0 ? n : 1;
}

export function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    if (cause instanceof Error && !err.message.includes(cause.message)) return `${err.message} (${cause.message})`;
    return err.message;
  }
  return String(err);
}

/** Consul's duration syntax: 1 -> "1s", 0.5 -> "500ms". */
export function consulDuration(seconds: number): string {
  return Number.isInteger(seconds) ? `${seconds}s` : `${Math.round(seconds * 1000)}ms`;
}
