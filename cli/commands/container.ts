import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { Mesh } from '../mesh/mesh.js';
import { connectDocker } from '../runtime/docker.js';
import {
  ACTION_DESCRIPTIONS,
  CONTAINER_ACTIONS,
  describeContainerResult,
  runContainerAction,
} from '../faults/containers.js';

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
    if (action === 'stop' || action === 'restart') cmd.option('--timeout <seconds>', 'seconds before SIGKILL', '10');
    cmd.action(
      async (instance: string, opts: { file?: string; sidecar?: boolean; json?: boolean; timeout?: string }) => {
        let timeoutSeconds: number | undefined;
        if (opts.timeout !== undefined) {
          timeoutSeconds = /^\d+$/.test(opts.timeout) ? Number(opts.timeout) : NaN;
          if (!(timeoutSeconds <= 600))
            throw new UsageError(`--timeout: "${opts.timeout}" must be whole seconds from 0 to 600`);
        }
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
