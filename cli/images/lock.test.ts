import { mkdtemp, rm, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockIsStale, withImagesLock } from './lock.js';

describe('lockIsStale', () => {
  it('takes over only from a dead or unknown owner', () => {
    expect(lockIsStale(123, true)).toBe(false);
    expect(lockIsStale(123, false)).toBe(true);
    expect(lockIsStale(undefined, false)).toBe(true);
  });
});

describe('withImagesLock', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'meshdev-lock-test-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs holders one after the other and releases the lock', async () => {
    const lock = join(dir, 'lock');
    const events: string[] = [];
    const holder = (name: string) => async () => {
      events.push(`${name} in`);
      await new Promise((r) => setTimeout(r, 100));
      events.push(`${name} out`);
      return name;
    };
    const waits: string[] = [];
    const results = await Promise.all([
      withImagesLock((l) => waits.push(l), holder('a'), lock),
      withImagesLock((l) => waits.push(l), holder('b'), lock),
    ]);
    expect(results).toEqual(['a', 'b']);
    // Either may win; the other runs only after it left.
    const [first, second] = events[0] === 'a in' ? ['a', 'b'] : ['b', 'a'];
    expect(events).toEqual([`${first} in`, `${first} out`, `${second} in`, `${second} out`]);
    // The waiter always learns who holds the lock (the pid is in place before the lock is).
    expect(waits).toEqual([`waiting for another meshdev (pid ${process.pid}) that is preparing images`]);
    await expect(stat(lock)).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await readdir(dir)).filter((f) => f.includes('staged'))).toEqual([]);
  });

  it('takes over a lock left by a dead process', async () => {
    const lock = join(dir, 'lock');
    await mkdir(lock);
    await writeFile(join(lock, 'pid'), '999999999');
    await expect(
      withImagesLock(
        () => {},
        async () => 'ran',
        lock,
        5_000,
      ),
    ).resolves.toBe('ran');
  });
});
