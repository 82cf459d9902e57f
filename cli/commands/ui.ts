import type { Command } from 'commander';
import { parseDuration } from '../duration.js';
import { MeshdevError } from '../errors.js';
import { Mesh } from '../mesh/mesh.js';
import { formatStatus } from '../mesh/status.js';
import { meshdevCommand } from '../invocation.js';

interface UiFlags {
  file?: string;
  yes?: boolean;
  refresh: string;
}

/**
 * React picks its development or production build from NODE_ENV when it loads. The development
 * build (checks, user-timing marks on every commit) is the largest item in the dashboard's CPU
 * profile when it runs (bench/ui/RESULTS.md); a terminal tool runs the production build unless told otherwise.
 */
export function preferProductionReact(env: NodeJS.ProcessEnv = process.env): void {
  env.NODE_ENV ??= 'production';
}

/** NO_COLOR (https://no-color.org): any non-empty value turns colour off, also inside Ink's chalk. */
export function colourOff(env: NodeJS.ProcessEnv): boolean {
  return env.NO_COLOR !== undefined && env.NO_COLOR !== '';
}

/** Opens the dashboard on a running mesh; it changes the mesh through the mesh's control, as the commands do. */
export async function startUi(
  mesh: Mesh,
  options: { yes: boolean; refreshMs: number; noColor: boolean; fileFlag: string | undefined },
): Promise<void> {
  // chalk (inside Ink) reads FORCE_COLOR when it loads, and does not know NO_COLOR.
  if (options.noColor) process.env.FORCE_COLOR = '0';
  // Ink draws only the last frame when it believes it runs in CI (env CI / CONTINUOUS_INTEGRATION,
  // read once when it loads). We are on an interactive terminal here, so tell it so.
  process.env.CI = 'false';
  process.env.CONTINUOUS_INTEGRATION = 'false';
  preferProductionReact();
  const { runUi } = await import('../tui/run.js');
  await runUi(mesh, options);
}

export function registerUi(program: Command): void {
  program
    .command('ui')
    .description('live terminal dashboard of a running mesh: health, traffic, faults; break it from the keyboard')
    .option('-f, --file <mesh.yaml>', 'topology file (default: ./mesh.yaml, else the bundled demo)')
    .option('-y, --yes', 'do not ask before destructive actions (kill, stop, partition, down)')
    .option('--refresh <duration>', 'how often to poll Docker, Consul, Prometheus and the sidecars', '1s')
    .action(async (opts: UiFlags) => {
      const refreshMs = parseDuration(opts.refresh, '--refresh', { min: 200, max: 60_000 });
      const mesh = await Mesh.load(opts.file);
      const status = await mesh.status();
      // Pipes, CI logs and `watch` get the plain table instead of a dashboard they cannot drive.
      if (!process.stdout.isTTY || !process.stdin.isTTY) {
        process.stdout.write(`${formatStatus(status)}\n`);
        return;
      }
      if (!status.running) {
        throw new MeshdevError('ENOTRUNNING', `mesh ${mesh.name} is not running`, {
          fix: `start it with \`${meshdevCommand(`up${opts.file === undefined ? '' : ` -f ${opts.file}`}`)}\``,
        });
      }
      const noColor = colourOff(process.env);
      await startUi(mesh, { yes: opts.yes ?? false, refreshMs, noColor, fileFlag: opts.file });
    });
}
