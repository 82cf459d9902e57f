import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { parseWholeNumber } from '../flags.js';
import { logContainers, streamContainerLogs } from '../mesh/logs.js';
import { Mesh } from '../mesh/mesh.js';
import { connectDocker } from '../runtime/docker.js';

/** INSTANCE and `--tail`, checked before Docker is asked (which containers exist is Docker's to say). Pure. */
export function parseLogsInput(instance: string | undefined, tail: string): { tail: number } {
  if (instance !== undefined && !/^[a-z0-9][a-z0-9._-]*$/.test(instance)) {
    throw new UsageError(`INSTANCE: "${instance}" is not an instance or container name, e.g. catalog-2 or consul`);
  }
  return { tail: parseWholeNumber(tail, '--tail', { min: 0, max: 1_000_000 }) };
}

export function registerLogs(program: Command): void {
  program
    .command('logs')
    .description("print an instance's logs (its app; --sidecar for its sidecar), or every container's")
    .argument('[instance]', 'instance id such as catalog-2, or consul, prometheus, grafana, ingress, loadgen')
    .option('-f, --follow', 'keep following')
    .option('--sidecar', "the instance's sidecar instead of its app")
    .option('-n, --tail <lines>', 'lines from the end of each log', '200')
    .option('--file <mesh.yaml>', 'topology file (default: ./mesh.yaml, else the bundled demo)')
    .action(
      async (
        instance: string | undefined,
        opts: { follow?: boolean; sidecar?: boolean; tail: string; file?: string },
      ) => {
        const { tail } = parseLogsInput(instance, opts.tail);
        const mesh = await Mesh.load(opts.file);
        const docker = connectDocker();
        const chosen = await logContainers(docker, mesh.resolved.project, instance, opts.sidecar ?? false);
        const width = Math.max(0, ...chosen.map((c) => c.composeService.length));
        await Promise.all(
          chosen.map(async (c) => {
            const prefix = chosen.length > 1 ? `${c.composeService.padEnd(width)} | ` : '';
            const follow = await streamContainerLogs(docker, c.id, {
              tail,
              follow: opts.follow ?? false,
              onLine: (line, stream) =>
                (stream === 'stdout' ? process.stdout : process.stderr).write(`${prefix}${line}\n`),
            });
            await follow.done;
          }),
        );
      },
    );
}
