import type { Command } from 'commander';

export function registerImages(program: Command): void {
  program.command('images').description('(not built yet)');
}
