/** Labels on every container of a mesh, so status, logs, faults and the UI find them without the compose file. */
export const LABELS = {
  mesh: 'dev.meshdev.mesh',
  role: 'dev.meshdev.role',
  service: 'dev.meshdev.service',
  instance: 'dev.meshdev.instance',
  version: 'dev.meshdev.version',
  /** Set by Compose itself on containers, networks and volumes. */
  composeProject: 'com.docker.compose.project',
  composeService: 'com.docker.compose.service',
} as const;

export type ContainerRole = 'app' | 'sidecar' | 'ingress' | 'consul' | 'prometheus' | 'grafana' | 'loadgen';
