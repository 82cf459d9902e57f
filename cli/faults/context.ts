import type { Command } from 'commander';
import { loadTopology } from '../mesh/load.js';
import type { ResolvedMesh } from '../mesh/model.js';
import { resolveMesh } from '../mesh/model.js';
import { parseHttpUrl } from '../flags.js';
import { FaultStore } from './store.js';

export interface MeshOpts {
  file?: string;
  consul?: string;
}

export function addMeshOptions(cmd: Command): Command {
  return cmd
    .option('-f, --file <mesh.yaml>', 'topology file (default: ./mesh.yaml, else the bundled demo)')
    .option('--consul <url>', 'Consul HTTP API of the mesh (default: http://127.0.0.1:<ports.consul of the topology>)');
}

/**
 * The topology (to validate targets) and the mesh's Consul KV (to write faults). No Docker needed,
 * and nothing is contacted: the store connects on its first call.
 */
export async function loadFaultContext(opts: MeshOpts): Promise<{ mesh: ResolvedMesh; store: FaultStore }> {
  const consulFlag = opts.consul === undefined ? undefined : parseHttpUrl(opts.consul, '--consul');
  const { topology } = await loadTopology(opts.file);
  const mesh = resolveMesh(topology);
  const consul = consulFlag ?? `http://127.0.0.1:${topology.ports.consul}`;
  return { mesh, store: new FaultStore(consul, mesh.name) };
}

export function print(json: boolean | undefined, human: string, data: unknown): void {
  process.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : `${human}\n`);
}
