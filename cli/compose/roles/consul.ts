import type { ResolvedMesh } from '../../mesh/model.js';
import type { ComposeService } from '../compose-file.js';
import { containerLabels, containerName, HEALTH_INTERVAL, httpProbe, NETWORK } from '../compose-file.js';

/** Consul: the registry every sidecar registers in and the KV store of live config and faults. */
export function consulService(mesh: ResolvedMesh, image: string): ComposeService {
  return {
    image,
    container_name: containerName(mesh, 'consul'),
    hostname: 'consul',
    entrypoint: ['consul'],
    command: ['agent', '-dev', '-client', '0.0.0.0', '-log-level', 'warn'],
    ports: [`127.0.0.1:${mesh.topology.ports.consul}:8500`],
    networks: [NETWORK],
    tmpfs: ['/consul/data'],
    labels: containerLabels(mesh, 'consul'),
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
}
