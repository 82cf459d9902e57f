import type { z } from 'zod';
import type { BlackholeAction } from '../schema/faults.js';
import type { HttpFault } from './types.js';

/**
 * Accepted, read, never answered: the client waits until its own timeout. Held at most until the
 * fault expires (then the connection is closed), so a forgotten blackhole does not hold sockets forever.
 */
export const blackholeFault: HttpFault<z.infer<typeof BlackholeAction>> = {
  type: 'blackhole',
  apply(fault, { req, res }, _next, env) {
    env.injected('blackhole');
    req.resume();
    const holdMs = Math.max(0, fault.expiresAt - env.clock.now());
    const timer = setTimeout(() => res.destroy(), Math.min(holdMs, 2 ** 31 - 1));
    res.once('close', () => clearTimeout(timer));
  },
};
