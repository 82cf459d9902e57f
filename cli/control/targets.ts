import { UsageError } from '../errors.js';
import type { ResolvedMesh } from '../mesh/model.js';
import type { FaultTarget } from '../../proxy/schema/faults.js';

/**
 * Names in commands, chaos steps and the UI resolved against the mesh as loaded (its `meshdev
 * scale` override applied), so a typo fails with the list of what exists instead of writing
 * something that never applies, and an instance added by a scale is found like any other.
 * `what` is how the front door names the field (`TARGET`, `--from`, `fault.target`).
 */

/** `catalog`, `catalog@v2` or `catalog-2` -> a fault target. */
export function resolveTarget(text: string, mesh: ResolvedMesh, what = 'TARGET'): FaultTarget {
  const services = mesh.services.map((s) => s.name);
  const at = text.indexOf('@');
  if (at >= 0) {
    const service = text.slice(0, at);
    const version = text.slice(at + 1);
    const svc = mesh.services.find((s) => s.name === service);
    if (svc === undefined) throw unknownTarget(text, what, services, mesh);
    if (!svc.versions.includes(version)) {
      throw new UsageError(`${what}: ${service} has no version "${version}"; its versions: ${svc.versions.join(', ')}`);
    }
    return { service, version };
  }
  if (services.includes(text)) return { service: text };
  const inst = mesh.instances.find((i) => i.id === text);
  if (inst !== undefined) return { service: inst.service, instance: inst.id };
  throw unknownTarget(text, what, services, mesh);
}

function unknownTarget(text: string, what: string, services: string[], mesh: ResolvedMesh): UsageError {
  return new UsageError(
    `${what}: "${text}" is not a service, service@version or instance of mesh ${mesh.name}; services: ${services.join(', ')}; instances: ${mesh.instances.map((i) => i.id).join(', ')}`,
  );
}

/** A service name (callers, sources, partition sides): a service of the topology, or `ingress` when there is one. */
export function resolveService(text: string, mesh: ResolvedMesh, what: string): string {
  const names = mesh.services.map((s) => s.name);
  if (mesh.ingressService !== undefined) names.push('ingress');
  if (!names.includes(text)) {
    const instance = mesh.instances.find((i) => i.id === text);
    // Callers, sources and partitions are whole services: a sidecar knows its own service, not which
    // replica of a caller sent a request.
    const hint = instance === undefined ? '' : ` ("${text}" is an instance of ${instance.service}: name the service)`;
    throw new UsageError(
      `${what}: "${text}" is not a service of mesh ${mesh.name}; services: ${names.join(', ')}${hint}`,
    );
  }
  return text;
}

/** An instance id (container actions). */
export function resolveInstance(text: string, mesh: ResolvedMesh, what = 'INSTANCE'): string {
  if (mesh.instances.some((i) => i.id === text)) return text;
  const svc = mesh.services.find((s) => s.name === text);
  const hint =
    svc === undefined
      ? `instances of mesh ${mesh.name}: ${mesh.instances.map((i) => i.id).join(', ')}`
      : `"${text}" is a service; name one of its instances: ${svc.instances.map((i) => i.id).join(', ')}`;
  throw new UsageError(`${what}: "${text}" is not an instance of mesh ${mesh.name}; ${hint}`);
}

/** Two targets name the same thing (the UI's "clear faults on this target"). */
export function sameTarget(a: FaultTarget, b: FaultTarget): boolean {
  return a.service === b.service && a.version === b.version && a.instance === b.instance;
}
