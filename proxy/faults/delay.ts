import type { DelayAction } from '../schema/faults.js';
import type { z } from 'zod';
import { delayOf } from './select.js';
import type { HttpFault } from './types.js';

/** Holds the request for `fixedMs ± jitterMs` before it goes on (a client that gives up meanwhile ends it). */
export const delayFault: HttpFault<z.infer<typeof DelayAction>> = {
  type: 'delay',
  apply(fault, { req, res }, next, env) {
    env.injected('delay');
    const ms = delayOf(fault.action, env.rng);
    if (ms <= 0) return next();
    const timer = setTimeout(() => {
      res.off('close', onClose);
      if (!res.destroyed && !req.destroyed) next();
    }, ms);
    const onClose = () => clearTimeout(timer);
    res.once('close', onClose);
  },
};
