import type { Command } from 'commander';
import type { MeshControl } from '../control/index.js';
import { parseHttpUrl, parseMeshName } from '../flags.js';
import { Mesh } from '../mesh/mesh.js';

/** Flags every command that changes a running mesh takes. */
export interface ControlFlags {
  file?: string;
  consul?: string;
  /** Only the policy commands take it: the name the documents are kept under in KV. */
  mesh?: string;
}

export function addMeshOptions(cmd: Command): Command {
  return cmd
    .option('-f, --file <mesh.yaml>', 'topology file (default: ./mesh.yaml, else the bundled demo)')
    .option('--consul <url>', 'Consul HTTP API of the mesh (default: http://127.0.0.1:<ports.consul of the topology>)');
}

export function addConsulOptions(cmd: Command): Command {
  return addMeshOptions(cmd).option('--mesh <name>', 'mesh name (default: the topology\'s "name")');
}

/**
 * The control of the mesh a command acts on: its topology read with the `meshdev scale` override
 * (so a scaled instance is a target like any other), and where its Consul answers. The flags are
 * checked first; nothing is contacted.
 */
export async function loadControl(flags: ControlFlags): Promise<MeshControl> {
  const consul = flags.consul === undefined ? undefined : parseHttpUrl(flags.consul, '--consul');
  const kvName = flags.mesh === undefined ? undefined : parseMeshName(flags.mesh, '--mesh');
  const mesh = await Mesh.load(flags.file);
  return mesh.control({
    ...(consul === undefined ? {} : { consul }),
    ...(kvName === undefined ? {} : { kvName }),
  });
}

export function print(json: boolean | undefined, human: string, data: unknown): void {
  process.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : `${human}\n`);
}
