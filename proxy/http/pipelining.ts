import type { IncomingMessage, ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { clientErrorAnswer } from './request-framing.js';

/**
 * Answers on one client connection stay in order and whole. Node answers pipelined requests one
 * after the other, but two things it leaves to its user break that: an error answer written
 * straight to the socket (the 'clientError' listener) lands wherever the answer in progress is, in
 * the middle of a chunked body or before the answer to a POST that ran; and a connection handed
 * over by 'upgrade' is no longer its to manage while earlier answers are still being written.
 *
 * Node keeps that state in fields of its own on the socket (no public API exposes it); they are
 * read here and nowhere else: `_httpMessage`, the answer being written (the next one is attached
 * when it finishes, before its 'close'), and `parser.incoming`, the request being read.
 */
type ServerSocket = Duplex & {
  _httpMessage?: ServerResponse | null;
  parser?: { incoming?: IncomingMessage | null } | null;
  bytesRead?: number;
};

/** Is an answer due on this connection (one being written, or waiting behind it)? */
export function answerInProgress(socket: Duplex): boolean {
  return (socket as ServerSocket)._httpMessage != null;
}

/**
 * Calls `then` once the connection has written every answer due (those to the requests read before),
 * or never when it closes first. With `upTo`, it stops before that request's own answer: `then`
 * runs while that answer is the one on the connection.
 */
export function afterAnswersDue(socket: Duplex, then: () => void, upTo?: IncomingMessage): void {
  const answering = (socket as ServerSocket)._httpMessage;
  if (answering == null || (upTo !== undefined && answering.req === upTo)) {
    if (!socket.destroyed) then();
    return;
  }
  answering.once('close', () => {
    if (!socket.destroyed) afterAnswersDue(socket, then, upTo);
  });
}

/**
 * `afterAnswersDue` for a connection Node handed over ('upgrade'): it took its 'drain' listener off,
 * so 'drain' is passed on to the answer being written meanwhile, or a streaming answer would stall.
 */
export function afterAnswersDueOnHandedOver(socket: Duplex, then: () => void): void {
  if (!answerInProgress(socket)) return then();
  socket.on('drain', relayDrain);
  afterAnswersDue(socket, () => {
    socket.off('drain', relayDrain);
    then();
  });
}

function relayDrain(this: Duplex): void {
  (this as ServerSocket)._httpMessage?.emit('drain');
}

/**
 * Node 20 never emits 'close' for an answer still queued behind another when the connection closes
 * (it destroys it, which without a socket does nothing; Node 26 does emit it), nor does any version
 * once the connection was handed over ('upgrade'). Its exchange would then wait forever, holding a
 * circuit-breaker slot. So the 'close' is emitted here, once, as Node 26 does. Per pipelined
 * request only: an answer written at once has its socket, and Node's own 'close'.
 */
const QUEUED = Symbol('meshdev.queuedAnswers');

export function closeQueuedAnswerWithConnection(req: IncomingMessage, res: ServerResponse): void {
  const socket = req.socket as IncomingMessage['socket'] & { [QUEUED]?: Set<ServerResponse> };
  let queued = socket[QUEUED];
  if (queued === undefined) {
    // One listener per connection, however many requests a client pipelines.
    queued = socket[QUEUED] = new Set();
    socket.once('close', closeQueuedAnswers);
  }
  queued.add(res);
  res.once('socket', () => queued.delete(res));
}

function closeQueuedAnswers(this: Duplex & { [QUEUED]?: Set<ServerResponse> }): void {
  const queued = this[QUEUED];
  if (queued === undefined) return;
  for (const res of queued) {
    const r = res as ServerResponse & { _closed?: boolean };
    if (r._closed === true) continue;
    r._closed = true;
    r.destroyed = true;
    r.emit('close');
  }
  queued.clear();
}

const ANSWERING_ERROR = Symbol('meshdev.answeringClientError');

/**
 * The server's 'clientError': a request head Node's parser refused, a broken request body, or a
 * header timeout. Answers already due are completed first, then the error answer (400, 408, 431...)
 * is written and the connection closes, since what follows the bad bytes cannot be framed. When the
 * error is in the body of a request already passed on, that request's own answer cannot be right:
 * the error answer takes its place if it has not started, else the connection is cut (the client
 * sees an incomplete answer, never a wrong one). Runs once per connection (the parser repeats its
 * error on every later chunk). Returns the status answered (0: closed without one).
 */
export function answerClientError(err: Error & { code?: string }, socket: Duplex): number {
  const s = socket as ServerSocket & { [ANSWERING_ERROR]?: true };
  if (s[ANSWERING_ERROR]) return 0;
  s[ANSWERING_ERROR] = true;
  if (!socket.writable) {
    socket.destroy();
    return 0;
  }
  const reading = s.parser?.incoming;
  const broken = reading != null && !reading.complete ? reading : undefined;
  const status = clientErrorAnswer(err.code, s.bytesRead ?? 0);
  afterAnswersDue(
    socket,
    () => {
      const answering = s._httpMessage;
      // A `connection: close` answer has ended the connection by now: nothing may follow it.
      if (status === 0 || !socket.writable || answering?.headersSent === true) {
        socket.destroy();
        return;
      }
      // The broken request's answer (if any) sees the connection's 'close' and ends its exchange.
      endLingering(socket, errorAnswer(status, err.code));
    },
    broken,
  );
  return status;
}

/**
 * How long a connection that was answered and ended may still receive before it is closed. Closed
 * at once, a client still sending (the rest of a body) would get a reset, and its TCP stack may then
 * drop the answer before the client read it; left open, a client that never closes would hold it.
 */
export const LINGER_MS = 2000;

/** Writes `last` (if any), ends the connection, and closes it when the client does or after LINGER_MS. */
export function endLingering(socket: Duplex, last?: string): void {
  socket.end(last);
  socket.resume(); // what still arrives is read and dropped, so that the client's close is seen
  if (socket.destroyed) return;
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  socket.once('close', () => clearTimeout(timer));
}

function errorAnswer(status: number, code: string | undefined): string {
  const reason =
    status === 408
      ? 'request-timeout: no complete request head within the header timeout'
      : `malformed-request: ${(code ?? 'unknown').replace(/[^\x21-\x7e]/g, '?')}`;
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nconnection: close\r\ncontent-length: 0\r\nx-meshdev-reason: ${reason}\r\n\r\n`;
}
