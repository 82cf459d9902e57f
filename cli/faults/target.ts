import { UsageError } from '../errors.js';
import type { ResolvedMesh } from '../mesh/model.js';
import type { FaultTarget } from '../../proxy/schema/faults.js';

/**
 * `catalog`, `catalog@v2` or `catalog-2` -> a fault target, checked against the topology so a typo
 * fails with the list of what exists instead of writing a fault that never applies.
 */
export function resolveTarget(text: string, mesh: ResolvedMesh, what = 'TARGET'): FaultTarget {
  const services = mesh.services.map((s) => s.name);
  const at = text.indexOf('@');
  if (at >= 0) {
    const service = text.slice(0, at);
    const version = text.slice(at + 1);
    const svc = mesh.services.find((s) => s.name === service);
    if (svc === undefined) throw unknown(text, what, services, mesh);
    if (!svc.versions.includes(version)) {
      throw new UsageError(`${what}: ${service} has no version "${version}"; its versions: ${svc.versions.join(', ')}`);
    }
    return { service, version };
  }
  if (services.includes(text)) return { service: text };
  const inst = mesh.instances.find((i) => i.id === text);
  if (inst !== undefined) return { service: inst.service, instance: inst.id };
  throw unknown(text, what, services, mesh);
}

function unknown(text: string, what: string, services: string[], mesh: ResolvedMesh): UsageError {
  return new UsageError(
    `${what}: "${text}" is not a service, service@version or instance of mesh ${mesh.name}; services: ${services.join(', ')}; instances: ${mesh.instances.map((i) => i.id).join(', ')}`,
  );
}

/** A service name (for `--from`, `--source`, partitions): a service of the topology, or `ingress` when there is one. */
export function resolveService(text: string, mesh: ResolvedMesh, what: string): string {
  const names = mesh.services.map((s) => s.name);
  if (mesh.ingressService !== undefined) names.push('ingress');
  if (!names.includes(text)) {
    throw new UsageError(`${what}: "${text}" is not a service of mesh ${mesh.name}; services: ${names.join(', ')}`);
  }
  return text;
}
