import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import type { ResolvedMesh } from '../mesh/model.js';
import { meshdevCommand } from '../invocation.js';
import { checkSplit, invalidSplit } from '../control/split.js';
import { addConsulOptions, loadControl } from './control-options.js';
import type { ControlFlags } from './control-options.js';
import { POLICY_ARGS, policyTarget } from './policy.js';

const splitFix = (service: string) =>
  `Give VERSION=WEIGHT pairs with whole-number weights, e.g. \`${meshdevCommand(`split ${service} v1=90 v2=10`)}\`.`;

/**
 * `split SERVICE v1=90 v2=10` / `split SERVICE --clear` -> the service and its new split (undefined:
 * remove it), every weight and version checked against the schema and the mesh. Pure.
 */
export function parseSplit(
  service: string,
  weights: readonly string[],
  clear: boolean,
  mesh: ResolvedMesh,
): { service: string; split: Record<string, number> | undefined } {
  if (!clear && weights.length === 0) throw new UsageError('give VERSION=WEIGHT pairs (e.g. v1=90 v2=10) or --clear');
  if (clear && weights.length > 0) throw new UsageError('--clear takes no weights');
  const fix = splitFix(service);
  const split: Record<string, number> = {};
  const malformed: string[] = [];
  for (const w of weights) {
    const m = /^([a-z0-9][a-z0-9._-]*)=(\d+)$/.exec(w);
    if (m === null) malformed.push(w);
    else split[m[1]!] = Number(m[2]);
  }
  if (malformed.length > 0) {
    throw invalidSplit(
      malformed.map((w) => `${w}: expected VERSION=WEIGHT, e.g. v1=90`),
      fix,
    );
  }
  policyTarget(service, {}, mesh);
  if (clear) return { service, split: undefined };
  const versions = weights.map((w) => w.slice(0, w.indexOf('=')));
  const twice = versions.find((v, i) => versions.indexOf(v) !== i);
  if (twice !== undefined) throw new UsageError(`version ${twice} is given twice; give each VERSION=WEIGHT once`);
  return { service, split: checkSplit(service, split, mesh, { naming: POLICY_ARGS, fix }) };
}

/** `meshdev split catalog v1=90 v2=10`: weighted split between versions of a service (canary). */
export function registerSplit(program: Command): void {
  addConsulOptions(
    program
      .command('split')
      .description('Split traffic to SERVICE between its versions by weight, e.g. `meshdev split pricing v1=90 v2=10`.')
      .argument('<service>')
      .argument('[weights...]', 'VERSION=WEIGHT pairs')
      .option('--clear', 'remove the split (all versions share traffic by balancer)')
      .option('--json', 'machine-readable output: the key, the split and the document as written'),
  ).action(async (service: string, weights: string[], opts: ControlFlags & { clear?: boolean; json?: boolean }) => {
    const control = await loadControl(opts);
    const { split } = parseSplit(service, weights, opts.clear ?? false, control.mesh);
    const r = await control.setSplit(service, split, { naming: POLICY_ARGS, fix: splitFix(service) });
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ key: r.key, split: r.split ?? null, stored: r.stored }, null, 2)}\n`);
      return;
    }
    process.stdout.write(
      r.split === undefined
        ? `removed the split of ${service} (${r.key})\n`
        : `split ${service}: ${Object.entries(r.split)
            .map(([v, w]) => `${v}=${w}`)
            .join(' ')} (${r.key})\n`,
    );
  });
}
