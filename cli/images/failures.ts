import { MeshdevError } from '../errors.js';

/**
 * What a failed image step tells a user: which step, which command, why, and the fix. Pure apart
 * from building the error: the cause is read from the step's own output.
 */

export type ImageFailureKind = 'disk-full' | 'mirror-unreachable' | 'interrupted' | 'other';

export function classifyImageFailure(output: string): ImageFailureKind {
  if (/no space left on device|ENOSPC|disk quota exceeded/i.test(output)) return 'disk-full';
  if (
    /failed getting release file|couldn't download|could not resolve|temporary failure (in name )?resolving|failed to fetch|unable to connect|connection (timed out|refused)|network is unreachable|no route to host|couldn't connect/i.test(
      output,
    )
  )
    return 'mirror-unreachable';
  if (/\binterrupted\b|SIGINT|SIGTERM|operation was aborted|AbortError/i.test(output)) return 'interrupted';
  return 'other';
}

export interface ImageStep {
  /** The image the step makes, e.g. `meshdev/debian:trixie`. */
  readonly image: string;
  /** What the step does: `debootstrap`, `import`, `build`, `fetch node`... */
  readonly step: string;
  /** The command (or engine call) as a user would run it. */
  readonly command: string;
}

export interface FailureContext {
  /** The Debian mirror the step fetched from. */
  readonly mirror: string;
  /** How a user runs meshdev here (`npx meshdev` after `npm ci`), for fix lines they can paste. */
  readonly cli: string;
}

export function fixForImageFailure(kind: ImageFailureKind, context: FailureContext): string {
  const again = `then run \`${context.cli} up\` again: it starts this step over (nothing half-built is kept)`;
  switch (kind) {
    case 'disk-full':
      return `Free disk space (\`df -h /var/tmp /var/lib/docker\` shows where; \`docker system prune\` removes unused images and build cache), ${again}.`;
    case 'mirror-unreachable':
      return (
        `Check that the Debian mirror answers from this machine: \`curl -sI ${context.mirror}/dists/trixie/InRelease\` ` +
        `(meshdev reads it from /etc/apt/sources.list.d/debian.sources), ${again}.`
      );
    case 'interrupted':
      return `Run \`${context.cli} up\` again: it starts this step over (nothing half-built is kept).`;
    case 'other':
      return `Run \`${context.cli} images --airgap\` to repeat the image steps alone with their output; if it fails the same way, the lines above are the step's own last output.`;
  }
}

/**
 * `meshdev/consul:1.8.7: the build step failed.` with the command, the cause and the fix.
 * `interrupted`: the user stopped it (its own error then only says it was cut short).
 */
export function imageStepError(
  step: ImageStep,
  cause: string,
  context: FailureContext,
  interrupted = false,
): MeshdevError {
  const kind = interrupted ? 'interrupted' : classifyImageFailure(cause);
  const said = interrupted && !/\binterrupted\b/.test(cause) ? `interrupted (${cause})` : cause;
  return new MeshdevError(
    kind === 'interrupted' ? 'EINTERRUPTED' : 'EIMAGE',
    `${step.image}: the ${step.step} step failed.\n  command: ${step.command}\n  cause: ${said.trim().split('\n').join('\n         ')}`,
    { fix: fixForImageFailure(kind, context), ...(kind === 'interrupted' ? { exitCode: 130 } : {}) },
  );
}
