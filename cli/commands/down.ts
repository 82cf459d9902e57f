import type { Command } from 'commander';
import { Mesh } from '../mesh/mesh.js';

export function registerDown(program: Command): void {
  program
    .command('down')
    .description('stop the mesh and remove its containers and network')
    .option('-f, --file <mesh.yaml>', 'topology file (default: ./mesh.yaml, else the bundled demo)')
    .option('-v, --volumes', 'also remove volumes')
    .option('--json', 'machine-readable output')
    .action(async (opts: { file?: string; volumes?: boolean; json?: boolean }) => {
      const mesh = await Mesh.load(opts.file);
      const t0 = Date.now();
      await mesh.attach().down({ volumes: opts.volumes ?? false, onProgress: (l) => process.stderr.write(`  ${l}\n`) });
      const tookMs = Date.now() - t0;
      process.stdout.write(
        opts.json
          ? `${JSON.stringify({ mesh: mesh.name, down: true, tookMs }, null, 2)}\n`
          : `mesh ${mesh.name} is down (${(tookMs / 1000).toFixed(1)} s)\n`,
      );
    });
}
