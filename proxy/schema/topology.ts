import * as z from 'zod';

/**
 * The topology file (`mesh.yaml`): what a developer writes to describe a mesh.
 *
 * Kept deliberately close to what Compose users already know (image, build, env, replicas) and
 * adds only what the mesh needs: versions, upstreams and the ingress.
 */

const dnsLabel = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;

export const ServiceName = z
  .string()
  .regex(dnsLabel, 'a lower-case DNS label: a-z, 0-9 and "-", 2-32 characters, starting with a letter');

export const VersionLabel = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,30}$/, 'a version label such as "v1" (lower-case letters, digits, ".", "_", "-")');

const Port = z.number().int().min(1).max(65535);
const HostPort = z.number().int().min(1).max(65535);

const EnvMap = z
  .record(
    z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'),
    z.union([z.string(), z.number(), z.boolean()]),
  )
  .default({});

export const BuildSpec = z.union([
  z.string().min(1),
  z.strictObject({
    context: z.string().min(1),
    dockerfile: z.string().min(1).optional(),
    args: z.record(z.string(), z.string()).optional(),
  }),
]);

export const UpstreamProtocol = z.enum(['http', 'tcp']);

export const UpstreamRef = z.union([
  ServiceName,
  z.strictObject({
    service: ServiceName,
    protocol: UpstreamProtocol.default('http'),
  }),
]);

const VersionSpec = z.strictObject({
  replicas: z.number().int().min(0).max(20).default(1),
  image: z.string().min(1).optional(),
  command: z.array(z.string()).min(1).optional(),
  env: EnvMap,
  weight: z.number().int().min(1).max(1000).default(100),
});

export const ServiceSpec = z
  .strictObject({
    /** Image of the app. Omitted: the meshdev runtime image (used by the demo services). */
    image: z.string().min(1).optional(),
    build: BuildSpec.optional(),
    command: z.array(z.string()).min(1).optional(),
    /** The port the app listens on inside its instance (on 127.0.0.1; only its sidecar reaches it). */
    port: Port,
    /** Path the sidecar polls to decide whether the app answers. */
    healthPath: z.string().startsWith('/').default('/healthz'),
    replicas: z.number().int().min(0).max(20).optional(),
    version: VersionLabel.optional(),
    /** Several versions side by side; instances are numbered across versions in the order written. */
    versions: z.record(VersionLabel, VersionSpec).optional(),
    upstreams: z.array(UpstreamRef).default([]),
    /** Route the mesh's ingress to this service. */
    ingress: z.boolean().default(false),
    env: EnvMap,
    weight: z.number().int().min(1).max(1000).default(100),
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
  });

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
    path: z.string().startsWith('/').default('/products'),
    /** Per-request timeout of the load generator, in milliseconds. */
    timeoutMs: z.number().int().min(1).max(120_000).default(5000),
  })
  .default({ enabled: true, rate: 20, path: '/products', timeoutMs: 5000 });

export const Topology = z
  .strictObject({
    /** Must match https://json.schemastore.org style editors; ignored by meshdev. */
    $schema: z.string().optional(),
    name: ServiceName,
    ports: PortsSpec,
    loadgen: LoadgenSpec,
    grafana: z.boolean().default(true),
    services: z.record(ServiceName, ServiceSpec).refine((s) => Object.keys(s).length > 0, 'at least one service'),
  })
  .superRefine((topo, ctx) => {
    const names = new Set(Object.keys(topo.services));
    const reserved = new Set(['consul', 'prometheus', 'grafana', 'loadgen', 'ingress']);
    let ingressCount = 0;
    for (const [name, svc] of Object.entries(topo.services)) {
      if (reserved.has(name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['services', name],
          message: `"${name}" is reserved for the mesh's own components; rename the service`,
        });
      }
      if (svc.ingress) ingressCount++;
      svc.upstreams.forEach((u, i) => {
        const target = typeof u === 'string' ? u : u.service;
        if (!names.has(target)) {
          ctx.addIssue({
            code: 'custom',
            path: ['services', name, 'upstreams', i],
            message: `unknown service "${target}"; known services: ${[...names].join(', ')}`,
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
