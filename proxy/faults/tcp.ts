import type { z } from 'zod';
import type { TcpBandwidthAction, TcpLatencyAction, TcpResetAction } from '../schema/faults.js';
import { BandwidthPacer, LatencyPacer, paceWrites } from './pacing.js';
import { resetSocket } from './reset.js';
import { delayOf } from './select.js';
import type { TcpFault } from './types.js';

/**
 * TCP (L4) faults act on an accepted client connection. Latency and bandwidth pace the bytes going
 * to the client (Toxiproxy's "downstream" stream): a request/response protocol sees every answer
 * delayed or slowed; reset closes the connection with an RST as soon as it is accepted.
 */

export const tcpLatencyFault: TcpFault<z.infer<typeof TcpLatencyAction>> = {
  type: 'tcp-latency',
  apply(fault, client, next, env) {
    env.injected('tcp-latency');
    paceWrites(client, new LatencyPacer(() => delayOf(fault.action, env.rng)));
    next();
  },
};

export const tcpBandwidthFault: TcpFault<z.infer<typeof TcpBandwidthAction>> = {
  type: 'tcp-bandwidth',
  apply(fault, client, next, env) {
    env.injected('tcp-bandwidth');
    paceWrites(client, new BandwidthPacer(fault.action.bytesPerSecond));
    next();
  },
};

export const tcpResetFault: TcpFault<z.infer<typeof TcpResetAction>> = {
  type: 'tcp-reset',
  apply(_fault, client, _next, env) {
    env.injected('tcp-reset');
    resetSocket(client);
  },
};
