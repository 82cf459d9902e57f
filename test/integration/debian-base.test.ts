import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDebianBase } from '../../cli/images/debian-base.js';
import { systemDebianMirror } from '../../cli/doctor/apt.js';
import { MeshdevError } from '../../cli/errors.js';
import { ROOTFS_PARENT, ROOTFS_PREFIX } from '../../cli/images/rootfs.js';
import { REPO_ROOT } from '../support/cli.js';

/**
 * The Debian base image's cold path under faults, for real (debootstrap, docker import), under
 * tags of its own so the images the other tests use are untouched: a build killed with SIGKILL in
 * the middle of debootstrap leaves a root filesystem behind (mounts included) and no image; the next
 * build clears it and succeeds. An unreachable mirror fails with the step, the command, the cause
 * and the fix.
 */
const docker = new Docker();
const KILLED_TAG = 'meshdev-test/debian:killed';

const rootfsDirs = async (): Promise<string[]> =>
  (await readdir(ROOTFS_PARENT)).filter((n) => n.startsWith(ROOTFS_PREFIX)).map((n) => join(ROOTFS_PARENT, n));

const imageExists = (tag: string): Promise<boolean> =>
  docker
    .getImage(tag)
    .inspect()
    .then(
      () => true,
      () => false,
    );

afterAll(async () => {
  await docker
    .getImage(KILLED_TAG)
    .remove()
    .catch(() => undefined);
});

describe('the Debian base image, interrupted and failing', () => {
  it(
    'a build killed in debootstrap leaves no image, and the next build starts over cleanly',
    { timeout: 300_000 },
    async () => {
      const mirror = await systemDebianMirror();
      const before = await rootfsDirs();
      // A separate process, as `meshdev up` is, killed without a chance to clean up.
      const script = `
      import { buildDebianBase } from ${JSON.stringify(join(REPO_ROOT, 'dist/cli/images/debian-base.js'))};
      await buildDebianBase({ tag: ${JSON.stringify(KILLED_TAG)}, suite: 'trixie',
        context: { mirror: ${JSON.stringify(mirror)}, cli: 'npx meshdev' }, onProgress: (l) => console.log(l) });`;
      const child = execa('node', ['--input-type=module', '-e', script], {
        stdin: 'ignore',
        all: true,
        buffer: false,
        reject: false,
      });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error('debootstrap did not reach the package downloads in 120 s')),
          120_000,
        );
        let seen = '';
        child.all!.on('data', (chunk: Buffer) => {
          seen += chunk.toString();
          // Far enough that packages are being written into the root filesystem.
          if (/extracting packages \d+\/\d+/.test(seen)) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      child.kill('SIGKILL');
      await child;
      const left = (await rootfsDirs()).filter((d) => !before.includes(d));
      expect(left).toHaveLength(1);
      expect(await imageExists(KILLED_TAG)).toBe(false);

      // The next build: the leftover (and any debootstrap still running in it) goes first.
      const lines: string[] = [];
      await buildDebianBase({
        tag: KILLED_TAG,
        suite: 'trixie',
        context: { mirror, cli: 'npx meshdev' },
        onProgress: (l) => lines.push(l),
      });
      expect(lines.join('\n')).toMatch(/removed \d+ root filesystem\(s\) an interrupted run left/);
      expect(lines.some((l) => /downloading packages \d+\/\d+/.test(l))).toBe(true);
      // One step with progress: a handful of lines, not one per package.
      expect(lines.length).toBeLessThan(40);
      expect(await rootfsDirs()).toEqual(before.filter((d) => !left.includes(d)));
      const mounts = await readFile('/proc/self/mounts', 'utf8');
      expect(mounts).not.toContain(left[0]!);
      const { stdout } = await execa('docker', ['run', '--rm', KILLED_TAG, 'cat', '/etc/debian_version']);
      expect(stdout).toMatch(/^1[3-9]\.|trixie/);
    },
  );

  it('an unreachable mirror names the step, the command, the cause and the fix', { timeout: 120_000 }, async () => {
    // Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    const mirror = 'http://127.0.0.1:9/debian';
    const tag = 'meshdev-test/debian:no-mirror';
    const err = await buildDebianBase({
      tag,
      suite: 'trixie',
      context: { mirror, cli: 'npx meshdev' },
      onProgress: () => {},
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MeshdevError);
    const e = err as MeshdevError;
    expect(e.message).toMatch(/^meshdev-test\/debian:no-mirror: the debootstrap step failed\./);
    expect(e.message).toMatch(
      /command: \S*debootstrap --debian-installer --variant=minbase trixie \S+ http:\/\/127\.0\.0\.1:9\/debian/,
    );
    expect(e.message).toMatch(/cause: exit 1 while downloading the package lists\n\s+E: Failed getting release file/);
    expect(e.fix).toContain('`curl -sI http://127.0.0.1:9/debian/dists/trixie/InRelease`');
    expect(await imageExists(tag)).toBe(false);
  });
});
