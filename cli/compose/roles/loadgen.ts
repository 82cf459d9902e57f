import type { ResolvedMesh } from '../../mesh/model.js';
import type { ComposeService } from '../compose-file.js';
import { containerLabels, containerName, HEALTH_INTERVAL, httpProbe, NETWORK } from '../compose-file.js';
import { INGRESS_CONTAINER_PORT } from './proxy.js';

export const LOADGEN_METRICS_PORT = 9464;

/** The load generator runs when the topology enables it and there is an ingress to send to. */
export function hasLoadgen(mesh: ResolvedMesh): boolean {
  return mesh.topology.loadgen.enabled && mesh.ingressService !== undefined;
}

/** The load generator: steady traffic at the ingress, with its own client-side metrics. */
export function loadgenService(mesh: ResolvedMesh, image: string): ComposeService {
  const lg = mesh.topology.loadgen;
  return {
    image,
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
    networks: [NETWORK],
    labels: containerLabels(mesh, 'loadgen'),
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
