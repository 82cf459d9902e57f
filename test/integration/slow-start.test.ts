import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsul } from '../support/consul.js';
import type { ConsulAgent } from '../support/consul.js';
import { eventually, request, startHttpServer } from '../support/http.js';
import type { TestServer } from '../support/http.js';
import { startTestSidecar } from '../support/sidecar.js';
import { BUILTIN_DEFAULTS, defaultsKey } from '../../proxy/schema/config.js';
import type { RunningSidecar } from '../../proxy/sidecar.js';

/**
 * Slow start against a real Consul agent and real sidecars: a gateway's sidecar balances 50 rps over
 * three catalog instances, one of which is stopped and replaced by a fresh, cold one whose answers
 * take 1.5 s (longer than the 1 s per-try timeout) for its first 2 s of traffic. With slow start the
 * cold instance gets a trickle while it warms up, and every client request succeeds; with slow start
 * switched off in the live config, it gets its full third at once and many more tries time out. The
 * off case runs first: it also lets the ramp of the instances discovered at start-up run out.
 */

const MESH = 'shop';
const RATE = 50;
const PHASE_MS = 11_000;
const RESTART_AT_MS = 2000;
const COLD_MS = 2000;
const COLD_ANSWER_MS = 1500;
/** Short enough for the test; the ramp of the instances found at start-up must be over before the on case. */
const WINDOW_MS = 12_000;
const PER_TRY_TIMEOUT_MS = BUILTIN_DEFAULTS.resilience.perTryTimeoutMs;

let consul: ConsulAgent;
let gateway: RunningSidecar;
let outbound: string;
let discoveredAt = 0;
const catalogs = new Map<string, { app: TestServer; sidecar: RunningSidecar; cold: ColdState }>();
const others: { close(): Promise<void> }[] = [];

interface ColdState {
  /** Requests that arrived while the instance was cold (each one a try that runs into the per-try timeout). */
  coldServed: number;
}

/**
 * A catalog instance: its app answers health checks at once; with `cold`, its other answers take
 * COLD_ANSWER_MS for the first COLD_MS after its first request (a fresh process warming up).
 */
async function catalog(id: string, cold: boolean): Promise<void> {
  const state: ColdState = { coldServed: 0 };
  let firstAt: number | undefined;
  const app = await startHttpServer((req, res) => {
    if (req.url === '/healthz') return void res.end('ok');
    const now = Date.now();
    firstAt ??= now;
    const answer = () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id }));
    if (cold && now - firstAt < COLD_MS) {
      state.coldServed++;
      setTimeout(answer, COLD_ANSWER_MS);
    } else answer();
  });
  const sidecar = await startTestSidecar(
    consul.url,
    { service: 'catalog', instanceId: id, app: { port: app.port } },
    { registrationRecheckMs: 300 },
  );
  catalogs.set(id, { app, sidecar, cold: state });
}

async function stopCatalog(id: string): Promise<void> {
  const c = catalogs.get(id)!;
  catalogs.delete(id);
  await c.sidecar.stop();
  await c.app.close();
}

async function kvPut(key: string, value: unknown): Promise<void> {
  const res = await fetch(`${consul.url}/v1/kv/${key}`, { method: 'PUT', body: JSON.stringify(value) });
  expect(res.ok).toBe(true);
}

async function admin<T>(path: string): Promise<T> {
  return JSON.parse((await request(`http://127.0.0.1:${gateway.adminPort}${path}`)).body) as T;
}

interface EndpointRow {
  id: string;
  state: string;
  slowStartFactor: number | null;
}
const catalogEndpoints = async () => (await admin<{ catalog?: { endpoints: EndpointRow[] } }>('/endpoints')).catalog;

async function useWindow(windowMs: number): Promise<void> {
  await kvPut(defaultsKey(MESH), { resilience: { slowStart: { windowMs } } });
  await eventually(
    async () =>
      (await admin<{ effective: Record<string, { resilience: { slowStart: { windowMs: number } } }> }>('/config'))
        .effective.catalog?.resilience.slowStart.windowMs === windowMs,
    { what: `slow start window ${windowMs} ms applied by the gateway sidecar` },
  );
}

interface Outcome {
  sentAt: number;
  status: number;
  latencyMs: number;
}

