import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * One `ensureImages` at a time per machine: two test files (or `up` and `images`) building the same
 * air-gapped images at once would each run debootstrap and the same builds. A directory is the
 * lock; it holds the owner's pid so a lock left by a killed process is taken over. It is written
 * aside and renamed into place (atomic, and refused when the lock exists), so nobody ever sees the
 * lock without its pid.
 */
export const IMAGES_LOCK_DIR = '/tmp/meshdev-images.lock';

/** Pure: whether a lock held by `ownerPid` may be taken over. */
export function lockIsStale(ownerPid: number | undefined, ownerAlive: boolean): boolean {
  return ownerPid === undefined || !ownerAlive;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function withImagesLock<T>(
  onWait: (line: string) => void,
  fn: () => Promise<T>,
  dir: string = IMAGES_LOCK_DIR,
  timeoutMs = 15 * 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let told = false;
  for (;;) {
    const staged = await mkdtemp(`${dir}.staged-`);
    try {
      await writeFile(join(staged, 'pid'), String(process.pid));
      await rename(staged, dir);
      break;
    } catch (err) {
      await rm(staged, { recursive: true, force: true });
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
      const raw = await readFile(join(dir, 'pid'), 'utf8').catch(() => undefined);
      const pid = raw === undefined || !/^\d+$/.test(raw.trim()) ? undefined : Number(raw);
      // A lock without a pid file (made by an older meshdev, between its mkdir and writeFile): give it a moment.
      if (
        lockIsStale(pid, pid !== undefined && alive(pid)) &&
        (pid !== undefined || Date.now() - (deadline - timeoutMs) > 2_000)
      ) {
        await rm(dir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`another meshdev (pid ${pid ?? '?'}) holds ${dir} for too long`);
      if (!told) {
        onWait(`waiting for another meshdev (pid ${pid ?? '?'}) that is preparing images`);
        told = true;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
