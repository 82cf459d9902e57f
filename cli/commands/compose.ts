import type { Command } from 'commander';

export function registerCompose(program: Command): void {
  program.command('compose').description('(not built yet)');
}
