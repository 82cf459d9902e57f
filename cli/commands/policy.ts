import type { Command } from 'commander';
import { MeshdevError, UsageError } from '../errors.js';
import {
  InvalidPolicyError,
  PolicyStore,
  applyAssignments,
  formatPolicyView,
  keyOf,
} from '../../proxy/config-store.js';
import type { PolicyTarget } from '../../proxy/config-store.js';
import { ConsulError } from '../../proxy/consul/client.js';
import { ServiceName, VersionLabel } from '../../proxy/schema/topology.js';
import type { Topology } from '../../proxy/schema/topology.js';
import { loadTopology } from '../mesh/load.js';
import { meshdevCommand } from '../invocation.js';

interface CommonOpts {
  file?: string;
  consul?: string;
  mesh?: string;
}

export function addConsulOptions(cmd: Command): Command {
  return cmd
    .option('-f, --file <mesh.yaml>', 'topology file (default: ./mesh.yaml, else the bundled demo)')
    .option('--consul <url>', 'Consul HTTP API of the mesh (default: http://127.0.0.1:<ports.consul of the topology>)')
    .option('--mesh <name>', 'mesh name (default: the topology\'s "name")');
}

/** The mesh the command acts on: its topology (to validate names) and where its Consul answers. */
export async function policyContext(opts: CommonOpts): Promise<{ topology: Topology; consul: string; mesh: string }> {
  const { topology } = await loadTopology(opts.file);
  return {
    topology,
    consul: opts.consul ?? `http://127.0.0.1:${topology.ports.consul}`,
    mesh: opts.mesh ?? topology.name,
  };
}

/** Turns store errors into the CLI's error shapes. */
export async function withStore<T>(opts: CommonOpts, fn: (store: PolicyStore) => Promise<T>): Promise<T> {
  const ctx = await policyContext(opts);
  try {
    return await fn(new PolicyStore(ctx.consul, ctx.mesh));
  } catch (err) {
    if (err instanceof InvalidPolicyError) {
      throw new UsageError(`invalid policy; nothing was written:\n  ${err.message.split('\n').join('\n  ')}`, {
        fix: `See proxy/schema/config.ts (or \`${meshdevCommand('policy get SERVICE')}\`) for the fields and their ranges.`,
      });
    }
    if (err instanceof ConsulError) {
      throw new MeshdevError('ECONSUL', err.message, {
        fix: `Is the mesh up (\`${meshdevCommand('status')}\`)? Pass --consul URL if Consul is elsewhere.`,
      });
    }
    throw err;
  }
}

function target(service: string | undefined, defaults: boolean, version: string | undefined): PolicyTarget {
  if (defaults) {
    if (version !== undefined) throw new UsageError('--version cannot be combined with --defaults');
    return { kind: 'defaults' };
  }
  if (service === undefined) throw new UsageError('give a SERVICE (or --defaults for the mesh-wide defaults)');
  if (!ServiceName.safeParse(service).success) throw new UsageError(`"${service}" is not a service name`);
  if (version !== undefined && !VersionLabel.safeParse(version).success)
    throw new UsageError(`--version: "${version}" is not a version label`);
  return { kind: 'service', service, ...(version === undefined ? {} : { version }) };
}

export function registerPolicy(program: Command): void {
  const policy = program
    .command('policy')
    .description(
      'Read and change the live policy (balancer, timeouts, retries, outlier detection, circuit breaking, routes) in Consul KV.',
    );

  addConsulOptions(
    policy
      .command('get')
      .description('Print the stored policy document of SERVICE and the effective config its callers apply.')
      .argument('[service]')
      .option('--defaults', 'the mesh-wide defaults document')
      .option('--version <v>', 'the per-version document')
      .option('--json', 'machine-readable output'),
  ).action(
    async (
      service: string | undefined,
      opts: CommonOpts & { defaults?: boolean; version?: string; json?: boolean },
    ) => {
      const t = target(service, opts.defaults ?? false, opts.version);
      await withStore(opts, async (store) => {
        const view = await store.show(t);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ ...view, effective: view.effective ?? null }, null, 2)}\n`);
          return;
        }
        process.stdout.write(formatPolicyView(view));
      });
    },
  );

  addConsulOptions(
    policy
      .command('set')
      .description(
        'Change fields of a policy document: KEY=VALUE with dotted keys, JSON values, null to unset.\n' +
          'e.g. meshdev policy set catalog balancer=peak-ewma resilience.retries.maxRetries=3 resilience.perTryTimeoutMs=500',
      )
      .argument('<args...>', '[SERVICE] KEY=VALUE...')
      .option('--defaults', 'change the mesh-wide defaults document (no SERVICE)')
      .option('--version <v>', 'change the per-version document (resilience only)'),
  ).action(async (args: string[], opts: CommonOpts & { defaults?: boolean; version?: string }) => {
    const defaults = opts.defaults ?? false;
    const service = defaults ? undefined : args[0];
    const assignments = defaults ? args : args.slice(1);
    if (assignments.length === 0)
      throw new UsageError('nothing to set; give KEY=VALUE pairs, e.g. balancer=least-request');
    const t = target(service, defaults, opts.version);
    await withStore(opts, async (store) => {
      const doc = applyAssignments(await store.read(t), assignments);
      await store.write(t, doc);
      process.stdout.write(`wrote ${keyOf(store.mesh, t)}\n${JSON.stringify(doc, null, 2)}\n`);
    });
  });
}
