/**
 * What meshdev itself puts into every instance: the ports its sidecar binds in the instance's
 * network namespace (which the app shares) and the environment it hands the app. The topology
 * schema refuses an app port or env name that would collide with them; the Compose renderer and
 * the sidecar bootstrap use the same values.
 */

import { quoteText } from './issues.js';

/** Well-known ports inside every instance's network namespace. */
export const INSTANCE_PORTS = {
  admin: 15000,
  inbound: 15006,
  /** Outbound listeners take consecutive ports from here, one per upstream, in topology order. */
  firstOutbound: 15101,
} as const;

/** The port of the sidecar's listener for the upstream at `index` of its service's `upstreams`. */
export function upstreamListenerPort(index: number): number {
  return INSTANCE_PORTS.firstOutbound + index;
}

/** The name an app reads its upstream address from: `catalog` -> `CATALOG_URL`. */
export function upstreamEnvName(service: string): string {
  return `${service.toUpperCase().replace(/-/g, '_')}_URL`;
}

/** Environment meshdev sets in every app container, with what each is, for the message that refuses it in `env`. */
export const APP_ENV = {
  PORT: 'the port the app must listen on (the service\'s "port")',
  HOST: 'the address the app must listen on (127.0.0.1, where its sidecar reaches it)',
  MESHDEV_MESH: 'the name of the mesh',
  MESHDEV_SERVICE: 'the name of the service',
  MESHDEV_INSTANCE: 'the id of the instance',
  MESHDEV_VERSION: 'the version of the instance',
} as const;

/** Names under this prefix are meshdev's, so that a name it adds later cannot silently shadow a user's. */
export const APP_ENV_RESERVED_PREFIX = 'MESHDEV_';

/**
 * Why `name` may not be set in the `env` of a service with these upstreams; undefined when it may.
 * Each upstream's `<NAME>_URL` points at the sidecar's local listener: overriding it would send
 * the app's calls around the mesh.
 */
export function reservedAppEnvReason(name: string, upstreams: readonly string[]): string | undefined {
  const injected = (APP_ENV as Readonly<Record<string, string>>)[name];
  if (injected !== undefined) return `meshdev sets ${name} to ${injected}`;
  if (name.startsWith(APP_ENV_RESERVED_PREFIX)) return `names starting with ${APP_ENV_RESERVED_PREFIX} are meshdev's`;
  const i = upstreams.findIndex((u) => upstreamEnvName(u) === name);
  if (i !== -1) {
    return `meshdev sets ${name} to the sidecar's listener for upstream ${quoteText(upstreams[i]!)} (upstreams[${i}]); the app reaches its upstreams through the sidecar`;
  }
  return undefined;
}

/**
 * Why the app may not listen on `port` in a service with these upstreams (the sidecar binds it in
 * the same network namespace); undefined when it may.
 */
export function sidecarPortReason(port: number, upstreams: readonly string[]): string | undefined {
  if (port === INSTANCE_PORTS.admin) return `port ${port} is the sidecar's admin listener`;
  if (port === INSTANCE_PORTS.inbound) return `port ${port} is the sidecar's inbound listener`;
  const i = port - INSTANCE_PORTS.firstOutbound;
  if (i >= 0 && i < upstreams.length) {
    return `port ${port} is the sidecar's listener for upstream ${quoteText(upstreams[i]!)} (upstreams[${i}])`;
  }
  return undefined;
}
