import Docker from 'dockerode';

const docker = new Docker();

/** Everything of a Compose project that Docker still knows about (containers, networks, volumes). */
export async function projectResources(
  project: string,
): Promise<{ containers: string[]; networks: string[]; volumes: string[] }> {
  const filters = { label: [`com.docker.compose.project=${project}`] };
  const [c, n, v] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }),
    docker.listVolumes({ filters }),
  ]);
  return {
    containers: c.map((x) => (x.Names[0] ?? x.Id).replace(/^\//, '')),
    networks: n.map((x) => x.Name),
    volumes: (v.Volumes ?? []).map((x) => x.Name),
  };
}
