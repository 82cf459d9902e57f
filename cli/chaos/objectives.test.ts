import { describe, expect, it } from 'vitest';
import { evaluateObjectives, histogramQuantile, measure, parseClientMetrics, parseLatencyBound } from './objectives.js';
import { Objective } from './schema.js';

const buckets = (counts: [number, number][]) => counts.map(([le, count]) => ({ le, count }));

describe('histogramQuantile', () => {
  it('interpolates within the bucket, as Prometheus does', () => {
    // 100 requests: 90 under 0.1 s, 10 between 0.1 and 0.5 s
    const b = buckets([
      [0.1, 90],
      [0.5, 100],
      [Infinity, 100],
    ]);
    expect(histogramQuantile(0.5, b)).toBeCloseTo((0.1 * 50) / 90);
    expect(histogramQuantile(0.99, b)).toBeCloseTo(0.1 + (0.4 * 9) / 10);
  });
  it('returns the highest finite bound when the quantile is in +Inf, null without data', () => {
    expect(
      histogramQuantile(
        0.99,
        buckets([
          [1, 50],
          [Infinity, 100],
        ]),
      ),
    ).toBe(1);
    expect(
      histogramQuantile(
        0.99,
        buckets([
          [1, 0],
          [Infinity, 0],
        ]),
      ),
    ).toBeNull();
  });
});

describe('measure', () => {
  it('takes the difference of cumulative counters between two snapshots', () => {
    const start = {
      outcomes: { success: 100, timeout: 1 },
      buckets: buckets([
        [0.1, 101],
        [Infinity, 101],
      ]),
    };
    const end = {
      outcomes: { success: 1090, timeout: 1, http_error: 10 },
      buckets: buckets([
        [0.1, 1001],
        [Infinity, 1101],
      ]),
    };
    const m = measure(start, end);
    expect(m.requests).toBe(1000);
    expect(m.successes).toBe(990);
    expect(m.p99Ms).toBe(100); // 100 of 1000 above 0.1 s: p99 in +Inf -> highest finite bound
  });
});

describe('evaluateObjectives', () => {
  const o = (x: Record<string, unknown>) => Objective.parse(x);
  it('passes and fails with how much was missed', () => {
    const results = evaluateObjectives([o({ phase: 'run', successRate: 99.9, p99: '500ms' })], {
      run: { requests: 2000, successes: 1990, p99Ms: 750 },
    });
    expect(results).toEqual([
      expect.objectContaining({
        metric: 'successRate',
        ok: false,
        detail: 'success 99.5% < 99.9%: missed by 0.4% (10 of 2000 failed, at most 2 allowed)',
      }),
      expect.objectContaining({
        metric: 'p99',
        ok: false,
        detail: 'p99 750ms > 500ms: missed by 250ms (150% of the objective)',
      }),
    ]);
  });
  it('passes when met', () => {
    const results = evaluateObjectives([o({ successRate: 99, p99: '1s' })], {
      run: { requests: 100, successes: 99, p99Ms: 1000 },
    });
    expect(results.every((r) => r.ok)).toBe(true);
  });
  it('judges a relative p99 against the other phase measured in the same run', () => {
    const measured = {
      baseline: { requests: 400, successes: 400, p99Ms: 120 },
      slow: { requests: 1000, successes: 1000, p99Ms: 230 },
      slower: { requests: 1000, successes: 1000, p99Ms: 300 },
    };
    const [pass, fail] = evaluateObjectives(
      [o({ phase: 'slow', p99: '2x baseline' }), o({ phase: 'slower', p99: '2x baseline' })],
      measured,
    );
    expect(pass).toMatchObject({ ok: true, wanted: 240, detail: "p99 230ms <= 240ms (2x baseline's p99 120ms)" });
    expect(fail).toMatchObject({
      ok: false,
      measured: 300,
      detail: "p99 300ms > 240ms (2x baseline's p99 120ms): missed by 60ms (125% of the objective)",
    });
  });
  it('adds the fixed slack of a relative p99 bound', () => {
    const [r] = evaluateObjectives([o({ phase: 'slow', p99: '2x baseline + 150ms' })], {
      baseline: { requests: 400, successes: 400, p99Ms: 47 },
      slow: { requests: 1000, successes: 1000, p99Ms: 128 },
    });
    expect(r).toMatchObject({ ok: true, wanted: 244, detail: "p99 128ms <= 244ms (2x baseline's p99 47ms + 150ms)" });
  });
  it('fails a relative p99 whose reference phase has no latency data', () => {
    const [r] = evaluateObjectives([o({ phase: 'slow', p99: '1.5x baseline' })], {
      slow: { requests: 1000, successes: 1000, p99Ms: 100 },
    });
    expect(r).toMatchObject({ ok: false, metric: 'p99', detail: 'no p99 measured in phase baseline to compare with' });
  });
  it('parses absolute and relative latency bounds', () => {
    expect(parseLatencyBound('1500ms', 'p99')).toEqual({ kind: 'absolute', ms: 1500 });
    expect(parseLatencyBound('2x baseline', 'p99')).toEqual({
      kind: 'relative',
      factor: 2,
      phase: 'baseline',
      plusMs: 0,
    });
    expect(parseLatencyBound('1.5x run', 'p99')).toEqual({ kind: 'relative', factor: 1.5, phase: 'run', plusMs: 0 });
    expect(parseLatencyBound('2x baseline + 150ms', 'p99')).toEqual({
      kind: 'relative',
      factor: 2,
      phase: 'baseline',
      plusMs: 150,
    });
    expect(() => parseLatencyBound('2x baseline + soon', 'p99')).toThrow();
    expect(() => parseLatencyBound('2x', 'p99')).toThrow(/not a duration/);
  });
  it('fails a phase with too few requests to judge (no silent pass with the load generator down)', () => {
    const [r] = evaluateObjectives([o({ phase: 'kill', successRate: 50 })], {
      kill: { requests: 3, successes: 3, p99Ms: 1 },
    });
    expect(r).toMatchObject({ ok: false, metric: 'requests' });
    expect(r!.detail).toMatch(/only 3 requests in phase kill/);
  });
});

describe('parseClientMetrics', () => {
  it('sums the load generator counters across label sets', () => {
    const text = [
      '# HELP meshdev_client_requests_total x',
      'meshdev_client_requests_total{outcome="success"} 10',
      'meshdev_client_requests_total{outcome="timeout"} 2',
      'meshdev_client_request_duration_seconds_bucket{le="0.1",outcome="success"} 9',
      'meshdev_client_request_duration_seconds_bucket{le="0.1",outcome="timeout"} 0',
      'meshdev_client_request_duration_seconds_bucket{le="+Inf",outcome="success"} 10',
      'meshdev_client_request_duration_seconds_bucket{le="+Inf",outcome="timeout"} 2',
    ].join('\n');
    expect(parseClientMetrics(text)).toEqual({
      outcomes: { success: 10, timeout: 2 },
      buckets: [
        { le: 0.1, count: 9 },
        { le: Infinity, count: 12 },
      ],
    });
  });
});
