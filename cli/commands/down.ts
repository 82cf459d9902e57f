import type { Command } from 'commander';

export function registerDown(program: Command): void {
  program.command('down').description('(not built yet)');
}
