import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import type { ResolvedMesh } from '../mesh/model.js';
import { meshdevCommand } from '../invocation.js';
import type { FieldNaming, PolicyAssignment, PolicyTarget, PolicyTargetField } from '../control/index.js';
import { formatPolicyView, resolvePolicyTarget } from '../control/index.js';
import { assignmentProblems, invalidPolicy } from '../control/policy-store.js';
import type { ConfigProblem } from '../../proxy/schema/config.js';
import { addConsulOptions, loadControl } from './control-options.js';
import type { ControlFlags } from './control-options.js';

/** How the policy commands name the parts of a policy target. */
export const POLICY_ARGS: FieldNaming<PolicyTargetField> = {
  name: (field) => ({ service: 'SERVICE', version: '--version', defaults: '--defaults' })[field],
};

/** The document SERVICE / `--defaults` / `--version` name, checked against the mesh. Pure. */
export function policyTarget(
  service: string | undefined,
  opts: { defaults?: boolean; version?: string },
  mesh: ResolvedMesh,
): PolicyTarget {
  return resolvePolicyTarget({ service, version: opts.version, defaults: opts.defaults }, mesh, POLICY_ARGS);
}

/**
 * `KEY=VALUE` -> an assignment: a dotted key, and the value as JSON when it parses as JSON
 * (`3`, `[502,503]`, `null`), else as the text itself (`peak-ewma`).
 */
export function parseAssignment(text: string): PolicyAssignment | ConfigProblem {
  const eq = text.indexOf('=');
  if (eq <= 0) return { key: text, message: 'expected KEY=VALUE, e.g. balancer=peak-ewma' };
  const raw = text.slice(eq + 1);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    value = raw;
  }
  return { path: text.slice(0, eq).split('.'), value };
}

/**
 * `policy set [SERVICE] KEY=VALUE...` -> the document to change and the assignments, each key once
 * and every value checked against the schema before the stored document is read. Pure.
 */
export function parsePolicySet(
  args: readonly string[],
  opts: { defaults?: boolean; version?: string },
  mesh: ResolvedMesh,
): { target: PolicyTarget; assignments: PolicyAssignment[] } {
  const defaults = opts.defaults ?? false;
  if (!defaults && args[0]?.includes('=')) {
    throw new UsageError(`give the SERVICE before KEY=VALUE pairs (or --defaults for the mesh-wide defaults)`, {
      fix: `e.g. \`${meshdevCommand(`policy set catalog ${args[0]}`)}\``,
    });
  }
  const target = policyTarget(defaults ? undefined : args[0], opts, mesh);
  const texts = defaults ? [...args] : args.slice(1);
  if (texts.length === 0) throw new UsageError('nothing to set; give KEY=VALUE pairs, e.g. balancer=least-request');
  const keys = texts.map((a) => a.slice(0, Math.max(0, a.indexOf('='))));
  const twice = keys.find((k, i) => k !== '' && keys.indexOf(k) !== i);
  if (twice !== undefined) throw new UsageError(`${twice} is set twice; give each KEY once`);
  const parsed = texts.map(parseAssignment);
  const malformed = parsed.filter((p): p is ConfigProblem => 'key' in p);
  const assignments = parsed.filter((p): p is PolicyAssignment => 'path' in p);
  const problems = [...malformed, ...assignmentProblems(assignments, target)];
  if (problems.length > 0) throw invalidPolicy(problems);
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
      opts: ControlFlags & { defaults?: boolean; version?: string; json?: boolean },
    ) => {
      const control = await loadControl(opts);
      const view = await control.showPolicy(policyTarget(service, opts, control.mesh));
      process.stdout.write(
        opts.json
          ? `${JSON.stringify({ ...view, effective: view.effective ?? null }, null, 2)}\n`
          : formatPolicyView(view),
      );
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
  ).action(async (args: string[], opts: ControlFlags & { defaults?: boolean; version?: string; json?: boolean }) => {
    const control = await loadControl(opts);
    const { target, assignments } = parsePolicySet(args, opts, control.mesh);
    const { key, stored } = await control.setPolicy(target, assignments);
    process.stdout.write(
      opts.json
        ? `${JSON.stringify({ key, stored }, null, 2)}\n`
        : `wrote ${key}\n${JSON.stringify(stored, null, 2)}\n`,
    );
  });
}
