import { isAbsolute, resolve } from 'node:path';
import { stringify } from 'yaml';
import type { APP_ENV, SidecarBootstrap } from '../../proxy/schema/index.js';
import { INSTANCE_PORTS, SIDECAR_BOOTSTRAP_ENV } from '../../proxy/schema/index.js';
import type { ResolvedInstance, ResolvedMesh } from '../mesh/model.js';
import type { ContainerRole } from './labels.js';
import { LABELS } from './labels.js';
import { composeYaml, escapeInterpolation, yamlCommentText } from './literal.js';
import { SIDECAR_NODE_OPTIONS } from '../../proxy/schema/index.js';

/** The images a mesh runs; produced by `cli/images` (pinned upstream images or air-gapped local builds). */
export interface MeshImages {
  readonly runtime: string;
  readonly consul: string;
  readonly prometheus: string;
  /** Absent: Grafana is left out (air-gapped mode has no Grafana image). */
  readonly grafana?: string | undefined;
}

export interface RenderOptions {
  readonly images: MeshImages;
  /** Directory of the topology file; relative build contexts are resolved against it. */
  readonly topologyDir: string;
  /** Where the package's grafana/ folder is (mounted read-only into Grafana). */
  readonly grafanaDir: string;
}

export interface RenderedProject {
  /** The Compose file, as an object (serialize with `toYaml`). */
  readonly compose: ComposeFile;
  /** Files written next to the Compose file (relative name -> content). */
  readonly files: Readonly<Record<string, string>>;
}

/* A deliberately small slice of the Compose specification: only what meshdev emits. */
interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string; args?: Record<string, string> };
  container_name: string;
  hostname?: string;
  user?: string;
  entrypoint?: string[];
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  networks?: string[];
  network_mode?: string;
  volumes?: string[];
  tmpfs?: string[];
  labels: Record<string, string>;
  depends_on?: Record<string, { condition: string; restart?: boolean }>;
  healthcheck?: { test: string[]; interval: string; timeout: string; retries: number; start_period?: string };
  stop_grace_period?: string;
  restart: 'no';
}

export interface ComposeFile {
  name: string;
  services: Record<string, ComposeService>;
  networks: Record<string, { name: string; labels: Record<string, string> }>;
}

/** The one bridge network of a mesh (`<project>_mesh`). */
const NETWORK = 'mesh';
const LOADGEN_METRICS_PORT = 9464;

/**
 * A 1 MB young generation: the sidecar's peak RSS under load drops by ~15 MB (bench/proxy/RESULTS.md)
 * with no measurable cost at 1000 rps.
 */

/**
 * Every healthcheck is a `docker exec`: runc, the containerd shim and dockerd spend ~60 ms of CPU on
 * each, so fifteen containers checked every 2 s took ~40% of one core of an idle 2-core machine
 * (measured). Only the containers Compose itself must wait for carry one (Consul, Prometheus, the
 * ingress, which the load generator `depends_on`, and the load generator); sidecars have none:
 * Consul already checks each of them every second (its `/healthz`, passing only while the app
 * answers) and `up --wait` waits for every instance to pass there. 2 s keeps `up --wait` quick.
 */
const HEALTH_INTERVAL = '2s';
const INGRESS_CONTAINER_PORT = 8080;

/**
 * Probes a loopback HTTP endpoint with what the image has: busybox `wget` in the upstream
 * Prometheus/Grafana images, bash's /dev/tcp in Debian-based ones (no curl in slim images, and a
 * `node -e` probe costs ~40 ms of CPU per container per interval).
 */
export function httpProbe(port: number, path: string): string[] {
  const viaBash = `exec 3<>/dev/tcp/127.0.0.1/${port} && printf 'GET ${path} HTTP/1.0\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200 '`;
  return [
    'CMD-SHELL',
    `if command -v bash >/dev/null; then bash -c "${viaBash}"; else wget -q -O /dev/null http://127.0.0.1:${port}${path}; fi`,
  ];
}

function labels(mesh: ResolvedMesh, role: ContainerRole, extra: Record<string, string> = {}): Record<string, string> {
  return { [LABELS.mesh]: mesh.name, [LABELS.role]: role, ...extra };
}

function containerName(mesh: ResolvedMesh, service: string): string {
  return `${mesh.project}-${service}`;
}

