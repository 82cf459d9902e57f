import { execa } from 'execa';
import type { ResultPromise } from 'execa';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
export const CLI = resolve(REPO_ROOT, 'dist/bin/meshdev.mjs');

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs the built `meshdev` CLI as a user would (a real process, real Docker underneath). */
export async function meshdev(
  args: readonly string[],
  options: { cwd?: string; timeoutMs?: number; env?: Readonly<Record<string, string>> } = {},
): Promise<CliResult> {
  const r = await execa('node', [CLI, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    reject: false,
    timeout: options.timeoutMs ?? 600_000,
    stdin: 'ignore',
    env: { NO_COLOR: '1', ...options.env },
  });
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function spawnMeshdev(args: readonly string[], options: { cwd?: string } = {}): ResultPromise {
  return execa('node', [CLI, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    reject: false,
    stdin: 'ignore',
    env: { NO_COLOR: '1' },
  });
}
