import type { z } from 'zod';
import type { BandwidthAction } from '../schema/faults.js';
import { BandwidthPacer, paceWrites } from './pacing.js';
import type { HttpFault } from './types.js';

/** The response body leaves at `bytesPerSecond` (paced at the writer, so the upstream sees backpressure). */
export const bandwidthFault: HttpFault<z.infer<typeof BandwidthAction>> = {
  type: 'bandwidth',
  apply(fault, { res }, next, env) {
    env.injected('bandwidth');
    paceWrites(res, new BandwidthPacer(fault.action.bytesPerSecond));
    next();
  },
};
