import { describe, expect, it } from 'vitest';
import { parseTopology } from './load.js';
import { resolveMesh } from './model.js';
import type { ScaleOverrides } from './scale.js';
import { applyScaleOverrides, NO_OVERRIDES, parseScaleTarget, planScale } from './scale.js';

const topo = parseTopology(
  `
name: shop
services:
  gateway: {port: 3000, ingress: true, upstreams: [catalog]}
  catalog: {port: 3000, replicas: 2, upstreams: [pricing]}
  pricing:
    port: 3000
    versions:
      v1: {replicas: 2}
      v2: {replicas: 1, env: {DISCOUNT_PERCENT: 15}}
`,
  'mesh.yaml',
);

const resolved = (o: ScaleOverrides = NO_OVERRIDES) => resolveMesh(applyScaleOverrides(topo, o));
const ids = (o: ScaleOverrides, service: string) =>
  resolved(o)
    .instances.filter((i) => i.service === service)
    .map((i) => `${i.id}/${i.version}`);

describe('parseScaleTarget', () => {
  it('reads absolute counts and changes', () => {
    expect(parseScaleTarget('4')).toEqual({ kind: 'absolute', replicas: 4 });
    expect(parseScaleTarget('+1')).toEqual({ kind: 'delta', delta: 1 });
    expect(parseScaleTarget('-2')).toEqual({ kind: 'delta', delta: -2 });
    expect(() => parseScaleTarget('two')).toThrow(/not a replica count/);
    expect(() => parseScaleTarget('1.5')).toThrow(/not a replica count/);
  });
});

describe('planScale', () => {
  it('adds the next instance number with the version of the last instance', () => {
    const plan = planScale(resolved(), NO_OVERRIDES, 'pricing', { kind: 'delta', delta: 1 });
    expect(plan).toMatchObject({ from: 3, to: 4, add: ['pricing-4'], remove: [], replicas: { v1: 2, v2: 2 } });
    expect(ids(plan.overrides, 'pricing')).toEqual(['pricing-1/v1', 'pricing-2/v1', 'pricing-3/v2', 'pricing-4/v2']);
  });

  it('scales a single-version service through its replica count', () => {
    const plan = planScale(resolved(), NO_OVERRIDES, 'catalog', { kind: 'absolute', replicas: 4 });
    expect(plan.add).toEqual(['catalog-3', 'catalog-4']);
    expect(plan.overrides).toEqual({ services: { catalog: { v1: 4 } } });
    expect(ids(plan.overrides, 'catalog')).toEqual(['catalog-1/v1', 'catalog-2/v1', 'catalog-3/v1', 'catalog-4/v1']);
  });

  it('removes the highest-numbered instances, across versions, and renames none', () => {
    const plan = planScale(resolved(), NO_OVERRIDES, 'pricing', { kind: 'absolute', replicas: 1 });
    expect(plan).toMatchObject({ remove: ['pricing-2', 'pricing-3'], add: [], replicas: { v1: 1, v2: 0 } });
    expect(ids(plan.overrides, 'pricing')).toEqual(['pricing-1/v1']);
    // Back up from there: the tail version is now v1, so nothing after it gets renumbered.
    const up = planScale(resolved(plan.overrides), plan.overrides, 'pricing', { kind: 'delta', delta: 1 });
    expect(ids(up.overrides, 'pricing')).toEqual(['pricing-1/v1', 'pricing-2/v1']);
  });

  it('from zero instances, a new one takes the first version', () => {
    const zero = planScale(resolved(), NO_OVERRIDES, 'pricing', { kind: 'absolute', replicas: 0 });
    expect(zero.remove).toEqual(['pricing-1', 'pricing-2', 'pricing-3']);
    const one = planScale(resolved(zero.overrides), zero.overrides, 'pricing', { kind: 'delta', delta: 1 });
    expect(ids(one.overrides, 'pricing')).toEqual(['pricing-1/v1']);
  });

  it('keeps the overrides of other services', () => {
    const a = planScale(resolved(), NO_OVERRIDES, 'catalog', { kind: 'delta', delta: 1 });
    const b = planScale(resolved(a.overrides), a.overrides, 'pricing', { kind: 'delta', delta: -1 });
    expect(b.overrides).toEqual({ services: { catalog: { v1: 3 }, pricing: { v1: 2, v2: 0 } } });
    expect(resolved(b.overrides).instances.map((i) => i.id)).toEqual([
      'gateway-1',
      'catalog-1',
      'catalog-2',
      'catalog-3',
      'pricing-1',
      'pricing-2',
    ]);
  });

  it('rejects unknown services, negative counts and more than 20 per version, as bad input', () => {
    expect(() => planScale(resolved(), NO_OVERRIDES, 'catalgo', { kind: 'delta', delta: 1 })).toThrow(
      /unknown service "catalgo"/,
    );
    expect(() => planScale(resolved(), NO_OVERRIDES, 'catalog', { kind: 'delta', delta: -3 })).toThrow(
      /cannot go to -1/,
    );
    expect(() => planScale(resolved(), NO_OVERRIDES, 'catalog', { kind: 'absolute', replicas: 21 })).toThrow(
      /at most 20 per version/,
    );
  });

  it("keeps a service within the topology's instance limits (50 per service, 200 in the mesh)", () => {
    const wide = (versions: number[], others = 0) =>
      resolveMesh(
        parseTopology(
          `name: shop\nservices:\n  wide:\n    port: 3000\n    versions: {${versions.map((r, i) => `v${i + 1}: {replicas: ${r}}`).join(', ')}}\n` +
            Array.from({ length: others }, (_, i) => `  other-${i}: {port: 3000, replicas: 20}\n`).join(''),
          'mesh.yaml',
        ),
      );
    expect(() => planScale(wide([20, 20, 5]), NO_OVERRIDES, 'wide', { kind: 'absolute', replicas: 51 })).toThrow(
      /wide would have 51 instances; at most 50 per service/,
    );
    expect(planScale(wide([20, 20, 5]), NO_OVERRIDES, 'wide', { kind: 'absolute', replicas: 50 }).to).toBe(50);
    expect(() => planScale(wide([20, 1], 8), NO_OVERRIDES, 'wide', { kind: 'delta', delta: 20 })).toThrow(
      /the mesh would have 201 instances; at most 200/,
    );
  });

  it('a count equal to the current one changes nothing', () => {
    const plan = planScale(resolved(), NO_OVERRIDES, 'catalog', { kind: 'absolute', replicas: 2 });
    expect(plan.add).toEqual([]);
    expect(plan.remove).toEqual([]);
  });
});

describe('applyScaleOverrides', () => {
  it('ignores services and versions the topology no longer has', () => {
    const t = applyScaleOverrides(topo, { services: { gone: { v1: 3 }, pricing: { v9: 4, v2: 2 } } });
    expect(Object.keys(t.services)).toEqual(['gateway', 'catalog', 'pricing']);
    expect(
      resolveMesh(t)
        .instances.filter((i) => i.service === 'pricing')
        .map((i) => i.version),
    ).toEqual(['v1', 'v1', 'v2', 'v2']);
  });
});
