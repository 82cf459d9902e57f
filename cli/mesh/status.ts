import type Docker from 'dockerode';
import type { ConsulInstanceHealth } from '../runtime/consul.js';
import { serviceHealth } from '../runtime/consul.js';
import type { ProjectContainer } from '../runtime/docker.js';
import { listProjectContainers } from '../runtime/docker.js';
import type { ResolvedMesh } from './model.js';
import type { OutlierView } from './ejections.js';
import { outliersFromEndpoints, readProxyEndpoints, runningProxies } from './ejections.js';

export interface InstanceStatus {
  readonly id: string;
  readonly version: string;
  /** Name of the app container. */
  readonly container: string;
  /** State of the app container: running, paused, exited, missing, ... */
  readonly state: string;
  /** Consul's verdict on the instance: passing, warning, critical, or unknown (not registered / Consul down). */
  readonly health: string;
  readonly sidecar: { readonly container: string; readonly state: string };
  /**
   * The callers (instance ids, or `ingress`) whose sidecars have ejected this instance right now:
   * they saw it fail, whatever Consul's check says. Null when no proxy's admin API could be read.
   */
  readonly ejectedBy: readonly string[] | null;
}

export interface MeshStatus {
  readonly name: string;
  readonly project: string;
  readonly running: boolean;
  readonly services: ReadonlyArray<{ readonly name: string; readonly instances: readonly InstanceStatus[] }>;
  readonly components: ReadonlyArray<{
    readonly name: string;
    readonly state: string;
    readonly health: string | undefined;
  }>;
  readonly endpoints: {
    readonly ingress: string | null;
    readonly consul: string;
    readonly prometheus: string;
    readonly grafana: string | null;
  };
  readonly consulReachable: boolean;
  /** Proxies whose admin `/endpoints` is not the document this CLI reads (left out of `ejectedBy`). */
  readonly adminProblems: readonly string[];
}

export function meshEndpoints(mesh: ResolvedMesh, grafanaRunning: boolean): MeshStatus['endpoints'] {
  const p = mesh.topology.ports;
  return {
    ingress: mesh.ingressService === undefined ? null : `http://127.0.0.1:${p.ingress}`,
    consul: `http://127.0.0.1:${p.consul}`,
    prometheus: `http://127.0.0.1:${p.prometheus}`,
    grafana: grafanaRunning ? `http://127.0.0.1:${p.grafana}` : null,
  };
}

/**
 * Joins what Docker says (containers), what Consul says (health) and what the callers' sidecars say
 * (ejections; undefined when none could be asked) per instance. Pure.
 */
export function buildStatus(
  mesh: ResolvedMesh,
  containers: readonly ProjectContainer[],
  health: ReadonlyMap<string, ConsulInstanceHealth>,
  consulReachable: boolean,
  outliers?: Readonly<Record<string, OutlierView>>,
  adminProblems: readonly string[] = [],
): MeshStatus {
  const byService = new Map(containers.map((c) => [c.composeService, c]));
  const services = mesh.services.map((svc) => ({
    name: svc.name,
    instances: svc.instances.map((inst): InstanceStatus => {
      const app = byService.get(inst.appContainer);
      const sidecar = byService.get(inst.sidecarContainer);
      return {
        id: inst.id,
        version: inst.version,
        container: app?.name ?? `${mesh.project}-${inst.appContainer}`,
        state: app?.state ?? 'missing',
        health: health.get(inst.id)?.status ?? 'unknown',
        sidecar: {
          container: sidecar?.name ?? `${mesh.project}-${inst.sidecarContainer}`,
          state: sidecar?.state ?? 'missing',
        },
        ejectedBy: outliers === undefined ? null : (outliers[inst.id]?.ejectedBy ?? []),
      };
    }),
  }));
  const components = containers
    .filter((c) => c.role !== 'app' && c.role !== 'sidecar')
    .map((c) => ({ name: c.composeService, state: c.state, health: c.health }));
  const grafanaRunning = containers.some((c) => c.role === 'grafana' && c.state === 'running');
  return {
    name: mesh.name,
    project: mesh.project,
    running: containers.some((c) => c.state === 'running'),
    services,
    components,
    endpoints: meshEndpoints(mesh, grafanaRunning),
    consulReachable,
    adminProblems,
  };
}

export async function collectStatus(docker: Docker, mesh: ResolvedMesh): Promise<MeshStatus> {
  const containers = await listProjectContainers(docker, mesh.project);
  const consulUrl = `http://127.0.0.1:${mesh.topology.ports.consul}`;
  const health = new Map<string, ConsulInstanceHealth>();
  let consulReachable = false;
  if (containers.some((c) => c.role === 'consul' && c.state === 'running')) {
    try {
      const lists = await Promise.all(mesh.services.map((s) => serviceHealth(consulUrl, s.name)));
      for (const entry of lists.flat()) health.set(entry.id, entry);
      consulReachable = true;
    } catch {
      consulReachable = false;
    }
  }
  const proxies = runningProxies(containers);
  const { views, invalid } = await readProxyEndpoints(docker, proxies);
  const outliers = views.size > 0 ? outliersFromEndpoints(views) : undefined;
  return buildStatus(mesh, containers, health, consulReachable, outliers, [...invalid.values()].sort());
}

/** The human table of `meshdev status`. */
export function formatStatus(status: MeshStatus): string {
  const lines: string[] = [];
  lines.push(`mesh ${status.name} (${status.running ? 'running' : 'not running'})`);
  const rows: string[][] = [['SERVICE', 'INSTANCE', 'VERSION', 'APP', 'SIDECAR', 'HEALTH', 'EJECTED BY']];
  for (const svc of status.services) {
    for (const inst of svc.instances) {
      const ejectedBy = inst.ejectedBy === null ? '?' : inst.ejectedBy.length === 0 ? '-' : inst.ejectedBy.join(',');
      rows.push([svc.name, inst.id, inst.version, inst.state, inst.sidecar.state, inst.health, ejectedBy]);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows)
    lines.push(
      r
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
  if (status.components.length > 0) {
    lines.push('');
    lines.push(
      `components: ${status.components.map((c) => `${c.name} ${c.state}${c.health ? ` (${c.health})` : ''}`).join(', ')}`,
    );
  }
  lines.push('');
  const e = status.endpoints;
  if (e.ingress) lines.push(`ingress     ${e.ingress}`);
  lines.push(`consul      ${e.consul}${status.consulReachable ? '' : '  (not reachable)'}`);
  lines.push(`prometheus  ${e.prometheus}`);
  if (e.grafana) lines.push(`grafana     ${e.grafana}`);
  for (const problem of status.adminProblems) lines.push(`warning: ${problem}`);
  return lines.join('\n');
}
