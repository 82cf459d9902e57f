import { describe, expect, it } from 'vitest';
import { isMeshdevImage } from './remove.js';
import { PINNED_IMAGES } from './refs.js';

describe('isMeshdevImage', () => {
  it('takes what meshdev builds and the upstream images it pins', () => {
    expect(isMeshdevImage(['meshdev/runtime:0.1.0-abc'], {})).toBe(true);
    expect(isMeshdevImage(['meshdev/debian:trixie'], {})).toBe(true);
    expect(isMeshdevImage([PINNED_IMAGES.consul], {})).toBe(true);
  });

  it('takes untagged leftovers of its builds, by label', () => {
    expect(isMeshdevImage(['<none>:<none>'], { 'dev.meshdev.build-stage': 'fetch' })).toBe(true);
    expect(isMeshdevImage([], { 'dev.meshdev.recipe': 'abc' })).toBe(true);
  });

  it('leaves everything else, also another tag of an image built FROM one of its images', () => {
    expect(isMeshdevImage(['hashicorp/consul:1.21.0'], {})).toBe(false);
    expect(isMeshdevImage(['node:22-bookworm-slim'], {})).toBe(false);
    expect(isMeshdevImage(['my-registry/inventory:1.4'], { 'dev.meshdev.recipe': 'abc' })).toBe(false);
    expect(isMeshdevImage(['<none>:<none>'], {})).toBe(false);
  });
});
