import { UsageError } from '../errors.js';
import { applyAssignments, assignmentProblems, keyOf } from '../../proxy/config-store.js';
import type { PolicyStore, PolicyTarget } from '../../proxy/config-store.js';
import type { ResolvedMesh } from '../mesh/model.js';
import type { ChaosPolicy } from './schema.js';
import { policyAssignments } from './schema.js';

/**
 * A chaos step that changes live policy (`policy: { service: catalog, set: { balancer: peak-ewma } }`)
 * is `meshdev policy set` played by the timeline: the same assignments and the same validated write,
 * and on revert the document exactly as it was before the step.
 */

export function policyTarget(p: ChaosPolicy): PolicyTarget {
  if (p.service === undefined) return { kind: 'defaults' };
  return { kind: 'service', service: p.service, ...(p.version === undefined ? {} : { version: p.version }) };
}

/**
 * Checks a policy step before anything runs (pure): the service and version exist in the topology
 * and every key and value is valid (assignmentProblems, as `meshdev policy set` checks them). Rules
 * between fields are checked by the write itself, on the document merged with what KV holds.
 */
export function checkPolicyStep(p: ChaosPolicy, mesh: ResolvedMesh): void {
  if (p.service !== undefined) {
    const service = mesh.services.find((s) => s.name === p.service);
    if (service === undefined)
      throw new UsageError(
        `policy.service: "${p.service}" is not a service of the mesh (${mesh.services.map((s) => s.name).join(', ')})`,
      );
    if (p.version !== undefined && !mesh.instances.some((i) => i.service === p.service && i.version === p.version))
      throw new UsageError(`policy.version: ${p.service} has no version "${p.version}"`);
  }
  const problems = assignmentProblems(policyAssignments(p), policyTarget(p));
  if (problems.length > 0) throw new UsageError(`policy.set: ${problems[0]!.key}: ${problems[0]!.message}`);
}

/** Applies the step through the policy store; returns the document it replaced, to write back on revert. */
export async function applyPolicyStep(
  store: PolicyStore,
  p: ChaosPolicy,
): Promise<{ previous: Record<string, unknown>; detail: string }> {
  const target = policyTarget(p);
  const previous = await store.read(target);
  await store.write(target, applyAssignments(previous, policyAssignments(p)));
  return { previous, detail: `policy ${keyOf(store.mesh, target)}: ${policyAssignments(p).join(' ')}` };
}

export async function revertPolicyStep(
  store: PolicyStore,
  p: ChaosPolicy,
  previous: Record<string, unknown>,
): Promise<string> {
  const target = policyTarget(p);
  await store.write(target, previous);
  return `restored ${keyOf(store.mesh, target)}${Object.keys(previous).length === 0 ? ' (removed: it did not exist)' : ''}`;
}
