import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProxyMetrics, UpstreamStats } from '../proxy/metrics.js';
import { LoadgenMetrics } from '../services/loadgen/metrics.js';
import { panelQueries } from './panels.js';

/**
 * Every panel query against a real Prometheus scraping real prom-client registries shaped like
 * the mesh's (three sidecars and the load generator, with every kind of event recorded): proves
 * the PromQL parses and that labels and metric names line up, without Grafana.
 */
const prometheusBinary = ['/usr/local/bin/prometheus', '/usr/bin/prometheus'].find((p) => existsSync(p));
if (prometheusBinary === undefined) {
  // Never skipped: CI provisions it (`meshdev doctor --fix`), so a missing binary is a setup error.
  throw new Error('no prometheus binary in /usr/local/bin or /usr/bin: run `sudo meshdev doctor --fix`');
}

describe('every panel query against a real Prometheus', () => {
  const servers: Server[] = [];
  let prometheus: ChildProcess | undefined;
  let prometheusUrl = '';
  let dataDir = '';

  async function serve(registry: Registry): Promise<number> {
    const server = createServer((_req, res) => {
      void registry.metrics().then((text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text));
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  function sidecar(service: string, upstreams: string[]): Registry {
    const registry = new Registry();
    const m = new ProxyMetrics(registry);
    const inbound = m.routes.seriesFor('inbound', service);
    for (let i = 0; i < 20; i++) inbound.record(200, 0.004);
    inbound.record(503, 0.01);
    inbound.record(0, 0.5);
    for (const u of upstreams) {
      m.routes.seriesFor('outbound', u).record(200, 0.003);
      const s = new UpstreamStats(m, u);
      for (const c of [
        s.retries,
        s.retryBudgetExhausted,
        s.ejections,
        s.readmissions,
        s.circuitRejections,
        s.noEndpoint,
        s.resets,
      ])
        c.inc();
      s.endpointsHealthy.set(2);
      s.endpointsEjected.set(1);
      s.tcpConnections.inc();
      s.tcpBytesSent.inc(1000);
      s.tcpBytesReceived.inc(5000);
    }
    m.consulErrors.labels('catalog').inc();
    return registry;
  }

  beforeAll(async () => {
    const loadgenRegistry = new Registry();
    const lg = new LoadgenMetrics(loadgenRegistry);
    lg.targetRate.set(20);
    lg.record('success', 0.012, 200);
    lg.record('http_error', 0.02, 503);
    const targets = [
      {
        port: await serve(sidecar('gateway', ['catalog'])),
        labels: { service: 'gateway', instance: 'gateway-1', version: 'v1' },
      },
      {
        port: await serve(sidecar('catalog', ['pricing', 'inventory'])),
        labels: { service: 'catalog', instance: 'catalog-1', version: 'v1' },
      },
      {
        port: await serve(sidecar('pricing', [])),
        labels: { service: 'pricing', instance: 'pricing-3', version: 'v2' },
      },
    ];
    const loadgenPort = await serve(loadgenRegistry);

    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));

    dataDir = mkdtempSync(join(tmpdir(), 'meshdev-grafana-test-'));
    const config = {
      global: { scrape_interval: '500ms', scrape_timeout: '500ms' },
      scrape_configs: [
        {
          job_name: 'meshdev',
          static_configs: targets.map((t) => ({ targets: [`127.0.0.1:${t.port}`], labels: t.labels })),
        },
        {
          job_name: 'meshdev-loadgen',
          static_configs: [
            { targets: [`127.0.0.1:${loadgenPort}`], labels: { service: 'loadgen', instance: 'loadgen' } },
          ],
        },
      ],
    };
    writeFileSync(join(dataDir, 'prometheus.yml'), JSON.stringify(config));
    prometheus = spawn(
      prometheusBinary!,
      [
        `--config.file=${join(dataDir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dataDir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: 'ignore' },
    );
    prometheusUrl = `http://127.0.0.1:${port}`;
  }, 20_000);

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus!.once('exit', resolve));
      prometheus.kill('SIGTERM');
      await exited;
    }
    for (const s of servers) s.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function query(promql: string): Promise<{ status: string; resultCount: number; error?: string }> {
    const res = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await res.json()) as { status: string; error?: string; data?: { result: unknown[] } };
    return { status: body.status, resultCount: body.data?.result.length ?? 0, error: body.error };
  }

  it('returns data for every query', { timeout: 20_000 }, async () => {
    const queries = panelQueries();
    const deadline = Date.now() + 15_000;
    let empty: string[] = queries.map((q) => q.promql);
    while (Date.now() < deadline) {
      empty = [];
      try {
        for (const q of queries) {
          const r = await query(q.promql);
          expect(r.status, `${q.panelTitle}: ${r.error ?? ''}`).toBe('success');
          if (r.resultCount === 0) empty.push(`${q.panelTitle} ${q.refId}: ${q.promql}`);
        }
      } catch (err) {
        // Prometheus still starting.
        if (err instanceof TypeError) empty = ['(Prometheus not answering yet)'];
        else throw err;
      }
      if (empty.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(empty).toEqual([]);
  });
});
