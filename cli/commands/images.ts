import type { Command } from 'commander';
import Docker from 'dockerode';
import { dockerUnreachable, MeshdevError, UsageError } from '../errors.js';
import { ensureImages, removeMeshdevImages } from '../images/index.js';
import type { RemovedImages, ResolvedImages } from '../images/index.js';
import { meshdevCommand } from '../invocation.js';

function renderImages(r: ResolvedImages): string {
  const rows = r.details.map((d) => [d.role, d.image ?? '-', d.origin, `${d.seconds} s`]);
  const header = ['ROLE', 'IMAGE', 'ORIGIN', 'TIME'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const out = [line(header), ...rows.map(line), ''];
  out.push(r.airgap ? 'Mode: air-gapped (local images built from Debian packages).' : 'Mode: upstream images.');
  for (const n of r.notices) out.push(`note: ${n}`);
  return out.join('\n');
}

function renderRemoved(r: RemovedImages): string {
  const lines = r.removed.map((image) => `removed ${image}`);
  for (const k of r.kept) lines.push(`kept    ${k.image} (${k.reason})`);
  if (lines.length === 0) lines.push('no meshdev images on this machine');
  return lines.join('\n');
}

export function registerImages(program: Command): void {
  program
    .command('images')
    .description(
      'make every image of the mesh present: use local ones, pull pinned upstream images, or build local equivalents',
    )
    .option('--airgap', 'build local equivalents from Debian packages instead of pulling (no registry needed)')
    .option('--no-grafana', 'do not pull the Grafana image')
    .option('--json', 'print what was resolved as JSON')
    .option('--remove', 'remove every image meshdev built or pulled instead (the next `up` starts cold)')
    .action(async (opts: { airgap?: boolean; grafana: boolean; json?: boolean; remove?: boolean }) => {
      if (opts.remove === true && (opts.airgap === true || !opts.grafana)) {
        throw new UsageError('--remove cannot be combined with --airgap or --no-grafana (it removes every image)');
      }
      if (opts.remove === true) {
        const docker = new Docker();
        await docker.ping().catch((err: unknown) => {
          throw dockerUnreachable(err);
        });
        const removed = await removeMeshdevImages(docker);
        process.stdout.write(
          opts.json === true ? `${JSON.stringify(removed, null, 2)}\n` : `${renderRemoved(removed)}\n`,
        );
        if (removed.kept.length > 0) {
          throw new MeshdevError('EIMAGEINUSE', `${removed.kept.length} image(s) are still used by containers.`, {
            fix: `Stop the meshes that use them (\`${meshdevCommand('down')}\`, with -f for your own mesh.yaml), then run this again.`,
          });
        }
        return;
      }
      const resolved = await ensureImages({
        airgap: opts.airgap === true ? true : 'auto',
        grafana: opts.grafana,
        // Progress on stderr: with --json, stdout is only the JSON document.
        onProgress: (line) => process.stderr.write(`${line}\n`),
      });
      process.stdout.write(
        opts.json === true ? `${JSON.stringify(resolved, null, 2)}\n` : `${renderImages(resolved)}\n`,
      );
    });
}
