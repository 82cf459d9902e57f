import { describe, expect, it } from 'vitest';
import { PINNED_IMAGES, recipeHash, runtimeTag, upstreamRef } from './refs.js';

describe('upstreamRef', () => {
  it('pins exact tags by default', () => {
    for (const image of Object.values(PINNED_IMAGES)) expect(image).toMatch(/:v?\d+\.\d+\.\d+/);
    expect(upstreamRef('consul', {})).toEqual({ image: PINNED_IMAGES.consul, overridden: false });
  });

  it('takes the env override, ignoring blanks', () => {
    expect(upstreamRef('prometheus', { MESHDEV_PROMETHEUS_IMAGE: 'registry.local/prom:2' })).toEqual({
      image: 'registry.local/prom:2',
      overridden: true,
    });
    expect(upstreamRef('node', { MESHDEV_NODE_IMAGE: '  ' }).overridden).toBe(false);
  });
});

describe('content-addressed tags', () => {
  const bundle = new TextEncoder().encode('console.log(1)');

  it('names the runtime image after the package version and a short hash', () => {
    expect(runtimeTag('0.1.0', bundle, 'FROM x', 'node:20')).toMatch(/^meshdev\/runtime:0\.1\.0-[0-9a-f]{12}$/);
  });

  it('changes the tag when the bundle, the Dockerfile or the node image changes, and only then', () => {
    const tag = runtimeTag('0.1.0', bundle, 'FROM x', 'node:20');
    expect(runtimeTag('0.1.0', bundle, 'FROM x', 'node:20')).toBe(tag);
    expect(runtimeTag('0.1.0', new TextEncoder().encode('console.log(2)'), 'FROM x', 'node:20')).not.toBe(tag);
    expect(runtimeTag('0.1.0', bundle, 'FROM y', 'node:20')).not.toBe(tag);
    expect(runtimeTag('0.1.0', bundle, 'FROM x', 'meshdev/node:20')).not.toBe(tag);
  });

  it('hashes build args independently of their order', () => {
    expect(recipeHash('F', { A: '1', B: '2' })).toBe(recipeHash('F', { B: '2', A: '1' }));
    expect(recipeHash('F', { A: '1' })).not.toBe(recipeHash('F', { A: '2' }));
  });
});
