import type Docker from 'dockerode';

/**
 * The address of a container on its Compose network. Sidecar admin and load generator control
 * ports are not published on the host, but on Linux the host routes to bridge networks, so the UI
 * reaches them directly. (Docker Desktop does not route; there these sources report unknown.)
 */
export async function containerAddress(docker: Docker, id: string): Promise<string> {
  const info = await docker.getContainer(id).inspect();
  const networks = Object.values(info.NetworkSettings?.Networks ?? {});
  const ip = networks.map((n) => n.IPAddress).find((a) => a !== undefined && a !== '');
  if (ip === undefined) throw new Error(`container ${info.Name} has no network address (is it running?)`);
  return ip;
}
