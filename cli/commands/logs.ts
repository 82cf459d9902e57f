import type { Command } from 'commander';

export function registerLogs(program: Command): void {
  program.command('logs').description('(not built yet)');
}
