import type Docker from 'dockerode';
import { AdminDocumentError, INSTANCE_PORTS, parseAdminEndpoints } from '../../proxy/schema/index.js';
import type { AdminEndpoint, AdminEndpointsDocument } from '../../proxy/schema/index.js';
import { containerAddress } from '../runtime/address.js';
import type { ProjectContainer } from '../runtime/docker.js';
import { getJson } from '../runtime/http-json.js';

/**
 * The mesh's own view of its instances: which callers' sidecars eject an instance right now. Consul
 * says whether an instance answers its health check; only the callers know that it fails their
 * requests (an injected abort, a bad release) and that they have taken it out of rotation.
 */

/** What the sidecars report about one instance as an upstream endpoint. */
export interface OutlierView {
  /** Instance ids of the callers (sidecars, or `ingress`) that currently eject it. */
  readonly ejectedBy: readonly string[];
  /** Requests in flight at the instance's own sidecar (inbound). */
  readonly active: number | undefined;
}

/** The parts of a sidecar's `/endpoints` (proxy/schema/admin.ts) that say who is ejected and how busy. */
export type EndpointsView = Readonly<
  Record<string, { readonly endpoints: ReadonlyArray<Pick<AdminEndpoint, 'id' | 'state' | 'active'>> }>
>;

/**
 * Who ejects whom, from every sidecar's `/endpoints`. A sidecar lists its own app as endpoint
 * `app` of its inbound upstream: that one gives the instance's requests in flight.
 */
export function outliersFromEndpoints(views: ReadonlyMap<string, EndpointsView>): Record<string, OutlierView> {
  const ejectedBy = new Map<string, string[]>();
  const active = new Map<string, number>();
  for (const [caller, view] of views) {
    for (const upstream of Object.values(view)) {
      for (const e of upstream.endpoints) {
        if (e.id === 'app') {
          active.set(caller, (active.get(caller) ?? 0) + e.active);
          continue;
        }
        if (!ejectedBy.has(e.id)) ejectedBy.set(e.id, []);
        if (e.state === 'ejected') ejectedBy.get(e.id)!.push(caller);
      }
    }
  }
  const out: Record<string, OutlierView> = {};
  for (const id of new Set([...ejectedBy.keys(), ...active.keys()])) {
    out[id] = { ejectedBy: (ejectedBy.get(id) ?? []).sort(), active: active.get(id) };
  }
  return out;
}

/** A running meshdev proxy's container, named as the caller it is to its upstreams. */
export interface RunningProxy {
  readonly id: string;
  /** The instance id of a sidecar, or `ingress`. */
  readonly caller: string;
}

/** The running meshdev proxies of a mesh (every instance's sidecar and the ingress). */
export function runningProxies(containers: readonly ProjectContainer[]): RunningProxy[] {
  const out: RunningProxy[] = [];
  for (const c of containers) {
    if (c.state !== 'running') continue;
    if (c.role === 'sidecar' && c.instance !== undefined) out.push({ id: c.id, caller: c.instance });
    else if (c.role === 'ingress') out.push({ id: c.id, caller: 'ingress' });
  }
  return out;
}

/** What the proxies' admin APIs said: their `/endpoints` by caller, and those that answered garbage. */
export interface ProxyEndpoints {
  readonly views: Map<string, AdminEndpointsDocument>;
  /** By caller: why its answer is not an `/endpoints` document (a sidecar of another meshdev version). */
  readonly invalid: Map<string, string>;
}

/**
 * Every proxy's `/endpoints` on its admin port, by caller, parsed with the schema's contract. A
 * proxy that does not answer is left out (and its cached address forgotten): it is starting or
 * gone. One that answers with another shape is left out too, with the reason in `invalid`.
 * `addresses` caches container addresses across calls.
 */
export async function readProxyEndpoints(
  docker: Docker,
  proxies: readonly RunningProxy[],
  addresses: Map<string, string> = new Map(),
  timeoutMs = 1500,
): Promise<ProxyEndpoints> {
  const views = new Map<string, AdminEndpointsDocument>();
  const invalid = new Map<string, string>();
  await Promise.all(
    proxies.map(async (p) => {
      try {
        let host = addresses.get(p.id);
        if (host === undefined) {
          host = await containerAddress(docker, p.id);
          addresses.set(p.id, host);
        }
        const url = `http://${host}:${INSTANCE_PORTS.admin}/endpoints`;
        views.set(p.caller, parseAdminEndpoints(await getJson<unknown>(url, timeoutMs), `${p.caller} ${url}`));
      } catch (err) {
        if (err instanceof AdminDocumentError) invalid.set(p.caller, err.message);
        else addresses.delete(p.id);
      }
    }),
  );
  return { views, invalid };
}
