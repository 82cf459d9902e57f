import type { ConsulClient } from '../consul/client.js';
import { watchKvPrefix } from '../consul/kv-watch.js';
import type { Logger } from '../log.js';
import { faultsPrefix } from '../schema/faults.js';
import type { FaultEngine } from './engine.js';

/**
 * Watches `meshdev/<mesh>/faults/` with one blocking query and replaces the engine's fault set on
 * every change. If Consul goes away the current set stays (faults still expire on their own).
 */
export async function watchFaults(opts: {
  consul: ConsulClient;
  mesh: string;
  engine: FaultEngine;
  log: Logger;
  signal: AbortSignal;
  waitSeconds?: number;
  onError?: () => void;
}): Promise<void> {
  const { consul, mesh, engine, log, signal } = opts;
  const prefix = faultsPrefix(mesh);
  await watchKvPrefix({
    consul,
    prefix,
    log,
    signal,
    waitSeconds: opts.waitSeconds,
    failureMessage: 'consul fault watch failed; keeping the current faults',
    onError: opts.onError,
    onChange: (entries, index) => engine.applyEntries(mesh, entries, `consul kv ${prefix} (index ${index})`),
  });
}
