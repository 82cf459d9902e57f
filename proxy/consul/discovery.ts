import type { ConsulClient, HealthServiceEntry } from './client.js';
import { describe } from './client.js';
import type { EndpointAddress } from '../upstream.js';
import type { Logger } from '../log.js';
import type { ProxyMetrics } from '../metrics.js';
import { Backoff, sleep } from '../backoff.js';
import { CONSUL_META } from '../schema/bootstrap.js';

/**
 * Watches one service's passing instances with blocking queries and hands every change to
 * `onChange`. When Consul is unreachable the last known endpoints stay in use (static stability)
 * and the watch reconnects with backoff.
 */
export async function watchService(opts: {
  consul: ConsulClient;
  service: string;
  onChange: (endpoints: EndpointAddress[]) => void;
  log: Logger;
  metrics: ProxyMetrics;
  signal: AbortSignal;
  waitSeconds?: number;
}): Promise<void> {
  const { consul, service, log, signal } = opts;
  let index = 0;
  let failing = false;
  const backoff = new Backoff(250, 10_000);
  while (!signal.aborted) {
    try {
      const result = await consul.healthyInstances(service, index, opts.waitSeconds ?? 30, signal);
      if (failing) {
        log.info(`consul reachable again; watching ${service}`, { event: 'consul_reconnected', upstream: service });
        failing = false;
      }
      backoff.reset();
      // Consul's index may go backwards (agent restart): start over instead of waiting on a stale index.
      const changed = result.index !== index;
      index = result.index < index ? 0 : result.index;
      if (changed) opts.onChange(result.value.map(toEndpoint));
    } catch (err) {
      if (signal.aborted) return;
      opts.metrics.consulErrors.labels('discovery').inc();
      if (!failing) {
        log.warn(`consul watch of ${service} failed; keeping the last known endpoints`, {
          event: 'consul_unreachable',
          upstream: service,
          error: describe(err),
        });
        failing = true;
      }
      index = 0;
      await sleep(backoff.next(), signal);
    }
  }
}

export function toEndpoint(e: HealthServiceEntry): EndpointAddress {
  const s = e.Service;
  const versionTag = s.Tags?.find((t) => t.startsWith('version:'));
  return {
    id: s.ID,
    host: s.Address !== '' ? s.Address : e.Node.Address,
    port: s.Port,
    weight: s.Weights?.Passing ?? 1,
    version: s.Meta?.[CONSUL_META.version] ?? versionTag?.slice('version:'.length) ?? 'v1',
  };
}
