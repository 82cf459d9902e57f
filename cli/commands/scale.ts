import type { Command } from 'commander';
import { parseDuration } from '../duration.js';
import { UsageError } from '../errors.js';
import { WAIT_TIMEOUT_BOUNDS } from '../flags.js';
import { Mesh } from '../mesh/mesh.js';
import type { ScalePlan } from '../mesh/scale.js';
import { parseScaleTarget } from '../mesh/scale.js';
import { meshdevCommand } from '../invocation.js';

/** `catalog 4`, `catalog=4`, `catalog=+1`, `catalog -1` into a service and a count. */
export function splitScaleArgs(first: string, second: string | undefined): { service: string; count: string } {
  const eq = first.indexOf('=');
  if (eq >= 0) {
    if (second !== undefined) throw new UsageError(`scale: give either SERVICE=N or SERVICE N, not both`);
    return { service: first.slice(0, eq), count: first.slice(eq + 1) };
  }
  if (second === undefined) {
    throw new UsageError('scale: how many instances?', {
      fix: `e.g. \`${meshdevCommand('scale catalog 4')}\` or \`${meshdevCommand('scale catalog=+1')}\`.`,
    });
  }
  return { service: first, count: second };
}

export function describeScale(plan: ScalePlan): string {
  if (plan.add.length === 0 && plan.remove.length === 0) return `${plan.service} already has ${plan.to} instance(s)`;
  const what = plan.add.length > 0 ? `added ${plan.add.join(', ')}` : `removed ${plan.remove.join(', ')}`;
  const versions = Object.entries(plan.replicas)
    .map(([v, n]) => `${v}=${n}`)
    .join(' ');
  return `scaled ${plan.service} ${plan.from} -> ${plan.to} (${versions}): ${what}`;
}

export function registerScale(program: Command): void {
  program
    .command('scale')
    .description("change a service's number of instances while the mesh runs (kept until `meshdev down`)")
    .argument('<service>', 'a service, or SERVICE=N / SERVICE=+1 / SERVICE=-1')
    .argument('[count]', 'number of instances, or +N / -N relative to now')
    .option('-f, --file <mesh.yaml>', 'topology file (default: ./mesh.yaml, else the bundled demo)')
    .option('--timeout <duration>', 'how long new instances may take to pass in Consul', '90s')
    .option('--json', 'machine-readable output')
    .action(
      async (first: string, second: string | undefined, opts: { file?: string; timeout: string; json?: boolean }) => {
        const { service, count } = splitScaleArgs(first, second);
        const target = parseScaleTarget(count);
        const timeoutMs = parseDuration(opts.timeout, '--timeout', WAIT_TIMEOUT_BOUNDS);
        const mesh = await Mesh.load(opts.file);
        const plan = await mesh.control().scale(service, target, {
          timeoutMs,
          onProgress: (line) => process.stderr.write(`  ${line}\n`),
        });
        process.stdout.write(opts.json ? `${JSON.stringify(plan, null, 2)}\n` : `${describeScale(plan)}\n`);
      },
    );
}
