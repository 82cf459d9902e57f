import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { request } from 'undici';
import type Docker from 'dockerode';
import type { MeshImages } from '../compose/render.js';
import { renderProject, toYaml } from '../compose/render.js';
import { MeshdevError } from '../errors.js';
import { ensureComposeV2, runCompose } from '../runtime/compose.js';
import { clearComposeRunRecord, stopRecordedComposeRun, writeComposeRunRecord } from '../runtime/compose-run.js';
import type { ComposeProgressState } from '../runtime/compose-progress.js';
import { foldComposeLine, initialProgress } from '../runtime/compose-progress.js';
import { serviceHealth } from '../runtime/consul.js';
import { connectDocker, ensureDockerReachable, listProjectContainers, sweepProject } from '../runtime/docker.js';
import { busyPorts } from '../runtime/ports.js';
import type { WaitStrategy } from '../runtime/wait.js';
import { waitForAll, WaitTimeoutError } from '../runtime/wait.js';
import { PACKAGE_ROOT } from '../version.js';
import { loadTopology } from './load.js';
import type { ResolvedMesh } from './model.js';
import { resolveMesh } from './model.js';
import { applyScaleOverrides, NO_OVERRIDES, ScaleOverrides } from './scale.js';
import type { ScalePlan, ScaleTarget } from './scale.js';
import type { ControlOptions, ScaleOptions } from '../control/index.js';
import { MeshControl } from '../control/index.js';
import type { MeshStatus } from './status.js';
import { collectStatus, meshEndpoints } from './status.js';
import type { Topology } from '../../proxy/schema/index.js';
import { meshdevCommand } from '../invocation.js';

export type ProgressFn = (line: string) => void;

/** Compose's own lines with MESHDEV_VERBOSE=1; otherwise condensed into counts. */
function composeProgress(
  total: number,
  progress: ProgressFn,
  onCounts?: (state: ComposeProgressState) => void,
): ProgressFn {
  if (process.env.MESHDEV_VERBOSE) return progress;
  let state: ComposeProgressState = initialProgress(total);
  return (line) => {
    const r = foldComposeLine(state, line);
    if (r.state !== state) onCounts?.(r.state);
    state = r.state;
    if (r.print !== undefined) progress(r.print);
  };
}
export type ImageResolver = (opts: {
  grafana: boolean;
  onProgress: ProgressFn;
  signal?: AbortSignal;
}) => Promise<MeshImages & { notices?: string[] }>;

export interface UpOptions {
  /** Wait until every instance is passing in Consul and Prometheus answers. */
  readonly wait?: boolean;
  readonly timeoutMs?: number;
  readonly onProgress?: ProgressFn;
  /** Compose's container counts on every change (a live progress view draws them as a bar). */
  readonly onContainerCounts?: (state: ComposeProgressState) => void;
  readonly signal?: AbortSignal;
  readonly images: ImageResolver;
}

export interface DownOptions {
  readonly volumes?: boolean;
  readonly onProgress?: ProgressFn;
}

/** Where meshdev keeps what it renders for a mesh: `.meshdev/<name>/` in the working directory. */
export function stateDirFor(meshName: string, cwd = process.cwd()): string {
  return resolve(cwd, '.meshdev', meshName);
}

const SCALE_FILE = 'scale.json';

/** The persisted scale override; a missing or unreadable file means none (the topology as written). */
function readScaleOverrides(file: string): ScaleOverrides {
  if (!existsSync(file)) return NO_OVERRIDES;
  try {
    const parsed = ScaleOverrides.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : NO_OVERRIDES;
  } catch {
    return NO_OVERRIDES;
  }
}

/**
 * A mesh described by a topology, not necessarily running. `up()` returns a `StartedMesh`, whose
 * `down()` (or `await using`) removes every container, network and volume of the project.
 */
export class Mesh {
  readonly resolved: ResolvedMesh;
  readonly topologyPath: string;
  readonly stateDir: string;
  /** The topology as written, before `meshdev scale` overrides (`resolved` has them applied). */
  readonly baseTopology: Topology;
  /** Replica counts set by `meshdev scale` while the mesh runs; `down` removes them with `.meshdev/<name>/`. */
  readonly scaleOverrides: ScaleOverrides;
  private readonly docker: Docker;
  private readonly cwd: string;

  private constructor(topology: Topology, topologyPath: string, docker: Docker, cwd: string) {
    this.stateDir = stateDirFor(topology.name, cwd);
    this.scaleOverrides = readScaleOverrides(join(this.stateDir, SCALE_FILE));
    this.baseTopology = topology;
    this.resolved = resolveMesh(applyScaleOverrides(topology, this.scaleOverrides));
    this.topologyPath = topologyPath;
    this.docker = docker;
    this.cwd = cwd;
  }

  /** The same mesh read again (after `meshdev scale` changed its override). */
  reloaded(): Mesh {
    return new Mesh(this.baseTopology, this.topologyPath, this.docker, this.cwd);
  }

