import { request } from 'undici';
import { MeshdevError } from '../errors.js';
import { meshdevCommand } from '../invocation.js';

/**
 * The CLI's own Consul KV client: get, put, list and delete, each one short request with a
 * deadline. Not the proxy's ConsulClient: that one carries blocking queries, service registration
 * and a node:http transport chosen for a small sidecar, none of which a command needs, and the CLI
 * imports nothing from the proxy but its schema. Every failure is a MeshdevError 'ECONSUL' that
 * says where Consul was expected, so every command reports an unreachable mesh the same way.
 */

/** A KV entry as listed; `createIndex` (when the key was first written) orders faults for the limits. */
export interface KvEntry {
  readonly key: string;
  readonly value: string | null;
  readonly createIndex: number;
  readonly modifyIndex: number;
}

const DEFAULT_TIMEOUT_MS = 5000;

function encodePath(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

export class ConsulKv {
  readonly baseUrl: string;
  constructor(
    baseUrl: string,
    private readonly timeoutMs = DEFAULT_TIMEOUT_MS,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  private failure(message: string, cause?: unknown): MeshdevError {
    return new MeshdevError('ECONSUL', message, {
      fix: `Is the mesh up (\`${meshdevCommand('status')}\`)? Consul is expected at ${this.baseUrl} (ports.consul of the topology, or --consul URL).`,
      ...(cause === undefined ? {} : { cause }),
    });
  }

  /** One call; a status in `absent` reads as "no such key" (undefined), any other non-2xx fails. */
  private async call(
    method: 'GET' | 'PUT' | 'DELETE',
    path: string,
    what: string,
    body?: string,
  ): Promise<string | undefined> {
    let res;
    try {
      res = await request(`${this.baseUrl}${path}`, {
        method,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
        ...(body === undefined ? {} : { body, headers: { 'content-type': 'application/json' } }),
      });
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw this.failure(`Consul at ${this.baseUrl} did not answer ${method} ${path}: ${reason}`, err);
    }
    const text = await res.body.text();
    if (res.statusCode === 404 && method === 'GET') return undefined;
    if (res.statusCode < 200 || res.statusCode >= 300) {
      throw this.failure(`Consul ${what}: HTTP ${res.statusCode} ${text.trim()}`.trim());
    }
    return text;
  }

  /** The value of `key`, undefined when there is none. */
  get(key: string): Promise<string | undefined> {
    return this.call('GET', `/v1/kv/${encodePath(key)}?raw=true`, `read ${key}`);
  }

  async put(key: string, value: string): Promise<void> {
    await this.call('PUT', `/v1/kv/${encodePath(key)}`, `write ${key}`, value);
  }

  async delete(key: string): Promise<void> {
    await this.call('DELETE', `/v1/kv/${encodePath(key)}`, `delete ${key}`);
  }

  /** Every key under `prefix` (none: an empty list). */
  async list(prefix: string): Promise<KvEntry[]> {
    const text = await this.call('GET', `/v1/kv/${encodePath(prefix)}?recurse=true`, `read ${prefix}`);
    if (text === undefined) return [];
    const raw = JSON.parse(text) as { Key: string; Value: string | null; ModifyIndex: number; CreateIndex: number }[];
    return raw.map((e) => ({
      key: e.Key,
      value: e.Value === null ? null : Buffer.from(e.Value, 'base64').toString('utf8'),
      createIndex: e.CreateIndex,
      modifyIndex: e.ModifyIndex,
    }));
  }
}
