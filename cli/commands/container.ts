import type { Command } from 'commander';
import { parseDuration } from '../duration.js';
import { UsageError } from '../errors.js';
import { Mesh } from '../mesh/mesh.js';
import { connectDocker } from '../runtime/docker.js';
import {
  ACTION_DESCRIPTIONS,
  CONTAINER_ACTIONS,
  describeContainerResult,
  runContainerAction,
} from '../faults/containers.js';

/**
 * `stop`/`restart --timeout`: how long Docker waits after SIGTERM before SIGKILL, in the whole
 * seconds the engine takes (0s: SIGKILL at once).
 */
export function parseStopTimeout(text: string): number {
  const ms = parseDuration(text, '--timeout', { max: 600_000 });
  if (ms % 1000 !== 0)
    throw new UsageError(`--timeout: "${text}" is not whole seconds (Docker waits whole seconds), e.g. 10s`);
  return ms / 1000;
}

/** `meshdev kill|stop|start|restart|pause|unpause INSTANCE [--sidecar]`. */
export function registerContainer(program: Command): void {
  for (const action of CONTAINER_ACTIONS) {
    const cmd = program
      .command(action)
      .description(ACTION_DESCRIPTIONS[action] + ' (--sidecar: its sidecar instead)')
      .argument('<instance>', 'an instance id such as catalog-2')
      .option('-f, --file <mesh.yaml>', 'topology file (default: ./mesh.yaml, else the bundled demo)')
      .option('--sidecar', "act on the instance's sidecar container instead of its app")
      .option('--json', 'machine-readable output');
    if (action === 'stop' || action === 'restart')
      cmd.option('--timeout <duration>', 'how long to wait after SIGTERM before SIGKILL (0s to 10m)', '10s');
    cmd.action(
      async (instance: string, opts: { file?: string; sidecar?: boolean; json?: boolean; timeout?: string }) => {
        const timeoutSeconds = opts.timeout === undefined ? undefined : parseStopTimeout(opts.timeout);
        const mesh = await Mesh.load(opts.file);
        const r = await runContainerAction(connectDocker(), mesh.resolved, instance, action, {
          sidecar: opts.sidecar ?? false,
          ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
        });
        process.stdout.write(opts.json ? `${JSON.stringify(r, null, 2)}\n` : `${describeContainerResult(r)}\n`);
      },
    );
  }
}
