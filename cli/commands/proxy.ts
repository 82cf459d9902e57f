import type { Command } from 'commander';

export function registerProxy(program: Command): void {
  program.command('proxy').description('(not built yet)');
}
