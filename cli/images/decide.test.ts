import { describe, expect, it } from 'vitest';
import { decideImageSource } from './decide.js';
import type { ImageFacts } from './decide.js';

const facts = (over: Partial<ImageFacts>): ImageFacts => ({
  role: 'consul',
  mode: 'auto',
  upstreamPresent: false,
  upstreamOverridden: false,
  localCurrent: false,
  registryDown: false,
  ...over,
});

describe('decideImageSource', () => {
  it('auto: uses a present upstream image, pulls a missing one', () => {
    expect(decideImageSource(facts({ upstreamPresent: true }))).toBe('use-upstream');
    expect(decideImageSource(facts({}))).toBe('pull-upstream');
  });

  it('auto: after a failed pull, builds local equivalents, reuses current ones, omits Grafana', () => {
    expect(decideImageSource(facts({ registryDown: true }))).toBe('build-local');
    expect(decideImageSource(facts({ registryDown: true, localCurrent: true }))).toBe('use-local');
    expect(decideImageSource(facts({ registryDown: true, role: 'grafana' }))).toBe('omit');
  });

  it('auto: a current local equivalent is used without asking a registry, unless the user chose an image', () => {
    expect(decideImageSource(facts({ localCurrent: true }))).toBe('use-local');
    expect(decideImageSource(facts({ localCurrent: true, upstreamOverridden: true }))).toBe('pull-upstream');
    expect(decideImageSource(facts({ localCurrent: true, upstreamPresent: true }))).toBe('use-upstream');
  });

  it('auto: a present upstream image is still used when the registry is down', () => {
    expect(decideImageSource(facts({ registryDown: true, upstreamPresent: true }))).toBe('use-upstream');
  });

  it('forced air-gap: local equivalents even when the pinned upstream image is present', () => {
    expect(decideImageSource(facts({ mode: true, upstreamPresent: true }))).toBe('build-local');
    expect(decideImageSource(facts({ mode: true, localCurrent: true }))).toBe('use-local');
  });

  it("forced air-gap: the user's own (env) image and a loaded Grafana are used when present", () => {
    expect(decideImageSource(facts({ mode: true, upstreamPresent: true, upstreamOverridden: true }))).toBe(
      'use-upstream',
    );
    expect(decideImageSource(facts({ mode: true, role: 'grafana', upstreamPresent: true }))).toBe('use-upstream');
    expect(decideImageSource(facts({ mode: true, role: 'grafana' }))).toBe('omit');
  });

  it('no air-gap: always the upstream image, pulled if needed (never a local build)', () => {
    expect(decideImageSource(facts({ mode: false, registryDown: true }))).toBe('pull-upstream');
    expect(decideImageSource(facts({ mode: false, upstreamPresent: true }))).toBe('use-upstream');
  });
});
