import type { Command } from 'commander';
import { Mesh } from '../mesh/mesh.js';
import { plannedImages } from '../images/index.js';

export function registerCompose(program: Command): void {
  program
    .command('compose')
    .description('print the Compose file `up` would run (nothing is started)')
    .option('-f, --file <mesh.yaml>', 'topology file (default: ./mesh.yaml, else the bundled demo)')
    .option('--airgap', 'with the locally built images of air-gapped mode')
    .action(async (opts: { file?: string; airgap?: boolean }) => {
      const mesh = await Mesh.load(opts.file);
      const { yaml } = mesh.render(plannedImages({ airgap: opts.airgap ?? false }));
      process.stdout.write(yaml);
    });
}