  get scaleFile(): string {
    return join(this.stateDir, SCALE_FILE);
  }

  static async load(file?: string, options: { docker?: Docker; cwd?: string } = {}): Promise<Mesh> {
    const { path, topology } = await loadTopology(file);
    return new Mesh(topology, path, options.docker ?? connectDocker(), options.cwd ?? process.cwd());
  }

  static fromTopology(topology: Topology, topologyPath: string, options: { docker?: Docker; cwd?: string } = {}): Mesh {
    return new Mesh(topology, topologyPath, options.docker ?? connectDocker(), options.cwd ?? process.cwd());
  }

  get name(): string {
    return this.resolved.name;
  }

  get composeFile(): string {
    return join(this.stateDir, 'compose.yaml');
  }

  /** The pid of the `docker compose up` that `up` is running (see compose-run.ts). */
  get composeRunFile(): string {
    return join(this.stateDir, 'compose-run.json');
  }

  /** Renders the Compose project (pure apart from reading nothing); `write` puts it under `.meshdev/`. */
  render(images: MeshImages): { yaml: string; files: Readonly<Record<string, string>>; containers: number } {
    const project = renderProject(this.resolved, {
      images,
      topologyDir: dirname(this.topologyPath),
      grafanaDir: resolve(PACKAGE_ROOT, 'grafana'),
    });
    return {
      yaml: toYaml(project.compose, this.topologyPath),
      files: project.files,
      containers: Object.keys(project.compose.services).length,
    };
  }

  /** Writes the Compose file and its companions under `.meshdev/<name>/`. */
  async writeRendered(images: MeshImages): Promise<void> {
    const { yaml, files } = this.render(images);
    await mkdir(this.stateDir, { recursive: true });
    await writeFile(this.composeFile, yaml);
    for (const [name, content] of Object.entries(files)) await writeFile(join(this.stateDir, name), content);
  }

