import type { Command } from 'commander';
import { MeshdevError, UsageError } from '../errors.js';
import {
  InvalidPolicyError,
  PolicyStore,
  applyAssignments,
  assignmentProblems,
  formatPolicyView,
  keyOf,
} from '../../proxy/config-store.js';
import type { PolicyTarget } from '../../proxy/config-store.js';
import { ConsulError } from '../../proxy/consul/client.js';
import { ServiceName, VersionLabel } from '../../proxy/schema/topology.js';
import type { Topology } from '../../proxy/schema/topology.js';
import { loadTopology } from '../mesh/load.js';
import { resolveMesh } from '../mesh/model.js';
import { meshdevCommand } from '../invocation.js';
import { parseHttpUrl, parseMeshName } from '../flags.js';

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

export interface PolicyContext {
  readonly topology: Topology;
  readonly consul: string;
  readonly mesh: string;
}

/**
 * The mesh the command acts on: its topology (to validate names) and where its Consul answers. The
 * flags are parsed and the topology read; nothing is contacted.
 */
export async function policyContext(opts: CommonOpts): Promise<PolicyContext> {
  const consul = opts.consul === undefined ? undefined : parseHttpUrl(opts.consul, '--consul');
  const mesh = opts.mesh === undefined ? undefined : parseMeshName(opts.mesh, '--mesh');
  const { topology } = await loadTopology(opts.file);
  return {
    topology,
    consul: consul ?? `http://127.0.0.1:${topology.ports.consul}`,
    mesh: mesh ?? topology.name,
  };
}

const POLICY_FIX = `See proxy/schema/config.ts (or \`${meshdevCommand('policy get SERVICE')}\`) for the fields and their ranges.`;

/** Turns store errors into the CLI's error shapes. */
export async function withStore<T>(ctx: PolicyContext, fn: (store: PolicyStore) => Promise<T>): Promise<T> {
  try {
    return await fn(new PolicyStore(ctx.consul, ctx.mesh));
  } catch (err) {
    if (err instanceof InvalidPolicyError) {
      throw new UsageError(`invalid policy; nothing was written:\n  ${err.message.split('\n').join('\n  ')}`, {
        fix: POLICY_FIX,
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

/**
 * The document SERVICE / `--defaults` / `--version` name, checked against the topology so that a
 * typo fails with what exists instead of writing a document no sidecar reads. Pure.
 */
export function policyTarget(
  service: string | undefined,
  opts: { defaults?: boolean; version?: string },
  topology: Topology,
): PolicyTarget {
  const version = opts.version;
  if (opts.defaults) {
    if (version !== undefined) throw new UsageError('--version cannot be combined with --defaults');
    if (service !== undefined) throw new UsageError(`--defaults takes no SERVICE (got "${service}")`);
    return { kind: 'defaults' };
  }
  if (service === undefined) throw new UsageError('give a SERVICE (or --defaults for the mesh-wide defaults)');
  if (!ServiceName.safeParse(service).success) throw new UsageError(`SERVICE: "${service}" is not a service name`);
  const known = resolveMesh(topology).services;
  const svc = known.find((s) => s.name === service);
  if (svc === undefined) {
    throw new UsageError(
      `SERVICE: "${service}" is not a service of mesh ${topology.name}; services: ${known.map((s) => s.name).join(', ')}`,
    );
  }
  if (version !== undefined) {
    if (!VersionLabel.safeParse(version).success)
      throw new UsageError(`--version: "${version}" is not a version label`);
    if (!svc.versions.includes(version)) {
      throw new UsageError(
        `--version: ${service} has no version "${version}"; its versions: ${svc.versions.join(', ')}`,
      );
    }
  }
  return { kind: 'service', service, ...(version === undefined ? {} : { version }) };
}

/**
 * `policy set [SERVICE] KEY=VALUE...` -> the document to change and the assignments, each key once
 * and every value checked against the schema before the stored document is read. Pure.
 */
export function parsePolicySet(
  args: readonly string[],
  opts: { defaults?: boolean; version?: string },
  topology: Topology,
): { target: PolicyTarget; assignments: string[] } {
  const defaults = opts.defaults ?? false;
  if (!defaults && args[0]?.includes('=')) {
    throw new UsageError(`give the SERVICE before KEY=VALUE pairs (or --defaults for the mesh-wide defaults)`, {
      fix: `e.g. \`${meshdevCommand(`policy set catalog ${args[0]}`)}\``,
    });
  }
  const target = policyTarget(defaults ? undefined : args[0], opts, topology);
  const assignments = defaults ? [...args] : args.slice(1);
  if (assignments.length === 0)
    throw new UsageError('nothing to set; give KEY=VALUE pairs, e.g. balancer=least-request');
  const keys = assignments.map((a) => a.slice(0, Math.max(0, a.indexOf('='))));
  const twice = keys.find((k, i) => k !== '' && keys.indexOf(k) !== i);
  if (twice !== undefined) throw new UsageError(`${twice} is set twice; give each KEY once`);
  const problems = assignmentProblems(assignments, target);
  if (problems.length > 0) {
    throw new UsageError(
      `invalid policy; nothing was written:\n  ${problems.map((p) => `${p.key}: ${p.message}`).join('\n  ')}`,
      { fix: POLICY_FIX },
    );
  }
  return { target, assignments };
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
      const ctx = await policyContext(opts);
      const t = policyTarget(service, opts, ctx.topology);
      await withStore(ctx, async (store) => {
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
      .option('--version <v>', 'change the per-version document (resilience only)')
      .option('--json', 'machine-readable output: the key and the document as written'),
  ).action(async (args: string[], opts: CommonOpts & { defaults?: boolean; version?: string; json?: boolean }) => {
    const ctx = await policyContext(opts);
    const { target: t, assignments } = parsePolicySet(args, opts, ctx.topology);
    await withStore(ctx, async (store) => {
      const doc = applyAssignments(await store.read(t), assignments);
      await store.write(t, doc);
      const key = keyOf(store.mesh, t);
      process.stdout.write(
        opts.json
          ? `${JSON.stringify({ key, stored: doc }, null, 2)}\n`
          : `wrote ${key}\n${JSON.stringify(doc, null, 2)}\n`,
      );
    });
  });
}
