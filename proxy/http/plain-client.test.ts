import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plainRequest } from './plain-client.js';

describe('plainRequest', () => {
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/hang') return; // never answers
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'application/json', 'x-seen': 'yes' });
        res.end(JSON.stringify({ method: req.method, type: req.headers['content-type'] ?? null, body }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('sends a JSON body and reads the whole answer', async () => {
    const res = await plainRequest(`${base}/echo`, { method: 'PUT', body: '{"a":1}', timeoutMs: 2000 });
    expect(res.ok).toBe(true);
    expect(res.headers.get('X-Seen')).toBe('yes');
    expect(await res.json()).toEqual({ method: 'PUT', type: 'application/json', body: '{"a":1}' });
  });

  it('reports a non-2xx status without throwing', async () => {
    const res = await plainRequest(`${base}/missing`, { timeoutMs: 2000 });
    expect([res.ok, res.status]).toEqual([false, 404]);
  });

  it('gives up after the timeout, and at once when aborted', async () => {
    await expect(plainRequest(`${base}/hang`, { timeoutMs: 100 })).rejects.toThrow('no answer within 100 ms');
    const controller = new AbortController();
    const pending = plainRequest(`${base}/hang`, { timeoutMs: 10_000, signal: controller.signal });
    controller.abort(new Error('shutting down'));
    await expect(pending).rejects.toThrow('shutting down');
  });
});
