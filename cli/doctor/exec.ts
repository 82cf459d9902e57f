import { execa } from 'execa';

/** The outcome of one command, never a thrown error: checks decide what a failure means. */
export interface CommandResult {
  readonly ok: boolean;
  readonly exitCode: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
  /** The program is not installed (spawn ENOENT). */
  readonly notFound: boolean;
  readonly timedOut: boolean;
  /** The command line, for error messages. */
  readonly command: string;
}

export interface RunOptions {
  readonly timeoutMs?: number;
  readonly cwd?: string;
  readonly env?: Record<string, string>;
}

/** Runs a command to completion with a time limit (default 60 s); stdin is closed. */
export async function runCommand(
  file: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<CommandResult> {
  const r = await execa(file, [...args], {
    reject: false,
    stdin: 'ignore',
    timeout: options.timeoutMs ?? 60_000,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.env === undefined ? {} : { env: options.env }),
  });
  return {
    ok: !r.failed && r.exitCode === 0,
    exitCode: r.exitCode,
    stdout: typeof r.stdout === 'string' ? r.stdout : '',
    stderr: typeof r.stderr === 'string' ? r.stderr : '',
    notFound: r.code === 'ENOENT',
    timedOut: r.timedOut,
    command: [file, ...args].join(' '),
  };
}

/** The last lines of a command's output, for an error message that shows why it failed. */
export function tail(result: CommandResult, lines = 15): string {
  const all = `${result.stdout}\n${result.stderr}`.trim().split('\n');
  return all.slice(-lines).join('\n');
}

export class CommandFailed extends Error {
  constructor(readonly result: CommandResult) {
    super(
      `\`${result.command}\` ${result.timedOut ? 'timed out' : result.notFound ? 'is not installed' : `failed (exit ${result.exitCode ?? '?'})`}` +
        (result.notFound ? '' : `:\n${tail(result)}`),
    );
    this.name = 'CommandFailed';
  }
}

/** Like runCommand, but throws CommandFailed (with the output's tail) when the command fails. */
export async function mustRun(file: string, args: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
  const r = await runCommand(file, args, options);
  if (!r.ok) throw new CommandFailed(r);
  return r;
}
