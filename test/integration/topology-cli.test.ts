import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meshdev } from '../support/cli.js';

/**
 * A bad topology as a user meets it: the built CLI's `compose` (which renders and starts nothing)
 * ends with exit 2 and a message naming the file, the place and what is wrong, and never waits.
 */
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshdev-topology-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Well above the CLI's start-up; a FIFO that blocked the read would run into it. */
const TIMEOUT_MS = 20_000;

async function compose(name: string, text?: string) {
  const file = join(dir, name);
  if (text !== undefined) await writeFile(file, text);
  return { file, ...(await meshdev(['compose', '-f', file], { timeoutMs: TIMEOUT_MS })) };
}

describe('meshdev compose -f with a bad topology', () => {
  it.skipIf(process.platform === 'win32')('refuses a FIFO at once, with exit 2', async () => {
    const file = join(dir, 'fifo.yaml');
    execFileSync('mkfifo', [file]);
    const started = Date.now();
    const r = await meshdev(['compose', '-f', file], { timeoutMs: TIMEOUT_MS });
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`error: topology file ${file} is a named pipe (FIFO), not a regular file`);
  });

  it('reports an undefined alias at its file, line, column and field, with exit 2', async () => {
    const r = await compose('alias.yaml', 'name: shop\nservices:\n  gateway: *common\n');
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      `error: invalid YAML\n${r.file}:3:12: services.gateway: the alias *common has no anchor &common before it`,
    );
  });

  it('refuses an app port the sidecar binds, with the reason and exit 2', async () => {
    const r = await compose('port.yaml', 'name: shop\nservices:\n  gateway:\n    port: 15000\n');
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      `error: invalid topology\n${r.file}:4:5: services.gateway.port: port 15000 is the sidecar's admin listener in the same network namespace; pick another`,
    );
  });

  it('refuses an alias bomb without expanding it, with exit 2', async () => {
    const ladder = ['a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let i = 1; i <= 9; i++)
      ladder.push(
        `a${i}: &a${i} [${Array(9)
          .fill(`*a${i - 1}`)
          .join(', ')}]`,
      );
    const r = await compose('bomb.yaml', `${ladder.join('\n')}\nname: shop\nservices: {gateway: {port: 3000}}\n`);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/bomb\.yaml:\d+:\d+: a\d+(\[\d+\])+: more than 100 aliases expanded/);
  });
});
