import type { Socket } from 'node:net';
import type { Logger } from '../log.js';
import type { FaultEngine, ListenerScope } from './engine.js';
import { partitionReason } from './partition.js';
import { runTcpFaults } from './registry.js';
import { resetSocket } from './reset.js';

/**
 * Wraps a TCP listener's connection handler with faults: a partition or a `tcp-reset` closes the
 * connection with an RST as soon as it is accepted (L4 has no way to carry a reason, so it is
 * logged); `tcp-latency` / `tcp-bandwidth` pace the bytes sent back to the client.
 */
export function faultingTcpHandler(
  engine: FaultEngine,
  scope: ListenerScope,
  handler: (client: Socket) => void,
  log?: Logger,
): (client: Socket) => void {
  const upstream = scope.upstream;
  return (client) => {
    if (upstream !== undefined && scope.direction === 'outbound' && engine.partitions.length > 0) {
      const p = engine.partitionTowards(upstream);
      if (p !== undefined) {
        engine.countPartitionRefusal();
        log?.warn(partitionReason(p, engine.self.service, upstream), { event: 'partition_refused', upstream });
        client.on('error', () => undefined);
        resetSocket(client);
        return;
      }
    }
    const faults = engine.forListener(scope).length === 0 ? [] : engine.decide(scope);
    if (faults.length === 0) return handler(client);
    client.on('error', () => undefined);
    runTcpFaults(faults, client, () => handler(client), engine.env);
  };
}
