import http from 'node:http';
import type { z } from 'zod';
import type { AbortAction } from '../schema/faults.js';
import type { HttpExchange, HttpFault } from './types.js';

/** Answers with the given status from the sidecar itself; the request never reaches the app/upstream. */
export function answerLocally(x: HttpExchange, status: number, reason: string): void {
  const { req, res } = x;
  req.resume(); // let the client finish sending; the body is discarded
  const body = `${reason}\n`;
  res.writeHead(status, http.STATUS_CODES[status] ?? 'Fault', [
    'content-type',
    'text/plain; charset=utf-8',
    'content-length',
    String(Buffer.byteLength(body)),
    'x-meshdev-reason',
    reason.replace(/[^\x20-\x7e]/g, '?'),
  ]);
  res.end(req.method === 'HEAD' ? undefined : body);
}

export const abortFault: HttpFault<z.infer<typeof AbortAction>> = {
  type: 'abort',
  apply(fault, x, _next, env) {
    env.injected('abort');
    answerLocally(x, fault.action.status, `fault-injected: abort ${fault.action.status} (fault ${fault.id})`);
  },
};
