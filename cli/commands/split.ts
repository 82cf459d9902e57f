import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { InvalidPolicyError, keyOf, parseSplitArgs } from '../../proxy/config-store.js';
import { meshdevCommand } from '../invocation.js';
import { ServiceName } from '../../proxy/schema/topology.js';
import { resolveMesh } from '../mesh/model.js';
import { addConsulOptions, policyContext, withStore } from './policy.js';

/** `meshdev split catalog v1=90 v2=10`: weighted split between versions of a service (canary). */
export function registerSplit(program: Command): void {
  addConsulOptions(
    program
      .command('split')
      .description('Split traffic to SERVICE between its versions by weight, e.g. `meshdev split pricing v1=90 v2=10`.')
      .argument('<service>')
      .argument('[weights...]', 'VERSION=WEIGHT pairs')
      .option('--clear', 'remove the split (all versions share traffic by balancer)'),
  ).action(
    async (
      service: string,
      weights: string[],
      opts: { file?: string; consul?: string; mesh?: string; clear?: boolean },
    ) => {
      if (!ServiceName.safeParse(service).success) throw new UsageError(`"${service}" is not a service name`);
      if (!opts.clear && weights.length === 0)
        throw new UsageError('give VERSION=WEIGHT pairs (e.g. v1=90 v2=10) or --clear');
      if (opts.clear && weights.length > 0) throw new UsageError('--clear takes no weights');
      // Bad weights are bad input (exit 2), found before anything is read or contacted.
      let split: Record<string, number> = {};
      try {
        if (!opts.clear) split = parseSplitArgs(weights);
      } catch (err) {
        if (err instanceof InvalidPolicyError) {
          throw new UsageError(`invalid split; nothing was written:\n  ${err.message.split('\n').join('\n  ')}`, {
            fix: `Give VERSION=WEIGHT pairs with whole-number weights, e.g. \`${meshdevCommand(`split ${service} v1=90 v2=10`)}\`.`,
          });
        }
        throw err;
      }
      const { topology } = await policyContext(opts);
      const known = resolveMesh(topology).services.find((s) => s.name === service);
      if (known === undefined) {
        throw new UsageError(
          `unknown service "${service}"; known services: ${Object.keys(topology.services).join(', ')}`,
        );
      }
      if (!opts.clear) {
        const unknown = Object.keys(split).filter((v) => !known.versions.includes(v));
        if (unknown.length > 0) {
          throw new UsageError(
            `${service} has no version ${unknown.join(', ')}; its versions: ${known.versions.join(', ')}`,
          );
        }
      }
      const t = { kind: 'service' as const, service };
      await withStore(opts, async (store) => {
        const doc = await store.read(t);
        if (opts.clear) delete doc.split;
        else doc.split = split;
        await store.write(t, doc);
        process.stdout.write(
          opts.clear
            ? `removed the split of ${service} (${keyOf(store.mesh, t)})\n`
            : `split ${service}: ${Object.entries(doc.split as Record<string, number>)
                .map(([v, w]) => `${v}=${w}`)
                .join(' ')} (${keyOf(store.mesh, t)})\n`,
        );
      });
    },
  );
}
