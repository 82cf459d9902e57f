import { UsageError } from '../errors.js';
import type { ResolvedMesh } from '../mesh/model.js';
import { VersionSplit } from '../../proxy/schema/config.js';
import { formatIssues } from '../../proxy/schema/issues.js';
import type { FieldNaming } from './fields.js';
import { ownNames } from './fields.js';
import type { PolicyTargetField } from './policy-target.js';
import { resolvePolicyTarget } from './policy-target.js';

/**
 * A weighted split of a service's calls between its versions (a canary), checked against the mesh
 * (the service and each version exist) and the schema (weights, at least one above 0). Pure;
 * undefined stays undefined (the split is removed). `fix` is the front door's example.
 */
export function checkSplit(
  service: string,
  split: Readonly<Record<string, number>> | undefined,
  mesh: ResolvedMesh,
  options: { naming?: FieldNaming<PolicyTargetField>; fix?: string } = {},
): Record<string, number> | undefined {
  resolvePolicyTarget({ service }, mesh, options.naming ?? ownNames());
  if (split === undefined) return undefined;
  const own = mesh.services.find((s) => s.name === service)?.versions ?? [];
  const unknown = Object.keys(split).filter((v) => !own.includes(v));
  if (unknown.length > 0) {
    throw new UsageError(`${service} has no version ${unknown.join(', ')}; its versions: ${own.join(', ')}`);
  }
  const r = VersionSplit.safeParse(split);
  if (!r.success) throw invalidSplit(formatIssues('split', r.error), options.fix);
  return r.data;
}

/** A split that cannot be written, with every reason. */
export function invalidSplit(problems: readonly string[], fix?: string): UsageError {
  return new UsageError(`invalid split; nothing was written:\n  ${problems.join('\n  ')}`, {
    ...(fix === undefined ? {} : { fix }),
  });
}
