import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isRecordedComposeRun, stopRecordedComposeRun, writeComposeRunRecord } from './compose-run.js';

describe('isRecordedComposeRun', () => {
  const record = { pid: 42, project: 'meshdev-shop' };
  it('recognises the Compose run of the project', () => {
    expect(isRecordedComposeRun(record, ['docker', 'compose', '-p', 'meshdev-shop', '-f', 'x', 'up'])).toBe(true);
  });
  it('refuses a reused pid, another project, or a process that is gone', () => {
    expect(isRecordedComposeRun(record, ['node', 'server.js'])).toBe(false);
    expect(isRecordedComposeRun(record, ['docker', 'compose', '-p', 'meshdev-other', 'up'])).toBe(false);
    expect(isRecordedComposeRun(record, ['docker', 'compose', '-p'])).toBe(false);
    expect(isRecordedComposeRun(record, undefined)).toBe(false);
    expect(isRecordedComposeRun(record, [])).toBe(false);
  });
});

describe('stopRecordedComposeRun', () => {
  const children: ReturnType<typeof spawn>[] = [];
  let dir: string | undefined;
  afterEach(async () => {
    for (const c of children) c.kill('SIGKILL');
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  // A real process whose command line reads like Compose's (node ignores the extra words).
  function fakeCompose(project: string) {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', 'compose', '-p', project], {
      stdio: 'ignore',
    });
    children.push(child);
    return child;
  }

  it('kills the recorded run of this project and waits until it has exited', async () => {
    dir = await mkdtemp(join(tmpdir(), 'meshdev-compose-run-'));
    const file = join(dir, 'compose-run.json');
    const child = fakeCompose('meshdev-shop');
    const exited = new Promise((r) => child.once('exit', r));
    writeComposeRunRecord(file, { pid: child.pid!, project: 'meshdev-shop' });
    expect(await stopRecordedComposeRun(file, 'meshdev-shop')).toBe(child.pid);
    expect(await exited).toBeNull(); // exit code null: ended by a signal
    expect(existsSync(file)).toBe(false);
  });

  it('leaves alone a process that is not that run (pid reused, or another project)', async () => {
    dir = await mkdtemp(join(tmpdir(), 'meshdev-compose-run-'));
    const file = join(dir, 'compose-run.json');
    const other = fakeCompose('meshdev-other');
    writeComposeRunRecord(file, { pid: other.pid!, project: 'meshdev-shop' });
    expect(await stopRecordedComposeRun(file, 'meshdev-shop')).toBeUndefined();
    expect(other.exitCode).toBeNull();
    expect(other.killed).toBe(false);
    expect(existsSync(file)).toBe(false);
  });

  it('does nothing without a record', async () => {
    dir = await mkdtemp(join(tmpdir(), 'meshdev-compose-run-'));
    expect(await stopRecordedComposeRun(join(dir, 'none.json'), 'meshdev-shop')).toBeUndefined();
  });
});
