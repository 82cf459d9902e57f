import * as z from 'zod';
import { reservedAppEnvReason, sidecarPortReason, upstreamEnvName, upstreamListenerPort } from './instance.js';
import { quoteText } from './issues.js';

/**
 * The topology file (`mesh.yaml`): what a developer writes to describe a mesh.
 *
 * Kept deliberately close to what Compose users already know (image, build, env, replicas) and
 * adds only what the mesh needs: versions, upstreams and the ingress.
 */

/**
 * Upper bounds on every list and size of a topology, each with the reason for its value (the
 * README and the JSON Schema's descriptions repeat them). A laptop runs the mesh: two containers
 * per instance, so the counts stop long before Docker or the host would.
 */
export const TOPOLOGY_LIMITS = {
  fileBytes: {
    value: 1024 * 1024,
    why: 'the largest sensible topology is a few tens of KB; the file is read whole into memory',
  },
  nesting: { value: 32, why: 'a topology is at most 6 levels deep; deeper YAML only exhausts the parser' },
  aliases: { value: 100, why: 'each alias copies its anchor; more only serves to blow the file up ("billion laughs")' },
  services: { value: 50, why: 'each instance is two containers on one machine' },
  versionsPerService: { value: 10, why: 'versions side by side are for canaries and splits, not archives' },
  replicasPerVersion: { value: 20, why: 'more copies of one app on one machine measure the machine, not the mesh' },
  instancesPerService: { value: 50, why: 'two containers each, on one machine' },
  instances: { value: 200, why: '400 containers already exceed what a laptop runs' },
  upstreams: {
    value: 49,
    why: `each other service at most once; their listeners take ports ${upstreamListenerPort(0)}-${upstreamListenerPort(48)}`,
  },
  envEntries: { value: 200, why: 'more is a configuration file; mount or bake it instead' },
  envNameLength: { value: 256, why: 'a longer name is a mistake, not a variable' },
  commandArgs: { value: 100, why: 'a longer command belongs in a script in the image' },
  buildArgs: { value: 100, why: 'more is configuration for a file, not for build arguments' },
  textLength: {
    value: 16 * 1024,
    why: 'fits a certificate or a shell script; Linux caps one argument or env string at 128 KiB',
  },
  urlPathLength: { value: 2048, why: 'a path sent on an HTTP request line; servers refuse much longer ones' },
} as const satisfies Record<string, { value: number; why: string }>;

const L = TOPOLOGY_LIMITS;

/** `at most 50 services (each instance is two containers on one machine)`: a limit as messages and the JSON Schema state it. */
function limitText(limit: { value: number; why: string }, what: string): string {
  return `at most ${limit.value} ${what} (${limit.why})`;
}

const dnsLabel = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;

export const ServiceName = z
  .string()
  .regex(dnsLabel, 'a lower-case DNS label: a-z, 0-9 and "-", 2-32 characters, starting with a letter');

export const VersionLabel = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,30}$/, 'a version label such as "v1" (lower-case letters, digits, ".", "_", "-")');

const Port = z.number().int().min(1).max(65535);
const HostPort = z.number().int().min(1).max(65535);

/** Free text handed to Docker or the app: bounded, and without NUL, which ends a C string (an env value or argument would be cut there). */
const Text = z
  .string()
  .max(L.textLength.value, limitText(L.textLength, 'characters'))
  .refine(
    (s) => !s.includes('\0'),
    'must not contain a NUL character (U+0000): Docker and the kernel cut the text there',
  )
  .meta({ description: `Text of ${limitText(L.textLength, 'characters')}, without NUL.` });

/** A URL path meshdev sends on an HTTP request line: a space or line break there would end the line. */
const UrlPath = z
  .string()
  .startsWith('/')
  .max(L.urlPathLength.value, limitText(L.urlPathLength, 'characters'))
  .regex(/^\/[\x21-\x7e]*$/, 'a URL path: printable ASCII without spaces (percent-encode anything else)');

/** A record with at most `limit.value` keys (zod's records have no size bound of their own). */
function boundedRecord<K extends z.core.$ZodRecordKey, V extends z.ZodType>(
  key: K,
  value: V,
  limit: { value: number; why: string },
  what: string,
) {
  return z
    .record(key, value)
    .refine((r) => Object.keys(r).length <= limit.value, limitText(limit, what))
    .meta({ maxProperties: limit.value, description: `${limitText(limit, what)}.` });
}

const EnvMap = boundedRecord(
  z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')
    .max(L.envNameLength.value, limitText(L.envNameLength, 'characters')),
  z.union([Text, z.number(), z.boolean()]),
  L.envEntries,
  'entries',
).default({});

