import { Command, CommanderError } from 'commander';
import { formatError, MeshdevError } from './errors.js';
import { registerUp } from './commands/up.js';
import { registerDown } from './commands/down.js';
import { registerStatus } from './commands/status.js';
import { registerLogs } from './commands/logs.js';
import { registerCompose } from './commands/compose.js';
import { registerImages } from './commands/images.js';
import { registerDoctor } from './commands/doctor.js';
import { registerProxy } from './commands/proxy.js';
import { registerPolicy } from './commands/policy.js';
import { registerSplit } from './commands/split.js';
import { registerSchema } from './commands/schema.js';
import { registerFault } from './commands/fault.js';
import { registerContainer } from './commands/container.js';
import { registerPartition } from './commands/partition.js';
import { registerChaos } from './commands/chaos.js';
import { registerUi } from './commands/ui.js';
import { registerScale } from './commands/scale.js';
import { VERSION } from './version.js';

export function buildProgram(): Command {
  const program = new Command('meshdev')
    .description('A real service mesh on your laptop and in CI.')
    .version(VERSION)
    .showHelpAfterError('(run `meshdev help` for the list of commands)')
    .exitOverride();
  for (const register of [
    registerUp,
    registerDown,
    registerStatus,
    registerLogs,
    registerCompose,
    registerImages,
    registerDoctor,
    registerProxy,
    registerPolicy,
    registerSplit,
    registerSchema,
    registerFault,
    registerContainer,
    registerPartition,
    registerChaos,
    registerScale,
    registerUi,
  ]) {
    register(program);
  }
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed its message (usage errors, --help, --version).
      return err.exitCode === 0 ? 0 : 2;
    }
    process.stderr.write(`${formatError(err)}\n`);
    if (process.env.MESHDEV_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return err instanceof MeshdevError ? err.exitCode : 1;
  }
}
