import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { ProxyMetrics, UpstreamStats } from './metrics.js';
import { FakeClock, seededRng } from './policy/testing.js';
import { BUILTIN_DEFAULTS, deepMerge } from './schema/config.js';
import type { EffectiveConfig } from './schema/config.js';
import { Upstream } from './upstream.js';
import type { EndpointAddress } from './upstream.js';

/** Where the upstream records when each endpoint became active, which slow start ramps from. */

const upstreams: Upstream[] = [];
afterEach(() => {
  for (const u of upstreams.splice(0)) u.close();
});

function upstream(clock: FakeClock, config: EffectiveConfig = BUILTIN_DEFAULTS) {
  const registry = new Registry();
  const metrics = new ProxyMetrics(registry);
  const up = new Upstream('catalog', config, new UpstreamStats(metrics, 'catalog'), clock, seededRng(1), {
    outlier: () => undefined,
  });
  upstreams.push(up);
  const gauge = async () =>
    (await metrics.endpointsSlowStart.get()).values.find((v) => v.labels.upstream === 'catalog')?.value;
  return { up, gauge };
}

const address = (id: string, port = 9000): EndpointAddress => ({
  id,
  host: '127.0.0.1',
  port,
  weight: 1,
  version: 'v1',
});
const since = (up: Upstream) => Object.fromEntries(up.endpoints.map((e) => [e.id, e.activeSince]));

describe('Upstream slow start', () => {
  it('records when an endpoint was added, and keeps it across discovery refreshes', () => {
    const clock = new FakeClock(1000);
    const { up } = upstream(clock);
    up.setEndpoints([address('c1', 1), address('c2', 2)]);
    clock.set(5000);
    up.setEndpoints([address('c1', 1), address('c2', 2), address('c3', 3)]);
    clock.set(9000);
    up.setEndpoints([address('c1', 1), address('c2', 2), address('c3', 3)]); // a refresh: nothing new
    expect(since(up)).toEqual({ c1: 1000, c2: 1000, c3: 5000 });
  });

  it('restarts the ramp of an endpoint that left and came back, or moved to another address', () => {
    const clock = new FakeClock(0);
    const { up } = upstream(clock);
    up.setEndpoints([address('c1', 1), address('c2', 2)]);
    clock.set(3000);
    up.setEndpoints([address('c1', 1)]);
    clock.set(4000);
    up.setEndpoints([address('c1', 1), address('c2', 2)]);
    clock.set(6000);
    up.setEndpoints([address('c1', 11), address('c2', 2)]); // c1 restarted on another port
    expect(since(up)).toEqual({ c1: 6000, c2: 4000 });
  });

  it('restarts the ramp of an endpoint re-admitted after an ejection', () => {
    const clock = new FakeClock(0);
    const { up } = upstream(clock);
    up.setEndpoints([address('c1', 1), address('c2', 2), address('c3', 3)]);
    clock.set(60_000);
    for (let i = 0; i < 3; i++) up.outliers.record('c2', 'gateway-error');
    expect(up.outliers.isEjected('c2')).toBe(true);
    clock.advance(BUILTIN_DEFAULTS.resilience.outlierDetection.baseEjectionMs);
    expect(up.outliers.isEjected('c2')).toBe(false); // re-admitted now
    expect(since(up)).toEqual({ c1: 0, c2: 70_000, c3: 0 });
    expect(up.slowStartFactors().get('c2')).toBe(0.1);
    expect(up.slowStartFactors().get('c1')).toBe(1);
  });

  it('shows relative factors and counts endpoints in slow start; off in live config ends every ramp', async () => {
    const clock = new FakeClock(0);
    const { up, gauge } = upstream(clock);
    up.setEndpoints([address('c1', 1), address('c2', 2)]);
    // Both started together (the sidecar just started): neither is throttled against the other.
    expect([...up.slowStartFactors().values()]).toEqual([1, 1]);
    expect(await gauge()).toBe(2);
    clock.set(60_000);
    up.setEndpoints([address('c1', 1), address('c2', 2), address('c3', 3)]);
    clock.set(75_000);
    expect(Object.fromEntries(up.slowStartFactors())).toEqual({ c1: 1, c2: 1, c3: 0.5 });
    up.applyConfig(deepMerge(BUILTIN_DEFAULTS, { resilience: { slowStart: { windowMs: 0 } } }), new Map());
    expect(Object.fromEntries(up.slowStartFactors())).toEqual({ c1: 1, c2: 1, c3: 1 });
    expect(up.slowStart.ramping).toBe(false);
    expect(await gauge()).toBe(0);
  });

  it('keeps the ramp when the balancer changes', () => {
    const clock = new FakeClock(0);
    const { up } = upstream(clock);
    up.setEndpoints([address('c1', 1), address('c2', 2), address('c3', 3)]);
    clock.set(60_000);
    up.setEndpoints([address('c1', 1), address('c2', 2), address('c3', 3), address('c4', 4)]);
    up.applyConfig({ ...BUILTIN_DEFAULTS, balancer: 'weighted' }, new Map());
    let c4 = 0;
    for (let i = 0; i < 3100; i++) if (up.balancer.pick(up.candidates(undefined)).id === 'c4') c4++;
    // Factor 0.1 next to three at 1: 0.1 / 3.1 of the picks.
    expect(c4).toBe(100);
  });
});
