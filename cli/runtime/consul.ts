import { request } from 'undici';
import { getJson } from './http-json.js';

/** What the CLI reads from Consul's HTTP API (health of instances; the proxy has its own watcher). */
export interface ConsulInstanceHealth {
  readonly id: string;
  readonly service: string;
  readonly address: string;
  readonly port: number;
  readonly meta: Readonly<Record<string, string>>;
  /** passing, warning, critical */
  readonly status: 'passing' | 'warning' | 'critical';
}

interface HealthEntry {
  Service: { ID: string; Service: string; Address: string; Port: number; Meta: Record<string, string> | null };
  Checks: Array<{ Status: 'passing' | 'warning' | 'critical' }>;
}

function worst(checks: HealthEntry['Checks']): ConsulInstanceHealth['status'] {
  if (checks.some((c) => c.Status === 'critical')) return 'critical';
  if (checks.some((c) => c.Status === 'warning')) return 'warning';
  return 'passing';
}

export async function serviceHealth(consulUrl: string, service: string): Promise<ConsulInstanceHealth[]> {
  const entries = await getJson<HealthEntry[]>(`${consulUrl}/v1/health/service/${encodeURIComponent(service)}`);
  return entries.map((e) => ({
    id: e.Service.ID,
    service: e.Service.Service,
    address: e.Service.Address,
    port: e.Service.Port,
    meta: e.Service.Meta ?? {},
    status: worst(e.Checks),
  }));
}

export async function consulLeader(consulUrl: string): Promise<string> {
  return getJson<string>(`${consulUrl}/v1/status/leader`);
}

/**
 * Removes an instance's registration from the agent that holds it (the dev agent holds them all).
 * Best effort: an id the agent no longer knows is already what was wanted.
 */
export async function deregisterInstance(consulUrl: string, id: string): Promise<void> {
  const url = `${consulUrl}/v1/agent/service/deregister/${encodeURIComponent(id)}`;
  const res = await request(url, { method: 'PUT', headersTimeout: 2000, bodyTimeout: 2000 });
  await res.body.dump();
}
