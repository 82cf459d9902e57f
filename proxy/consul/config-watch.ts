import type { ConsulClient } from './client.js';
import { describe } from './client.js';
import type { MeshProxy } from '../mesh-proxy.js';
import type { Logger } from '../log.js';
import { configPrefix, parseConfigEntries } from '../schema/config.js';
import { Backoff, sleep } from '../backoff.js';

/**
 * Watches the mesh's live config in Consul KV (one blocking query over the whole prefix) and applies
 * each valid snapshot; an invalid one is rejected and the last good stays.
 */
export async function watchConfig(opts: {
  consul: ConsulClient;
  mesh: string;
  proxy: MeshProxy;
  log: Logger;
  signal: AbortSignal;
  waitSeconds?: number;
}): Promise<void> {
  const { consul, mesh, proxy, log, signal } = opts;
  const prefix = configPrefix(mesh);
  let index = 0;
  let failing = false;
  const backoff = new Backoff(250, 10_000);
  while (!signal.aborted) {
    try {
      const result = await consul.kvList(prefix, index, opts.waitSeconds ?? 30, signal);
      failing = false;
      backoff.reset();
      const changed = result.index !== index;
      index = result.index < index ? 0 : result.index;
      if (!changed) continue;
      const parsed = parseConfigEntries(mesh, result.value);
      if (parsed.ok) {
        const before = JSON.stringify(proxy.snapshot);
        const after = JSON.stringify(parsed.snapshot);
        if (before !== after || proxy.lastRejection !== undefined) {
          proxy.applySnapshot(parsed.snapshot, `consul kv ${prefix} (index ${result.index})`);
          log.info('applied live config', { event: 'config_applied', index: result.index });
        }
      } else if (JSON.stringify(parsed.problems) !== JSON.stringify(proxy.lastRejection?.problems)) {
        proxy.rejectConfig(parsed.problems);
      }
    } catch (err) {
      if (signal.aborted) return;
      proxy.metrics.consulErrors.labels('config').inc();
      if (!failing) {
        log.warn('consul config watch failed; keeping the current config', { error: describe(err) });
        failing = true;
      }
      index = 0;
      await sleep(backoff.next(), signal);
    }
  }
}
