import { mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

/**
 * The scratch directory debootstrap fills. /var/tmp, not /tmp: /tmp is often a noexec or nodev
 * tmpfs, which breaks debootstrap's chroot. A run that was killed (SIGKILL, a closed terminal)
 * leaves its directory behind, possibly with /proc and /sys still mounted inside and debootstrap
 * still running in it: `removeStaleRootfs` clears those before a new run (under the images lock,
 * so no live build of ours is touched).
 */
export const ROOTFS_PARENT = process.platform === 'linux' ? '/var/tmp' : tmpdir();
export const ROOTFS_PREFIX = 'meshdev-rootfs-';

export function makeRootfsDir(): Promise<string> {
  return mkdtemp(join(ROOTFS_PARENT, ROOTFS_PREFIX));
}

/** Mount points at or below `dir`, deepest first (the order to unmount them in). Pure. */
export function mountsBelow(mountsTable: string, dir: string): string[] {
  const decode = (field: string): string =>
    field.replace(/\\(\d{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
  return mountsTable
    .split('\n')
    .map((line) => decode(line.split(' ')[1] ?? ''))
    .filter((point) => point === dir || point.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

/** Unmounts whatever is mounted inside `dir` (lazily: a process may still hold it), then removes it. */
export async function removeRootfs(dir: string): Promise<void> {
  const table = await readFile('/proc/self/mounts', 'utf8').catch(() => '');
  for (const point of mountsBelow(table, dir)) {
    await execa('umount', ['-l', point], { stdin: 'ignore', reject: false });
  }
  await rm(dir, { recursive: true, force: true });
}

/** Processes working in `dir`: a debootstrap left running (its target is an argument) and what it chroots. */
async function processesIn(dir: string): Promise<number[]> {
  const pids = (await readdir('/proc').catch(() => [])).filter((p) => /^\d+$/.test(p));
  const found: number[] = [];
  for (const pid of pids) {
    const args = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (args.includes(dir)) {
      found.push(Number(pid));
      continue;
    }
    for (const link of ['cwd', 'root']) {
      const target = await readlink(`/proc/${pid}/${link}`).catch(() => '');
      if (target === dir || target.startsWith(`${dir}/`)) {
        found.push(Number(pid));
        break;
      }
    }
  }
  return found;
}

/** Removes every scratch root filesystem an earlier, killed run left; returns how many. */
export async function removeStaleRootfs(): Promise<number> {
  const names = (await readdir(ROOTFS_PARENT).catch(() => [])).filter((n) => n.startsWith(ROOTFS_PREFIX));
  for (const name of names) {
    const dir = join(ROOTFS_PARENT, name);
    for (const pid of await processesIn(dir)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await removeRootfs(dir);
  }
  return names.length;
}
