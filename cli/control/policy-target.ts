import type { ResolvedMesh } from '../mesh/model.js';
import { ServiceName, VersionLabel } from '../../proxy/schema/topology.js';
import type { FieldNaming } from './fields.js';
import { FieldError, ownNames } from './fields.js';
import type { PolicyTarget } from './policy-store.js';

export type PolicyTargetField = 'service' | 'version' | 'defaults';

/** Which policy document a front door names: a service, one version of it, or the mesh-wide defaults. */
export interface PolicyTargetSpec {
  readonly service?: string | undefined;
  readonly version?: string | undefined;
  readonly defaults?: boolean | undefined;
}

/**
 * The document a front door names, checked against the mesh so that a typo fails with what exists
 * instead of writing a document no sidecar reads. Pure.
 */
export function resolvePolicyTarget(
  spec: PolicyTargetSpec,
  mesh: ResolvedMesh,
  naming: FieldNaming<PolicyTargetField> = ownNames(),
): PolicyTarget {
  const name = naming.name;
  const { service, version } = spec;
  if (spec.defaults) {
    if (version !== undefined) {
      throw new FieldError('version', `${name('version')} cannot be combined with ${name('defaults')}`);
    }
    if (service !== undefined) {
      throw new FieldError('service', `${name('defaults')} takes no ${name('service')} (got "${service}")`);
    }
    return { kind: 'defaults' };
  }
  if (service === undefined) {
    throw new FieldError('service', `give a ${name('service')} (or ${name('defaults')} for the mesh-wide defaults)`);
  }
  if (!ServiceName.safeParse(service).success) {
    throw new FieldError('service', `${name('service')}: "${service}" is not a service name`);
  }
  const svc = mesh.services.find((s) => s.name === service);
  if (svc === undefined) {
    throw new FieldError(
      'service',
      `${name('service')}: "${service}" is not a service of mesh ${mesh.name}; services: ${mesh.services.map((s) => s.name).join(', ')}`,
    );
  }
  if (version !== undefined) {
    if (!VersionLabel.safeParse(version).success) {
      throw new FieldError('version', `${name('version')}: "${version}" is not a version label`);
    }
    if (!svc.versions.includes(version)) {
      throw new FieldError(
        'version',
        `${name('version')}: ${service} has no version "${version}"; its versions: ${svc.versions.join(', ')}`,
      );
    }
  }
  return { kind: 'service', service, ...(version === undefined ? {} : { version }) };
}
