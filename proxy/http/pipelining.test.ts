import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { afterAnswersDue, answerClientError, closeQueuedAnswerWithConnection } from './pipelining.js';

/**
 * A server connection as Node leaves it (`_httpMessage`: the answer being written; `parser.incoming`:
 * the request being read), over a PassThrough that collects what is written to it.
 */
function connection(opts: { bytesRead?: number } = {}) {
  const socket = Object.assign(new PassThrough(), {
    _httpMessage: null as FakeAnswer | null,
    parser: { incoming: null as { complete: boolean } | null },
    bytesRead: opts.bytesRead ?? 100,
  });
  let written = '';
  socket.on('data', (d: Buffer) => (written += String(d)));
  return { socket, written: () => written };
}

type FakeAnswer = EventEmitter & { req: unknown; headersSent: boolean };
function answer(req: unknown = {}, headersSent = false): FakeAnswer {
  return Object.assign(new EventEmitter(), { req, headersSent });
}

/** Node finishing the answer in progress: the next one (if any) takes its place, then 'close'. */
function finish(socket: { _httpMessage: FakeAnswer | null }, next: FakeAnswer | null = null): void {
  const done = socket._httpMessage!;
  socket._httpMessage = next;
  done.emit('close');
}

const tick = () => new Promise((r) => setImmediate(r));
const parseError = Object.assign(new Error('Parse Error'), { code: 'HPE_INVALID_METHOD' });

afterEach(() => vi.useRealTimers());

describe('answerClientError', () => {
  it('answers at once when no answer is due, and ends the connection', async () => {
    const { socket, written } = connection();
    expect(answerClientError(parseError, socket)).toBe(400);
    await tick();
    expect(written()).toBe(
      'HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\nx-meshdev-reason: malformed-request: HPE_INVALID_METHOD\r\n\r\n',
    );
    expect(socket.writableEnded).toBe(true);
  });

  it('completes every answer due first: nothing is written in the middle of one', async () => {
    const { socket, written } = connection();
    const second = answer();
    socket._httpMessage = answer();
    answerClientError(parseError, socket);
    await tick();
    expect(written()).toBe('');
    finish(socket, second);
    await tick();
    expect(written()).toBe('');
    finish(socket);
    await tick();
    expect(written()).toMatch(/^HTTP\/1\.1 400 /);
  });

  it('writes nothing after an answer that closed the connection', async () => {
    const { socket, written } = connection();
    socket._httpMessage = answer();
    answerClientError(parseError, socket);
    socket.end();
    finish(socket);
    await tick();
    expect(written()).toBe('');
    expect(socket.destroyed).toBe(true);
  });

  it('puts the error answer in place of the answer of a request whose body broke, if it has not started', async () => {
    const { socket, written } = connection();
    const broken = { complete: false };
    socket.parser.incoming = broken;
    socket._httpMessage = answer();
    answerClientError(parseError, socket);
    finish(socket, answer(broken));
    await tick();
    expect(written()).toMatch(/^HTTP\/1\.1 400 /);
  });

  it('cuts the connection when the answer of a request whose body broke has started', async () => {
    const { socket, written } = connection();
    const broken = { complete: false };
    socket.parser.incoming = broken;
    socket._httpMessage = answer(broken, true);
    answerClientError(parseError, socket);
    await tick();
    expect(written()).toBe('');
    expect(socket.destroyed).toBe(true);
  });

  it('runs once per connection, though the parser repeats its error', async () => {
    const { socket, written } = connection();
    expect(answerClientError(parseError, socket)).toBe(400);
    expect(answerClientError(parseError, socket)).toBe(0);
    await tick();
    expect(written().match(/HTTP\/1\.1/g)).toHaveLength(1);
  });

  it('closes a connection that timed out without sending a byte silently, and answers 408 to one that did', async () => {
    const timeout = Object.assign(new Error('Request timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' });
    const silent = connection({ bytesRead: 0 });
    expect(answerClientError(timeout, silent.socket)).toBe(0);
    await tick();
    expect(silent.written()).toBe('');
    expect(silent.socket.destroyed).toBe(true);
    const slow = connection({ bytesRead: 7 });
    expect(answerClientError(timeout, slow.socket)).toBe(408);
    await tick();
    expect(slow.written()).toMatch(/^HTTP\/1\.1 408 Request Timeout/);
  });

  it('closes a connection the client does not close within the linger time', async () => {
    vi.useFakeTimers();
    const { socket } = connection();
    answerClientError(parseError, socket);
    expect(socket.destroyed).toBe(false);
    vi.advanceTimersByTime(2000);
    expect(socket.destroyed).toBe(true);
  });
});

describe('afterAnswersDue', () => {
  it('stops before the answer of a given request', async () => {
    const { socket } = connection();
    const req = {};
    socket._httpMessage = answer();
    let ran = false;
    afterAnswersDue(socket, () => (ran = true), req as IncomingMessage);
    finish(socket, answer(req));
    expect(ran).toBe(true);
  });

  it('never runs when the connection closes first', () => {
    const { socket } = connection();
    socket._httpMessage = answer();
    let ran = false;
    afterAnswersDue(socket, () => (ran = true));
    socket.destroy();
    finish(socket);
    expect(ran).toBe(false);
  });
});

describe('closeQueuedAnswerWithConnection', () => {
  function queued() {
    const socket = new EventEmitter();
    const res = Object.assign(new EventEmitter(), { destroyed: false });
    const closes = { n: 0 };
    res.on('close', () => closes.n++);
    closeQueuedAnswerWithConnection({ socket } as unknown as IncomingMessage, res as unknown as ServerResponse);
    return { socket, res, closes };
  }

  it("emits the queued answer's 'close' (once) when its connection closes before it was written", () => {
    const { socket, res, closes } = queued();
    socket.emit('close');
    socket.emit('close');
    expect(closes.n).toBe(1);
    expect(res.destroyed).toBe(true);
  });

  it('leaves an answer that reached its connection to Node', () => {
    const { socket, res, closes } = queued();
    res.emit('socket', socket);
    socket.emit('close');
    expect(closes.n).toBe(0);
  });
});
