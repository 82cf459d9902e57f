import { describe, expect, it } from 'vitest';
import { Counter, Histogram, Registry } from 'prom-client';
import { DURATION_BUCKETS, bucketIndex, registerRouteMetrics, statusClassIndex } from './route-metrics.js';

/** The lines of one metric family in an exposition, sorted (series order is not part of the format). */
function family(text: string, name: string): string[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}`) || l.startsWith(`# HELP ${name} `) || l.startsWith(`# TYPE ${name} `))
    .sort();
}

describe('route metrics', () => {
  it('expose exactly what prom-client Counter and Histogram would for the same requests', async () => {
    const ours = new Registry();
    const store = registerRouteMetrics(ours);

    const reference = new Registry();
    const labelNames = ['direction', 'upstream', 'status_class'];
    const counter = new Counter({
      name: 'meshdev_requests_total',
      help: 'HTTP requests handled by the sidecar, by direction, upstream and response status class.',
      labelNames,
      registers: [reference],
    });
    const histogram = new Histogram({
      name: 'meshdev_request_duration_seconds',
      help: 'Time from request received until the response was complete (or failed), in seconds.',
      labelNames,
      buckets: [...DURATION_BUCKETS],
      registers: [reference],
    });

    const requests: [string, string, number, number][] = [
      ['outbound', 'catalog', 200, 0.0004],
      ['outbound', 'catalog', 200, 0.001], // on a bucket bound: counted in that bucket
      ['outbound', 'catalog', 503, 0.3],
      ['outbound', 'catalog', 0, 12], // beyond the last bucket: +Inf only
      ['inbound', 'catalog', 404, 0.02],
      ['outbound', 'pricing', 302, 2.5],
    ];
    for (const [direction, upstream, status, seconds] of requests) {
      store.seriesFor(direction, upstream).record(status, seconds);
      const cls = ['none', '1xx', '2xx', '3xx', '4xx', '5xx'][statusClassIndex(status)]!;
      counter.labels(direction, upstream, cls).inc();
      histogram.labels(direction, upstream, cls).observe(seconds);
    }

    const [a, b] = [await ours.metrics(), await reference.metrics()];
    for (const name of ['meshdev_requests_total', 'meshdev_request_duration_seconds']) {
      expect(family(a, name)).toEqual(family(b, name));
      expect(family(a, name).length).toBeGreaterThan(3);
    }

    ours.resetMetrics();
    expect(await ours.metrics()).not.toMatch(/^meshdev_requests_total\{/m);
  });

  it('classifies statuses and buckets', () => {
    expect([0, 101, 200, 399, 404, 503, 600].map(statusClassIndex)).toEqual([0, 1, 2, 3, 4, 5, 0]);
    expect(bucketIndex(0)).toBe(0);
    expect(bucketIndex(0.0005)).toBe(0);
    expect(bucketIndex(0.00051)).toBe(1);
    expect(bucketIndex(10)).toBe(DURATION_BUCKETS.length - 1);
    expect(bucketIndex(10.1)).toBe(DURATION_BUCKETS.length);
  });
});
