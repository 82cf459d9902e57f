import type { ConsulClient } from './client.js';
import { watchKvPrefix } from './kv-watch.js';
import type { MeshProxy } from '../mesh-proxy.js';
import type { Logger } from '../log.js';
import { configPrefix, parseConfigEntries } from '../schema/config.js';

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
  await watchKvPrefix({
    consul,
    prefix,
    log,
    signal,
    waitSeconds: opts.waitSeconds,
    failureMessage: 'consul config watch failed; keeping the current config',
    onError: () => proxy.metrics.consulErrors.labels('config').inc(),
    onChange: (entries, index) => {
      const parsed = parseConfigEntries(mesh, entries);
      if (parsed.ok) {
        const before = JSON.stringify(proxy.snapshot);
        const after = JSON.stringify(parsed.snapshot);
        if (before !== after || proxy.lastRejection !== undefined) {
          proxy.applySnapshot(parsed.snapshot, `consul kv ${prefix} (index ${index})`);
          log.info('applied live config', { event: 'config_applied', index });
        }
      } else if (JSON.stringify(parsed.problems) !== JSON.stringify(proxy.lastRejection?.problems)) {
        proxy.rejectConfig(parsed.problems);
      }
    },
  });
}