/** Where every meshdev proxy in Docker listens and finds Consul (the same in every network namespace). */
const PROXY_LISTENERS = {
  inbound: { host: '0.0.0.0', port: INSTANCE_PORTS.inbound },
  admin: { host: '0.0.0.0', port: INSTANCE_PORTS.admin },
  consul: { url: 'http://consul:8500', checkIntervalSeconds: 1 },
} as const;

export function sidecarBootstrap(mesh: ResolvedMesh, instance: ResolvedInstance): SidecarBootstrap {
  return {
    mesh: mesh.name,
    mode: 'sidecar',
    service: instance.service,
    instanceId: instance.id,
    version: instance.version,
    weight: instance.weight,
    app: { host: '127.0.0.1', port: instance.appPort, healthPath: instance.healthPath },
    ...PROXY_LISTENERS,
    upstreams: instance.upstreams.map((u) => ({
      service: u.service,
      protocol: u.protocol,
      listen: { host: '127.0.0.1', port: u.port },
    })),
  };
}

export function ingressBootstrap(mesh: ResolvedMesh, target: string): SidecarBootstrap {
  return {
    mesh: mesh.name,
    mode: 'ingress',
    service: 'ingress',
    instanceId: 'ingress',
    version: 'v1',
    weight: 100,
    ...PROXY_LISTENERS,
    upstreams: [{ service: target, protocol: 'http', listen: { host: '0.0.0.0', port: INGRESS_CONTAINER_PORT } }],
  };
}

/** The app's environment: the topology's `env`, then what meshdev sets (names the topology schema refuses in `env`). */
function appEnv(mesh: ResolvedMesh, instance: ResolvedInstance): Record<string, string> {
  const injected: Record<keyof typeof APP_ENV, string> = {
    PORT: String(instance.appPort),
    HOST: '127.0.0.1',
    MESHDEV_MESH: mesh.name,
    MESHDEV_SERVICE: instance.service,
    MESHDEV_INSTANCE: instance.id,
    MESHDEV_VERSION: instance.version,
  };
  const upstreams = Object.fromEntries(instance.upstreams.map((u) => [u.envName, u.url]));
  return { ...instance.env, ...injected, ...upstreams };
}

function appImage(mesh: ResolvedMesh, instance: ResolvedInstance, runtime: string): string {
  if (instance.image !== undefined) return instance.image;
  if (instance.build !== undefined) return `${mesh.project}-${instance.service}:local`;
  return runtime;
}

function appBuild(instance: ResolvedInstance, topologyDir: string): ComposeService['build'] | undefined {
  const b = instance.build;
  if (b === undefined) return undefined;
  const spec = typeof b === 'string' ? { context: b } : b;
  const context = isAbsolute(spec.context) ? spec.context : resolve(topologyDir, spec.context);
  return {
    context,
    ...(spec.dockerfile === undefined ? {} : { dockerfile: spec.dockerfile }),
    ...(spec.args === undefined ? {} : { args: spec.args }),
  };
}

/** The load generator runs when the topology enables it and there is an ingress to send to. */
export function hasLoadgen(mesh: ResolvedMesh): boolean {
  return mesh.topology.loadgen.enabled && mesh.ingressService !== undefined;
}

export function renderPrometheusConfig(mesh: ResolvedMesh): string {
  const config = {
    global: { scrape_interval: '2s', scrape_timeout: '2s', evaluation_interval: '2s' },
    scrape_configs: [
      {
        job_name: 'meshdev',
        // Every sidecar (and the ingress) registers in Consul with its admin port as metrics_port:
        // Prometheus follows the registry, so scaled or restarted instances appear by themselves.
        consul_sd_configs: [{ server: 'consul:8500', refresh_interval: '2s' }],
        relabel_configs: [
          { source_labels: ['__meta_consul_service_metadata_meshdev_mesh'], regex: mesh.name, action: 'keep' },
          {
            source_labels: ['__meta_consul_service_address', '__meta_consul_service_metadata_metrics_port'],
            separator: ':',
            target_label: '__address__',
          },
          { source_labels: ['__meta_consul_service'], target_label: 'service' },
          { source_labels: ['__meta_consul_service_metadata_meshdev_instance'], target_label: 'instance' },
          { source_labels: ['__meta_consul_service_metadata_version'], target_label: 'version' },
          { source_labels: ['__meta_consul_service_metadata_meshdev_role'], target_label: 'role' },
        ],
      },
      ...(hasLoadgen(mesh)
        ? [
            {
              job_name: 'meshdev-loadgen',
              static_configs: [
                { targets: [`loadgen:${LOADGEN_METRICS_PORT}`], labels: { service: 'loadgen', instance: 'loadgen' } },
              ],
            },
          ]
        : []),
    ],
  };
  return `# Generated by meshdev for mesh ${yamlCommentText(mesh.name)}. Do not edit: re-rendered by every \`meshdev up\`.\n${stringify(config)}`;
}

