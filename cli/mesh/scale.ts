import * as z from 'zod';
import type { Topology } from '../../proxy/schema/index.js';
import { TOPOLOGY_LIMITS } from '../../proxy/schema/index.js';
import { UsageError } from '../errors.js';
import type { ResolvedInstance, ResolvedMesh } from './model.js';
import { meshdevCommand } from '../invocation.js';

/**
 * Scaling a service of a running mesh, as pure decisions: how many replicas each version of a
 * service has, which instances a new count adds or removes, and how the persisted override
 * (`.meshdev/<name>/scale.json`) changes the topology. The I/O (Compose, Consul) is the control
 * domain's (`cli/control/scale.ts`).
 *
 * Scaling only ever changes the tail of a service's instance list. Instances are numbered
 * `<service>-<n>` across versions in the order written, so adding a replica to any version but the
 * last one with instances would renumber (and so recreate) every instance after it. Hence: new
 * instances take the next numbers and the version of the service's current last instance (its first
 * version when it has none); scaling down removes the highest-numbered instances. No other
 * instance is renamed, recreated or restarted.
 */

/** The topology's own limits: a scaled mesh stays one the topology could describe. */
export const MAX_REPLICAS_PER_VERSION = TOPOLOGY_LIMITS.replicasPerVersion.value;
const MAX_INSTANCES_PER_SERVICE = TOPOLOGY_LIMITS.instancesPerService.value;
const MAX_INSTANCES = TOPOLOGY_LIMITS.instances.value;

/** What `meshdev scale` persists: replicas per version of each scaled service. */
export const ScaleOverrides = z.object({
  services: z.record(z.string(), z.record(z.string(), z.number().int().min(0).max(MAX_REPLICAS_PER_VERSION))),
});
export type ScaleOverrides = z.infer<typeof ScaleOverrides>;

export const NO_OVERRIDES: ScaleOverrides = { services: {} };

/** `3` (that many instances), `+1` / `-2` (relative to now). */
export type ScaleTarget =
  { readonly kind: 'absolute'; readonly replicas: number } | { readonly kind: 'delta'; readonly delta: number };

/** Parses the count of `meshdev scale SERVICE N` or `SERVICE=+1`. */
export function parseScaleTarget(text: string): ScaleTarget {
  const m = /^([+-]?)(\d+)$/.exec(text.trim());
  if (m === null) {
    throw new UsageError(`scale: "${text}" is not a replica count`, {
      fix: `Give a number of instances (\`${meshdevCommand('scale catalog 4')}\`) or a change (\`catalog=+1\`, \`catalog=-1\`).`,
    });
  }
  const n = Number(m[2]);
  if (m[1] === '') return { kind: 'absolute', replicas: n };
  return { kind: 'delta', delta: m[1] === '-' ? -n : n };
}

/** The topology with the override applied; services or versions the topology no longer has are ignored. Pure. */
export function applyScaleOverrides(topology: Topology, overrides: ScaleOverrides): Topology {
  const services: Topology['services'] = {};
  for (const [name, spec] of Object.entries(topology.services)) {
    const o = overrides.services[name];
    if (o === undefined) {
      services[name] = spec;
    } else if (spec.versions !== undefined) {
      const versions = Object.fromEntries(
        Object.entries(spec.versions).map(([v, vs]) => [v, o[v] === undefined ? vs : { ...vs, replicas: o[v] }]),
      );
      services[name] = { ...spec, versions };
    } else {
      const replicas = o[spec.version ?? 'v1'];
      services[name] = replicas === undefined ? spec : { ...spec, replicas };
    }
  }
  return { ...topology, services };
}

export interface ScalePlan {
  readonly service: string;
  readonly from: number;
  readonly to: number;
  /** Replicas per version after the change, in topology order. */
  readonly replicas: Readonly<Record<string, number>>;
  /** Instance ids that appear (in the mesh resolved with the new override) and that go. */
  readonly add: readonly string[];
  readonly remove: readonly string[];
  readonly overrides: ScaleOverrides;
}

/**
 * Decides a scale of `service` in a mesh (already resolved with the current override) to
 * `target`. Pure: the caller resolves the new topology from `plan.overrides`.
 */
export function planScale(
  mesh: ResolvedMesh,
  current: ScaleOverrides,
  service: string,
  target: ScaleTarget,
): ScalePlan {
  const svc = mesh.services.find((s) => s.name === service);
  if (svc === undefined) {
    throw new UsageError(`scale: unknown service "${service}"`, {
      fix: `Known services: ${mesh.services.map((s) => s.name).join(', ')}.`,
    });
  }
  const counts = new Map<string, number>(svc.versions.map((v) => [v, 0]));
  for (const i of svc.instances) counts.set(i.version, (counts.get(i.version) ?? 0) + 1);
  const from = svc.instances.length;
  const to = target.kind === 'absolute' ? target.replicas : from + target.delta;
  if (to < 0) {
    throw new UsageError(`scale: ${service} has ${from} instance(s); cannot go to ${to}`, {
      fix: 'Scale to 0 or more instances.',
    });
  }
  if (to > from && to > MAX_INSTANCES_PER_SERVICE) {
    throw new UsageError(
      `scale: ${service} would have ${to} instances; at most ${MAX_INSTANCES_PER_SERVICE} per service`,
      {
        fix: `Scale ${service} to at most ${MAX_INSTANCES_PER_SERVICE}.`,
      },
    );
  }
  const meshTotal = mesh.instances.length - from + to;
  if (to > from && meshTotal > MAX_INSTANCES) {
    throw new UsageError(`scale: the mesh would have ${meshTotal} instances; at most ${MAX_INSTANCES}`, {
      fix: `Scale ${service} to at most ${MAX_INSTANCES - (mesh.instances.length - from)}, or scale another service down first.`,
    });
  }
  if (to > from) {
    const tail = svc.instances.at(-1)?.version ?? svc.versions[0]!;
    const next = (counts.get(tail) ?? 0) + (to - from);
    if (next > MAX_REPLICAS_PER_VERSION) {
      throw new UsageError(
        `scale: ${service}@${tail} would have ${next} replicas; at most ${MAX_REPLICAS_PER_VERSION} per version`,
        { fix: `Scale ${service} to at most ${from - (counts.get(tail) ?? 0) + MAX_REPLICAS_PER_VERSION}.` },
      );
    }
    counts.set(tail, next);
  } else {
    // Take from the last versions first: the highest-numbered instances go.
    let left = from - to;
    for (const v of [...svc.versions].reverse()) {
      const take = Math.min(left, counts.get(v) ?? 0);
      counts.set(v, (counts.get(v) ?? 0) - take);
      left -= take;
    }
  }
  const replicas = Object.fromEntries(svc.versions.map((v) => [v, counts.get(v) ?? 0]));
  const ids = (n: number) => Array.from({ length: n }, (_, i) => `${service}-${i + 1}`);
  const before = new Set(svc.instances.map((i) => i.id));
  const after = new Set(ids(to));
  return {
    service,
    from,
    to,
    replicas,
    add: [...after].filter((id) => !before.has(id)),
    remove: [...before].filter((id) => !after.has(id)),
    overrides: { services: { ...current.services, [service]: replicas } },
  };
}

/** The instances a plan adds, as the mesh resolved with the new override describes them. */
export function instancesById(mesh: ResolvedMesh, ids: readonly string[]): ResolvedInstance[] {
  const wanted = new Set(ids);
  return mesh.instances.filter((i) => wanted.has(i.id));
}
