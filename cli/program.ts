import { Command, CommanderError } from 'commander';
import { formatError, MeshdevError, UsageError } from './errors.js';
import { VERSION } from './version.js';
import { meshdevCommand } from './invocation.js';

type Register = (program: Command) => void;

/**
 * Every command module, loaded on demand: a command imports what it acts with (dockerode, the
 * Consul client, Ink and React for the UI...), and loading all of them for every invocation would
 * cost tens of MB of RSS and most of the CLI's start-up time (bench/ui/RESULTS.md). `main` loads only the module of the command
 * it runs; help and unknown commands load them all (commander lists and suggests from them).
 * Keyed by every top-level command name each module registers, in help order.
 */
const COMMAND_MODULES: readonly (readonly [names: readonly string[], load: () => Promise<Register>])[] = [
  [['up'], async () => (await import('./commands/up.js')).registerUp],
  [['down'], async () => (await import('./commands/down.js')).registerDown],
  [['status'], async () => (await import('./commands/status.js')).registerStatus],
  [['logs'], async () => (await import('./commands/logs.js')).registerLogs],
  [['compose'], async () => (await import('./commands/compose.js')).registerCompose],
  [['images'], async () => (await import('./commands/images.js')).registerImages],
  [['doctor'], async () => (await import('./commands/doctor.js')).registerDoctor],
  [['proxy'], async () => (await import('./commands/proxy.js')).registerProxy],
  [['policy'], async () => (await import('./commands/policy.js')).registerPolicy],
  [['split'], async () => (await import('./commands/split.js')).registerSplit],
  [['schema'], async () => (await import('./commands/schema.js')).registerSchema],
  [['fault'], async () => (await import('./commands/fault.js')).registerFault],
  [
    ['kill', 'stop', 'start', 'restart', 'pause', 'unpause'],
    async () => (await import('./commands/container.js')).registerContainer,
  ],
  [['partition', 'heal'], async () => (await import('./commands/partition.js')).registerPartition],
  [['chaos'], async () => (await import('./commands/chaos.js')).registerChaos],
  [['scale'], async () => (await import('./commands/scale.js')).registerScale],
  [['ui'], async () => (await import('./commands/ui.js')).registerUi],
];

/** Top-level command names, for tests and completion. */
export const COMMAND_NAMES: readonly string[] = COMMAND_MODULES.flatMap(([names]) => names);

/** The command an argument list runs: its first word that is not an option. */
export function commandOf(argv: readonly string[]): string | undefined {
  return argv.find((a) => !a.startsWith('-'));
}

/**
 * The program with the commands `argv` needs (all of them without `argv`, for help and tests).
 */
export async function buildProgram(argv?: readonly string[]): Promise<Command> {
  const program = new Command('meshdev')
    .description('A real service mesh on your laptop and in CI.')
    .version(VERSION)
    .showHelpAfterError(`(run \`${meshdevCommand('help')}\` for the list of commands)`)
    // The program's own options (--version) only before the command: after it, `--version` is
    // the option of `policy get|set` (else `policy get catalog --version v2` printed meshdev's version).
    .enablePositionalOptions()
    .exitOverride();
  const wanted = argv === undefined ? undefined : commandOf(argv);
  const only = COMMAND_MODULES.find(([names]) => wanted !== undefined && names.includes(wanted));
  const modules = only === undefined ? COMMAND_MODULES : [only];
  const registers = await Promise.all(modules.map(([, load]) => load()));
  for (const register of registers) register(program);
  refuseRepeatedOptions(program);
  return program;
}

/**
 * A flag that takes one value given twice (`--ttl 1m --ttl 2m`) is bad input, not "the last one
 * wins": one of the two is a mistake, and which one the user meant cannot be known. Options with a
 * parser of their own are repeatable on purpose (`fault add --header`, collected into a list).
 * Commander already refuses unknown options and, since v13, arguments beyond those declared.
 */
export function refuseRepeatedOptions(command: Command): void {
  for (const option of command.options) {
    if (option.parseArg !== undefined || option.variadic || !(option.required || option.optional)) continue;
    const key = option.attributeName();
    const flag = option.long ?? option.short ?? key;
    option.argParser((value: string) => {
      if (command.getOptionValueSource(key) === 'cli') {
        throw new UsageError(
          `${flag}: given twice ("${String(command.getOptionValue(key))}" and "${value}"); give it once`,
        );
      }
      return value;
    });
  }
  for (const sub of command.commands) refuseRepeatedOptions(sub);
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    const program = await buildProgram(argv);
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