/**
 * A meshdev proxy container (an instance's sidecar or the ingress). Only the ingress gets a Docker
 * healthcheck (its admin `/ready`): a sidecar's readiness is its Consul check (see HEALTH_INTERVAL).
 */
function proxyContainer(
  mesh: ResolvedMesh,
  image: string,
  service: string,
  hostname: string,
  bootstrap: SidecarBootstrap,
  containerLabels: Record<string, string>,
): ComposeService {
  return {
    image,
    container_name: containerName(mesh, service),
    hostname,
    command: ['sidecar'],
    environment: { [SIDECAR_BOOTSTRAP_ENV]: JSON.stringify(bootstrap), NODE_OPTIONS: SIDECAR_NODE_OPTIONS },
    networks: [NETWORK],
    labels: containerLabels,
    ...(bootstrap.mode === 'ingress'
      ? {
          healthcheck: {
            test: httpProbe(INSTANCE_PORTS.admin, '/ready'),
            interval: HEALTH_INTERVAL,
            timeout: '2s',
            retries: 120,
          },
        }
      : {}),
    stop_grace_period: '6s',
    restart: 'no',
  };
}

export function renderProject(mesh: ResolvedMesh, options: RenderOptions): RenderedProject {
  const { images } = options;
  const ports = mesh.topology.ports;
  const services: Record<string, ComposeService> = {};
  const network = NETWORK;

  services.consul = {
    image: images.consul,
    container_name: containerName(mesh, 'consul'),
    hostname: 'consul',
    entrypoint: ['consul'],
    command: ['agent', '-dev', '-client', '0.0.0.0', '-log-level', 'warn'],
    ports: [`127.0.0.1:${ports.consul}:8500`],
    networks: [network],
    tmpfs: ['/consul/data'],
    labels: labels(mesh, 'consul'),
    // The same shell HTTP probe as the others rather than `consul members`, which starts the consul
    // binary (a large Go program) at every interval. The dev agent answers 200 here once its API serves.
    healthcheck: {
      test: httpProbe(8500, '/v1/status/leader'),
      interval: HEALTH_INTERVAL,
      timeout: '2s',
      retries: 60,
    },
    restart: 'no',
  };

  services.prometheus = {
    image: images.prometheus,
    container_name: containerName(mesh, 'prometheus'),
    hostname: 'prometheus',
    entrypoint: ['prometheus'],
    command: [
      '--config.file=/etc/meshdev/prometheus.yml',
      '--storage.tsdb.path=/prometheus',
      '--storage.tsdb.retention.time=6h',
      '--web.enable-lifecycle',
    ],
    ports: [`127.0.0.1:${ports.prometheus}:9090`],
    networks: [network],
    volumes: ['./prometheus.yml:/etc/meshdev/prometheus.yml:ro'],
    // A tmpfs at the image's VOLUME path: no anonymous volume is left behind by `down`. Docker
    // mounts it root-owned whatever the mode, so the process runs as root to write its TSDB there.
    tmpfs: ['/prometheus'],
    user: '0:0',
    labels: labels(mesh, 'prometheus'),
    healthcheck: {
      test: httpProbe(9090, '/-/ready'),
      interval: HEALTH_INTERVAL,
      timeout: '2s',
      retries: 60,
    },
    restart: 'no',
  };

  if (images.grafana !== undefined && mesh.topology.grafana) {
    services.grafana = {
      image: images.grafana,
      container_name: containerName(mesh, 'grafana'),
      hostname: 'grafana',
      environment: {
        GF_AUTH_ANONYMOUS_ENABLED: 'true',
        GF_AUTH_ANONYMOUS_ORG_ROLE: 'Admin',
        GF_AUTH_DISABLE_LOGIN_FORM: 'true',
        GF_PATHS_PROVISIONING: '/etc/meshdev/grafana/provisioning',
        GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH: '/etc/meshdev/grafana/dashboards/mesh-overview.json',
        GF_ANALYTICS_REPORTING_ENABLED: 'false',
        GF_ANALYTICS_CHECK_FOR_UPDATES: 'false',
      },
      ports: [`127.0.0.1:${ports.grafana}:3000`],
      networks: [network],
      volumes: [`${options.grafanaDir}:/etc/meshdev/grafana:ro`],
      tmpfs: ['/var/lib/grafana'],
      user: '0:0',
      labels: labels(mesh, 'grafana'),
      depends_on: { prometheus: { condition: 'service_started' } },
      restart: 'no',
    };
  }

  for (const instance of mesh.instances) {
    const instanceLabels = {
      [LABELS.service]: instance.service,
      [LABELS.instance]: instance.id,
      [LABELS.version]: instance.version,
    };
    // The sidecar owns the instance's network namespace; the app joins it, so killing the app
    // leaves the sidecar (and its Consul registration) up and the instance turns critical.
    services[instance.sidecarContainer] = proxyContainer(
      mesh,
      images.runtime,
      instance.sidecarContainer,
      instance.id,
      sidecarBootstrap(mesh, instance),
      labels(mesh, 'sidecar', instanceLabels),
    );
    const build = appBuild(instance, options.topologyDir);
    services[instance.appContainer] = {
      image: appImage(mesh, instance, images.runtime),
      ...(build === undefined ? {} : { build }),
      container_name: containerName(mesh, instance.appContainer),
      ...(instance.command === undefined ? {} : { command: [...instance.command] }),
      environment: appEnv(mesh, instance),
      network_mode: `service:${instance.sidecarContainer}`,
      labels: labels(mesh, 'app', instanceLabels),
      depends_on: { [instance.sidecarContainer]: { condition: 'service_started', restart: true } },
      stop_grace_period: '5s',
      restart: 'no',
    };
  }

  if (mesh.ingressService !== undefined) {
    services.ingress = {
      ...proxyContainer(
        mesh,
        images.runtime,
        'ingress',
        'ingress',
        ingressBootstrap(mesh, mesh.ingressService),
        labels(mesh, 'ingress'),
      ),
      ports: [`127.0.0.1:${ports.ingress}:${INGRESS_CONTAINER_PORT}`],
    };
    const lg = mesh.topology.loadgen;
    if (hasLoadgen(mesh)) {
      services.loadgen = {
        image: images.runtime,
        container_name: containerName(mesh, 'loadgen'),
        hostname: 'loadgen',
        command: ['loadgen'],
        environment: {
          TARGET_URL: `http://ingress:${INGRESS_CONTAINER_PORT}${lg.path}`,
          RATE: String(lg.rate),
          TIMEOUT_MS: String(lg.timeoutMs),
          METRICS_PORT: String(LOADGEN_METRICS_PORT),
          MESHDEV_MESH: mesh.name,
        },
        networks: [network],
        labels: labels(mesh, 'loadgen'),
        // Traffic starts once the ingress routes, so client success % is not charged for start-up.
        depends_on: { ingress: { condition: 'service_healthy' } },
        healthcheck: {
          test: httpProbe(LOADGEN_METRICS_PORT, '/healthz'),
          interval: HEALTH_INTERVAL,
          timeout: '2s',
          retries: 60,
        },
        stop_grace_period: '3s',
        restart: 'no',
      };
    }
  }

  return {
    compose: {
      name: mesh.project,
      services,
      networks: { [network]: { name: `${mesh.project}_mesh`, labels: { [LABELS.mesh]: mesh.name } } },
    },
    files: { 'prometheus.yml': renderPrometheusConfig(mesh) },
  };
}

/**
 * The Compose file's text. `compose` holds every value as the container gets it; here, once, each
 * becomes a Compose literal (no host-environment interpolation, see `composeLiteral`) and the
 * topology path a quoted comment.
 */
export function toYaml(compose: ComposeFile, topologyPath: string): string {
  return `# Generated by meshdev from ${yamlCommentText(topologyPath)}. Do not edit: re-rendered by every \`meshdev up\`.\n${composeYaml(escapeInterpolation(compose))}`;
}