  async up(options: UpOptions): Promise<StartedMesh> {
    const progress = options.onProgress ?? (() => undefined);
    await ensureDockerReachable(this.docker);
    await ensureComposeV2();

    const before = await listProjectContainers(this.docker, this.resolved.project);
    const fresh = before.length === 0;
    await this.checkPorts(before.length > 0);

    const images = await options.images({
      grafana: this.resolved.topology.grafana,
      onProgress: progress,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    await this.writeRendered(images);
    progress(`rendered ${this.composeFile}`);

    const started = new StartedMesh(this, this.docker, images.grafana !== undefined && this.resolved.topology.grafana);
    const timeoutMs = options.timeoutMs ?? 180_000;
    try {
      const args = ['up', '--detach', '--remove-orphans'];
      if (options.wait) args.push('--wait', '--wait-timeout', String(Math.ceil(timeoutMs / 1000)));
      await runCompose(
        {
          project: this.resolved.project,
          file: this.composeFile,
          onLine: composeProgress(this.render(images).containers, progress, options.onContainerCounts),
          onSpawn: (pid) => writeComposeRunRecord(this.composeRunFile, { pid, project: this.resolved.project }),
          ...(options.signal === undefined ? {} : { signal: options.signal }),
        },
        args,
      ).finally(() => clearComposeRunRecord(this.composeRunFile));
      if (options.wait) await started.waitUntilHealthy({ timeoutMs, onProgress: progress, signal: options.signal });
    } catch (err) {
      // Nothing half-started: a mesh this call created is removed again; one that was already
      // running before (`up` twice) is left as it is for the user to inspect.
      if (fresh) {
        progress('start failed; removing what was started');
        await started.down({ onProgress: progress }).catch(() => undefined);
      }
      if (err instanceof WaitTimeoutError) {
        throw new MeshdevError('ETIMEOUT', `mesh ${this.name} did not become healthy: ${err.message}`, {
          fix: `\`${meshdevCommand('logs INSTANCE')}\` shows why an instance is not healthy; \`--timeout\` waits longer.`,
        });
      }
      throw err;
    }
    return started;
  }

  private async checkPorts(alreadyRunning: boolean): Promise<void> {
    const p = this.resolved.topology.ports;
    const wanted = [
      { name: 'consul', port: p.consul },
      { name: 'prometheus', port: p.prometheus },
      ...(this.resolved.ingressService === undefined ? [] : [{ name: 'ingress', port: p.ingress }]),
      ...(this.resolved.topology.grafana ? [{ name: 'grafana', port: p.grafana }] : []),
    ];
    // When this mesh is already up, its own containers hold these ports: `up` then reconciles.
    const owned = alreadyRunning ? new Set(wanted.map((w) => w.port)) : new Set<number>();
    const busy = await busyPorts(wanted, owned);
    if (busy.length > 0) {
      const list = busy.map((b) => `${b.port} (ports.${b.name})`).join(', ');
      throw new MeshdevError('EPORTBUSY', `host port ${list} is already in use on 127.0.0.1; nothing was started.`, {
        exitCode: 1,
        fix: `Stop what listens there (\`ss -ltnp 'sport = :${busy[0]!.port}'\` shows it) or set another port under \`ports:\` in ${this.topologyPath}.`,
      });
    }
  }

  /** A handle on the mesh as it runs now (or not); `down()` works either way. */
  attach(): StartedMesh {
    return new StartedMesh(this, this.docker, this.resolved.topology.grafana);
  }

  /**
   * The control of this mesh (faults, partitions, containers, policy, scale, traffic). It reads the
   * `meshdev scale` override again, so instances added by a scale since this mesh was loaded are
   * known to it.
   */
  control(options: ControlOptions = {}): MeshControl {
    return MeshControl.of(this.reloaded(), this.docker, options);
  }

  /** Changes a service's replica count while the mesh runs (`meshdev scale`, `+`/`-` in the UI). */
  scale(service: string, target: ScaleTarget, options: ScaleOptions = {}): Promise<ScalePlan> {
    return this.control().scale(service, target, options);
  }

  async status(): Promise<MeshStatus> {
    await ensureDockerReachable(this.docker);
    return collectStatus(this.docker, this.resolved);
  }
}

export class StartedMesh implements AsyncDisposable {
  constructor(
    readonly mesh: Mesh,
    private readonly docker: Docker,
    private readonly grafana: boolean,
  ) {}

  get endpoints(): MeshStatus['endpoints'] {
    return meshEndpoints(this.mesh.resolved, this.grafana);
  }

  /** The control of the running mesh: `await started.control.addFault({ target: 'catalog', kind: 'abort', status: 503 })`. */
  get control(): MeshControl {
    return this.mesh.control();
  }

  status(): Promise<MeshStatus> {
    return this.mesh.status();
  }

  /** Every instance passing in Consul, Prometheus ready, and the ingress answering. */
  readinessChecks(): WaitStrategy[] {
    const resolved = this.mesh.resolved;
    const consul = this.endpoints.consul;
    const checks: WaitStrategy[] = [
      {
        name: 'consul',
        check: async () => {
          const lists = await Promise.all(resolved.services.map((s) => serviceHealth(consul, s.name)));
          const passing = new Set(
            lists
              .flat()
              .filter((e) => e.status === 'passing')
              .map((e) => e.id),
          );
          const missing = resolved.instances.filter((i) => !passing.has(i.id)).map((i) => i.id);
          return {
            ready: missing.length === 0,
            detail: missing.length === 0 ? 'all passing' : `not passing yet: ${missing.join(', ')}`,
          };
        },
      },
      {
        name: 'prometheus',
        check: async () => {
          const res = await request(`${this.endpoints.prometheus}/-/ready`, {
            headersTimeout: 2000,
            bodyTimeout: 2000,
          });
          await res.body.dump();
          return { ready: res.statusCode === 200, detail: `HTTP ${res.statusCode}` };
        },
      },
    ];
    return checks;
  }

  async waitUntilHealthy(options: {
    timeoutMs: number;
    onProgress?: ProgressFn;
    signal?: AbortSignal | undefined;
  }): Promise<void> {
    await waitForAll(this.readinessChecks(), {
      timeoutMs: options.timeoutMs,
      intervalMs: 250,
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  }

  /** Removes every container and network of the mesh (and volumes with `volumes`). */
  async down(options: DownOptions = {}): Promise<void> {
    const progress = options.onProgress ?? (() => undefined);
    await ensureDockerReachable(this.docker);
    const project = this.mesh.resolved.project;
    // An `up` that was killed may have left its Compose run creating containers: stop it first, or
    // it would create them after the sweep below.
    const orphan = await stopRecordedComposeRun(this.mesh.composeRunFile, project);
    if (orphan !== undefined) progress(`stopped the \`docker compose up\` of an interrupted \`up\` (pid ${orphan})`);
    const existing = (await listProjectContainers(this.docker, project)).length;
    // Without its compose file (already down, or `.meshdev/` deleted) the label sweep below does it all.
    if (existsSync(this.mesh.composeFile)) {
      try {
        await runCompose({ project, file: this.mesh.composeFile, onLine: composeProgress(existing, progress) }, [
          'down',
          '--remove-orphans',
          '--timeout',
          '5',
          ...(options.volumes ? ['--volumes'] : []),
        ]);
      } catch (err) {
        progress(
          `compose down did not finish cleanly (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); sweeping by label`,
        );
      }
    }
    // Whatever Compose did not know about (no compose file, interrupted `up`) goes by label.
    const left = await sweepProject(this.docker, project, options.volumes ?? false);
    if (left.containers.length + left.networks.length > 0) {
      progress(`removed leftovers: ${[...left.containers, ...left.networks].join(', ')}`);
    }
    await rm(this.mesh.stateDir, { recursive: true, force: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.down();
  }
}
