import type { ConsulClient } from './client.js';
import { watchKvPrefix } from './kv-watch.js';
import type { MeshProxy } from '../mesh-proxy.js';
import type { Logger } from '../log.js';
import { configPrefix } from '../schema/config.js';
import { judgeConfigEntries } from '../schema/config-documents.js';
import type { LiveConfigDocument } from '../schema/config-documents.js';

/**
 * Watches the mesh's live config in Consul KV (one blocking query over the whole prefix) and applies
 * it document by document (config-documents.ts): a rejected document keeps its last good version
 * here, every other document applies.
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
  let inEffect: ReadonlyMap<string, LiveConfigDocument> = new Map();
  await watchKvPrefix({
    consul,
    prefix,
    log,
    signal,
    waitSeconds: opts.waitSeconds,
    failureMessage: 'consul config watch failed; keeping the current config',
    onError: () => proxy.metrics.consulErrors.labels('config').inc(),
    onChange: (entries, index) => {
      const judged = judgeConfigEntries(mesh, entries, inEffect);
      inEffect = judged.inEffect;
      if (JSON.stringify(judged.snapshot) !== JSON.stringify(proxy.snapshot)) {
        proxy.applySnapshot(judged.snapshot, `consul kv ${prefix} (index ${index})`);
        log.info('applied live config', { event: 'config_applied', index });
      }
      proxy.recordRejections(judged.rejected);
    },
  });
}
