import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * How a user types meshdev commands in their shell, for fix lines and hints they can paste. After
 * `npm ci` in a clone (or a local install), `meshdev` is not on PATH: only `npx meshdev` works, and
 * `sudo meshdev` fails as well.
 */
export interface Invocation {
  /** `meshdev` when a `meshdev` executable is on PATH, else `npx meshdev`. */
  readonly cli: string;
  /** The same for commands that need root: `sudo npx meshdev`, without `sudo` when already root. */
  readonly rootCli: string;
}

export interface InvocationFacts {
  /** Whether the user's PATH has a `meshdev` executable (see findOnPath). */
  readonly meshdevOnPath: boolean;
  /** process.getuid(); undefined where there are no uids (Windows), where there is no sudo either. */
  readonly uid: number | undefined;
}

export function invocationFor(facts: InvocationFacts): Invocation {
  const cli = facts.meshdevOnPath ? 'meshdev' : 'npx meshdev';
  return { cli, rootCli: facts.uid === undefined || facts.uid === 0 ? cli : `sudo ${cli}` };
}

/**
 * The first executable `name` in the directories of `path`, else undefined. Skips `node_modules`
 * directories: npm puts `node_modules/.bin` first on PATH for the commands it runs (`npx`, npm
 * scripts), but the shell the user pastes into does not have them.
 */
export function findOnPath(
  name: string,
  path: string = process.env.PATH ?? '',
  isExecutable: (file: string) => boolean = canExecute,
  extensions: readonly string[] = executableExtensions(),
): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir === '' || dir.split(/[\\/]/).includes('node_modules')) continue;
    for (const ext of extensions) {
      const file = join(dir, name + ext);
      if (isExecutable(file)) return file;
    }
  }
  return undefined;
}

function canExecute(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Windows finds `meshdev.cmd` (what npm links) through PATHEXT; elsewhere the name is exact. */
function executableExtensions(): readonly string[] {
  if (process.platform !== 'win32') return [''];
  return ['', ...(process.env.PATHEXT ?? '.COM;.EXE;.BAT;.CMD').split(';').filter(Boolean)];
}

/** This process's facts, read once at start-up (a PATH scan, no subprocess). */
export const INVOCATION_FACTS: InvocationFacts = {
  meshdevOnPath: findOnPath('meshdev') !== undefined,
  uid: process.getuid?.(),
};

/** What this process's user types: `INVOCATION.cli` (`npx meshdev`) and `INVOCATION.rootCli`. */
export const INVOCATION: Invocation = invocationFor(INVOCATION_FACTS);

/** A meshdev command line as the user types it: `meshdevCommand('doctor')` is `npx meshdev doctor`. */
export function meshdevCommand(args: string, invocation: Invocation = INVOCATION): string {
  return `${invocation.cli} ${args}`;
}

/** The same for a command that needs root: `sudo npx meshdev doctor --fix`. */
export function meshdevRootCommand(args: string, invocation: Invocation = INVOCATION): string {
  return `${invocation.rootCli} ${args}`;
}
