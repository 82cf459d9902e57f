import type { Command } from 'commander';
import { durationText, parseDuration } from '../duration.js';
import { ACTION_DESCRIPTIONS, CONTAINER_ACTIONS, DEFAULT_STOP_TIMEOUT_MS, checkStopTimeout } from '../control/index.js';
import { describeContainerResult } from '../control/index.js';
import { Mesh } from '../mesh/mesh.js';

/**
 * `stop`/`restart --timeout`: how long Docker waits after SIGTERM before SIGKILL, in ms (whole
 * seconds, what the engine takes; 0s: SIGKILL at once).
 */
export function parseStopTimeout(text: string): number {
  return checkStopTimeout(parseDuration(text, '--timeout'), { name: () => '--timeout', text: () => text });
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
      cmd.option(
        '--timeout <duration>',
        `how long to wait after SIGTERM before SIGKILL (0s to 10m; default ${durationText(DEFAULT_STOP_TIMEOUT_MS)})`,
      );
    cmd.action(
      async (instance: string, opts: { file?: string; sidecar?: boolean; json?: boolean; timeout?: string }) => {
        const stopTimeoutMs = opts.timeout === undefined ? undefined : parseStopTimeout(opts.timeout);
        const mesh = await Mesh.load(opts.file);
        const r = await mesh.control().container(action, instance, {
          sidecar: opts.sidecar ?? false,
          ...(stopTimeoutMs === undefined ? {} : { stopTimeoutMs }),
        });
        process.stdout.write(opts.json ? `${JSON.stringify(r, null, 2)}\n` : `${describeContainerResult(r)}\n`);
      },
    );
  }
}
