import type { Command } from 'commander';
import { parseDuration } from '../duration.js';
import { UsageError } from '../errors.js';
import type { FieldNaming, PartitionField, PartitionSpec } from '../control/index.js';
import { describePartition } from '../control/describe.js';
import { parseServiceGroup } from '../values.js';
import { addMeshOptions, loadControl, print } from './control-options.js';
import type { ControlFlags } from './control-options.js';

export const PARTITION_ARGS: FieldNaming<PartitionField> = {
  name: (field) => ({ a: 'A', b: 'B', ttlMs: '--ttl', id: '--id' })[field],
};

/** `meshdev partition A B [--ttl] [--id]` -> a partition spec (each side a service or a comma-separated group). Pure. */
export function partitionSpecFromArgs(a: string, b: string, flags: { ttl?: string; id?: string }): PartitionSpec {
  return {
    a: parseServiceGroup(a),
    b: parseServiceGroup(b),
    ...(flags.ttl === undefined ? {} : { ttlMs: parseDuration(flags.ttl, '--ttl') }),
    ...(flags.id === undefined ? {} : { id: flags.id }),
  };
}

export function registerPartition(program: Command): void {
  addMeshOptions(
    program
      .command('partition')
      .description(
        "Cut traffic between A and B (services or comma-separated groups) both ways until `meshdev heal` or --ttl; callers' sidecars answer 503 with the reason.",
      )
      .argument('<a>')
      .argument('<b>')
      .option('--ttl <duration>', 'heal by itself after this long (1s-24h)')
      .option('--id <id>', 'choose the partition id (default: generated)')
      .option('--json', 'machine-readable output'),
  ).action(async (a: string, b: string, opts: ControlFlags & { ttl?: string; id?: string; json?: boolean }) => {
    const spec = partitionSpecFromArgs(a, b, opts);
    const control = await loadControl(opts);
    const doc = await control.partition(spec, {
      naming: { ...PARTITION_ARGS, text: (field) => (field === 'ttlMs' ? opts.ttl : undefined) },
    });
    const at = new Date().toISOString();
    print(opts.json, `${at} partitioned ${doc.id}: ${describePartition(doc)}`, { at, partition: doc });
  });

  addMeshOptions(
    program
      .command('heal')
      .description('Remove every partition, or only those between A and B.')
      .argument('[a]')
      .argument('[b]')
      .option('--json', 'machine-readable output'),
  ).action(async (a: string | undefined, b: string | undefined, opts: ControlFlags & { json?: boolean }) => {
    if ((a === undefined) !== (b === undefined))
      throw new UsageError('give both A and B, or neither (heal everything)');
    const control = await loadControl(opts);
    const ids = await control.heal(
      a === undefined ? undefined : { a: parseServiceGroup(a), b: parseServiceGroup(b!) },
      PARTITION_ARGS,
    );
    const at = new Date().toISOString();
    print(
      opts.json,
      ids.length === 0 ? `${at} nothing to heal` : `${at} healed ${ids.length} partition(s): ${ids.join(', ')}`,
      { at, healed: ids },
    );
  });
}
