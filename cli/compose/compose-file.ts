import type { ResolvedMesh } from '../mesh/model.js';
import type { ContainerRole } from './labels.js';
import { LABELS } from './labels.js';

/* A deliberately small slice of the Compose specification: only what meshdev emits. */
export interface ComposeService {
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
export const NETWORK = 'mesh';

/**
 * Every healthcheck is a `docker exec`: runc, the containerd shim and dockerd spend tens of
 * milliseconds of CPU on each, so checking every container every interval costs a sizeable share of
 * a core on a small machine. Only the containers Compose itself must wait for carry one (Consul,
 * Prometheus, the ingress, which the load generator `depends_on`, and the load generator); sidecars
 * have none: Consul already checks each of them every second (its `/healthz`, passing only while the
 * app answers) and `up --wait` waits for every instance to pass there. 2 s keeps `up --wait` quick.
 */
export const HEALTH_INTERVAL = '2s';

/**
 * Probes a loopback HTTP endpoint with what the image has: busybox `wget` in the upstream
 * Prometheus/Grafana images, bash's /dev/tcp in Debian-based ones (no curl in slim images, and a
 * `node -e` probe would start a whole Node process per container per interval).
 */
export function httpProbe(port: number, path: string): string[] {
  const viaBash = `exec 3<>/dev/tcp/127.0.0.1/${port} && printf 'GET ${path} HTTP/1.0\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200 '`;
  return [
    'CMD-SHELL',
    `if command -v bash >/dev/null; then bash -c "${viaBash}"; else wget -q -O /dev/null http://127.0.0.1:${port}${path}; fi`,
  ];
}

export function containerLabels(
  mesh: ResolvedMesh,
  role: ContainerRole,
  extra: Record<string, string> = {},
): Record<string, string> {
  return { [LABELS.mesh]: mesh.name, [LABELS.role]: role, ...extra };
}

export function containerName(mesh: ResolvedMesh, service: string): string {
  return `${mesh.project}-${service}`;
}
