import { writeLocalAnswer } from '../http/headers.js';
import type { z } from 'zod';
import type { AbortAction } from '../schema/faults.js';
import type { HttpExchange, HttpFault } from './types.js';

/** Answers with the given status from the sidecar itself; the request never reaches the app/upstream. */
export function answerLocally(x: HttpExchange, status: number, reason: string): void {
  x.req.resume(); // let the client finish sending; the body is discarded
  writeLocalAnswer(x.res, status, reason);
}

export const abortFault: HttpFault<z.infer<typeof AbortAction>> = {
  type: 'abort',
  apply(fault, x, _next, env) {
    env.injected('abort');
    answerLocally(x, fault.action.status, `fault-injected: abort ${fault.action.status} (fault ${fault.id})`);
  },
};
