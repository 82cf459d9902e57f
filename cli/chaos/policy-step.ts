import { UsageError } from '../errors.js';
import type { MeshControl, PolicyAssignment, PolicyTarget } from '../control/index.js';
import { formatAssignment, resolvePolicyTarget } from '../control/index.js';
import { assignmentProblems } from '../control/policy-store.js';
import type { ResolvedMesh } from '../mesh/model.js';
import type { ChaosPolicy } from './schema.js';

/**
 * A chaos step that changes live policy (`policy: { service: catalog, set: { balancer: peak-ewma } }`)
 * is `meshdev policy set` played by the timeline: the same typed assignments and the same validated
 * write, and on revert the document exactly as it was before the step.
 */

/** `policy.set` as typed assignments: the YAML values as they are (no detour through text). */
export function policyAssignments(p: ChaosPolicy): PolicyAssignment[] {
  return Object.entries(p.set).map(([k, value]) => ({ path: k.split('.'), value }));
}

const POLICY_FIELDS = { name: (field: string) => `policy.${field}` };

export function policyTarget(p: ChaosPolicy, mesh: ResolvedMesh): PolicyTarget {
  return resolvePolicyTarget({ service: p.service, version: p.version, defaults: p.defaults }, mesh, POLICY_FIELDS);
}

/**
 * Checks a policy step before anything runs (pure): the service and version exist in the mesh and
 * every key and value is valid (as `meshdev policy set` checks them). Rules between fields are
 * checked by the write itself, on the document merged with what KV holds.
 */
export function checkPolicyStep(p: ChaosPolicy, mesh: ResolvedMesh): void {
  const problems = assignmentProblems(policyAssignments(p), policyTarget(p, mesh));
  if (problems.length > 0) throw new UsageError(`policy.set: ${problems[0]!.key}: ${problems[0]!.message}`);
}

/** Applies the step; returns the document it replaced, to write back on revert. */
export async function applyPolicyStep(
  control: MeshControl,
  p: ChaosPolicy,
): Promise<{ previous: Record<string, unknown>; detail: string }> {
  const assignments = policyAssignments(p);
  const { key, previous } = await control.setPolicy(policyTarget(p, control.mesh), assignments);
  return { previous, detail: `policy ${key}: ${assignments.map(formatAssignment).join(' ')}` };
}

export async function revertPolicyStep(
  control: MeshControl,
  p: ChaosPolicy,
  previous: Record<string, unknown>,
): Promise<string> {
  const target = policyTarget(p, control.mesh);
  await control.writePolicy(target, previous);
  return `restored ${control.policyKey(target)}${Object.keys(previous).length === 0 ? ' (removed: it did not exist)' : ''}`;
}
