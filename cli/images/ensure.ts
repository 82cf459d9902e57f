import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import Docker from 'dockerode';
import { dockerUnreachable, MeshdevError } from '../errors.js';
import { PACKAGE_ROOT, VERSION } from '../version.js';
import { systemDebianMirror } from '../doctor/apt.js';
import { withImagesLock } from './lock.js';
import { LOCAL_IMAGES, RUNTIME_DOCKERFILE, runtimeTag, upstreamRef } from './refs.js';
import { ImageSteps, readDockerfile } from './steps.js';
import type { EnsureImagesOptions, GrafanaLeftOut, ResolvedImage } from './steps.js';

export type { AirgapMode } from './decide.js';
export type { EnsureImagesOptions, GrafanaLeftOut, ImageOrigin, ResolvedImage } from './steps.js';
export { DOCKERFILES_DIR, grafanaLeftOut, removeOlderTags } from './steps.js';

export interface ResolvedImages {
  readonly runtime: string;
  readonly consul: string;
  readonly prometheus: string;
  readonly grafana?: string;
  /** True when local equivalents are used (forced, or because no registry answered). */
  readonly airgap: boolean;
  /** Things the user should know: air-gapped mode switched on, Grafana left out. */
  readonly notices: string[];
  /** Present when Grafana was wanted but is left out: why, and how to get it. */
  readonly grafanaLeftOut?: GrafanaLeftOut;
  readonly details: ResolvedImage[];
}

export const RUNTIME_DIR = resolve(PACKAGE_ROOT, 'dist', 'runtime');
export const RUNTIME_BUNDLE = resolve(RUNTIME_DIR, 'meshdev-runtime.mjs');

/**
 * Everything the runtime image copies: the entry and its chunks (source maps left out, they do not
 * change behaviour), each with its path, so a change to any chunk means a new image.
 */
function readRuntimeBundle(): Buffer {
  try {
    const files = readdirSync(RUNTIME_DIR, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.mjs'))
      .sort();
    if (!files.includes('meshdev-runtime.mjs')) readFileSync(RUNTIME_BUNDLE); // throws ENOENT: caught below
    return Buffer.concat(files.flatMap((f) => [Buffer.from(`${f}\0`), readFileSync(resolve(RUNTIME_DIR, f))]));
  } catch (err) {
    throw new MeshdevError('ENOBUNDLE', `The runtime bundle ${RUNTIME_BUNDLE} is missing.`, {
      fix: 'Run `npm run build` in the meshdev package (npm ci does it through `prepare`).',
      cause: err,
    });
  }
}

/** The runtime image tag for a given node image (no engine needed). */
export function runtimeImageFor(nodeImage: string): string {
  return runtimeTag(VERSION, readRuntimeBundle(), readDockerfile(RUNTIME_DOCKERFILE), nodeImage);
}

/**
 * The images `up` would use, without asking the engine (for `meshdev compose`): pinned upstream
 * images (or env overrides), or the local equivalents in air-gapped mode.
 */
export function plannedImages(options: {
  readonly airgap: boolean;
  readonly env?: Readonly<Record<string, string | undefined>>;
}): { runtime: string; consul: string; prometheus: string; grafana?: string } {
  const env = options.env ?? process.env;
  if (options.airgap) {
    return {
      runtime: runtimeImageFor(LOCAL_IMAGES.node),
      consul: LOCAL_IMAGES.consul,
      prometheus: LOCAL_IMAGES.prometheus,
    };
  }
  return {
    runtime: runtimeImageFor(upstreamRef('node', env).image),
    consul: upstreamRef('consul', env).image,
    prometheus: upstreamRef('prometheus', env).image,
    grafana: upstreamRef('grafana', env).image,
  };
}

/**
 * Makes every image of a mesh present locally, pulling or building what is missing, and says
 * which images to run. Reuses what exists: a second call with nothing changed does no work.
 */
export async function ensureImages(options: EnsureImagesOptions): Promise<ResolvedImages> {
  return withImagesLock(options.onProgress, () => ensureImagesLocked(options));
}

async function ensureImagesLocked(options: EnsureImagesOptions): Promise<ResolvedImages> {
  const docker = options.docker ?? new Docker();
  try {
    await docker.ping();
  } catch (err) {
    throw dockerUnreachable(err);
  }
  const steps = new ImageSteps(docker, options, await systemDebianMirror());
  // Read first: a missing bundle is said before any pull or build.
  const bundle = readRuntimeBundle();
  const node = (await steps.resolveRole('node'))!;
  const consul = (await steps.resolveRole('consul'))!;
  const prometheus = (await steps.resolveRole('prometheus'))!;
  const grafana = options.grafana ? await steps.resolveRole('grafana') : undefined;
  const runtime = await steps.ensureRuntime(bundle, node);
  return {
    runtime,
    consul,
    prometheus,
    ...(grafana === undefined ? {} : { grafana }),
    airgap: steps.airgap,
    notices: steps.notices,
    ...(steps.grafanaLeftOut === undefined ? {} : { grafanaLeftOut: steps.grafanaLeftOut }),
    details: steps.details,
  };
}
