import type { ConsulClient } from '../consul/client.js';
import { describe } from '../consul/client.js';
import type { Logger } from '../log.js';
import { Backoff, sleep } from '../backoff.js';
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
      engine.applyEntries(mesh, result.value, `consul kv ${prefix} (index ${result.index})`);
    } catch (err) {
      if (signal.aborted) return;
      opts.onError?.();
      if (!failing) {
        log.warn('consul fault watch failed; keeping the current faults', { error: describe(err) });
        failing = true;
      }
      index = 0;
      await sleep(backoff.next(), signal);
    }
  }
}
