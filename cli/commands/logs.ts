import { PassThrough } from 'node:stream';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { Mesh } from '../mesh/mesh.js';
import { connectDocker, ensureDockerReachable, listProjectContainers } from '../runtime/docker.js';
import type { ProjectContainer } from '../runtime/docker.js';

function prefixLines(prefix: string, out: NodeJS.WritableStream): PassThrough {
  const stream = new PassThrough();
  let pending = '';
  stream.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) out.write(`${prefix}${line}\n`);
  });
  stream.on('end', () => {
    if (pending !== '') out.write(`${prefix}${pending}\n`);
  });
  return stream;
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
        const mesh = await Mesh.load(opts.file);
        const docker = connectDocker();
        await ensureDockerReachable(docker);
        const all = await listProjectContainers(docker, mesh.resolved.project);
        let chosen: ProjectContainer[];
        if (instance === undefined) {
          chosen = all;
        } else {
          const role = opts.sidecar ? 'sidecar' : 'app';
          const match =
            all.find((c) => c.instance === instance && c.role === role) ??
            all.find((c) => c.composeService === instance);
          if (match === undefined) {
            const known = [...new Set(all.map((c) => c.instance ?? c.composeService))].join(', ');
            throw new UsageError(`no container for "${instance}" in mesh ${mesh.name}`, {
              fix: known === '' ? 'The mesh is not running: `meshdev up`.' : `Known: ${known}.`,
            });
          }
          chosen = [match];
        }
        const width = Math.max(0, ...chosen.map((c) => c.composeService.length));
        const tail = Number.parseInt(opts.tail, 10);
        await Promise.all(
          chosen.map(async (c) => {
            const container = docker.getContainer(c.id);
            const prefix = chosen.length > 1 ? `${c.composeService.padEnd(width)} | ` : '';
            const opts2 = { stdout: true, stderr: true, tail: Number.isFinite(tail) ? tail : 200, timestamps: false };
            if (opts.follow) {
              const stream = await container.logs({ ...opts2, follow: true });
              const out = prefixLines(prefix, process.stdout);
              const err = prefixLines(prefix, process.stderr);
              docker.modem.demuxStream(stream, out, err);
              await new Promise<void>((resolve) => stream.on('end', () => resolve()));
            } else {
              const buf = await container.logs({ ...opts2, follow: false });
              const out = prefixLines(prefix, process.stdout);
              const err = prefixLines(prefix, process.stderr);
              const { Readable } = await import('node:stream');
              const src = Readable.from([buf]);
              docker.modem.demuxStream(src, out, err);
              await new Promise<void>((resolve) => src.on('end', () => resolve()));
              out.end();
              err.end();
            }
          }),
        );
      },
    );
}
