import type { Command } from 'commander';
import { Mesh } from '../mesh/mesh.js';
import { formatStatus } from '../mesh/status.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description(
      "show every instance: container state, Consul health, the callers' sidecars that eject it, and the mesh endpoints",
    )
    .option('-f, --file <mesh.yaml>', 'topology file (default: ./mesh.yaml, else the bundled demo)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { file?: string; json?: boolean }) => {
      const mesh = await Mesh.load(opts.file);
      const status = await mesh.status();
      process.stdout.write(opts.json ? `${JSON.stringify(status, null, 2)}\n` : `${formatStatus(status)}\n`);
    });
}
