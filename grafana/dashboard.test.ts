import { readFileSync } from 'node:fs';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ProxyMetrics } from '../proxy/metrics.js';
import { LoadgenMetrics } from '../services/loadgen/metrics.js';
import {
  DASHBOARD_FILES,
  EVENT_DRIVEN_METRICS,
  metricNames,
  panelQueries,
  readDashboard,
  substituteVariables,
} from './panels.js';

/** Every metric name the mesh exports: the sidecar's and the load generator's, as declared in code. */
function exportedSeriesNames(): Set<string> {
  const registry = new Registry();
  new ProxyMetrics(registry);
  new LoadgenMetrics(registry);
  const names = new Set(['up']);
  for (const m of registry.getMetricsAsArray()) {
    names.add(m.name);
    if (String(m.type) === 'histogram')
      for (const suffix of ['_bucket', '_count', '_sum']) names.add(`${m.name}${suffix}`);
  }
  return names;
}

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { uid?: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: { datasource?: { uid?: string } }[];
  panels?: Panel[];
}

describe('the bundled dashboards', () => {
  const queries = panelQueries();

  it('have queries, every one on the provisioned Prometheus datasource', () => {
    expect(queries.length).toBeGreaterThanOrEqual(25);
    for (const file of DASHBOARD_FILES) {
      const panels = (readDashboard(file) as { panels: Panel[] }).panels;
      for (const p of panels.filter((p) => p.type !== 'row')) {
        expect(p.datasource?.uid, p.title).toBe('prometheus');
        expect(p.targets?.length, p.title).toBeGreaterThan(0);
        for (const t of p.targets ?? []) expect(t.datasource?.uid, p.title).toBe('prometheus');
      }
    }
  });

  it('lay out panels without overlaps, ids and titles unique', () => {
    for (const file of DASHBOARD_FILES) {
      const panels = (readDashboard(file) as { panels: Panel[] }).panels;
      expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
      expect(new Set(panels.map((p) => p.title)).size).toBe(panels.length);
      const cells = new Map<string, string>();
      for (const p of panels) {
        const { x, y, w, h } = p.gridPos;
        expect(x + w, p.title).toBeLessThanOrEqual(24);
        for (let cx = x; cx < x + w; cx++) {
          for (let cy = y; cy < y + h; cy++) {
            const key = `${cx},${cy}`;
            expect(cells.get(key), `${p.title} overlaps`).toBeUndefined();
            cells.set(key, p.title);
          }
        }
      }
    }
  });

  it('read only metrics the sidecar and load generator actually export', () => {
    const exported = exportedSeriesNames();
    for (const q of queries) {
      expect(q.metrics.length, q.promql).toBeGreaterThan(0);
      for (const m of q.metrics)
        expect(
          exported.has(m),
          `${q.panelTitle}: ${m} is not exported by proxy/metrics.ts or services/loadgen/metrics.ts`,
        ).toBe(true);
    }
    for (const m of EVENT_DRIVEN_METRICS) expect(exported.has(m), m).toBe(true);
  });

  it('cover the client view, per-service traffic and the resilience counters', () => {
    const read = new Set(queries.flatMap((q) => q.metrics));
    for (const m of [
      'meshdev_client_requests_total',
      'meshdev_client_request_duration_seconds_bucket',
      'meshdev_client_target_rate',
      'meshdev_client_in_flight',
      'meshdev_requests_total',
      'meshdev_request_duration_seconds_bucket',
      'meshdev_endpoints',
      'meshdev_retries_total',
      'meshdev_outlier_ejections_total',
      'meshdev_rejections_total',
      'meshdev_tcp_bytes_total',
    ]) {
      expect(read.has(m), m).toBe(true);
    }
  });
});

describe('query export', () => {
  it('substitutes Grafana variables, and refuses unknown ones', () => {
    expect(substituteVariables('rate(x{service=~"$service"}[$__rate_interval]) + ${__range}')).toBe(
      'rate(x{service=~".*"}[1m]) + 5m',
    );
    expect(() => substituteVariables('x{a="$nope"}')).toThrow('dashboard query uses $nope');
  });

  it('finds metric names, not functions, labels or strings', () => {
    expect(
      metricNames(
        'histogram_quantile(0.99, sum by (service, le) (rate(a_bucket{direction="inbound",x=~"b|c"}[1m]))) / on (le) b_total or vector(0)',
      ),
    ).toEqual(['a_bucket', 'b_total']);
  });
});

describe('provisioning', () => {
  const file = (path: string) => parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as Record<string, unknown>;

  it('provides the Prometheus datasource under the uid the dashboards use', () => {
    const { datasources } = file('./provisioning/datasources/prometheus.yaml') as {
      datasources: Record<string, unknown>[];
    };
    expect(datasources).toEqual([
      expect.objectContaining({ uid: 'prometheus', type: 'prometheus', url: 'http://prometheus:9090' }),
    ]);
  });

  it('loads dashboards from where meshdev mounts grafana/', () => {
    const { providers } = file('./provisioning/dashboards/meshdev.yaml') as {
      providers: { options: { path: string } }[];
    };
    expect(providers[0]?.options.path).toBe('/etc/meshdev/grafana/dashboards');
  });
});
