import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { buildPartition } from '../faults/build.js';
import { addMeshOptions, loadFaultContext, print } from '../faults/context.js';
import type { MeshOpts } from '../faults/context.js';
import { describePartition } from '../faults/format.js';
import { resolveService } from '../faults/target.js';
import { FaultId } from '../../proxy/schema/faults.js';

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
  ).action(async (a: string, b: string, opts: MeshOpts & { ttl?: string; id?: string; json?: boolean }) => {
    if (opts.id !== undefined && !FaultId.safeParse(opts.id).success) {
      throw new UsageError(`--id: "${opts.id}" is not an id (lower-case letters, digits, ".", "_", "-")`);
    }
    const { mesh, store } = await loadFaultContext(opts);
    const doc = buildPartition(a, b, opts, mesh, new Date());
    await store.addPartition(doc);
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
  ).action(async (a: string | undefined, b: string | undefined, opts: MeshOpts & { json?: boolean }) => {
    if ((a === undefined) !== (b === undefined))
      throw new UsageError('give both A and B, or neither (heal everything)');
    const { mesh, store } = await loadFaultContext(opts);
    // Both sides are checked against the topology before Consul is read.
    const sides =
      a === undefined
        ? undefined
        : {
            a: a.split(',').map((s) => resolveService(s.trim(), mesh, 'A')),
            b: b!.split(',').map((s) => resolveService(s.trim(), mesh, 'B')),
          };
    let ids: string[];
    if (sides === undefined) {
      ids = (await store.allKeys('partitions')).map((k) => k.slice(k.lastIndexOf('/') + 1));
    } else {
      const cuts = (p: { a: string[]; b: string[] }) =>
        sides.a.some((x) =>
          sides.b.some((y) => (p.a.includes(x) && p.b.includes(y)) || (p.b.includes(x) && p.a.includes(y))),
        );
      ids = (await store.list()).partitions.filter(cuts).map((p) => p.id);
    }
    for (const id of ids) await store.removePartition(id);
    const at = new Date().toISOString();
    print(
      opts.json,
      ids.length === 0 ? `${at} nothing to heal` : `${at} healed ${ids.length} partition(s): ${ids.join(', ')}`,
      { at, healed: ids },
    );
  });
}