const Command = z
  .array(Text)
  .min(1)
  .max(L.commandArgs.value, limitText(L.commandArgs, 'arguments'))
  .meta({ description: `The command and its arguments, ${limitText(L.commandArgs, 'arguments')}.` });

const Replicas = z
  .number()
  .int()
  .min(0)
  .max(L.replicasPerVersion.value, limitText(L.replicasPerVersion, 'replicas'))
  .meta({ description: `Instances of this version, ${limitText(L.replicasPerVersion, 'replicas')}.` });

export const BuildSpec = z.union([
  Text.min(1),
  z.strictObject({
    context: Text.min(1),
    dockerfile: Text.min(1).optional(),
    args: boundedRecord(Text, Text, L.buildArgs, 'build arguments').optional(),
  }),
]);

export const UpstreamProtocol = z.enum(['http', 'tcp']);

export const UpstreamRef = z.union(
  [
    ServiceName,
    z.strictObject({
      service: ServiceName,
      protocol: UpstreamProtocol.default('http'),
    }),
  ],
  { error: 'a service name, or {service: <name>, protocol: http or tcp}' },
);

/** The service an upstream entry names. */
export function upstreamTarget(ref: z.infer<typeof UpstreamRef>): string {
  return typeof ref === 'string' ? ref : ref.service;
}

const Weight = z.number().int().min(1).max(1000).default(100);

const VersionSpec = z.strictObject({
  replicas: Replicas.default(1),
  image: Text.min(1).optional(),
  command: Command.optional(),
  env: EnvMap,
  weight: Weight,
});

export const ServiceSpec = z
  .strictObject({
    /** Image of the app. Omitted: the meshdev runtime image (used by the demo services). */
    image: Text.min(1).optional(),
    build: BuildSpec.optional(),
    command: Command.optional(),
    /** The port the app listens on inside its instance (on 127.0.0.1; only its sidecar reaches it). */
    port: Port.meta({
      description:
        "The port the app listens on inside its instance. Not 15000 (the sidecar's admin), 15006 (its inbound) nor 15101 + i (its listener for upstreams[i]): the sidecar binds those in the same network namespace.",
    }),
    /** Path the sidecar polls to decide whether the app answers. */
    healthPath: UrlPath.default('/healthz'),
    replicas: Replicas.optional(),
    version: VersionLabel.optional(),
    /** Several versions side by side; instances are numbered across versions in the order written. */
    versions: boundedRecord(VersionLabel, VersionSpec, L.versionsPerService, 'versions').optional(),
    upstreams: z
      .array(UpstreamRef)
      .max(L.upstreams.value, limitText(L.upstreams, 'upstreams'))
      .meta({ description: `Services this one calls, each once: ${limitText(L.upstreams, 'upstreams')}.` })
      .default([]),
    /** Route the mesh's ingress to this service. */
    ingress: z.boolean().default(false),
    env: EnvMap,
    weight: Weight,
  })
  .superRefine((svc, ctx) => {
    if (svc.image !== undefined && svc.build !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['build'], message: 'give either "image" or "build", not both' });
    }
    if (svc.versions !== undefined) {
      if (svc.replicas !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['replicas'],
          message: 'with "versions", set replicas per version (versions.<label>.replicas)',
        });
      }
      if (svc.version !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['version'], message: 'give either "version" or "versions", not both' });
      }
      if (Object.keys(svc.versions).length === 0) {
        ctx.addIssue({ code: 'custom', path: ['versions'], message: 'at least one version' });
      }
    }
    const instances = serviceInstanceCount(svc);
    if (instances > L.instancesPerService.value) {
      ctx.addIssue({
        code: 'custom',
        path: svc.versions === undefined ? ['replicas'] : ['versions'],
        message: `${instances} instances; ${limitText(L.instancesPerService, 'per service')}`,
      });
    }
    const upstreams = svc.upstreams.map(upstreamTarget);
    const first = new Map<string, number>();
    upstreams.forEach((target, i) => {
      const at = first.get(target);
      if (at === undefined) {
        first.set(target, i);
        return;
      }
      ctx.addIssue({
        code: 'custom',
        path: ['upstreams', i],
        message: `${quoteText(target)} is already upstreams[${at}]; list each upstream once (one listener, one ${upstreamEnvName(target)})`,
      });
    });
    const portReason = sidecarPortReason(svc.port, upstreams);
    if (portReason !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['port'],
        message: `${portReason} in the same network namespace; pick another`,
      });
    }
    const envs: Array<[readonly PropertyKey[], Record<string, unknown>]> = [[['env'], svc.env]];
    for (const [label, v] of Object.entries(svc.versions ?? {})) envs.push([['versions', label, 'env'], v.env]);
    for (const [path, env] of envs) {
      for (const name of Object.keys(env)) {
        const reason = reservedAppEnvReason(name, upstreams);
        if (reason !== undefined) {
          ctx.addIssue({ code: 'custom', path: [...path, name], message: `${name} is reserved: ${reason}` });
        }
      }
    }
  })
  .meta({
    description: `A service of the mesh: ${limitText(L.instancesPerService, 'instances')}, summed over its versions. Its env may not set PORT, HOST, MESHDEV_* or <UPSTREAM>_URL of its own upstreams: meshdev sets them.`,
  });

