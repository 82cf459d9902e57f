import { execa } from 'execa';

/** One command of a pipeline: what to run, and a name for it in messages. */
export interface PipeCommand {
  readonly file: string;
  readonly args: readonly string[];
}

export interface PipeFailure {
  /** The side that failed first: when both did, the other usually failed because of it. */
  readonly side: 'from' | 'to';
  readonly command: string;
  readonly exitCode: number | undefined;
  /** The last lines that side wrote on stderr. */
  readonly stderr: string;
}

export class PipeError extends Error {
  readonly failure: PipeFailure;
  constructor(failure: PipeFailure) {
    super(
      `${failure.command} failed${failure.exitCode === undefined ? '' : ` (exit ${failure.exitCode})`}` +
        (failure.stderr === '' ? '' : `: ${failure.stderr}`),
    );
    this.name = 'PipeError';
    this.failure = failure;
  }
}

/** `docker import --change 'CMD ["bash"]' - tag`: a command as a user would type it, for messages. */
export function commandLine(c: PipeCommand): string {
  const quote = (a: string): string => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`);
  return [c.file, ...c.args].map(quote).join(' ');
}

/**
 * Runs `from | to` and resolves when both ended well. Streams any size: neither side's stdout is
 * kept (execa keeps a copy of a subprocess's output by default, up to its maxBuffer, also when
 * piped, and a root filesystem is larger than that), only the tail of each stderr.
 * When one side fails the other is stopped, and the error names the side, its exit code and
 * its last stderr lines. `signal` stops both.
 */
export async function pipeCommands(
  from: PipeCommand,
  to: PipeCommand,
  options: { readonly signal?: AbortSignal } = {},
): Promise<void> {
  const shared = {
    buffer: { stdout: false, stderr: true },
    reject: false,
    ...(options.signal === undefined ? {} : { cancelSignal: options.signal }),
  } as const;
  const source = execa(from.file, from.args, { ...shared, stdin: 'ignore' });
  const sink = execa(to.file, to.args, shared);
  // With reject: false, pipe() still rejects when either side failed: both results are read below.
  await source.pipe(sink).catch(() => undefined);
  const results = { from: await source, to: await sink };
  const failures = { from: undefined as PipeFailure | undefined, to: undefined as PipeFailure | undefined };
  for (const side of ['from', 'to'] as const) {
    const r = results[side];
    if (!r.failed) continue;
    failures[side] = {
      side,
      command: commandLine(side === 'from' ? from : to),
      exitCode: r.exitCode,
      stderr: tail(typeof r.stderr === 'string' && r.stderr !== '' ? r.stderr : (r.shortMessage ?? '')),
    };
  }
  const cause = causeOf(failures.from, failures.to);
  if (cause !== undefined) throw new PipeError(cause);
}

/**
 * Which failure to report when a pipeline failed. When both sides failed, one usually failed
 * because of the other: a writer whose reader went away sees a broken pipe or a reset, a reader
 * whose writer died sees a truncated stream. Pure, so the rule is pinned by unit tests.
 */
export function causeOf(from: PipeFailure | undefined, to: PipeFailure | undefined): PipeFailure | undefined {
  if (from === undefined || to === undefined) return from ?? to;
  const brokenPipe = /broken pipe|EPIPE|connection reset|ECONNRESET|error writing|write error/i;
  if (brokenPipe.test(from.stderr) && !brokenPipe.test(to.stderr)) return to;
  return from;
}

/** The last few lines of a command's stderr, trimmed. */
function tail(text: string): string {
  return text.trim().split('\n').slice(-6).join('\n');
}