/** Open-loop load at RATE for `durationMs`, bounded in count and time; `during` runs alongside. */
async function underLoad<T>(durationMs: number, during: () => Promise<T>): Promise<{ outcomes: Outcome[]; result: T }> {
  const count = Math.round((RATE * durationMs) / 1000);
  const start = Date.now();
  const pending: Promise<Outcome>[] = [];
  const sending = (async () => {
    for (let i = 0; i < count; i++) {
      const wait = start + (i * 1000) / RATE - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const sentAt = Date.now();
      pending.push(
        request(`${outbound}/products`, { timeoutMs: 10_000 }).then(
          (r) => ({ sentAt, status: r.status, latencyMs: Date.now() - sentAt }),
          () => ({ sentAt, status: 0, latencyMs: Date.now() - sentAt }),
        ),
      );
    }
  })();
  const result = await during();
  await sending;
  return { outcomes: await Promise.all(pending), result };
}

/** Stops catalog-2 and starts a cold one in its place, under load; what the cold one received and when it was back. */
async function restartCatalog2Cold(): Promise<{
  restartedAt: number;
  cold: ColdState;
  factorOnArrival: number | null;
}> {
  await new Promise((r) => setTimeout(r, RESTART_AT_MS));
  const restartedAt = Date.now();
  await stopCatalog('catalog-2');
  await catalog('catalog-2', true);
  const row = await eventually(
    async () => (await catalogEndpoints())?.endpoints.find((e) => e.id === 'catalog-2' && e.state === 'healthy'),
    { timeoutMs: 5000, what: 'the new catalog-2 discovered by the gateway sidecar' },
  );
  return { restartedAt, cold: catalogs.get('catalog-2')!.cold, factorOnArrival: row.slowStartFactor };
}

function summary(outcomes: readonly Outcome[], cold: ColdState): string {
  const failed = outcomes.filter((o) => o.status !== 200).length;
  const slow = outcomes.filter((o) => o.latencyMs >= PER_TRY_TIMEOUT_MS).length;
  return `${outcomes.length} requests, ${failed} failed, ${slow} slower than the per-try timeout; the cold instance got ${cold.coldServed} tries while cold`;
}

beforeAll(async () => {
  consul = await startConsul();
  for (const id of ['catalog-1', 'catalog-2', 'catalog-3']) await catalog(id, false);
  const app = await startHttpServer((_req, res) => res.end('ok'));
  others.push(app);
  gateway = await startTestSidecar(consul.url, {
    service: 'gateway',
    instanceId: 'gateway-1',
    app: { port: app.port },
    upstreams: [{ service: 'catalog', listen: { host: '127.0.0.1', port: 0 } }],
  });
  outbound = `http://127.0.0.1:${gateway.listeners.find((l) => l.direction === 'outbound')!.boundPort}`;
  await eventually(async () => (await catalogEndpoints())?.endpoints.length === 3, {
    timeoutMs: 15_000,
    what: 'three catalog instances discovered',
  });
  discoveredAt = Date.now();
});

afterAll(async () => {
  await Promise.allSettled([gateway?.stop(), ...[...catalogs.values()].map((c) => c.sidecar.stop())]);
  await Promise.allSettled([...[...catalogs.values()].map((c) => c.app.close()), ...others.map((o) => o.close())]);
  await consul?.stop();
});

describe.sequential('slow start: a cold instance replacing one of three, at 50 rps through the sidecar', () => {
  let offColdTries = 0;

  it('switched off in the live config: the cold instance gets its full share at once', async () => {
    await useWindow(0);
    const { outcomes, result } = await underLoad(PHASE_MS, restartCatalog2Cold);
    const after = outcomes.filter((o) => o.sentAt >= result.restartedAt);
    console.log(`[slow-start] off: ${summary(after, result.cold)}`);
    offColdTries = result.cold.coldServed;
    expect(result.factorOnArrival).toBe(1);
    // A third of 50 rps for about a second, until three timed-out tries in a row eject it: each of
    // those clients waited out a per-try timeout (the retries that saved them went elsewhere).
    expect(offColdTries).toBeGreaterThanOrEqual(12);
  });

  it('on: the cold instance gets a trickle, and no client request fails after the restart', async () => {
    await useWindow(WINDOW_MS);
    // The instances found at start-up ramped too (treated equally while all did): that must be over.
    const wait = discoveredAt + WINDOW_MS + 500 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const { outcomes, result } = await underLoad(PHASE_MS, restartCatalog2Cold);
    const after = outcomes.filter((o) => o.sentAt >= result.restartedAt);
    console.log(`[slow-start] on (window ${WINDOW_MS} ms): ${summary(after, result.cold)}`);
    expect(result.factorOnArrival).not.toBeNull();
    expect(result.factorOnArrival!).toBeLessThan(0.5);
    expect(after.filter((o) => o.status !== 200)).toEqual([]);
    expect(result.cold.coldServed).toBeGreaterThan(0); // it was sent traffic at once, just less
    expect(result.cold.coldServed).toBeLessThanOrEqual(offColdTries / 2);
  });
});
