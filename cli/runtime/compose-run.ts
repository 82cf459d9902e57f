import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execa } from 'execa';
import * as z from 'zod';

/**
 * The `docker compose up` that a meshdev `up` runs, recorded beside the rendered Compose file.
 *
 * Compose is a child process: when `up` is killed outright (SIGKILL, a closed terminal, an OOM kill)
 * Compose goes on creating containers until its next write to the dead pipe. A `down` run in that
 * window would remove what exists and then watch Compose create the rest. So `up` records the
 * child's pid, and `down` stops that process first — only after checking the pid still runs
 * Compose for this project, since pids are reused.
 */

export const ComposeRunRecord = z.strictObject({
  pid: z.number().int().positive(),
  project: z.string().min(1),
});
export type ComposeRunRecord = z.infer<typeof ComposeRunRecord>;

/** Pure: whether a process with this command line is the recorded Compose run of `project`. */
export function isRecordedComposeRun(record: ComposeRunRecord, argv: readonly string[] | undefined): boolean {
  if (argv === undefined || !argv.includes('compose')) return false;
  const p = argv.indexOf('-p');
  return p >= 0 && argv[p + 1] === record.project;
}

export function writeComposeRunRecord(file: string, record: ComposeRunRecord): void {
  // Synchronous on purpose: written from the spawn callback, before anything can kill `up`.
  writeFileSync(file, JSON.stringify(record));
}

export function clearComposeRunRecord(file: string): void {
  rmSync(file, { force: true });
}

function readRecord(file: string): ComposeRunRecord | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const parsed = ComposeRunRecord.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The argv of a live process, or undefined when it is gone (or cannot be read). */
async function argvOf(pid: number): Promise<string[] | undefined> {
  const proc = `/proc/${pid}/cmdline`;
  if (existsSync('/proc/self/cmdline')) {
    try {
      return readFileSync(proc, 'utf8')
        .split('\0')
        .filter((a) => a !== '');
    } catch {
      return undefined;
    }
  }
  // No procfs (macOS): ps gives the command line space-joined, enough for the words compared above.
  const r = await execa('ps', ['-o', 'args=', '-p', String(pid)], { reject: false });
  return r.exitCode === 0 && r.stdout.trim() !== '' ? r.stdout.trim().split(/\s+/) : undefined;
}

/**
 * Stops the Compose run recorded in `file` if it still runs for `project`, waiting (bounded) until
 * it has exited. Returns its pid when there was one to stop.
 */
export async function stopRecordedComposeRun(
  file: string,
  project: string,
  timeoutMs = 10_000,
): Promise<number | undefined> {
  const record = readRecord(file);
  if (record === undefined || record.project !== project) return undefined;
  if (!isRecordedComposeRun(record, await argvOf(record.pid))) {
    clearComposeRunRecord(file);
    return undefined;
  }
  try {
    process.kill(record.pid, 'SIGKILL');
  } catch {
    // Exited in between: nothing to stop.
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && isRecordedComposeRun(record, await argvOf(record.pid))) {
    await new Promise((r) => setTimeout(r, 100));
  }
  clearComposeRunRecord(file);
  return record.pid;
}
