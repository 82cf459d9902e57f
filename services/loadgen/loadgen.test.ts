import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../shop/log.js';
import { readLoadgenConfig, startLoadgen, type RunningLoadgen } from './main.js';

/** The generator against real HTTP servers on loopback, each run bounded to about a second. */

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

const quiet: Logger = { log: () => undefined };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A target that answers per request number (1-based) or never answers ('hang'). */
async function target(
  answer: (n: number) => number | 'hang',
): Promise<{ url: string; hits: () => number; server: Server }> {
  let n = 0;
  const server = createServer((req, res) => {
    n++;
    const status = answer(n);
    if (status === 'hang') return;
    res
      .writeHead(status, { 'content-type': 'application/json' })
      .end(JSON.stringify({ n, requestId: req.headers['x-request-id'] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/products`, hits: () => n, server };
}

async function loadgen(env: Record<string, string>): Promise<RunningLoadgen> {
  const running = await startLoadgen(
    readLoadgenConfig({ METRICS_PORT: '0', HOST: '127.0.0.1', LOG_INTERVAL_MS: '0', ...env }),
    { logger: quiet },
  );
  cleanup.push(() => running.stop(200));
  return running;
}

/** Value of one sample in Prometheus text exposition, e.g. metric('x_total{outcome="success"}'). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function metricsText(lg: RunningLoadgen): Promise<string> {
  const res = await fetch(`${lg.metricsUrl}/metrics`);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return res.text();
}

describe('load generator', () => {
  it('sends at the configured rate and exports what happened', async () => {
    const t = await target((n) => (n % 5 === 0 ? 503 : 200));
    const beforeStart = performance.now();
    const lg = await loadgen({ TARGET_URL: t.url, RATE: '50' });
    const afterStart = performance.now();
    await sleep(1000);
    const beforeStop = performance.now();
    await lg.generator.stop();
    const afterStop = performance.now();

    // One send every 20 ms from the start, the first at once. Bounds from what the clock allowed,
    // so a loaded machine (late timers) does not make this flaky; one due send may miss the stop.
    const state = lg.generator.state();
    expect(state.totals.sent).toBeLessThanOrEqual(Math.floor((afterStop - beforeStart) / 20) + 1);
    expect(state.totals.sent).toBeGreaterThanOrEqual(Math.floor((beforeStop - afterStart) / 20) - 1);
    expect(state.totals.sent).toBeGreaterThanOrEqual(48);
    expect(t.hits()).toBe(state.totals.sent);
    expect(state.totals.completed).toBe(state.totals.sent);
    expect(state.totals.outcomes.http_error).toBe(Math.floor(state.totals.sent / 5));
    expect(state.totals.statusCodes['503']).toBe(state.totals.outcomes.http_error);

    const text = await metricsText(lg);
    expect(sample(text, 'meshdev_client_requests_total{outcome="success"}')).toBe(state.totals.outcomes.success);
    expect(sample(text, 'meshdev_client_requests_total{outcome="http_error"}')).toBe(state.totals.outcomes.http_error);
    expect(sample(text, 'meshdev_client_requests_total{outcome="timeout"}')).toBe(0);
    expect(sample(text, 'meshdev_client_requests_total{outcome="connection_error"}')).toBe(0);
    expect(sample(text, 'meshdev_client_responses_total{code="503"}')).toBe(state.totals.outcomes.http_error);
    expect(sample(text, 'meshdev_client_request_duration_seconds_count{outcome="success"}')).toBe(
      state.totals.outcomes.success,
    );
    expect(sample(text, 'meshdev_client_request_duration_seconds_bucket{le="0.001",outcome="success"}')).toBeDefined();
    expect(sample(text, 'meshdev_client_request_duration_seconds_bucket{le="10",outcome="success"}')).toBe(
      state.totals.outcomes.success,
    );
    expect(sample(text, 'meshdev_client_target_rate')).toBe(50);
    expect(sample(text, 'meshdev_client_in_flight')).toBe(0);
    expect(sample(text, 'meshdev_client_max_in_flight')).toBe(256);
    expect(sample(text, 'meshdev_client_dropped_total{reason="max_in_flight"}')).toBe(0);
    expect(state.recent.successRatio).toBeCloseTo(0.8, 1);
    expect(state.lastFailure?.detail).toMatch(/^HTTP 503/);
  });

  it('counts timeouts and connection errors', async () => {
    const hanging = await target(() => 'hang');
    const slow = await loadgen({ TARGET_URL: hanging.url, RATE: '20', TIMEOUT_MS: '100' });
    const closed = await target(() => 200);
    await new Promise<void>((resolve) => {
      closed.server.closeAllConnections();
      closed.server.close(() => resolve());
    });
    const refused = await loadgen({ TARGET_URL: closed.url, RATE: '20' });
    await sleep(400);
    await Promise.all([slow.generator.stop(), refused.generator.stop()]);

    const s = slow.generator.state().totals;
    expect(s.outcomes.timeout).toBeGreaterThanOrEqual(3);
    expect(s.outcomes.timeout).toBe(s.completed);
    expect(slow.generator.state().lastFailure?.detail).toBe('no complete response within 100 ms');
    const r = refused.generator.state();
    expect(r.totals.outcomes.connection_error).toBeGreaterThanOrEqual(5);
    expect(r.totals.outcomes.connection_error).toBe(r.totals.completed);
    expect(r.lastFailure?.detail).toMatch(/^ECONNREFUSED/);
    expect(sample(await metricsText(refused), 'meshdev_client_requests_total{outcome="connection_error"}')).toBe(
      r.totals.outcomes.connection_error,
    );
  });

  it('stays open-loop: a stuck target does not slow sending, overflow beyond MAX_IN_FLIGHT is dropped', async () => {
    const hanging = await target(() => 'hang');
    const lg = await loadgen({ TARGET_URL: hanging.url, RATE: '100', MAX_IN_FLIGHT: '5', TIMEOUT_MS: '5000' });
    await sleep(300);
    // Freeze the schedule so the state and the scrape below see the same counts (at 100 rps a
    // drop happens every 10 ms, faster than a scrape).
    lg.generator.pause();
    const state = lg.generator.state();
    expect(state.inFlight).toBe(5);
    expect(state.totals.sent).toBe(5);
    expect(state.totals.dropped.max_in_flight).toBeGreaterThanOrEqual(20);
    const text = await metricsText(lg);
    expect(sample(text, 'meshdev_client_in_flight')).toBe(5);
    expect(sample(text, 'meshdev_client_dropped_total{reason="max_in_flight"}')).toBe(
      state.totals.dropped.max_in_flight,
    );
  });

  it('takes rate changes, pause and resume over the control API', async () => {
    const t = await target(() => 200);
    const lg = await loadgen({ TARGET_URL: t.url, RATE: '10', START_PAUSED: 'true' });
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${lg.controlUrl}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };

    await sleep(150);
    expect(t.hits()).toBe(0);
    expect((await call('GET', '/state')).body).toMatchObject({ rate: 10, paused: true, target: t.url });

    expect((await call('PUT', '/rate', { rate: 100 })).body).toMatchObject({ rate: 100, paused: true });
    const beforeResume = performance.now();
    expect((await call('POST', '/resume')).body).toMatchObject({ rate: 100, paused: false });
    await sleep(300);
    const paused = (await call('POST', '/pause')).body as { paused: boolean; totals: { sent: number } };
    expect(paused.paused).toBe(true);
    const sentBeforePause = paused.totals.sent;
    expect(sentBeforePause).toBeGreaterThanOrEqual(25);
    expect(sentBeforePause).toBeLessThanOrEqual(Math.floor((performance.now() - beforeResume) / 10) + 1);
    expect(sample(await metricsText(lg), 'meshdev_client_target_rate')).toBe(0);
    await sleep(150);
    expect(t.hits()).toBe(sentBeforePause);
    expect(((await call('GET', '/state')).body as { totals: { sent: number } }).totals.sent).toBe(sentBeforePause);

    const bad = await call('PUT', '/rate', { rate: -3 });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: 'INVALID_RATE' } });
    expect(JSON.stringify(bad.body)).toContain('from 0 to 10000');
    const malformed = await fetch(`${lg.controlUrl}/rate`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '{',
    });
    expect(malformed.status).toBe(400);
    expect((await call('GET', '/healthz')).body).toEqual({ status: 'ok' });
  });

  it('can serve the control API on its own port', async () => {
    const t = await target(() => 200);
    const lg = await loadgen({ TARGET_URL: t.url, RATE: '0', CONTROL_PORT: '0' });
    expect(lg.controlUrl).not.toBe(lg.metricsUrl);
    expect((await fetch(`${lg.controlUrl}/state`)).status).toBe(200);
    expect((await fetch(`${lg.metricsUrl}/state`)).status).toBe(404);
    expect((await fetch(`${lg.controlUrl}/metrics`)).status).toBe(404);
  });

  it('explains bad configuration by variable', () => {
    expect(() => readLoadgenConfig({})).toThrow(/TARGET_URL is not set/);
    expect(() => readLoadgenConfig({ TARGET_URL: 'http://x/', RATE: 'fast' })).toThrow(
      'RATE="fast" is invalid: expected a number from 0 to 10000',
    );
    expect(readLoadgenConfig({ TARGET_URL: 'http://ingress:8080/products' })).toMatchObject({
      rate: 20,
      timeoutMs: 5000,
      metricsPort: 9464,
      controlPort: undefined,
      host: '0.0.0.0',
    });
  });
});
