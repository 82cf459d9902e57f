import type { z } from 'zod';
import type { FlakyAction, TcpFlakyAction } from '../schema/faults.js';
import { answerLocally } from './abort.js';
import { resetSocket } from './reset.js';
import type { HttpFault, TcpFault } from './types.js';

/**
 * Flaky faults fail their first N requests (or connections) per caller, then let traffic pass. The
 * count is decided when faults are selected (flaky-counters.ts, kept by the fault engine), so a
 * flaky fault chosen for a request is one of the first N: it only has to fail it.
 */

export const flakyFault: HttpFault<z.infer<typeof FlakyAction>> = {
  type: 'flaky',
  apply(fault, x, _next, env) {
    env.injected('flaky');
    const { status, first } = fault.action;
    answerLocally(x, status, `fault-injected: flaky ${status}, the first ${first} per caller (fault ${fault.id})`);
  },
};

export const tcpFlakyFault: TcpFault<z.infer<typeof TcpFlakyAction>> = {
  type: 'tcp-flaky',
  apply(_fault, client, _next, env) {
    env.injected('tcp-flaky');
    resetSocket(client);
  },
};
