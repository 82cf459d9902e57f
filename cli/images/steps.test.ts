import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { LOCAL_IMAGES, RECIPE_LABEL, recipeHash, DEBIAN_BASE_IMAGE, LOCAL_DOCKERFILES, upstreamRef } from './refs.js';
import { ImageSteps, readDockerfile } from './steps.js';
import type { EnsureImagesOptions } from './steps.js';

const MIRROR = 'http://deb.example/debian';

/** An engine with the given images (ref -> labels); pulls fail as they do where no registry answers. */
function engine(images: Record<string, Record<string, string>>): { docker: Docker; pulls: string[] } {
  const pulls: string[] = [];
  const docker = {
    getImage: (ref: string) => ({
      inspect: async () => {
        if (!(ref in images)) throw Object.assign(new Error(`no such image: ${ref}`), { statusCode: 404 });
        return { Id: `sha256:${ref}`, Config: { Labels: images[ref] } };
      },
    }),
    pull: async (ref: string) => {
      pulls.push(ref);
      throw new Error('connect ECONNREFUSED 10.0.0.1:443\nmore detail');
    },
  } as unknown as Docker;
  return { docker, pulls };
}

function steps(docker: Docker, airgap: EnsureImagesOptions['airgap'], progress: string[] = []): ImageSteps {
  return new ImageSteps(docker, { airgap, grafana: true, onProgress: (l) => progress.push(l), env: {} }, MIRROR);
}

describe('ImageSteps', () => {
  it('uses an upstream image that is present, without pulling', async () => {
    const consul = upstreamRef('consul', {}).image;
    const { docker, pulls } = engine({ [consul]: {} });
    const run = steps(docker, 'auto');
    expect(await run.resolveRole('consul')).toBe(consul);
    expect(pulls).toEqual([]);
    expect(run.details).toEqual([{ role: 'consul', image: consul, origin: 'present', seconds: expect.any(Number) }]);
    expect(run.airgap).toBe(false);
  });

  it('uses a local image built from the current recipe in air-gapped mode', async () => {
    const buildArgs = { BASE_IMAGE: DEBIAN_BASE_IMAGE, DEBIAN_MIRROR: MIRROR };
    const hash = recipeHash(readDockerfile(LOCAL_DOCKERFILES.consul), buildArgs);
    const { docker, pulls } = engine({ [LOCAL_IMAGES.consul]: { [RECIPE_LABEL]: hash } });
    const run = steps(docker, true);
    expect(await run.resolveRole('consul')).toBe(LOCAL_IMAGES.consul);
    expect(pulls).toEqual([]);
    expect(run.airgap).toBe(true);
  });

  it('turns air-gapped when no registry answers, and then leaves Grafana out saying why', async () => {
    const grafana = upstreamRef('grafana', {}).image;
    const { docker, pulls } = engine({});
    const progress: string[] = [];
    const run = steps(docker, 'auto', progress);
    expect(await run.resolveRole('grafana')).toBeUndefined();
    expect(pulls).toEqual([grafana]);
    expect(run.airgap).toBe(true);
    expect(run.notices).toHaveLength(2);
    expect(run.notices[0]).toMatch(
      /^No registry answered \(pulling .* failed after [\d.]+ s: connect ECONNREFUSED 10\.0\.0\.1:443\)/,
    );
    expect(run.notices[1]).toMatch(/^Grafana is left out: no registry answered, its image/);
    expect(run.grafanaLeftOut?.fix).toContain(`docker save ${grafana}`);
    expect(run.details).toEqual([
      { role: 'grafana', image: undefined, origin: 'omitted', seconds: expect.any(Number) },
    ]);
    expect(progress).toContain(`pulling ${grafana}`);
  });

  it('fails with EPULL and the air-gapped fix when a pull fails and the mode may not fall back', async () => {
    const { docker } = engine({});
    await expect(steps(docker, false).resolveRole('consul')).rejects.toMatchObject({
      code: 'EPULL',
      message: expect.stringContaining('connect ECONNREFUSED 10.0.0.1:443'),
    });
  });
});
