import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { InvalidPolicyError, keyOf, parseSplitArgs } from '../../proxy/config-store.js';
import { meshdevCommand } from '../invocation.js';
import { VersionSplit } from '../../proxy/schema/config.js';
import type { Topology } from '../../proxy/schema/topology.js';
import { formatIssues } from '../../proxy/schema/issues.js';
import { resolveMesh } from '../mesh/model.js';
import { addConsulOptions, policyContext, policyTarget, withStore } from './policy.js';

/**
 * `split SERVICE v1=90 v2=10` / `split SERVICE --clear` -> the service and its new split (undefined:
 * remove it), every weight and version checked against the schema and the topology. Pure.
 */
export function parseSplit(
  service: string,
  weights: readonly string[],
  clear: boolean,
  topology: Topology,
): { service: string; split: Record<string, number> | undefined } {
  if (!clear && weights.length === 0) throw new UsageError('give VERSION=WEIGHT pairs (e.g. v1=90 v2=10) or --clear');
  if (clear && weights.length > 0) throw new UsageError('--clear takes no weights');
  const fix = `Give VERSION=WEIGHT pairs with whole-number weights, e.g. \`${meshdevCommand(`split ${service} v1=90 v2=10`)}\`.`;
  let split: Record<string, number> | undefined;
  try {
    split = clear ? undefined : parseSplitArgs(weights);
  } catch (err) {
    if (err instanceof InvalidPolicyError) {
      throw new UsageError(`invalid split; nothing was written:\n  ${err.message.split('\n').join('\n  ')}`, { fix });
    }
    throw err;
  }
  const t = policyTarget(service, {}, topology);
  if (split === undefined || t.kind !== 'service') return { service, split };
  const versions = weights.map((w) => w.slice(0, w.indexOf('=')));
  const twice = versions.find((v, i) => versions.indexOf(v) !== i);
  if (twice !== undefined) throw new UsageError(`version ${twice} is given twice; give each VERSION=WEIGHT once`);
  const own = resolveMesh(topology).services.find((s) => s.name === service)?.versions ?? [];
  const unknown = Object.keys(split).filter((v) => !own.includes(v));
  if (unknown.length > 0) {
    throw new UsageError(`${service} has no version ${unknown.join(', ')}; its versions: ${own.join(', ')}`);
  }
  const r = VersionSplit.safeParse(split);
  if (!r.success) {
    throw new UsageError(`invalid split; nothing was written:\n  ${formatIssues('split', r.error).join('\n  ')}`, {
      fix,
    });
  }
  return { service, split: r.data };
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
  ).action(
    async (
      service: string,
      weights: string[],
      opts: { file?: string; consul?: string; mesh?: string; clear?: boolean; json?: boolean },
    ) => {
      const ctx = await policyContext(opts);
      const { split } = parseSplit(service, weights, opts.clear ?? false, ctx.topology);
      const t = { kind: 'service' as const, service };
      await withStore(ctx, async (store) => {
        const doc = await store.read(t);
        if (split === undefined) delete doc.split;
        else doc.split = split;
        await store.write(t, doc);
        const key = keyOf(store.mesh, t);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ key, split: split ?? null, stored: doc }, null, 2)}\n`);
          return;
        }
        process.stdout.write(
          split === undefined
            ? `removed the split of ${service} (${key})\n`
            : `split ${service}: ${Object.entries(split)
                .map(([v, w]) => `${v}=${w}`)
                .join(' ')} (${key})\n`,
        );
      });
    },
  );
}
