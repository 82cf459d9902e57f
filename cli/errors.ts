import { meshdevCommand, meshdevRootCommand } from './invocation.js';

/**
 * Errors a user can hit. Each carries a stable `code`, the exit status the CLI ends with, and
 * where possible the fix, so that every command prints the same shape of message and
 * `meshdev doctor` can list the same fixes.
 */
export class MeshdevError extends Error {
  readonly code: string;
  readonly exitCode: number;
  readonly fix: string | undefined;

  constructor(code: string, message: string, options: { fix?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MeshdevError';
    this.code = code;
    this.exitCode = options.exitCode ?? 1;
    this.fix = options.fix;
  }
}

/** Bad input: a topology, a flag or a value the user gave. Exit status 2, nothing was changed. */
export class UsageError extends MeshdevError {
  constructor(message: string, options: { fix?: string; code?: string } = {}) {
    super(options.code ?? 'EUSAGE', message, {
      exitCode: 2,
      ...(options.fix === undefined ? {} : { fix: options.fix }),
    });
    this.name = 'UsageError';
  }
}

export const DOCKER_UNREACHABLE_FIX = `Run \`${meshdevCommand('doctor')}\` to see what is missing, or \`${meshdevRootCommand('doctor --fix')}\` to install and start it.`;

export function dockerUnreachable(cause: unknown): MeshdevError {
  return new MeshdevError('EDOCKER', 'Cannot reach the Docker engine.', { fix: DOCKER_UNREACHABLE_FIX, cause });
}

/** Renders an error for the terminal: message, then the fix on its own line. */
export function formatError(err: unknown): string {
  if (err instanceof MeshdevError) {
    const lines = [`error: ${err.message}`];
    if (err.fix !== undefined) lines.push(`  fix: ${err.fix}`);
    return lines.join('\n');
  }
  if (err instanceof Error) return `error: ${err.message}`;
  return `error: ${String(err)}`;
}
