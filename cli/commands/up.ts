import type { Command } from 'commander';
import { parseDuration, formatDuration } from '../duration.js';
import { MeshdevError } from '../errors.js';
import { WAIT_TIMEOUT_BOUNDS } from '../flags.js';
import { ensureImages } from '../images/index.js';
import type { GrafanaLeftOut, ResolvedImages } from '../images/index.js';
import { meshdevCommand } from '../invocation.js';
import { Mesh } from '../mesh/mesh.js';
import type { StartedMesh } from '../mesh/mesh.js';
import { formatStatus } from '../mesh/status.js';

interface UpFlags {
  file?: string;
  detach?: boolean;
  wait?: boolean;
  timeout: string;
  airgap?: boolean;
  json?: boolean;
}

/** Until the terminal UI exists: reprint the status whenever it changes, until Ctrl-C. */
async function followStatus(started: StartedMesh, signal: AbortSignal): Promise<void> {
  let last = '';
  while (!signal.aborted) {
    const text = formatStatus(await started.status());
    if (text !== last) {
      process.stdout.write(`\n${new Date().toISOString().slice(11, 19)}\n${text}\n`);
      last = text;
    }
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 2000);
      signal.addEventListener('abort', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}

async function liveProgress() {
  const { colourOff, preferProductionReact } = await import('./ui.js');
  const noColor = colourOff(process.env);
  // Both are read once when Ink and chalk load: colour off under NO_COLOR, and live frames on an
  // interactive terminal even where CI is set (see startUi).
  if (noColor) process.env.FORCE_COLOR = '0';
  process.env.CI = 'false';
  process.env.CONTINUOUS_INTEGRATION = 'false';
  preferProductionReact();
  const { startUpProgress } = await import('../tui/UpProgress.js');
  return startUpProgress(process.stderr, noColor);
}

/**
 * What `up` prints when the mesh is up: where everything is, and what was left out, why, and how
 * to get it. (The switch to air-gapped mode was shown while it happened.) Pure.
 */
export function upSummary(s: {
  readonly mesh: string;
  readonly took: string;
  readonly endpoints: { ingress: string | null; consul: string; prometheus: string; grafana: string | null };
  readonly grafanaLeftOut: GrafanaLeftOut | undefined;
  readonly airgap: boolean;
  readonly down: string;
}): string {
  const e = s.endpoints;
  const left = s.grafanaLeftOut;
  return [
    `mesh ${s.mesh} is up (${s.took})`,
    ...(e.ingress ? [`  ingress     ${e.ingress}/products`] : []),
    `  consul      ${e.consul}/ui`,
    `  prometheus  ${e.prometheus}`,
    ...(e.grafana ? [`  grafana     ${e.grafana}`] : []),
    ...(left === undefined ? [] : [`  grafana     left out: ${left.why}`, `              to add it: ${left.fix}`]),
    ...(s.airgap ? ['  images      air-gapped: local equivalents built from Debian packages'] : []),
    `stop it with: ${s.down}`,
    '',
  ].join('\n');
}

export function registerUp(program: Command): void {
  program
    .command('up')
    .description('start the mesh (demo services, sidecars, Consul, Prometheus, Grafana, load generator)')
    .option('-f, --file <mesh.yaml>', 'topology file (default: ./mesh.yaml, else the bundled demo)')
    .option('-d, --detach', 'start and return instead of opening the terminal UI (or following the status)')
    .option('--wait', 'return only when every instance is healthy in Consul and Prometheus is ready')
    .option('--timeout <duration>', 'how long --wait waits', '3m')
    .option('--airgap', 'build local images from Debian packages instead of pulling (no registry needed)')
    .option('--json', 'print the endpoints as JSON when the mesh is up, and return (no UI, no following)')
    .action(async (opts: UpFlags) => {
      const timeoutMs = parseDuration(opts.timeout, '--timeout', WAIT_TIMEOUT_BOUNDS);
      const mesh = await Mesh.load(opts.file);
      const abort = new AbortController();
      // The first Ctrl-C stops what runs (debootstrap, a build, Compose) and lets `up` clean up;
      // a second one ends the process at once. `on`, not `once`: execa's exit handler re-raises a
      // signal that no other listener is left to handle, which killed `up` before it cleaned up.
      const onSigint = () => {
        if (abort.signal.aborted) process.exit(130);
        abort.abort(new MeshdevError('EINTERRUPTED', 'interrupted', { exitCode: 130 }));
      };
      process.on('SIGINT', onSigint);
      const t0 = Date.now();
      process.stderr.write(`starting mesh ${mesh.name} from ${mesh.topologyPath}\n`);
      // A terminal gets a live step list (spinners, bars); pipes, CI logs and MESHDEV_VERBOSE
      // get one plain line per step.
      const live = process.stderr.isTTY && !process.env.MESHDEV_VERBOSE ? await liveProgress() : undefined;
      const log = live?.line ?? ((line: string) => process.stderr.write(`  ${line}\n`));
      let started: StartedMesh;
      let resolved: ResolvedImages | undefined;
      try {
        started = await mesh.up({
          wait: opts.wait ?? !opts.detach,
          timeoutMs,
          onProgress: log,
          ...(live === undefined ? {} : { onContainerCounts: live.counts }),
          signal: abort.signal,
          images: async (o) => {
            resolved = await ensureImages({ airgap: opts.airgap ? true : 'auto', ...o });
            return resolved;
          },
        });
        await live?.finish(true);
      } catch (err) {
        // The failed step stays on screen marked; the error and its fix follow below it.
        await live?.finish(false);
        throw err;
      } finally {
        process.off('SIGINT', onSigint);
      }
      const result = {
        mesh: mesh.name,
        tookMs: Date.now() - t0,
        endpoints: started.endpoints,
        grafanaLeftOut: resolved?.grafanaLeftOut ?? null,
        airgap: resolved?.airgap ?? false,
      };
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        return;
      }
      process.stdout.write(
        upSummary({
          ...result,
          took: formatDuration(result.tookMs),
          grafanaLeftOut: result.grafanaLeftOut ?? undefined,
          down: meshdevCommand(`down${opts.file === undefined ? '' : ` -f ${opts.file}`}`),
        }),
      );
      if (opts.detach) return;
      // An interactive terminal gets the dashboard; pipes and CI logs keep following the status.
      if (process.stdout.isTTY && process.stdin.isTTY) {
        const { startUi, colourOff } = await import('./ui.js');
        await startUi(mesh, { yes: false, refreshMs: 1000, noColor: colourOff(process.env), fileFlag: opts.file });
        return;
      }
      const stop = new AbortController();
      const onStop = (): void => stop.abort();
      // `on` for the same reason as above; SIGTERM too (a CI step's timeout, a supervisor).
      process.on('SIGINT', onStop);
      process.on('SIGTERM', onStop);
      try {
        await followStatus(started, stop.signal);
      } finally {
        process.off('SIGINT', onStop);
        process.off('SIGTERM', onStop);
      }
      process.stdout.write(`\nstopped following; the mesh keeps running (\`${meshdevCommand('down')}\` stops it)\n`);
    });
}
