import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { MeshdevError } from '../errors.js';
import { findExecutable } from '../doctor/which.js';
import { throttled } from './engine.js';

/**
 * The Debian base image of air-gapped mode: `debootstrap --variant=minbase` into a directory, then
 * `docker import` of its tarball. Needs root (debootstrap creates device nodes, chroots) and the
 * `debootstrap` package. Takes ~25 s; done once, the image is reused.
 */
export async function buildDebianBase(options: {
  readonly tag: string;
  readonly suite: string;
  readonly mirror: string;
  readonly onProgress: (line: string) => void;
}): Promise<void> {
  const { tag, suite, mirror, onProgress } = options;
  const debootstrap = await findExecutable('debootstrap');
  if (debootstrap === undefined) {
    throw new MeshdevError(
      'ENODEBOOTSTRAP',
      `Building the Debian base image ${tag} needs debootstrap, which is not installed.`,
      {
        fix: 'Run `sudo meshdev doctor --fix` (or `apt-get install -y debootstrap`), or load a base image: `docker load`.',
      },
    );
  }
  if (process.getuid?.() !== 0) {
    throw new MeshdevError('EROOT', `Building the Debian base image ${tag} with debootstrap needs root.`, {
      fix: 'Run `sudo meshdev images --airgap` once; later runs reuse the image without root.',
    });
  }
  // /var/tmp, not /tmp: /tmp is often a noexec or nodev tmpfs, which breaks debootstrap's chroot.
  const root = await mkdtemp(join(process.platform === 'linux' ? '/var/tmp' : tmpdir(), 'meshdev-rootfs-'));
  try {
    onProgress(`${tag}: debootstrap --variant=minbase ${suite} from ${mirror} (about 30 s)`);
    const report = throttled(onProgress, 2_000);
    let phase = '';
    const run = execa(debootstrap, ['--variant=minbase', suite, root, mirror], {
      stdin: 'ignore',
      all: true,
      reject: false,
    });
    const recent: string[] = [];
    for await (const line of run.iterable({ from: 'all' })) {
      recent.push(line);
      if (recent.length > 15) recent.shift();
      // "I: Retrieving libc6 ..." -> phase "I: Retrieving": a new phase is always shown.
      const linePhase = line.split(' ').slice(0, 2).join(' ');
      report(`${tag}:   ${line.slice(0, 110)}`, linePhase !== phase);
      phase = linePhase;
    }
    const result = await run;
    if (result.failed) {
      throw new MeshdevError(
        'EDEBOOTSTRAP',
        `debootstrap of ${suite} failed (exit ${result.exitCode ?? '?'}):\n${recent.join('\n')}`,
        {
          fix: `Check that the Debian mirror ${mirror} answers (it is read from /etc/apt/sources.list.d/debian.sources).`,
        },
      );
    }
    onProgress(`${tag}: importing the root filesystem`);
    await execa('tar', ['-C', root, '-c', '.'], { stdin: 'ignore' }).pipe('docker', [
      'import',
      '--change',
      'CMD ["bash"]',
      '-',
      tag,
    ]);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
