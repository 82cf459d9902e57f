import type { ConsulClient, KvEntry } from './client.js';
import { describe } from './client.js';
import type { Logger } from '../log.js';
import { Backoff, sleep } from '../backoff.js';

/**
 * Follows every key under a Consul KV prefix with one blocking query, calling `onChange` with the
 * whole set whenever Consul's index moves. If Consul goes away the caller keeps what it has (static
 * stability): the failure is counted (`onError`), logged once until Consul answers again, and the
 * watch retries with backoff from index 0.
 */
export async function watchKvPrefix(opts: {
  consul: ConsulClient;
  prefix: string;
  log: Logger;
  signal: AbortSignal;
  waitSeconds?: number;
  /** Logged (once per outage) when Consul stops answering, e.g. "consul config watch failed; keeping the current config". */
  failureMessage: string;
  onChange: (entries: KvEntry[], index: number) => void;
  onError?: () => void;
}): Promise<void> {
  const { consul, prefix, log, signal } = opts;
  let index = 0;
  let failing = false;
  const backoff = new Backoff(250, 10_000);
  while (!signal.aborted) {
    try {
      const result = await consul.kvList(prefix, index, opts.waitSeconds ?? 30, signal);
      failing = false;
      backoff.reset();
      const changed = result.index !== index;
      // Consul's index may go backwards (agent restarted): start over rather than block on a future index.
      index = result.index < index ? 0 : result.index;
      if (changed) opts.onChange(result.value, result.index);
    } catch (err) {
      if (signal.aborted) return;
      opts.onError?.();
      if (!failing) {
        log.warn(opts.failureMessage, { error: describe(err) });
        failing = true;
      }
      index = 0;
      await sleep(backoff.next(), signal);
    }
  }
}
