import type { Command } from 'commander';

export function registerSplit(program: Command): void {
  program.command('split').description('(not built yet)');
}