/** How many instances a service starts with: its replicas, or the sum over its versions. */
function serviceInstanceCount(svc: {
  replicas?: number | undefined;
  versions?: Record<string, { replicas: number }> | undefined;
}): number {
  if (svc.versions === undefined) return svc.replicas ?? 1;
  return Object.values(svc.versions).reduce((n, v) => n + v.replicas, 0);
}

export const PortsSpec = z
  .strictObject({
    ingress: HostPort.default(8080),
    consul: HostPort.default(8500),
    prometheus: HostPort.default(9090),
    grafana: HostPort.default(3000),
  })
  .default({ ingress: 8080, consul: 8500, prometheus: 9090, grafana: 3000 });

export const LoadgenSpec = z
  .strictObject({
    enabled: z.boolean().default(true),
    /** Requests per second sent to the ingress. */
    rate: z.number().min(0).max(5000).default(20),
    path: UrlPath.default('/products'),
    /** Per-request timeout of the load generator, in milliseconds. */
    timeoutMs: z.number().int().min(1).max(120_000).default(5000),
  })
  .default({ enabled: true, rate: 20, path: '/products', timeoutMs: 5000 });

export const Topology = z
  .strictObject({
    /** Must match https://json.schemastore.org style editors; ignored by meshdev. */
    $schema: Text.optional(),
    name: ServiceName,
    ports: PortsSpec,
    loadgen: LoadgenSpec,
    grafana: z.boolean().default(true),
    services: boundedRecord(ServiceName, ServiceSpec, L.services, 'services').refine(
      (s) => Object.keys(s).length > 0,
      'at least one service',
    ),
  })
  .meta({
    description: `A meshdev topology. The file: ${limitText(L.fileBytes, 'bytes')}, UTF-8, one YAML document, ${limitText(L.nesting, 'levels of nesting')}, ${limitText(L.aliases, 'alias expansions')}, no tags. The mesh: ${limitText(L.instances, 'instances')}.`,
  })
  .superRefine((topo, ctx) => {
    const names = new Set(Object.keys(topo.services));
    const reserved = new Set(['consul', 'prometheus', 'grafana', 'loadgen', 'ingress']);
    let ingressCount = 0;
    let instances = 0;
    for (const [name, svc] of Object.entries(topo.services)) {
      if (reserved.has(name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['services', name],
          message: `${quoteText(name)} is reserved for the mesh's own components; rename the service`,
        });
      }
      if (svc.ingress) ingressCount++;
      instances += serviceInstanceCount(svc);
      svc.upstreams.forEach((u, i) => {
        const target = upstreamTarget(u);
        if (!names.has(target)) {
          ctx.addIssue({
            code: 'custom',
            path: ['services', name, 'upstreams', i],
            message: `unknown service ${quoteText(target)}; known services: ${[...names].map((n) => (dnsLabel.test(n) ? n : quoteText(n))).join(', ')}`,
          });
        } else if (target === name) {
          ctx.addIssue({
            code: 'custom',
            path: ['services', name, 'upstreams', i],
            message: 'a service cannot call itself',
          });
        }
      });
    }
    if (ingressCount > 1) {
      ctx.addIssue({ code: 'custom', path: ['services'], message: 'at most one service may set "ingress: true"' });
    }
    if (instances > L.instances.value) {
      ctx.addIssue({
        code: 'custom',
        path: ['services'],
        message: `${instances} instances; ${limitText(L.instances, 'in the mesh')}`,
      });
    }
    const ports = Object.entries(topo.ports);
    const seen = new Map<number, string>();
    for (const [key, port] of ports) {
      const other = seen.get(port);
      if (other !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['ports', key],
          message: `port ${port} is already used by ports.${other}`,
        });
      }
      seen.set(port, key);
    }
  });

export type Topology = z.infer<typeof Topology>;
export type ServiceSpec = z.infer<typeof ServiceSpec>;
export type UpstreamProtocol = z.infer<typeof UpstreamProtocol>;
