import type { ResolvedMesh } from '../../mesh/model.js';
import type { ComposeService } from '../compose-file.js';
import { containerLabels, containerName, NETWORK } from '../compose-file.js';

/** Grafana with anonymous admin access and the package's provisioning and dashboards mounted read-only. */
export function grafanaService(mesh: ResolvedMesh, image: string, grafanaDir: string): ComposeService {
  return {
    image,
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
    ports: [`127.0.0.1:${mesh.topology.ports.grafana}:3000`],
    networks: [NETWORK],
    volumes: [`${grafanaDir}:/etc/meshdev/grafana:ro`],
    tmpfs: ['/var/lib/grafana'],
    user: '0:0',
    labels: containerLabels(mesh, 'grafana'),
    depends_on: { prometheus: { condition: 'service_started' } },
    restart: 'no',
  };
}
