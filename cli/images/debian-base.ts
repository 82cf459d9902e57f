import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { execa } from 'execa';
import { MeshdevError } from '../errors.js';
import { findExecutable } from '../doctor/which.js';
import { meshdevRootCommand } from '../invocation.js';
import { describeDebootstrap, INITIAL_DEBOOTSTRAP_READER, readDebootstrapLine } from './debootstrap-progress.js';
import { throttled } from './engine.js';
import { imageStepError } from './failures.js';
import type { FailureContext } from './failures.js';
import { commandLine, pipeCommands, PipeError } from './pipe.js';
import { makeRootfsDir, removeRootfs, removeStaleRootfs } from './rootfs.js';

/**
 * The Debian base image of air-gapped mode: `debootstrap --variant=minbase` into a directory, then
 * `docker import` of its tarball, streamed. Needs root (debootstrap creates device nodes, chroots)
 * and the `debootstrap` package. It takes a while, so it is done once and the image reused. The image gets
 * its tag only when the import completed, so an interrupted run leaves nothing that looks usable.
 */
export async function buildDebianBase(options: {
  readonly tag: string;
  readonly suite: string;
  readonly context: FailureContext;
  readonly onProgress: (line: string) => void;
  readonly signal?: AbortSignal;
}): Promise<void> {
  const { tag, suite, context, onProgress, signal } = options;
  const mirror = context.mirror;
  const debootstrap = await findExecutable('debootstrap');
  if (debootstrap === undefined) {
    throw new MeshdevError(
      'ENODEBOOTSTRAP',
      `Building the Debian base image ${tag} needs debootstrap, which is not installed.`,
      {
        fix: `Run \`${meshdevRootCommand('doctor --fix')}\` (or \`apt-get install -y debootstrap\`), or load a base image: \`docker load\`.`,
      },
    );
  }
  if (process.getuid?.() !== 0) {
    throw new MeshdevError('EROOT', `Building the Debian base image ${tag} with debootstrap needs root.`, {
      fix: `Run \`${meshdevRootCommand('images --airgap')}\` once; later runs reuse the image without root.`,
    });
  }
  const stale = await removeStaleRootfs();
  if (stale > 0) onProgress(`${tag}: removed ${stale} root filesystem(s) an interrupted run left in /var/tmp`);
  const root = await makeRootfsDir();
  try {
    onProgress(`building ${tag} with debootstrap (${suite} minbase from ${mirror}, about 30 s)`);
    await runDebootstrap(debootstrap, [suite, root, mirror], tag, context, onProgress, signal);
    onProgress(`${tag}: importing the root filesystem (about 210 MB, streamed)`);
    const tar = { file: 'tar', args: ['-C', root, '-c', '.'] };
    const dockerImport = { file: 'docker', args: ['import', '--change', 'CMD ["bash"]', '-', tag] };
    try {
      await pipeCommands(tar, dockerImport, signal === undefined ? {} : { signal });
    } catch (err) {
      throw imageStepError(
        { image: tag, step: 'import', command: `${commandLine(tar)} | ${commandLine(dockerImport)}` },
        err instanceof PipeError ? err.message : String(err),
        context,
        signal?.aborted === true,
      );
    }
  } finally {
    await removeRootfs(root);
  }
}

/** Lines of a stream, as they come (debootstrap's outputs must all be read, or it blocks). */
function eachLine(stream: Readable | null | undefined, onLine: (line: string) => void): Promise<void> {
  if (stream === null || stream === undefined) return Promise.resolve();
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  lines.on('line', onLine);
  return new Promise((resolve) => lines.once('close', resolve));
}

/**
 * Runs debootstrap with its machine-readable progress on fd 3 (`--debian-installer`), turned into
 * one line every 2 s (and at each new phase): `meshdev/debian:trixie: downloading packages 23/78,
 * 32.8 MB (21%)`. Its own stdout and stderr (dpkg, gpgv) are kept only as the last lines for a
 * failure message.
 */
async function runDebootstrap(
  debootstrap: string,
  positional: readonly string[],
  tag: string,
  context: FailureContext,
  onProgress: (line: string) => void,
  signal: AbortSignal | undefined,
): Promise<void> {
  const args = ['--debian-installer', '--variant=minbase', ...positional];
  const run = execa(debootstrap, args, {
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    buffer: false,
    reject: false,
    ...(signal === undefined ? {} : { cancelSignal: signal }),
  });
  const recent: string[] = [];
  const keep = (line: string): void => {
    if (line.trim() === '') return;
    recent.push(line);
    if (recent.length > 12) recent.shift();
  };
  let reader = INITIAL_DEBOOTSTRAP_READER;
  let phase = reader.progress.phase;
  const report = throttled(onProgress, 2_000);
  await Promise.all([
    eachLine(run.stdout, keep),
    eachLine(run.stderr, keep),
    eachLine(run.stdio[3] as Readable | undefined, (line) => {
      reader = readDebootstrapLine(reader, line);
      const p = reader.progress;
      report(`${tag}: ${describeDebootstrap(p)}`, p.phase !== phase);
      phase = p.phase;
    }),
  ]);
  const result = await run;
  if (!result.failed) return;
  const problems = reader.progress.problems;
  const interrupted = signal?.aborted === true;
  const cause = [
    interrupted
      ? `interrupted while ${reader.progress.phase}`
      : `exit ${result.exitCode ?? '?'}${result.signal === undefined ? '' : ` (${result.signal})`} while ${reader.progress.phase}`,
    // Its own last lines tell why it failed; an interruption needs no more than that it was one.
    ...(interrupted ? [] : [...problems, ...recent.slice(-6).map((l) => `| ${l}`)]),
  ].join('\n');
  throw imageStepError(
    { image: tag, step: 'debootstrap', command: commandLine({ file: debootstrap, args }) },
    cause,
    context,
    interrupted,
  );
}
