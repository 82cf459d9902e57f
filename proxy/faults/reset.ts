import type { Socket } from 'node:net';
import type { z } from 'zod';
import type { ResetAction } from '../schema/faults.js';
import type { HttpFault } from './types.js';

/** Closes with a TCP RST (not a FIN): what a crashed peer or a middlebox dropping state looks like. */
export function resetSocket(socket: Socket): void {
  if (typeof socket.resetAndDestroy === 'function' && !socket.destroyed) socket.resetAndDestroy();
  else socket.destroy();
}

export const resetFault: HttpFault<z.infer<typeof ResetAction>> = {
  type: 'reset',
  apply(_fault, { req }, _next, env) {
    env.injected('reset');
    resetSocket(req.socket);
  },
};
